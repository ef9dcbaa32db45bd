#!/usr/bin/env python3
"""Not sipua: a stand-in with the command line of `sipua options` and
`sipua serve`, in Python's standard library, that checks the interop tests
themselves before (and independently of) sipua's commands:

    SIPUA_BIN=tests/interop/sipua-standin.py \
    SIPUA_INTEROP_OPTIONS_TRANSPORTS="udp tcp tls ws wss" \
        bash tests/scripts/interop_sipua_options.sh

A test that fails with the stand-in is wrong; one that passes with it and
fails with sipua points at sipua.

    sipua-standin.py options URI [--transport T] [--count N] [--interval MS] [--ca FILE]
    sipua-standin.py serve --listen SPEC [--listen SPEC...] [--cert FILE --key FILE]

options prints "STATUS REASON" per request (and Allow, Supported, RTT);
exit 0 when every answer was 2xx. serve answers OPTIONS 200 with Allow,
Accept and Supported, ACK with nothing, anything else 405 with Allow, on
udp:, tcp:, tls:, ws:, wss: HOST:PORT listeners, until SIGINT or SIGTERM
(exit 0).
"""

import argparse
import asyncio
import base64
import hashlib
import os
import re
import signal
import ssl
import sys
import time
import types

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sip_probe  # noqa: E402

ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS"


# --------------------------------------------------------------------------
# options

def cmd_options(argv):
    p = argparse.ArgumentParser(prog="sipua options")
    p.add_argument("uri")
    p.add_argument("--transport", default="udp", choices=["udp", "tcp", "tls", "ws", "wss"])
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--interval", type=int, default=1000)
    p.add_argument("--ca")
    a = p.parse_args(argv)
    m = re.match(r"sips?:(?:[^@]*@)?(\[[^\]]+\]|[^:;>]+)(?::(\d+))?", a.uri)
    if not m:
        print("sipua options: bad URI '%s'" % a.uri, file=sys.stderr)
        return 2
    host = m.group(1).strip("[]")
    port = int(m.group(2) or (5061 if a.transport in ("tls", "wss") else 5060))
    ok = True
    for i in range(a.count):
        if i:
            time.sleep(a.interval / 1000.0)
        args = types.SimpleNamespace(transport=a.transport, host=host, port=port, ca=a.ca,
                                     server_name=None, timeout=5.0)
        t0 = time.monotonic()
        try:
            _, data = sip_probe.probe(args)
        except (OSError, sip_probe.ProbeError, ssl.SSLError) as exc:
            print("error: %s" % exc)
            ok = False
            continue
        rtt = (time.monotonic() - t0) * 1000
        text = data.decode("utf-8", "replace")
        status_line = text.split("\r\n", 1)[0]
        print("%s  rtt %.1f ms" % (status_line.split(" ", 1)[1], rtt))
        for line in text.split("\r\n\r\n")[0].split("\r\n")[1:]:
            if line.lower().startswith(("allow:", "supported:")):
                print("  " + line)
        if not status_line.split(" ")[1].startswith("2"):
            ok = False
    return 0 if ok else 1


# --------------------------------------------------------------------------
# serve

def respond(request):
    head = request.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
    lines = head.split("\r\n")
    method = lines[0].split(" ", 1)[0]
    if method == "ACK" or lines[0].startswith("SIP/2.0"):
        return None
    copied = [l for l in lines[1:] if re.match(r"(?i)(via|v|from|f|call-id|i|cseq):", l)]
    to = [l for l in lines[1:] if re.match(r"(?i)(to|t):", l)]
    if to and ";tag=" not in to[0]:
        to[0] += ";tag=standin"
    if method == "OPTIONS":
        first = "SIP/2.0 200 OK"
        extra = ["Allow: " + ALLOW, "Accept: application/sdp", "Supported: replaces"]
    else:
        first = "SIP/2.0 405 Method Not Allowed"
        extra = ["Allow: " + ALLOW]
    out = [first] + copied + to + extra + ["Server: sipua-standin", "Content-Length: 0", "", ""]
    return "\r\n".join(out).encode()


class Udp(asyncio.DatagramProtocol):
    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        reply = respond(data)
        if reply:
            self.transport.sendto(reply, addr)


