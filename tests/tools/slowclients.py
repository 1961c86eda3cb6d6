#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Slow and crafty clients for wgconfsrv's nginx, and a client that times
/health beside them (tests t2071, t2072). Loopback only: every client binds
the source address given, so one test can be "the attacker" on 127.0.0.2
and "everyone else" on 127.0.0.1.

  slowclients.py h2zero    HOST PORT SRC SECS PATH TOKEN [STREAMS]
      One HTTP/2 connection whose flow-control window is zero
      (SETTINGS_INITIAL_WINDOW_SIZE 0, no WINDOW_UPDATE ever): it asks for
      PATH with a bearer token on STREAMS streams and holds them SECS s,
      never able to take a byte of the answers. Prints "h2zero: ..., D bytes
      of DATA taken" (nginx's access.log has the statuses when it ends).
  slowread  HOST PORT SRC SECS PATH TOKEN [COUNT]
      COUNT (1) HTTP/1.1 connections with a 4 KiB receive buffer that each
      send a request, read its status line and then nothing more, for
      SECS s. Prints "slowread: N held, statuses S:N ...".
  slowheader HOST PORT SRC SECS COUNT
      COUNT TLS connections that each send half a request header and
      nothing more, held SECS s. Prints how many were opened and how many
      nginx had closed by the end.
  guess     HOST PORT SRC SECS USER CAFILE
      Admin password guessing: GET /api/v1/admin/network with Basic
      credentials USER and a random password, on 4 kept connections, for
      SECS s. Prints "guess: USER from SRC, N requests, statuses S:N ...".
  health    HOST PORT SRC SECS CAFILE
      GET /api/v1/health, again and again for SECS s, each on a new
      HTTP/1.1 connection (as hosts poll) with a 5 s timeout, the TLS
      handshake included in its time. Prints "health: N requests, F failed, p50 X ms, p99 Y ms,
      max Z ms".
