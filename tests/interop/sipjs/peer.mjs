#!/usr/bin/env node
// SIP.js (the `sip.js` npm package) as an interop peer of sipua, in node,
// over the WebSocket that SIP.js opens to sipua (SIP.js is a WebSocket client
// only). No browser and no WebRTC: a small SessionDescriptionHandler offers
// and answers plain RTP/AVP audio (PCMU, PCMA, telephone-event) on a UDP
// socket of 127.0.0.1 that counts what arrives and sends nothing.
//
//   node peer.mjs call TARGET --server ws://127.0.0.1:PORT
//        [--dtmf 123] [--hangup-after S] [--expect established|rejected[=CODE]]
//   node peer.mjs answer --server ws://127.0.0.1:PORT
//        [--mode accept|reject[=CODE]] [--ring S] [--hangup-after S]
//   common: [--timeout S] [--trace FILE] [--debug] [--user NAME]
//
// stdout: one JSON object per line per event ("connected", "state" with
// Establishing/Established/Terminated, "progress", "accepted", "rejected",
// "invite", "dtmf" received by INFO, "dtmf_sent" with the INFO's status,
// "bye", "result"). --trace FILE writes every SIP message sent and received;
// --debug prints all of SIP.js's log on stderr.
//
// Exit status: 0 when the outcome is the expected one (call: established
// then ended by a BYE from either side, every DTMF INFO answered 2xx, or
// with --expect rejected[=CODE] a rejection with that code; answer: the
// INVITE accepted and the call ended by a BYE, or rejected as asked), 1
// otherwise (also on --timeout, default 20 s), 2 usage error.

import dgram from "node:dgram";
import fs from "node:fs";
import { WebSocket } from "ws";

// SIP.js's transport uses the global WebSocket of browsers; node 20 has one
// only with --experimental-websocket. The ws package's class has the same
// interface (addEventListener, binaryType, send, close).
if (typeof globalThis.WebSocket === "undefined") globalThis.WebSocket = WebSocket;

const { Inviter, SessionState, UserAgent } = await import("sip.js");

const t0 = Date.now();
function emit(event, fields = {}) {
    process.stdout.write(JSON.stringify({ t: (Date.now() - t0) / 1000, event, ...fields }) + "\n");
}

function usage(msg) {
    if (msg) process.stderr.write(`peer.mjs: ${msg}\n`);
    process.stderr.write(
        "usage: node peer.mjs call TARGET --server WS_URL [--dtmf TONES] [--hangup-after S]\n" +
            "                         [--expect established|rejected[=CODE]]\n" +
            "       node peer.mjs answer --server WS_URL [--mode accept|reject[=CODE]] [--ring S]\n" +
            "                         [--hangup-after S]\n" +
            "       common: [--timeout S] [--trace FILE] [--debug] [--user NAME]\n"
    );
    process.exit(2);
}

// ---------------------------------------------------------------------------
// Command line

