"""Builds small Jaeger thrift payloads (agent datagrams, thrift_http bodies) for the tests that
need a payload but not a particular client. A minimal thrift writer of our own (binary and
compact protocols), written from the protocol specifications."""
import struct
import time


class _Writer:
    STRUCT, LIST, I64, I32, STRING = 12, 15, 10, 8, 11
    _COMPACT = {STRUCT: 12, LIST: 9, I64: 6, I32: 5, STRING: 8}

    def __init__(self, compact):
        self.compact, self.out, self.last, self.stack = compact, bytearray(), 0, []

    def _varint(self, v):
        while v >= 0x80:
            self.out.append((v & 0x7f) | 0x80)
            v >>= 7
        self.out.append(v)

    @staticmethod
    def _zigzag(v):
        return (v << 1) ^ (v >> 63)

    def field(self, ftype, fid):
        if self.compact:
            delta = fid - self.last
            if 0 < delta <= 15:
                self.out.append((delta << 4) | self._COMPACT[ftype])
            else:
                self.out.append(self._COMPACT[ftype])
                self._varint(self._zigzag(fid))
            self.last = fid
        else:
            self.out += struct.pack(">bh", ftype, fid)

    def begin(self):
        self.stack.append(self.last)
        self.last = 0

    def end(self):
        self.out.append(0)
        self.last = self.stack.pop()

    def i64(self, v):
        if self.compact:
            self._varint(self._zigzag(v) & ((1 << 64) - 1))
        else:
            self.out += struct.pack(">q", v)

    def i32(self, v):
        if self.compact:
            self._varint(self._zigzag(v) & ((1 << 32) - 1))
        else:
            self.out += struct.pack(">i", v)

    def string(self, s):
        b = s.encode()
        if self.compact:
            self._varint(len(b))
        else:
            self.out += struct.pack(">i", len(b))
        self.out += b

    def list_begin(self, elem, n):
        if self.compact:
            self.out.append((n << 4) | self._COMPACT[elem] if n < 15 else 0xf0 | self._COMPACT[elem])
            if n >= 15:
                self._varint(n)
        else:
            self.out += struct.pack(">bi", elem, n)


def _batch(w, spans, service):
    w.begin()
    w.field(w.STRUCT, 1)
    w.begin()
    w.field(w.STRING, 1)
    w.string(service)
    w.end()
    w.field(w.LIST, 2)
    w.list_begin(w.STRUCT, spans)
    now_us = int(time.time() * 1e6)
    for i in range(spans):
        w.begin()
        for fid, v in ((1, 0x1234 + i), (2, 0x99), (3, 100 + i), (4, 0)):
            w.field(w.I64, fid)
            w.i64(v)
        w.field(w.STRING, 5)
        w.string(f"op-{i}")
        w.field(w.I32, 7)
        w.i32(1)
        w.field(w.I64, 8)
        w.i64(now_us)
        w.field(w.I64, 9)
        w.i64(1000)
        w.end()
    w.end()


def jaeger_agent_datagram(compact, spans=1, service="udp-svc"):
    """An emitBatch message (oneway) with `spans` spans."""
    w = _Writer(compact)
    name = b"emitBatch"
    if compact:
        w.out += bytes([0x82, 0x81, 0x00, len(name)]) + name
    else:
        w.out += struct.pack(">Ii", 0x80010004, len(name)) + name + struct.pack(">i", 0)
    w.begin()
    w.field(w.STRUCT, 1)
    _batch(w, spans, service)
    w.end()
    return bytes(w.out)


def jaeger_http_body(spans=1, service="http-svc"):
    """A bare Batch in the binary protocol."""
    w = _Writer(False)
    _batch(w, spans, service)
    return bytes(w.out)
