#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""keyway.h from Python through ctypes (stdlib only): an in-memory call
between two connections, RTP both ways, stats, close; and an error's code
and text. Run: call_test.py path/to/libkeyway.so (meson test capi-python)."""
import ctypes as C
import sys

lib = C.CDLL(sys.argv[1])

OK, ERR_CAPACITY, ERR_INVALID_ARGUMENT = 0, 8, 11
LAYER_ICE = 5
ROLE_OFFERER, ROLE_ANSWERER = 0, 1
STATE_CONNECTED, STATE_CLOSED = 3, 5
OUTPUT_TRANSMIT, OUTPUT_EVENT, OUTPUT_TIMEOUT = 0, 1, 2
EVENT_RTP_RECEIVED, EVENT_FAILED, EVENT_CLOSED = 4, 6, 7
LIMIT_SRTP_MAX_STREAMS = 3


class Addr(C.Structure):
    _fields_ = [("family", C.c_uint8), ("ip", C.c_uint8 * 16), ("port", C.c_uint16)]

    def key(self):
        return (self.family, bytes(self.ip), self.port)


class Error(C.Structure):
    _fields_ = [("code", C.c_int), ("layer", C.c_int), ("text", C.c_char * 240)]


class Output(C.Structure):
    _fields_ = [("kind", C.c_int), ("local", Addr), ("remote", Addr),
                ("data", C.POINTER(C.c_uint8)), ("len", C.c_size_t),
                ("event", C.c_int), ("error_code", C.c_int), ("error_layer", C.c_int),
                ("deadline", C.c_int64)]

    def payload(self):
        return C.string_at(self.data, self.len)


U64 = C.c_uint64
STAT_COUNTERS = """datagrams_received unknown_datagrams untrusted_dropped events_dropped
  stun_packets_in stun_bytes_in stun_packets_out stun_bytes_out
  dtls_packets_in dtls_bytes_in dtls_packets_out dtls_bytes_out
  dtls_retransmissions dtls_records_dropped
  rtp_sent rtcp_sent rtp_received rtcp_received media_bytes_sent media_bytes_received
  srtp_auth_failures srtp_replays srtp_malformed srtp_other_drops srtp_dropped_before_keys
  ice_integrity_failures ice_dropped""".split()


class Stats(C.Structure):
    _fields_ = [("state", C.c_int), ("has_selected_pair", C.c_int),
                ("selected_local", Addr), ("selected_remote", Addr), ("rtt", C.c_int64),
                ("dtls_client", C.c_int), ("dtls_state", C.c_char_p),
                ("cipher_suite", C.c_char_p), ("srtp_profile", C.c_char_p)] + [(n, U64) for n in STAT_COUNTERS]


P = C.c_void_p
BUF = C.POINTER(C.c_uint8)
SIGNATURES = {
    "keyway_config_new": (P, []),
    "keyway_config_free": (None, [P]),
    "keyway_config_error": (C.POINTER(Error), [P]),
    "keyway_config_set_entropy": (C.c_int, [P, C.c_char_p, C.c_size_t]),
    "keyway_config_generate_identity": (C.c_int, [P, C.c_char_p, C.c_int64]),
    "keyway_config_set_role": (C.c_int, [P, C.c_int]),
    "keyway_config_set_ssrcs": (C.c_int, [P, C.c_uint32, C.c_uint32]),
    "keyway_config_set_limit": (C.c_int, [P, C.c_int, C.c_size_t]),
    "keyway_addr_v4": (Addr, [C.c_uint8] * 4 + [C.c_uint16]),
    "keyway_connection_new": (P, [P]),
    "keyway_connection_free": (None, [P]),
    "keyway_connection_error": (C.POINTER(Error), [P]),
    "keyway_connection_add_local_address": (C.c_int, [P, C.POINTER(Addr)]),
    "keyway_connection_create_offer": (C.c_int, [P, C.c_int, C.c_char_p, C.c_size_t, C.POINTER(C.c_size_t)]),
    "keyway_connection_accept_offer": (C.c_int, [P, C.c_char_p, C.c_size_t, C.c_char_p, C.c_size_t,
                                                 C.POINTER(C.c_size_t)]),
    "keyway_connection_set_remote_answer": (C.c_int, [P, C.c_char_p, C.c_size_t]),
    "keyway_connection_handle_datagram": (C.c_int, [P, C.c_int64, BUF, C.c_size_t, C.POINTER(Addr),
                                                    C.POINTER(Addr)]),
    "keyway_connection_handle_timeout": (None, [P, C.c_int64]),
    "keyway_connection_poll_output": (C.c_int, [P, C.c_int64, BUF, C.c_size_t, C.POINTER(Output)]),
    "keyway_connection_send_rtp": (C.c_int, [P, BUF, C.c_size_t, C.c_size_t, C.POINTER(Output)]),
    "keyway_connection_close": (None, [P]),
    "keyway_connection_state": (C.c_int, [P]),
    "keyway_connection_stats": (C.c_int, [P, C.POINTER(Stats)]),
    "keyway_event_name": (C.c_char_p, [C.c_int]),
}
for name, (restype, argtypes) in SIGNATURES.items():
    fn = getattr(lib, name)
    fn.restype, fn.argtypes = restype, argtypes


def check(cond, what):
    if not cond:
        raise SystemExit("capi-python: FAILED: " + what)


class Side:
    def __init__(self, name, role, port, ssrc, salt):
        self.name, self.ssrc = name, ssrc
        self.cfg = lib.keyway_config_new()
        seed = bytes((i * 5 + salt) & 0xFF for i in range(48))
        check(lib.keyway_config_set_entropy(self.cfg, seed, len(seed)) == OK, "entropy")
        check(lib.keyway_config_generate_identity(self.cfg, name.encode(), 1700000000) == OK, "identity")
        check(lib.keyway_config_set_role(self.cfg, role) == OK, "role")
        check(lib.keyway_config_set_ssrcs(self.cfg, ssrc, 0) == OK, "ssrcs")
        check(lib.keyway_config_set_limit(self.cfg, LIMIT_SRTP_MAX_STREAMS, 2) == OK, "limit")
        self.conn = lib.keyway_connection_new(self.cfg)
        check(self.conn, "connection")
        self.addr = lib.keyway_addr_v4(127, 0, 0, 1, port)
        check(lib.keyway_connection_add_local_address(self.conn, C.byref(self.addr)) == OK, "local address")
        self.rtp = []  # payloads received
        self.events = []

    def state(self):
        return lib.keyway_connection_state(self.conn)

    def free(self):
        lib.keyway_connection_free(self.conn)
        lib.keyway_config_free(self.cfg)


class Call:
    """Two sides and the datagrams between them, in virtual time (microseconds)."""

    def __init__(self, a, b):
        self.a, self.b, self.now, self.wire = a, b, 0, []
        self.scratch = (C.c_uint8 * 1500)()

    def other(self, s):
        return self.b if s is self.a else self.a

    def drain(self, s):
        lib.keyway_connection_handle_timeout(s.conn, self.now)
        out = Output()
        while lib.keyway_connection_poll_output(s.conn, self.now, self.scratch, 1500, C.byref(out)) != OUTPUT_TIMEOUT:
            if out.kind == OUTPUT_TRANSMIT:
                check(out.remote.key() == self.other(s).addr.key(), "transmit addressed to the peer")
                self.wire.append((self.other(s), Addr.from_buffer_copy(out.local), out.payload()))
            elif out.event == EVENT_RTP_RECEIVED:
                s.rtp.append(out.payload())  # copied while the datagram buffer lives
            else:
                s.events.append(lib.keyway_event_name(out.event).decode())
                check(out.event != EVENT_FAILED, lib.keyway_connection_error(s.conn).contents.text.decode())
        return out.deadline

    def deliver(self):
        arrived, self.wire = self.wire, []
        for to, source, data in arrived:
            buf = (C.c_uint8 * len(data)).from_buffer_copy(data)
            lib.keyway_connection_handle_datagram(to.conn, self.now, buf, len(data), C.byref(source), C.byref(to.addr))
            self.drain(to)

    def run(self, done, limit_us=10_000_000):
        end = self.now + limit_us
        while not done() and self.now < end:
            nxt = min(self.drain(self.a), self.drain(self.b))
            if self.wire:
                self.deliver()
                continue
            self.now = nxt if nxt > self.now else self.now + 1000
        return done()

    def send_rtp(self, s, seq, payload):
        header = bytes([0x80, 111, seq >> 8, seq & 0xFF, 0, 0, 0, seq]) + s.ssrc.to_bytes(4, "big")
        packet = header + payload
        buf = (C.c_uint8 * (len(packet) + 32)).from_buffer_copy(packet + bytes(32))
        t = Output()
        rc = lib.keyway_connection_send_rtp(s.conn, buf, len(buf), len(packet), C.byref(t))
        if rc == OK:
            self.wire.append((self.other(s), Addr.from_buffer_copy(t.local), t.payload()))
        return rc


def main():
    alice = Side("alice", ROLE_OFFERER, 50000, 0xA11CE, 1)
    bob = Side("bob", ROLE_ANSWERER, 50001, 0xB0B, 2)

    offer, answer = C.create_string_buffer(4096), C.create_string_buffer(4096)
    n = C.c_size_t()
    check(lib.keyway_connection_create_offer(alice.conn, 0, offer, 4096, C.byref(n)) == OK, "offer")
    check(lib.keyway_connection_accept_offer(bob.conn, offer.value, n.value, answer, 4096, C.byref(n)) == OK, "answer")
    check(lib.keyway_connection_set_remote_answer(alice.conn, answer.value, n.value) == OK, "set answer")

    call = Call(alice, bob)
    check(call.run(lambda: alice.state() == STATE_CONNECTED and bob.state() == STATE_CONNECTED), "connected")
    for seq in range(1, 6):
        check(call.send_rtp(alice, seq, b"from alice %d" % seq) == OK, "alice sends")
        check(call.send_rtp(bob, seq, b"from bob %d" % seq) == OK, "bob sends")
    check(call.run(lambda: len(alice.rtp) == 5 and len(bob.rtp) == 5), "media both ways")
    check(bob.rtp[-1].endswith(b"from alice 5") and alice.rtp[-1].endswith(b"from bob 5"), "payloads decrypted")

    stats = Stats()
    check(lib.keyway_connection_stats(alice.conn, C.byref(stats)) == OK, "stats")
    check(stats.rtp_sent == 5 and stats.rtp_received == 5 and stats.srtp_auth_failures == 0, "stats counters")
    print("capi-python: %s, %s, alice received %d RTP, bob %d" %
          (stats.cipher_suite.decode(), stats.srtp_profile.decode(), len(alice.rtp), len(bob.rtp)))

    # An error: an int code, and a text naming the layer and the reason.
    wildcard = lib.keyway_addr_v4(0, 0, 0, 0, 5000)
    check(lib.keyway_connection_add_local_address(alice.conn, C.byref(wildcard)) == ERR_INVALID_ARGUMENT, "0.0.0.0")
    err = lib.keyway_connection_error(alice.conn).contents
    check(err.layer == LAYER_ICE and err.text.startswith(b"ice: "), "error text: %r" % err.text)

    lib.keyway_connection_close(alice.conn)
    check(call.run(lambda: bob.state() == STATE_CLOSED), "close")
    check("closed" in bob.events, "bob saw the close")
    alice.free()
    bob.free()
    print("capi-python: ok")


main()
