"""A minimal RESP3 client over a blocking socket, for the command-table generator.

Standard library only. It speaks just enough RESP3 to read COMMAND INFO, COMMAND DOCS, INFO
and HELP replies: maps become dicts (keys as str), sets and arrays become lists, strings are
decoded as UTF-8 (every reply we read is ASCII), and an error reply raises RespError.
"""

import socket


class RespError(Exception):
    """An error reply from the server (`-ERR ...`)."""


class Connection:
    """One TCP connection to a server on 127.0.0.1."""

    def __init__(self, port, timeout=10.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def call(self, *args):
        """Sends one command and returns its decoded reply; an error reply raises RespError."""
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            if isinstance(a, str):
                a = a.encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))
        reply = self._read()
        if isinstance(reply, RespError):
            raise reply
        return reply

    # -- reading -------------------------------------------------------------------------

    def _fill(self):
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buf += chunk

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2 :]
                return line
            self._fill()

    def _exact(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n + 2 :]
        return data

    def _read(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return RespError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind in (b"$", b"="):
            n = int(rest)
            if n < 0:
                return None
            data = self._exact(n)
            if kind == b"=":
                data = data[4:]  # "txt:" format prefix of a verbatim string
            return data.decode()
        if kind == b"!":
            return RespError(self._exact(int(rest)).decode())
        if kind in (b"*", b"~", b">"):
            n = int(rest)
            if n < 0:
                return None
            return [self._read() for _ in range(n)]
        if kind == b"%":
            out = {}
            for _ in range(int(rest)):
                k = self._read()
                out[k] = self._read()
            return out
        if kind == b"|":
            for _ in range(2 * int(rest)):
                self._read()  # attributes carry nothing we read
            return self._read()
        if kind == b"_":
            return None
        if kind == b"#":
            return rest == b"t"
        if kind == b",":
            return float(rest)
        if kind == b"(":
            return int(rest)
        raise ValueError("not a RESP frame: %r" % line[:40])