"""
import base64
import resource
import secrets
import socket
import ssl
import struct
import sys
import threading
import time


CONTEXTS = {}


def tls_context(alpn, cafile):
    """One context per kind: making one loads certificates, which is slow."""
    key = (tuple(alpn or ()), cafile)
    if key not in CONTEXTS:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        if cafile is None:
            ctx.verify_mode = ssl.CERT_NONE
        else:
            ctx.load_verify_locations(cafile)
        if alpn:
            ctx.set_alpn_protocols(alpn)
        CONTEXTS[key] = ctx
    return CONTEXTS[key]


def tls_connect(host, port, src, rcvbuf=None, alpn=None, cafile=None):
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    raw.bind((src, 0))
    raw.settimeout(10)
    raw.connect((host, port))
    return tls_context(alpn, cafile).wrap_socket(raw, server_hostname="localhost")


# ------------------------------------------------------------------ HTTP/2


def hpack_int(value, prefix_bits, first):
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first | value])
    out = [first | limit]
    value -= limit
    while value >= 128:
        out.append(value % 128 + 128)
        value //= 128
    out.append(value)
    return bytes(out)


def hpack_literal(name, value):
    """A literal header field without indexing, new name, no Huffman."""
    n, v = name.encode(), value.encode()
    return b"\x00" + hpack_int(len(n), 7, 0) + n + hpack_int(len(v), 7, 0) + v


def h2_frame(ftype, flags, stream, payload):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + \
        struct.pack(">I", stream) + payload


def h2zero(host, port, src, secs, path, token, streams=1):
    s = tls_connect(host, port, src, alpn=["h2"])
    if s.selected_alpn_protocol() != "h2":
        print("h2zero: the server did not agree to HTTP/2")
        return 1
    out = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
    out += h2_frame(4, 0, 0, struct.pack(">HI", 4, 0))   # INITIAL_WINDOW_SIZE 0
    for i in range(streams):
        block = hpack_literal(":method", "GET") + hpack_literal(":scheme", "https") + \
            hpack_literal(":path", path) + hpack_literal(":authority", "localhost") + \
            hpack_literal("authorization", "Bearer " + token)
        out += h2_frame(1, 0x5, 1 + 2 * i, block)         # END_STREAM|END_HEADERS
    s.sendall(out)
    got, data_bytes, end = 0, 0, time.time() + secs
    s.settimeout(0.5)
    buf = b""
    while time.time() < end:
        try:
            chunk = s.recv(65536)
        except (socket.timeout, ssl.SSLWantReadError):
            continue
        except OSError:
            break
        if not chunk:
            break
        got += len(chunk)
        buf += chunk
        while len(buf) >= 9:
            length = int.from_bytes(buf[:3], "big")
            if len(buf) < 9 + length:
                break
            if buf[3] == 0:
                data_bytes += length
            elif buf[3] == 4 and not buf[4] & 1:
                s.sendall(h2_frame(4, 1, 0, b""))          # SETTINGS ACK
            elif buf[3] == 6 and not buf[4] & 1:
                s.sendall(h2_frame(6, 1, 0, buf[9:9 + length]))   # PING ACK
            buf = buf[9 + length:]
    print("h2zero: %d streams held %d s, %d bytes of DATA taken" % (streams, secs, data_bytes))
    s.close()
    return 0


# ---------------------------------------------------------------- HTTP/1.1


def status_line(s):
    try:
        s.settimeout(10)
        line = s.recv(64)
        return line.split(b" ")[1].decode() if line.startswith(b"HTTP/") else "none"
    except OSError:
        return "none"


def slowread(host, port, src, secs, path, token, count=1):
    conns, statuses = [], {}
    for _ in range(count):
        s = tls_connect(host, port, src, rcvbuf=4096, alpn=["http/1.1"])
        s.sendall(("GET %s HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer %s\r\n\r\n"
                   % (path, token)).encode())
        conns.append(s)
    for s in conns:
        st = status_line(s)
        statuses[st] = statuses.get(st, 0) + 1
    print("slowread: %d held, statuses %s" % (count, " ".join(
        "%s:%d" % kv for kv in sorted(statuses.items()))))
    sys.stdout.flush()
    time.sleep(secs)
    for s in conns:
        s.close()
    return 0


def slowheader(host, port, src, secs, count):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < count + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 64), hard))
    conns, refused, end = [], 0, time.time() + secs
    # Until COUNT are open: a refused one is tried again at once, as an
    # attacker would, taking every connection the server frees.
    while len(conns) < count and time.time() < end:
        try:
            s = tls_connect(host, port, src, alpn=["http/1.1"])
            s.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
            conns.append(s)
        except OSError:
            refused += 1
    print("slowheader: %d connections opened, %d refused" % (len(conns), refused))
    sys.stdout.flush()
    time.sleep(max(0, end - time.time()))
    closed = 0
    for s in conns:
        try:
            s.setblocking(False)
            closed += s.recv(1) == b""
        except (ssl.SSLWantReadError, BlockingIOError):
            pass
        except OSError:
            closed += 1
        s.close()
    print("slowheader: %d of %d closed by the server after %d s" % (closed, len(conns), secs))
    return 0


def health_once(s, path="/api/v1/health", extra=""):
    s.sendall(("GET %s HTTP/1.1\r\nHost: localhost\r\n%s\r\n" % (path, extra)).encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            raise OSError("closed")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v)
    while len(body) < length:
        chunk = s.recv(4096)
        if not chunk:
            raise OSError("closed")
        body += chunk
    return int(head.split(b" ")[1])


def health(host, port, src, secs, cafile):
    times, failed, s, end = [], 0, None, time.time() + secs
    while time.time() < end:
        t0 = time.time()
        try:
            s = tls_connect(host, port, src, alpn=["http/1.1"], cafile=cafile)
            s.settimeout(5)
            status = health_once(s)
            if status != 200:
                raise OSError("status %d" % status)
        except OSError as e:
            failed += 1
            print("health: a request failed after %.0f ms: %s" % ((time.time() - t0) * 1000, e))
        if s is not None:
            s.close()
        s = None
        times.append((time.time() - t0) * 1000)
        time.sleep(0.02)
    times.sort()
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))] if times else 0
    print("health: %d requests, %d failed, p50 %.1f ms, p99 %.1f ms, max %.1f ms"
          % (len(times), failed, pick(0.5), pick(0.99), times[-1] if times else 0))
    return 0


def guess_loop(host, port, src, end, user, cafile, statuses):
    s = None
    while time.time() < end:
        cred = base64.b64encode(("%s:%s" % (user, secrets.token_hex(8))).encode()).decode()
        try:
            if s is None:
                s = tls_connect(host, port, src, alpn=["http/1.1"], cafile=cafile)
                s.settimeout(5)
            st = str(health_once(s, "/api/v1/admin/network", "Authorization: Basic %s\r\n" % cred))
        except (OSError, ValueError, IndexError):
            st = "failed"
            if s is not None:
                s.close()
            s = None
        statuses[st] = statuses.get(st, 0) + 1


def guess(host, port, src, secs, user, cafile, threads=4):
    each, statuses, end = [{} for _ in range(threads)], {}, time.time() + secs
    pool = [threading.Thread(target=guess_loop, args=(host, port, src, end, user, cafile, d))
            for d in each]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    for d in each:
        for k, v in d.items():
            statuses[k] = statuses.get(k, 0) + v
    print("guess: %s from %s, %d requests, statuses %s" % (user, src, sum(statuses.values()), " ".join(
        "%s:%d" % kv for kv in sorted(statuses.items()))))
    return 0


def main(argv):
    if len(argv) < 6:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, host, port, src, secs = argv[1], argv[2], int(argv[3]), argv[4], int(argv[5])
    if cmd == "h2zero":
        return h2zero(host, port, src, secs, argv[6], argv[7],
                      int(argv[8]) if len(argv) > 8 else 1)
    if cmd == "slowread":
        return slowread(host, port, src, secs, argv[6], argv[7],
                        int(argv[8]) if len(argv) > 8 else 1)
    if cmd == "slowheader":
        return slowheader(host, port, src, secs, int(argv[6]))
    if cmd == "guess":
        return guess(host, port, src, secs, argv[6], argv[7])
    if cmd == "health":
        return health(host, port, src, secs, argv[6])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