const args = process.argv.slice(2);
const mode = args.shift();
if (mode !== "call" && mode !== "answer") usage(mode ? `unknown mode '${mode}'` : "no mode");
const opt = {
    target: null,
    server: null,
    dtmf: "",
    hangupAfter: -1,
    expect: "established",
    expectCode: 0,
    answer: "accept",
    rejectCode: 480,
    ring: 0,
    timeout: 20,
    trace: null,
    debug: false,
    user: "sipjs",
};
function seconds(name, v) {
    const d = Number(v);
    if (v === undefined || v === "" || !Number.isFinite(d) || d < 0 || d > 3600)
        usage(`bad ${name} value '${v}' (seconds)`);
    return d;
}
function code(name, v, lo, hi) {
    const c = Number(v);
    if (!Number.isInteger(c) || c < lo || c > hi) usage(`bad ${name} code '${v}' (${lo}..${hi})`);
    return c;
}
while (args.length) {
    const a = args.shift();
    const v = () => {
        if (!args.length) usage(`${a} needs a value`);
        return args.shift();
    };
    if (a === "--server") opt.server = v();
    else if (a === "--dtmf" && mode === "call") {
        opt.dtmf = v();
        if (!/^[0-9A-D#*]+$/i.test(opt.dtmf)) usage(`bad --dtmf '${opt.dtmf}' (0-9 A-D # *)`);
        opt.dtmf = opt.dtmf.toUpperCase();
    } else if (a === "--hangup-after") opt.hangupAfter = seconds(a, v());
    else if (a === "--timeout") opt.timeout = seconds(a, v());
    else if (a === "--ring" && mode === "answer") opt.ring = seconds(a, v());
    else if (a === "--trace") opt.trace = v();
    else if (a === "--debug") opt.debug = true;
    else if (a === "--user") opt.user = v();
    else if (a === "--expect" && mode === "call") {
        const m = /^(established|rejected)(?:=(\d+))?$/.exec(v());
        if (!m || (m[1] === "established" && m[2])) usage("bad --expect (established, rejected[=CODE])");
        opt.expect = m[1];
        opt.expectCode = m[2] ? code(a, m[2], 300, 699) : 0;
    } else if (a === "--mode" && mode === "answer") {
        const m = /^(accept|reject)(?:=(\d+))?$/.exec(v());
        if (!m || (m[1] === "accept" && m[2])) usage("bad --mode (accept, reject[=CODE])");
        opt.answer = m[1];
        if (m[2]) opt.rejectCode = code(a, m[2], 300, 699);
    } else if (a.startsWith("-")) usage(`unknown option ${a}`);
    else if (mode === "call" && !opt.target) opt.target = a;
    else usage(`unexpected argument '${a}'`);
}
if (!opt.server || !/^wss?:\/\//.test(opt.server)) usage("--server ws://HOST:PORT is required");
if (mode === "call" && !opt.target) usage("call needs a TARGET (sip:user@host:port;transport=ws)");

// ---------------------------------------------------------------------------
// Trace of the SIP messages (SIP.js logs them at debug level in sip.Transport)

const traceFd = opt.trace ? fs.openSync(opt.trace, "w") : null;
function logConnector(level, category, label, content) {
    if (traceFd !== null && category === "sip.Transport" && /WebSocket (text )?message/.test(content)) {
        fs.writeSync(traceFd, `----- ${((Date.now() - t0) / 1000).toFixed(3)} s ${content}\n`);
    } else if (opt.debug || level === "error" || level === "warn") {
        process.stderr.write(`sip.js ${level} ${category}: ${content}\n`);
    }
}

// ---------------------------------------------------------------------------
// Media: a UDP socket that receives RTP (and counts it), sends nothing

const rtp = dgram.createSocket("udp4");
let rtpPackets = 0;
rtp.on("message", () => rtpPackets++);
await new Promise((resolve, reject) => {
    rtp.once("error", reject);
    rtp.bind(0, "127.0.0.1", resolve);
});
const rtpPort = rtp.address().port;

// SIP.js's SessionDescriptionHandler interface, for plain RTP/AVP SDP.
class PlainSdpHandler {
    constructor() {
        this.remote = null; // the peer's SDP, parsed
        this.version = 0;
        this.sessionId = String(Math.floor(Math.random() * 1e9));
    }
    close() {}
    hasDescription(contentType) {
        return /^application\/sdp\b/i.test(contentType || "");
    }
    sendDtmf() {
        return false; // no RTP sender: DTMF goes by INFO
    }
    async setDescription(sdp) {
        const parsed = parseSdp(sdp);
        if (!parsed.audio) throw new Error("the peer's SDP has no m=audio line");
        if (parsed.audio.proto !== "RTP/AVP") throw new Error(`the peer's SDP offers ${parsed.audio.proto}, not RTP/AVP`);
        this.remote = parsed;
        emit("remote_sdp", { proto: parsed.audio.proto, address: parsed.address, port: parsed.audio.port, formats: parsed.audio.formats });
    }
    async getDescription() {
        // an answer carries the offer's formats that we know; an offer all of them
        let formats = [
            [0, "PCMU/8000"],
            [8, "PCMA/8000"],
            [101, "telephone-event/8000"],
        ];
        if (this.remote) {
            const rm = this.remote.audio.rtpmap;
            formats = [];
            for (const pt of this.remote.audio.formats) {
                const name = rm[pt] || (pt === 0 ? "PCMU/8000" : pt === 8 ? "PCMA/8000" : "");
                if (/^(PCMU|PCMA|telephone-event)\/8000$/i.test(name)) formats.push([pt, name]);
            }
            if (!formats.some(([, n]) => !/telephone-event/i.test(n))) throw new Error("no common codec with the peer's offer");
        }
        const lines = [
            "v=0",
            `o=- ${this.sessionId} ${++this.version} IN IP4 127.0.0.1`,
            "s=sip.js",
            "c=IN IP4 127.0.0.1",
            "t=0 0",
            `m=audio ${rtpPort} RTP/AVP ${formats.map(([pt]) => pt).join(" ")}`,
        ];
        for (const [pt, name] of formats) {
            lines.push(`a=rtpmap:${pt} ${name}`);
            if (/telephone-event/i.test(name)) lines.push(`a=fmtp:${pt} 0-16`);
        }
        lines.push("a=ptime:20", "a=sendrecv");
        return { body: lines.join("\r\n") + "\r\n", contentType: "application/sdp" };
    }
}

function parseSdp(sdp) {
    const out = { address: null, audio: null };
    for (const line of sdp.split(/\r?\n/)) {
        let m;
        if ((m = /^c=IN IP[46] (\S+)/.exec(line)) && !out.address) out.address = m[1];
        else if ((m = /^m=(\w+) (\d+)(?:\/\d+)? (\S+) ?(.*)$/.exec(line))) {
            if (m[1] === "audio" && !out.audio)
                out.audio = { port: Number(m[2]), proto: m[3], formats: m[4].split(/\s+/).filter(Boolean).map(Number), rtpmap: {} };
        } else if ((m = /^a=rtpmap:(\d+) (\S+)/.exec(line)) && out.audio) out.audio.rtpmap[Number(m[1])] = m[2];
    }
    return out;
}

// ---------------------------------------------------------------------------
// The user agent

let finished = false;
let ua = null;
async function finish(ok, reason, fields = {}) {
    if (finished) return;
    finished = true;
    emit("result", { ok, reason, rtp_packets: rtpPackets, ...fields });
    clearTimeout(deadline);
    // a bounded goodbye: give the last response time to leave, then go
    await Promise.race([ua ? ua.stop().catch(() => {}) : null, new Promise((r) => setTimeout(r, 1000))]);
    rtp.close();
    if (traceFd !== null) fs.closeSync(traceFd);
    process.exit(ok ? 0 : 1);
}
const deadline = setTimeout(() => {
    emit("timeout", { after: opt.timeout });
    finish(false, `timeout after ${opt.timeout} s`);
}, opt.timeout * 1000);

const sleep = (s) => new Promise((r) => setTimeout(r, s * 1000));
const after = (s, fn) => setTimeout(fn, s * 1000);

ua = new UserAgent({
    uri: UserAgent.makeURI(`sip:${opt.user}@127.0.0.1`),
    transportOptions: { server: opt.server, connectionTimeout: 5 },
    contactName: opt.user,
    viaHost: `${opt.user}.invalid`,
    sessionDescriptionHandlerFactory: () => new PlainSdpHandler(),
    logLevel: opt.trace || opt.debug ? "debug" : "warn",
    logBuiltinEnabled: false,
    logConnector,
    delegate: {
        onDisconnect: (error) => {
            emit("disconnected", { error: error ? String(error.message || error) : null });
            if (!finished && !state.ended) finish(false, "the WebSocket closed during the call");
        },
        onInvite: (invitation) => onInvite(invitation),
    },
});

const state = { established: false, ended: false, byUs: false, byeResponse: null, dtmfOk: true, session: null };

function watch(session) {
    state.session = session;
    // INFO with application/dtmf-relay (what sipua sends for DTMF)
    session.delegate = {
        onInfo: (info) => {
            const req = info.request;
            const ct = req.getHeader("content-type") || "";
            const body = req.body || "";
            const tone = /Signal\s*=\s*([0-9A-D#*])/i.exec(body);
            const duration = /Duration\s*=\s*(\d+)/i.exec(body);
            if (!/^application\/dtmf-relay/i.test(ct) || !tone) {
                emit("info", { content_type: ct, accepted: false });
                info.reject({ statusCode: 415 });
                return;
            }
            info.accept();
            emit("dtmf", { tone: tone[1].toUpperCase(), duration: duration ? Number(duration[1]) : null });
        },
        onBye: (bye) => {
            emit("bye", { from: "peer" });
            bye.accept();
        },
    };
    session.stateChange.addListener((s) => {
        emit("state", { state: s });
        if (s === SessionState.Established) {
            state.established = true;
            onEstablished(session);
        } else if (s === SessionState.Terminated) {
            state.ended = true;
            // SIP.js calls an Inviter's onReject just after this transition
            setTimeout(onTerminated, 20);
        }
    });
}

async function hangup(session) {
    if (session.state !== SessionState.Established) return;
    state.byUs = true;
    emit("bye", { from: "us" });
    // SIP.js ends the session when it sends the BYE; its response is waited
    // for before the result (byeResponse)
    let resolve;
    state.byeResponse = new Promise((r) => (resolve = r));
    const got = (r) => {
        emit("bye_response", { code: r.message.statusCode, reason: r.message.reasonPhrase });
        resolve(r.message.statusCode);
    };
    await session.bye({ requestDelegate: { onAccept: got, onReject: got } }).catch((e) => resolve(`error: ${e.message}`));
}

async function sendDtmf(session) {
    for (const tone of opt.dtmf) {
        if (session.state !== SessionState.Established) return;
        // what SIP.js's SessionManager.sendDTMF does when the description
        // handler's sendDtmf() cannot: INFO with application/dtmf-relay
        const code = await new Promise((resolve) => {
            session
                .info({
                    requestDelegate: {
                        onAccept: (r) => resolve(r.message.statusCode),
                        onReject: (r) => resolve(r.message.statusCode),
                    },
                    requestOptions: {
                        body: {
                            contentDisposition: "render",
                            contentType: "application/dtmf-relay",
                            content: `Signal=${tone}\r\nDuration=160`,
                        },
                    },
                })
                .catch((e) => resolve(`error: ${e.message}`));
        });
        emit("dtmf_sent", { tone, code });
        if (!(typeof code === "number" && code >= 200 && code < 300)) state.dtmfOk = false;
        await sleep(0.2);
    }
}

async function onEstablished(session) {
    if (mode === "call" && opt.dtmf) await sendDtmf(session);
    if (opt.hangupAfter >= 0) after(opt.hangupAfter, () => hangup(session).catch((e) => emit("error", { message: e.message })));
}

async function onTerminated() {
    if (state.byeResponse) {
        const code = await Promise.race([state.byeResponse, sleep(4).then(() => "none within 4 s")]);
        if (!(typeof code === "number" && code >= 200 && code < 300))
            return finish(false, `our BYE was answered ${code}`);
    }
    if (mode === "call") {
        if (opt.expect === "established") {
            if (!state.established) return finish(false, "not established", { rejected: state.rejected || null });
            if (!state.dtmfOk) return finish(false, "a DTMF INFO was not answered 2xx");
            return finish(true, `ended by ${state.byUs ? "us" : "the peer"}`, { by: state.byUs ? "us" : "peer" });
        }
        if (state.established) return finish(false, "established, but a rejection was expected");
        if (!state.rejected) return finish(false, "ended without a final response");
        if (opt.expectCode && state.rejected !== opt.expectCode)
            return finish(false, `rejected ${state.rejected}, expected ${opt.expectCode}`, { code: state.rejected });
        return finish(true, `rejected ${state.rejected}`, { code: state.rejected });
    }
    if (opt.answer === "reject") return finish(!state.established && state.rejectSent, `rejected ${opt.rejectCode}`, { code: opt.rejectCode });
    if (!state.established) return finish(false, "not established");
    return finish(true, `ended by ${state.byUs ? "us" : "the peer"}`, { by: state.byUs ? "us" : "peer" });
}

async function onInvite(invitation) {
    if (mode !== "answer" || state.session) {
        invitation.reject({ statusCode: 486 }).catch(() => {});
        return;
    }
    const req = invitation.request;
    emit("invite", { from: req.from.uri.toString(), to: req.to.uri.toString(), ruri: req.ruri.toString(), call_id: req.callId });
    watch(invitation);
    try {
        if (opt.answer === "reject") {
            await invitation.reject({ statusCode: opt.rejectCode });
            state.rejectSent = true;
            emit("rejected", { code: opt.rejectCode, by: "us" });
            return;
        }
        if (opt.ring > 0) {
            await invitation.progress({ statusCode: 180 });
            emit("progress", { code: 180, by: "us" });
            await sleep(opt.ring);
        }
        await invitation.accept();
        emit("accepted", { code: 200, by: "us" });
    } catch (e) {
        emit("error", { message: e.message });
        finish(false, `cannot answer: ${e.message}`);
    }
}

try {
    await ua.start();
} catch (e) {
    emit("error", { message: `cannot connect to ${opt.server}: ${e.message}` });
    await finish(false, "no WebSocket connection");
}
emit("connected", { server: opt.server, contact: ua.contact.uri.toString() });

if (mode === "call") {
    const target = UserAgent.makeURI(opt.target);
    if (!target) usage(`'${opt.target}' is not a SIP URI`);
    const inviter = new Inviter(ua, target);
    watch(inviter);
    try {
        await inviter.invite({
            requestDelegate: {
                onProgress: (r) => emit("progress", { code: r.message.statusCode, reason: r.message.reasonPhrase }),
                onAccept: (r) => emit("accepted", { code: r.message.statusCode, reason: r.message.reasonPhrase }),
                onReject: (r) => {
                    state.rejected = r.message.statusCode;
                    emit("rejected", { code: r.message.statusCode, reason: r.message.reasonPhrase });
                },
            },
        });
    } catch (e) {
        emit("error", { message: e.message });
        finish(false, `cannot invite: ${e.message}`);
    }
} else {
    emit("waiting", { contact: ua.contact.uri.toString() });
}
