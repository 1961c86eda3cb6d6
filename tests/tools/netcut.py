#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""One host's network, which a test can cut and give back (t1740).

  netcut.py HOST PORT
      listens on 127.0.0.1 (a free port, printed on the first line) and
      relays every connection to HOST:PORT, bytes untouched (TLS goes
      through end to end).
      SIGUSR1: the network goes: every relayed connection is reset on
      both sides (the host's and the server's) and new ones are refused.
      SIGUSR2: the network comes back, on the same port.
      SIGTERM: ends.

A host that talks to its server only through this relay is offline while
it is cut, and only that host: the others talk to the server directly.
"""
import selectors
import signal
import socket
import struct
import sys

wanted = []


def reset(s):
    """Closes with an RST, as a firewall or a vanished route makes it end."""
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    s.close()


class Relay:
    def __init__(self, target):
        self.sel = selectors.DefaultSelector()
        self.target = target
        self.port = 0
        self.lsock = None
        self.peer = {}

    def listen(self):
        l = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        l.bind(("127.0.0.1", self.port))
        l.listen(128)
        self.port = l.getsockname()[1]
        self.lsock = l
        self.sel.register(l, selectors.EVENT_READ, self.accept)

    def cut(self):
        if self.lsock is not None:
            self.sel.unregister(self.lsock)
            self.lsock.close()
            self.lsock = None
        for s in list(self.peer):
            self.sel.unregister(s)
            reset(s)
        self.peer.clear()

    def accept(self, l):
        c, _ = l.accept()
        try:
            u = socket.create_connection(self.target, timeout=5)
        except OSError:
            reset(c)
            return
        u.settimeout(None)
        self.peer[c], self.peer[u] = u, c
        self.sel.register(c, selectors.EVENT_READ, self.relay)
        self.sel.register(u, selectors.EVENT_READ, self.relay)

    def drop(self, s):
        other = self.peer.pop(s, None)
        self.sel.unregister(s)
        s.close()
        if other is not None:
            self.peer.pop(other, None)
            self.sel.unregister(other)
            other.close()

    def relay(self, s):
        try:
            buf = s.recv(65536)
            if buf:
                self.peer[s].sendall(buf)
                return
        except OSError:
            pass
        self.drop(s)

    def run(self):
        self.listen()
        print(self.port, flush=True)
        while True:
            for key, _ in self.sel.select(timeout=0.2):
                if key.fileobj in self.peer or key.fileobj is self.lsock:
                    key.data(key.fileobj)
            while wanted:
                what = wanted.pop(0)
                if what == "cut":
                    self.cut()
                elif what == "back" and self.lsock is None:
                    self.listen()
                elif what == "end":
                    self.cut()
                    return


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    for sig, what in ((signal.SIGUSR1, "cut"), (signal.SIGUSR2, "back"),
                      (signal.SIGTERM, "end")):
        signal.signal(sig, lambda _s, _f, w=what: wanted.append(w))
    Relay((sys.argv[1], int(sys.argv[2]))).run()


if __name__ == "__main__":
    main()
