#!/usr/bin/env node
// SIP.js (the `sip.js` npm package) as an interop peer of sipua, in node,
// over the WebSocket that SIP.js opens to sipua (SIP.js is a WebSocket client
// only). No browser and no WebRTC: a small SessionDescriptionHandler offers
// and answers plain RTP/AVP audio (PCMU, PCMA, telephone-event) on a UDP
// socket of 127.0.0.1 that counts what arrives and sends nothing.
//
//   node peer.mjs call TARGET --server ws://127.0.0.1:PORT
//        [--dtmf 123] [--hangup-after S] [--expect established|rejected[=CODE]]
//        [--refer URI [--refer-after S]] [--accept-refer]
//   node peer.mjs answer --server ws://127.0.0.1:PORT
//        [--mode accept|reject[=CODE]] [--ring S] [--hangup-after S]
//   common: [--timeout S] [--trace FILE] [--debug] [--user NAME]
//
// Transfer (REFER, RFC 3515), on the call:
//   --refer URI      once established (and --refer-after S later), transfer
//                    the peer to URI with Session.refer(); every NOTIFY is
//                    accepted and logged, and the final one (a sipfrag
//                    status of 200 or more) makes us hang up.
//   --accept-refer   a REFER from the peer is accepted (202) and followed:
//                    Referral.makeInviter() calls its target, over the same
//                    WebSocket, and SIP.js reports that call's progress to
//                    the peer by NOTIFY. --hangup-after then applies to the
//                    new call; the first one is left to the peer to end.
//
// stdout: one JSON object per line per event ("connected", "state" with
// Establishing/Established/Terminated, "progress", "accepted", "rejected",
// "invite", "dtmf" received by INFO, "dtmf_sent" with the INFO's status,
// "bye", "refer", "refer_response", "notify", "referral", "result"); the
// events of a call carry its number, "session" (2: the call a referral
// made). --trace FILE writes every SIP message sent and received; --debug
// prints all of SIP.js's log on stderr.
//
// Exit status: 0 when the outcome is the expected one (call: established
// then ended by a BYE from either side, every DTMF INFO answered 2xx, or
// with --expect rejected[=CODE] a rejection with that code; with --refer,
// also the REFER answered 2xx and a final NOTIFY whose sipfrag is 2xx; with
// --accept-refer, also a REFER received and its call established then ended
// by a BYE; answer: the INVITE accepted and the call ended by a BYE, or
// rejected as asked), 1 otherwise (also on --timeout, default 20 s), 2 usage
// error.

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
            "                         [--refer URI [--refer-after S]] [--accept-refer]\n" +
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
    refer: null,
    referAfter: 0,
    acceptRefer: false,
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
    else if (a === "--refer" && mode === "call") opt.refer = v();
    else if (a === "--refer-after" && mode === "call") opt.referAfter = seconds(a, v());
    else if (a === "--accept-refer" && mode === "call") opt.acceptRefer = true;
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
if (opt.refer && !UserAgent.makeURI(opt.refer)) usage(`--refer '${opt.refer}' is not a SIP URI`);
if ((opt.refer || opt.acceptRefer) && opt.expect !== "established") usage("--refer and --accept-refer need an established call");

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
            if (!finished && sessions.some((c) => !c.ended)) finish(false, "the WebSocket closed during a call");
        },
        onInvite: (invitation) => onInvite(invitation),
    },
});

// One record per call: the first one (the INVITE we send or answer), and
// with --accept-refer the one a referral makes.
const sessions = [];
const state = { dtmfOk: true, rejected: 0, rejectSent: false };
const transfer = { referCode: null, notifies: [], finalCode: 0, referral: null, referralError: null };

