#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Misbehaving parties for the push fault tests (t1710).

  push-stuck.py publisher SOCKET SECONDS
      listens on the unix socket SOCKET, accepts, reads and never answers
      (a hung publisher), for SECONDS.
  push-stuck.py subscriber HOST PORT CAFILE PATH TOKEN SECONDS
      subscribes over TLS with a tiny receive buffer and never reads.
  push-stuck.py many HOST PORT CAFILE PATH TOKEN COUNT
      opens COUNT subscriptions from one address, all held at once, and
      prints how many got each status ("200 256", "429 1").
"""
import os
import socket
import ssl
import sys
import time


def publisher(path, seconds):
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(64)
    srv.settimeout(0.2)
    held = []
    end = time.time() + seconds
    while time.time() < end:
        try:
            conn, _ = srv.accept()
            held.append(conn)
        except socket.timeout:
            pass
    os.unlink(path)


def subscriber(host, port, cafile, path, token, seconds):
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
    raw.connect((host, port))
    ctx = ssl.create_default_context(cafile=cafile)
    s = ctx.wrap_socket(raw, server_hostname=host)
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nAccept: text/event-stream\r\n"
               "Authorization: Bearer %s\r\n\r\n" % (path, host, port, token)).encode())
    print("subscribed", flush=True)
    time.sleep(seconds)


def open_one(host, port, cafile, path, token):
    ctx = ssl.create_default_context(cafile=cafile)
    s = ctx.wrap_socket(socket.create_connection((host, port)), server_hostname=host)
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nAccept: text/event-stream\r\n"
               "Authorization: Bearer %s\r\n\r\n" % (path, host, port, token)).encode())
    s.settimeout(10)
    head = b""
    while b"\r\n" not in head:
        chunk = s.recv(256)
        if not chunk:
            break
        head += chunk
    return s, head.split(b" ")[1].decode() if head.startswith(b"HTTP/") else "none"


def many(host, port, cafile, path, token, count):
    held, codes = [], {}
    for _ in range(count):
        s, code = open_one(host, port, cafile, path, token)
        held.append(s)
        codes[code] = codes.get(code, 0) + 1
    for code in sorted(codes):
        print(code, codes[code])


if __name__ == "__main__":
    if sys.argv[1] == "publisher":
        publisher(sys.argv[2], float(sys.argv[3]))
    elif sys.argv[1] == "many":
        many(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6],
             int(sys.argv[7]))
    else:
        subscriber(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6],
                   float(sys.argv[7]))
