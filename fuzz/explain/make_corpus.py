#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Writes the seed corpus of the pcap target (fuzz/corpus/pcap/): one small
# capture per format and link type that tools/explain/pcap.cpp decodes.
#   fuzz/explain/make_corpus.py [OUT_DIR]
import os
import struct
import sys

STUN = bytes.fromhex("000100002112a442000102030405060708090a0b")
DTLS = bytes.fromhex("16fefd000000000000000000010e")


def ipv4_udp(payload, sport=5000, dport=6000):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
                       bytes([127, 0, 0, 1]), bytes([127, 0, 0, 2])) + udp


def ipv6_udp(payload, sport=5000, dport=6000):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    lo = bytes(15) + b"\x01"
    return struct.pack("!IHBB", 0x60000000, len(udp), 17, 64) + lo + lo + udp


def pcap(link, frames, endian=">", magic=0xA1B2C3D4):
    out = struct.pack(endian + "IHHiIII", magic, 2, 4, 0, 0, 65535, link)
    for i, f in enumerate(frames):
        out += struct.pack(endian + "IIII", 1700000000 + i, 1000 * i, len(f), len(f)) + f
    return out


def block(btype, body):
    body += bytes((4 - len(body) % 4) % 4)
    return struct.pack("<II", btype, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))


def pcapng(link, frames):
    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += block(1, struct.pack("<HHI", link, 0, 65535) + struct.pack("<HH", 9, 1) + b"\x09\x00\x00\x00" + bytes(4))
    for i, f in enumerate(frames):
        ts = (1700000000 + i) * 10**9
        out += block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(f), len(f)) + f)
    out += block(3, struct.pack("<I", len(frames[0])) + frames[0])
    return out


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "corpus", "pcap")
    os.makedirs(out_dir, exist_ok=True)
    eth = bytes(12) + b"\x08\x00"
    eth6 = bytes(12) + b"\x86\xdd"
    vlan = bytes(12) + b"\x81\x00\x00\x05\x08\x00"
    sll = bytes(14) + b"\x08\x00"
    sll2 = b"\x08\x00" + bytes(18)
    seeds = {
        "raw_be.pcap": pcap(101, [ipv4_udp(STUN), ipv6_udp(DTLS)]),
        "ethernet_le.pcap": pcap(1, [eth + ipv4_udp(STUN), eth6 + ipv6_udp(DTLS), vlan + ipv4_udp(DTLS)], "<"),
        "nanos_sll.pcap": pcap(113, [sll + ipv4_udp(STUN)], "<", 0xA1B23C4D),
        "sll2.pcap": pcap(276, [sll2 + ipv4_udp(DTLS)], "<"),
        "null.pcap": pcap(0, [b"\x02\x00\x00\x00" + ipv4_udp(STUN)], "<"),
        "ethernet.pcapng": pcapng(1, [eth + ipv4_udp(STUN), eth6 + ipv6_udp(DTLS)]),
        "raw.pcapng": pcapng(101, [ipv4_udp(DTLS)]),
    }
    for name, data in seeds.items():
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
