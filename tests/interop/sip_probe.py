#!/usr/bin/env python3
"""Sends one SIP OPTIONS request over UDP, TCP, TLS, WS or WSS and checks the
answer. Python's standard library only: it is the reference client for the
transports SIPp's Debian build lacks (TLS, WebSocket), and a second opinion
on a server under test.

    sip_probe.py --transport ws --port 31004 [--host 127.0.0.1]
                 [--ca ca.pem] [--server-name localhost]
                 [--expect 200] [--require-header Allow] [--timeout 5]

For ws/wss it first checks the upgrade: 101 Switching Protocols with
Sec-WebSocket-Protocol: sip and the right Sec-WebSocket-Accept (RFC 6455,
RFC 7118). TLS always verifies the server's certificate (against --ca) and
its name (--server-name, default the host).

Prints one line per step, then the response. Exit status: 0 when the
response has the expected status and every required header; 1 when it does
not or the exchange fails; 2 for a usage error.
"""

import argparse
import base64
import hashlib
import os
import random
import socket
import ssl
import struct
import sys
import time

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class ProbeError(Exception):
    pass


def build_options(transport, host, port, local_host, local_port):
    token = "%016x" % random.getrandbits(64)
    proto = transport.upper()
    sent_by = "%s:%d" % (local_host, local_port)
    if transport in ("ws", "wss"):
        # RFC 7118: the sent-by of a WebSocket client is not reachable.
        sent_by = "%s.invalid" % token[:8]
    uri_host = "[%s]" % host if ":" in host else host
    lines = [
        "OPTIONS sip:%s:%d;transport=%s SIP/2.0" % (uri_host, port, transport),
        "Via: SIP/2.0/%s %s;branch=z9hG4bK%s;rport" % (proto, sent_by, token),
        "Max-Forwards: 70",
        "From: <sip:probe@%s>;tag=%s" % ("invalid" if transport in ("ws", "wss") else local_host, token[8:]),
        "To: <sip:%s:%d>" % (uri_host, port),
        "Call-ID: %s@probe" % token,
        "CSeq: 1 OPTIONS",
        "Accept: application/sdp",
        "User-Agent: sipua-interop-probe",
        "Content-Length: 0",
        "",
        "",
    ]
    return "\r\n".join(lines).encode()