function watch(session) {
    const call = { n: sessions.length + 1, session, established: false, ended: false, byUs: false, byeResponse: null };
    sessions.push(call);
    const ev = (event, fields = {}) => emit(event, { session: call.n, ...fields });
    call.emit = ev;
    session.delegate = {
        // INFO with application/dtmf-relay (what sipua sends for DTMF)
        onInfo: (info) => {
            const req = info.request;
            const ct = req.getHeader("content-type") || "";
            const body = req.body || "";
            const tone = /Signal\s*=\s*([0-9A-D#*])/i.exec(body);
            const duration = /Duration\s*=\s*(\d+)/i.exec(body);
            if (!/^application\/dtmf-relay/i.test(ct) || !tone) {
                ev("info", { content_type: ct, accepted: false });
                info.reject({ statusCode: 415 });
                return;
            }
            info.accept();
            ev("dtmf", { tone: tone[1].toUpperCase(), duration: duration ? Number(duration[1]) : null });
        },
        onBye: (bye) => {
            ev("bye", { from: "peer" });
            bye.accept();
        },
        // a NOTIFY outside a REFER of ours (Session.refer's onNotify takes those)
        onNotify: (notification) => {
            ev("notify", { ...describeNotify(notification.request), unexpected: true });
            notification.accept();
        },
        onRefer: (referral) => onRefer(call, referral),
    };
    session.stateChange.addListener((s) => {
        ev("state", { state: s });
        if (s === SessionState.Established) {
            call.established = true;
            onEstablished(call);
        } else if (s === SessionState.Terminated) {
            call.ended = true;
            // SIP.js calls an Inviter's onReject just after this transition
            setTimeout(onTerminated, 20);
        }
    });
    return call;
}

async function hangup(call) {
    const session = call.session;
    if (session.state !== SessionState.Established) return;
    call.byUs = true;
    call.emit("bye", { from: "us" });
    // SIP.js ends the session when it sends the BYE; its response is waited
    // for before the result (byeResponse)
    let resolve;
    call.byeResponse = new Promise((r) => (resolve = r));
    const got = (r) => {
        call.emit("bye_response", { code: r.message.statusCode, reason: r.message.reasonPhrase });
        resolve(r.message.statusCode);
    };
    await session.bye({ requestDelegate: { onAccept: got, onReject: got } }).catch((e) => resolve(`error: ${e.message}`));
}

async function sendDtmf(call) {
    const session = call.session;
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
        call.emit("dtmf_sent", { tone, code });
        if (!(typeof code === "number" && code >= 200 && code < 300)) state.dtmfOk = false;
        await sleep(0.2);
    }
}

// What a NOTIFY of the REFER's subscription says: its message/sipfrag
// status line and code, Event, Subscription-State and Content-Type.
function describeNotify(req) {
    const body = (req.body || "").trim();
    const line = /^SIP\/2\.0 (\d{3})[^\r\n]*/.exec(body);
    return {
        sipfrag: line ? line[0] : body.split(/\r?\n/)[0],
        code: line ? Number(line[1]) : null,
        event_header: req.getHeader("event") || null,
        subscription_state: req.getHeader("subscription-state") || null,
        content_type: req.getHeader("content-type") || null,
    };
}

// --refer: transfer the peer, follow the NOTIFYs, hang up after the last.
async function refer(call) {
    const session = call.session;
    if (session.state !== SessionState.Established) return;
    const target = UserAgent.makeURI(opt.refer);
    call.emit("refer", { to: target.toString() });
    const got = (r) => {
        transfer.referCode = r.message.statusCode;
        call.emit("refer_response", { code: r.message.statusCode, reason: r.message.reasonPhrase });
        if (r.message.statusCode >= 300) after(0.2, () => hangup(call));
    };
    await session
        .refer(target, {
            requestDelegate: { onAccept: got, onReject: got },
            onNotify: (notification) => {
                const d = describeNotify(notification.request);
                transfer.notifies.push(d);
                call.emit("notify", d);
                notification.accept();
                if (d.code >= 200 && !transfer.finalCode) {
                    transfer.finalCode = d.code;
                    after(0.2, () => hangup(call).catch((e) => call.emit("error", { message: e.message })));
                }
            },
        })
        .catch((e) => {
            transfer.referCode = `error: ${e.message}`;
            call.emit("error", { message: `cannot refer: ${e.message}` });
            hangup(call);
        });
}

// --accept-refer: the peer transfers us; SIP.js's own way of following a
// referral (what Session does without an onRefer delegate), with the new
// call watched as session 2.
function onRefer(call, referral) {
    const fields = { to: referral.referTo.uri.toString(), referred_by: referral.referredBy || null };
    if (!opt.acceptRefer || transfer.referral) {
        call.emit("referral", { ...fields, accepted: false });
        referral.reject({ statusCode: 603 }).catch(() => {});
        return;
    }
    call.emit("referral", { ...fields, accepted: true });
    transfer.referral = fields;
    referral
        .accept()
        .then(() => {
            const inviter = referral.makeInviter();
            return invite(inviter, watch(inviter));
        })
        .catch((e) => {
            transfer.referralError = e.message;
            call.emit("error", { message: `cannot follow the referral: ${e.message}` });
        });
}

// Sends the INVITE of an Inviter watched as `call`; its responses are events.
function invite(inviter, call) {
    const status = (r) => ({ code: r.message.statusCode, reason: r.message.reasonPhrase });
    return inviter.invite({
        requestDelegate: {
            onProgress: (r) => call.emit("progress", status(r)),
            onAccept: (r) => call.emit("accepted", status(r)),
            onReject: (r) => {
                call.rejected = r.message.statusCode;
                if (call.n === 1) state.rejected = call.rejected;
                call.emit("rejected", status(r));
            },
        },
    });
}

async function onEstablished(call) {
    if (call.n === 1 && mode === "call" && opt.dtmf) await sendDtmf(call);
    if (call.n === 1 && opt.refer) after(opt.referAfter, () => refer(call));
    // with --accept-refer the first call is the transferor's to end
    const hangs = opt.acceptRefer ? call.n === 2 : call.n === 1;
    if (hangs && opt.hangupAfter >= 0) after(opt.hangupAfter, () => hangup(call).catch((e) => call.emit("error", { message: e.message })));
}

// Our BYE on this call got a 2xx (within 4 s): true, else the problem.
async function byeOk(call) {
    if (!call.byeResponse) return true;
    const code = await Promise.race([call.byeResponse, sleep(4).then(() => "none within 4 s")]);
    return typeof code === "number" && code >= 200 && code < 300 ? true : `our BYE was answered ${code}`;
}

const byWhom = (call) => ({ by: call.byUs ? "us" : "peer" });

async function onTerminated() {
    // the result once every call has ended (a referral may still bring one)
    if (sessions.some((c) => !c.ended)) return;
    for (const c of sessions) {
        const ok = await byeOk(c);
        if (ok !== true) return finish(false, sessions.length > 1 ? `call ${c.n}: ${ok}` : ok);
    }
    const first = sessions[0];
    if (mode === "call") {
        if (opt.expect === "established") {
            if (!first.established) return finish(false, "not established", { rejected: state.rejected || null });
            if (!state.dtmfOk) return finish(false, "a DTMF INFO was not answered 2xx");
            if (opt.refer) {
                const fields = { ...byWhom(first), refer: transfer.referCode, notify: transfer.notifies.map((d) => d.code) };
                if (!(typeof transfer.referCode === "number" && transfer.referCode >= 200 && transfer.referCode < 300))
                    return finish(false, `the REFER was answered ${transfer.referCode}`, fields);
                if (!transfer.finalCode) return finish(false, "no final NOTIFY", fields);
                if (transfer.finalCode >= 300) return finish(false, `the transfer failed: NOTIFY ${transfer.finalCode}`, fields);
                return finish(true, `transferred (NOTIFY ${transfer.finalCode}), ended by ${first.byUs ? "us" : "the peer"}`, fields);
            }
            if (opt.acceptRefer) {
                const second = sessions[1];
                if (!transfer.referral) return finish(false, "no REFER came", byWhom(first));
                if (!second) return finish(false, `the referral made no call: ${transfer.referralError}`, byWhom(first));
                const fields = { ...byWhom(first), transfer_call: { established: second.established, ...byWhom(second) } };
                if (!second.established) return finish(false, `the referral's call was not established (${second.rejected || "no answer"})`, fields);
                return finish(true, `referred; call 1 ended by ${first.byUs ? "us" : "the peer"}, call 2 by ${second.byUs ? "us" : "the peer"}`, fields);
            }
            return finish(true, `ended by ${first.byUs ? "us" : "the peer"}`, byWhom(first));
        }
        if (first.established) return finish(false, "established, but a rejection was expected");
        if (!state.rejected) return finish(false, "ended without a final response");
        if (opt.expectCode && state.rejected !== opt.expectCode)
            return finish(false, `rejected ${state.rejected}, expected ${opt.expectCode}`, { code: state.rejected });
        return finish(true, `rejected ${state.rejected}`, { code: state.rejected });
    }
    if (opt.answer === "reject") return finish(!first.established && state.rejectSent, `rejected ${opt.rejectCode}`, { code: opt.rejectCode });
    if (!first.established) return finish(false, "not established");
    return finish(true, `ended by ${first.byUs ? "us" : "the peer"}`, byWhom(first));
}

async function onInvite(invitation) {
    if (mode !== "answer" || sessions.length) {
        invitation.reject({ statusCode: 486 }).catch(() => {});
        return;
    }
    const req = invitation.request;
    emit("invite", { from: req.from.uri.toString(), to: req.to.uri.toString(), ruri: req.ruri.toString(), call_id: req.callId });
    const call = watch(invitation);
    try {
        if (opt.answer === "reject") {
            await invitation.reject({ statusCode: opt.rejectCode });
            state.rejectSent = true;
            call.emit("rejected", { code: opt.rejectCode, by: "us" });
            return;
        }
        if (opt.ring > 0) {
            await invitation.progress({ statusCode: 180 });
            call.emit("progress", { code: 180, by: "us" });
            await sleep(opt.ring);
        }
        await invitation.accept();
        call.emit("accepted", { code: 200, by: "us" });
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
    try {
        await invite(inviter, watch(inviter));
    } catch (e) {
        emit("error", { message: e.message });
        finish(false, `cannot invite: ${e.message}`);
    }
} else {
    emit("waiting", { contact: ua.contact.uri.toString() });
}
