#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the seed corpora of the ice fuzz targets (fuzz/corpus/stun/ and
fuzz/corpus/ice_agent/, fuzz/corpus/turn_client/, fuzz/corpus/turn_stream/). Re-run after changing the targets' input format.
STUN messages are built here from RFC 8489 rules (HMAC-SHA1 integrity,
CRC-32 fingerprint) with the fixed credentials of fuzz/ice/ice_agent.cpp."""
import binascii, hashlib, hmac, os, struct, sys, zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "corpus")
COOKIE = 0x2112A442

def attr(t, v):
    pad = (4 - len(v) % 4) % 4
    return struct.pack(">HH", t, len(v)) + v + b"\0" * pad

def message(mtype, txid, attrs, key=None, fingerprint=True):
    body = b"".join(attrs)
    if key is not None:
        hdr = struct.pack(">HHI", mtype, len(body) + 24, COOKIE) + txid
        mac = hmac.new(key, hdr + body, hashlib.sha1).digest()
        body += attr(0x0008, mac)
    if fingerprint:
        hdr = struct.pack(">HHI", mtype, len(body) + 8, COOKIE) + txid
        crc = (zlib.crc32(hdr + body) ^ 0x5354554E) & 0xFFFFFFFF
        body += attr(0x8028, struct.pack(">I", crc))
    return struct.pack(">HHI", mtype, len(body), COOKIE) + txid + body

def xor_addr(ip4, port):
    x = bytes(a ^ b for a, b in zip(ip4, struct.pack(">I", COOKIE)))
    return struct.pack(">BBH", 0, 1, port ^ (COOKIE >> 16)) + x

def record(op, data):
    return bytes([op]) + struct.pack(">H", len(data)) + data

def write(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

LOCAL_KEY = b"localpasswordlocalpassword"
REMOTE_KEY = b"remotepasswordremotepassword"
TX = bytes(range(1, 13))

def check(use_candidate=False, controlling=True, extra=()):
    attrs = [attr(0x0006, b"LOCALUFRAG:REMOTEUFRAG"), attr(0x0024, struct.pack(">I", 0x6E7FFFFF)),
             attr(0x802A if controlling else 0x8029, struct.pack(">Q", 42))]
    if use_candidate:
        attrs.append(attr(0x0025, b""))
    attrs += list(extra)
    return message(0x0001, TX, attrs, LOCAL_KEY)

RFC5769 = {
    "rfc5769_request": "000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c69656e74002400046e0001ff80290008932ff9b151263b36000600096576746a3a6836765920202000080014" "9aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a280280004e57a3bcf",
    "rfc5769_ipv4_response": "0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220002000080001a147e112a643000800142b91f599fd9e90c38c7489f92af9ba53f06be7d780280004c07d4c96",
    "rfc5769_ipv6_response": "010100482112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220002000140002a1470113a9faa5d3f179bc25f4b5bed2b9d900080014a382954e4be67bf11784c97c8292c275bfe3ed4180280004c8fb0b4c",
}

def main():
    for name, h in RFC5769.items():
        write("stun", name, binascii.unhexlify(h))
    write("stun", "error_420", message(0x0111, TX, [attr(0x0009, b"\0\0\x04\x14Unknown Attribute"), attr(0x000A, b"\x00\x31\x00\x32")]))
    write("stun", "check_use_candidate", check(True))
    # ice_agent: mode byte, then records.
    write("ice_agent", "check_then_time", b"\x00" + record(0, check()) + record(2, b"\x0a") + record(0, check(True)) + record(2, b"\xff"))
    write("ice_agent", "controlling_conflict", b"\x01" + record(0, check(controlling=True)) + record(2, b"\x05"))
    write("ice_agent", "lite_nominated", b"\x02" + record(1, check(True)) + record(2, b"\x64"))
    write("ice_agent", "unknown_attr_420", b"\x00" + record(0, check(extra=[attr(0x0031, b"abcd")])))
    write("ice_agent", "trickle_and_restart", b"\x01" + record(3, b"candidate:2 1 udp 2130706430 127.0.0.1 6001 typ host") +
          record(2, b"\x14") + record(4, b"") + record(2, b"\x14"))
    resp = message(0x0101, TX, [attr(0x0020, xor_addr(bytes([127, 0, 0, 1]), 5000))], REMOTE_KEY)
    write("ice_agent", "stray_response", b"\x01" + record(0, resp) + record(2, b"\x32"))
    write("ice_agent", "long_idle", b"\x01" + record(2, b"\xff") * 20)
    # op 5: the harness answers the agent's last Binding request (checks,
    # nomination, consent) with the right transaction ID and integrity.
    tick, answer = record(2, b"\x05"), record(5, b"")
    consent = (record(2, b"\xff") + answer) * 6
    write("ice_agent", "controlling_connects", b"\x01" + tick + answer + tick + answer + tick + answer + consent)
    write("ice_agent", "controlled_connects", b"\x00" + record(0, check(True, controlling=True)) + tick + answer + tick +
          answer + consent)
    write("ice_agent", "role_conflict_answer", b"\x01" + tick + record(5, b"\x01") + tick + answer + tick + answer)
    write("ice_agent", "peer_reflexive_answer", b"\x01" + tick + record(5, b"\x00\x07") + tick + answer + tick + answer)
    write("ice_agent", "consent_lost", b"\x01" + tick + answer + tick + answer + record(2, b"\xff") * 40)
    write("ice_agent", "lite_answered", b"\x03" + record(0, check(True)) + tick + answer + consent)
    # turn_client (fuzz/ice/turn_client.cpp): op 5 lets the TURN model answer.
    serve = record(5, b"\x00\x00")
    peer = record(3, struct.pack(">H", 50000))
    minutes4 = record(2, struct.pack(">H", 24000))  # 240 s: permissions fall due
    write("turn_client", "allocate_permission_channel", serve + serve + peer + serve + record(4, b"hello") + serve +
          record(4, b"media") + minutes4 + serve + minutes4 + serve + record(6, b"") + serve)
    write("turn_client", "stale_nonce", serve + record(5, b"\x00\x01") + serve + serve)
    for code_index, name in ((3, "forbidden_403"), (5, "wrong_credentials_441"), (7, "capacity_508")):
        write("turn_client", name, serve + record(5, bytes([code_index, 0])))
    write("turn_client", "no_server", record(2, struct.pack(">H", 4000)) * 2)
    channel_data = struct.pack(">HH", 0x4000, 4) + b"ping"
    data_ind = message(0x0017, TX, [attr(0x0012, xor_addr(bytes([127, 0, 0, 1]), 50000)), attr(0x0013, b"pong")],
                       fingerprint=False)
    # turn_stream: chunk size byte, then the stream (STUN and ChannelData padded to 4).
    stream = binascii.unhexlify(RFC5769["rfc5769_ipv4_response"]) + struct.pack(">HH", 0x4000, 5) + b"hello\0\0\0" + \
        struct.pack(">HH", 0x4001, 4) + b"ping"
    write("turn_stream", "stun_and_channel_data", b"\x06" + stream)
    write("turn_stream", "one_byte_chunks", b"\x00" + stream)
    write("turn_stream", "junk", b"\x10" + stream[:24] + b"\x80\x00\x00\x00")
    write("turn_client", "relayed_from_server", serve + serve + peer + serve + serve + record(0, channel_data) +
          record(0, data_ind) + record(1, channel_data))

if __name__ == "__main__":
    main()