def read_stream_message(sock, deadline):
    """One SIP or HTTP message from a byte stream: headers, then
    Content-Length bytes of body."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += recv_some(sock, deadline)
    head, _, rest = buf.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() in (b"content-length", b"l"):
            length = int(value.strip())
    while len(rest) < length:
        rest += recv_some(sock, deadline)
    return head + b"\r\n\r\n" + rest[:length], rest[length:]


def recv_some(sock, deadline):
    left = deadline - time.monotonic()
    if left <= 0:
        raise ProbeError("timed out waiting for data")
    sock.settimeout(left)
    try:
        data = sock.recv(65536)
    except socket.timeout:
        raise ProbeError("timed out waiting for data") from None
    if not data:
        raise ProbeError("connection closed by the peer")
    return data


def ws_upgrade(sock, host, port, deadline):
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        "GET / HTTP/1.1\r\n"
        "Host: %s:%d\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        "Sec-WebSocket-Key: %s\r\n"
        "Sec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Protocol: sip\r\n"
        "Origin: http://%s\r\n"
        "\r\n" % (host, port, key, host)
    )
    sock.sendall(request.encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        buf += recv_some(sock, deadline)
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    print("probe: upgrade answer: %s" % lines[0])
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or parts[1] != "101":
        raise ProbeError("upgrade refused: %s" % lines[0])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    proto = headers.get("sec-websocket-protocol", "")
    if proto.lower() != "sip":
        raise ProbeError("101 without Sec-WebSocket-Protocol: sip (got '%s')" % proto)
    expect = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
    if headers.get("sec-websocket-accept") != expect:
        raise ProbeError("wrong Sec-WebSocket-Accept '%s'" % headers.get("sec-websocket-accept"))
    print("probe: upgrade ok: Sec-WebSocket-Protocol: %s" % proto)
    return rest


def ws_send_text(sock, payload):
    # Client frames are masked (RFC 6455 5.3).
    mask = os.urandom(4)
    header = bytes([0x81])
    n = len(payload)
    if n < 126:
        header += bytes([0x80 | n])
    elif n < 65536:
        header += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        header += bytes([0x80 | 127]) + struct.pack("!Q", n)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    sock.sendall(header + mask + masked)


def ws_recv_message(sock, buf, deadline):
    """The next text or binary message (unfragmented), skipping pings."""
    while True:
        while len(buf) < 2:
            buf += recv_some(sock, deadline)
        opcode = buf[0] & 0x0F
        masked = buf[1] & 0x80
        n = buf[1] & 0x7F
        pos = 2
        if n == 126:
            while len(buf) < 4:
                buf += recv_some(sock, deadline)
            n = struct.unpack("!H", buf[2:4])[0]
            pos = 4
        elif n == 127:
            while len(buf) < 10:
                buf += recv_some(sock, deadline)
            n = struct.unpack("!Q", buf[2:10])[0]
            pos = 10
        if masked:
            pos += 4
        while len(buf) < pos + n:
            buf += recv_some(sock, deadline)
        payload = buf[pos : pos + n]
        if masked:
            key = buf[pos - 4 : pos]
            payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        buf = buf[pos + n :]
        if opcode in (0x1, 0x2):
            return payload, buf
        if opcode == 0x8:
            raise ProbeError("WebSocket closed by the peer")
        # ping (0x9), pong (0xA): ignored


def tls_wrap(sock, args):
    ctx = ssl.create_default_context(cafile=args.ca) if args.ca else ssl.create_default_context()
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    name = args.server_name or args.host
    tls = ctx.wrap_socket(sock, server_hostname=name)
    print("probe: TLS ok: %s, %s, certificate verified for %s" % (tls.version(), tls.cipher()[0], name))
    return tls


def probe(args):
    deadline = time.monotonic() + args.timeout
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    if args.transport == "udp":
        sock = socket.socket(family, socket.SOCK_DGRAM)
        sock.bind((args.host, 0))
        local = sock.getsockname()
        request = build_options("udp", args.host, args.port, local[0], local[1])
        # Retransmit like timer E (500 ms, doubling) until the deadline.
        interval = 0.5
        while True:
            sock.sendto(request, (args.host, args.port))
            sock.settimeout(max(0.01, min(interval, deadline - time.monotonic())))
            try:
                data, _ = sock.recvfrom(65536)
                break
            except socket.timeout:
                if time.monotonic() >= deadline:
                    raise ProbeError("timed out waiting for a response") from None
                interval = min(interval * 2, 4.0)
        return request, data

    sock = socket.create_connection((args.host, args.port), timeout=max(0.1, deadline - time.monotonic()))
    try:
        if args.transport in ("tls", "wss"):
            sock = tls_wrap(sock, args)
        local = sock.getsockname()
        request = build_options(args.transport, args.host, args.port, local[0], local[1])
        if args.transport in ("ws", "wss"):
            rest = ws_upgrade(sock, args.host, args.port, deadline)
            ws_send_text(sock, request)
            data, _ = ws_recv_message(sock, rest, deadline)
        else:
            sock.sendall(request)
            data, _ = read_stream_message(sock, deadline)
        return request, data
    finally:
        sock.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transport", required=True, choices=["udp", "tcp", "tls", "ws", "wss"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", required=True, type=int)
    parser.add_argument("--ca", help="CA certificate (PEM) that signs the server's certificate")
    parser.add_argument("--server-name", help="name to verify in the certificate (default: --host)")
    parser.add_argument("--expect", type=int, default=200, help="expected status code (default 200)")
    parser.add_argument("--require-header", action="append", default=[], metavar="NAME",
                        help="header the response must carry (repeatable)")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds for the whole exchange")
    args = parser.parse_args()

    try:
        _, data = probe(args)
    except (OSError, ProbeError, ssl.SSLError) as exc:
        print("probe: FAIL %s %s:%d: %s" % (args.transport, args.host, args.port, exc))
        return 1
    text = data.decode("utf-8", "replace")
    print("probe: response:")
    for line in text.split("\r\n"):
        if line:
            print("  " + line)
    first = text.split("\r\n", 1)[0].split(" ", 2)
    status = int(first[1]) if len(first) >= 2 and first[0] == "SIP/2.0" and first[1].isdigit() else -1
    names = {line.partition(":")[0].strip().lower() for line in text.split("\r\n\r\n")[0].split("\r\n")[1:]}
    missing = [h for h in args.require_header if h.lower() not in names]
    if status != args.expect or missing:
        print("probe: FAIL %s: status %d (expected %d)%s" % (
            args.transport, status, args.expect, "; missing " + ", ".join(missing) if missing else ""))
        return 1
    print("probe: ok %s %s:%d: %d" % (args.transport, args.host, args.port, status))
    return 0


if __name__ == "__main__":
    sys.exit(main())
