#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Seeds for the peer_connection target: whole calls that carry media.

FuzzedDataProvider reads integers from the END of the input and strings from
the front, so an input is: [RTP payload text, ended by backslash + x] then the
steps in reverse order, then the answer's and the offer's edit counts, then
the mode byte (last). Step codes are those of peer_connection.cpp:
0 deliver or wait, 2 drop the oldest datagram, 6 send media (then: from,
rtcp?, and for RTP three "use the default" flags).

    /usr/bin/python3 fuzz/peer/make_corpus.py [fuzz/corpus/peer_connection]
"""
import os
import sys

RTP_FROM_A = [6, 0, 0, 1, 1, 1]   # send media, from A, RTP, version/PT/SSRC defaults
RTCP_FROM_B = [6, 1, 1]           # send media, from B, RTCP


def seed(mode, steps):
    # 60 "deliver or wait" steps connect every mode; the media is then delivered.
    tail = list(reversed(steps + RTP_FROM_A + [0, 0] + RTCP_FROM_B + [0, 0, 0]))
    return b"keyway fuzz media payload\\x" + bytes(tail + [0, 0, mode])


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "corpus", "peer_connection")
    os.makedirs(out, exist_ok=True)
    lossy = [0] * 4 + [2] + [0] * 6 + [2] + [0] * 60
    seeds = {
        "call_media": seed(0, [0] * 60),
        "call_lite_media": seed(1, [0] * 60),          # B is ICE lite
        "call_passive_media": seed(2, [0] * 60),       # B answers actpass with passive: B is the DTLS server
        "call_small_mtu_media": seed(4, [0] * 60),     # 300-byte DTLS MTU: fragmented flights
        "call_video_media": seed(8, [0] * 60),         # audio and video sections
        "call_loss_media": seed(0, lossy),             # two datagrams lost during setup
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