async def read_message(reader, buf):
    while b"\r\n\r\n" not in buf:
        chunk = await reader.read(65536)
        if not chunk:
            return None, buf
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    m = re.search(rb"(?im)^(?:content-length|l)\s*:\s*(\d+)", head)
    n = int(m.group(1)) if m else 0
    while len(rest) < n:
        chunk = await reader.read(65536)
        if not chunk:
            return None, buf
        rest += chunk
    return head + b"\r\n\r\n" + rest[:n], rest[n:]


async def stream_client(reader, writer):
    buf = b""
    try:
        while True:
            msg, buf = await read_message(reader, buf)
            if msg is None:
                break
            reply = respond(msg)
            if reply:
                writer.write(reply)
                await writer.drain()
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        writer.close()


async def ws_client(reader, writer):
    try:
        head, _ = await read_message(reader, b"")
        if head is None:
            return
        text = head.decode("latin-1")
        key = re.search(r"(?im)^sec-websocket-key:\s*(\S+)", text)
        proto = re.search(r"(?im)^sec-websocket-protocol:\s*(.+)$", text)
        if not key or not proto or "sip" not in [p.strip() for p in proto.group(1).split(",")]:
            writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            return
        accept = base64.b64encode(hashlib.sha1((key.group(1) + sip_probe.WS_GUID).encode()).digest())
        writer.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     b"Sec-WebSocket-Accept: " + accept + b"\r\nSec-WebSocket-Protocol: sip\r\n\r\n")
        while True:
            hdr = await reader.readexactly(2)
            n = hdr[1] & 0x7F
            if n == 126:
                n = int.from_bytes(await reader.readexactly(2), "big")
            elif n == 127:
                n = int.from_bytes(await reader.readexactly(8), "big")
            mask = await reader.readexactly(4) if hdr[1] & 0x80 else b"\0\0\0\0"
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(await reader.readexactly(n)))
            opcode = hdr[0] & 0x0F
            if opcode == 0x8:
                break
            if opcode in (0x1, 0x2):
                reply = respond(payload)
                if reply:
                    n = len(reply)
                    frame = bytes([0x81]) + (bytes([n]) if n < 126 else bytes([126]) + n.to_bytes(2, "big"))
                    writer.write(frame + reply)
                    await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
        pass
    finally:
        writer.close()


async def serve(specs, cert, key):
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    ctx = None
    if any(s[0] in ("tls", "wss") for s in specs):
        if not cert or not key:
            print("sipua serve: tls and wss listeners need --cert and --key", file=sys.stderr)
            return 2
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cert, key)
    closers = []
    for proto, host, port in specs:
        if proto == "udp":
            tr, _ = await loop.create_datagram_endpoint(Udp, local_addr=(host, port))
            closers.append(tr.close)
        else:
            handler = ws_client if proto in ("ws", "wss") else stream_client
            srv = await asyncio.start_server(handler, host, port,
                                             ssl=ctx if proto in ("tls", "wss") else None)
            closers.append(srv.close)
        print("listening on %s:%s:%d" % (proto, host, port), flush=True)
    await stop
    for close in closers:
        close()
    return 0


def cmd_serve(argv):
    p = argparse.ArgumentParser(prog="sipua serve")
    p.add_argument("--listen", action="append", required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    a = p.parse_args(argv)
    specs = []
    for spec in a.listen:
        m = re.fullmatch(r"(udp|tcp|tls|ws|wss):(\[[^\]]+\]|[^:]+):(\d+)", spec)
        if not m:
            print("sipua serve: bad listen spec '%s'" % spec, file=sys.stderr)
            return 2
        specs.append((m.group(1), m.group(2).strip("[]"), int(m.group(3))))
    try:
        return asyncio.run(serve(specs, a.cert, a.key))
    except OSError as exc:
        print("sipua serve: %s" % exc, file=sys.stderr)
        return 1


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in ("options", "serve"):
        print("sipua-standin: unknown command '%s'" % (sys.argv[1] if len(sys.argv) > 1 else ""),
              file=sys.stderr)
        return 2
    return (cmd_options if sys.argv[1] == "options" else cmd_serve)(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
