# SPDX-License-Identifier: Apache-2.0
"""aioice peer for keyway's ICE interop test (driven by aioice_interop.cpp).

Protocol on stdin/stdout, one line each:
  out: "ufrag U", "pwd P", "cand <a=candidate value without 'candidate:'>", "ready"
  in:  "ufrag U", "pwd P", "cand ...", "end"
  out: "connected <local ip:port> <remote ip:port>", "recv <data>", "done"
Only 127.0.0.1 is used: aioice skips loopback when gathering, so the host
address list is patched to 127.0.0.1 before any Connection is created.
"""
import asyncio
import sys

import aioice.ice
from aioice import Candidate, Connection

aioice.ice.get_host_addresses = lambda use_ipv4=True, use_ipv6=True: ["127.0.0.1"]


def say(*words):
    print(*words, flush=True)


async def main(role: str) -> int:
    conn = Connection(ice_controlling=(role == "controlling"), components=1, use_ipv6=False)
    await conn.gather_candidates()
    say("ufrag", conn.local_username)
    say("pwd", conn.local_password)
    for c in conn.local_candidates:
        say("cand", c.to_sdp())
    say("ready")

    loop = asyncio.get_event_loop()
    while True:
        line = (await loop.run_in_executor(None, sys.stdin.readline)).strip()
        if not line:
            return 3
        key, _, rest = line.partition(" ")
        if key == "ufrag":
            conn.remote_username = rest
        elif key == "pwd":
            conn.remote_password = rest
        elif key == "cand":
            await conn.add_remote_candidate(Candidate.from_sdp(rest))
        elif key == "end":
            await conn.add_remote_candidate(None)
            break

    await asyncio.wait_for(conn.connect(), 20)
    pair = conn._nominated.get(1)
    local = pair.local_addr if pair else ("?", 0)
    remote = pair.remote_addr if pair else ("?", 0)
    say("connected", "%s:%d" % local, "%s:%d" % remote)
    # Data over the selected pair; the test echoes it back.
    await conn.send(b"ping-from-aioice")
    data = await asyncio.wait_for(conn.recv(), 5)
    say("recv", data.decode())
    # Stay up past one consent interval (RFC 7675: 4..6 s on both sides) so
    # authenticated consent checks flow both ways on the selected pair.
    await asyncio.sleep(6.5)
    await conn.close()
    say("done")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1])))
