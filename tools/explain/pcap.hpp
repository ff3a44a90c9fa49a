// SPDX-License-Identifier: Apache-2.0
// A small, bounds-checked reader of capture files: every UDP datagram of a
// pcap (libpcap's format) or pcapng file, with its 5-tuple and timestamp.
//
//   pcap:    global header (magic a1b2c3d4 / a1b23c4d ns, either byte order,
//            link type) then records { ts_sec, ts_frac, incl_len, orig_len, data }
//   pcapng:  blocks { type, total_length, body, total_length }: Section Header
//            (0x0A0D0D0A, byte-order magic 1A2B3C4D), Interface Description (1:
//            link type), Enhanced Packet (6), Simple Packet (3); others skipped
//   links:   Ethernet (1, with 802.1Q tags), raw IP (101, 228, 229), BSD
//            loopback (0), Linux cooked SLL (113) and SLL2 (276)
//   then:    IPv4 (RFC 791) or IPv6 (RFC 8200) carrying UDP (RFC 768)
//
// Everything is read through lib/bytes.hpp's ByteReader (big-endian) or the
// little-endian helpers below, so a truncated or hostile file ends the walk
// with an error instead of reading past the buffer. Datagrams borrow the
// file's bytes. Non-UDP packets and IP fragments after the first are counted,
// not returned (a reassembling reader is out of scope).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "keyway/lib/bytes.hpp"
#include "keyway/lib/socket_addr.hpp"

namespace keyway::explain {

struct CapturedDatagram {
  std::size_t frame = 0;   // 1-based packet number in the file (as Wireshark counts)
  uint64_t time_us = 0;    // capture timestamp, microseconds since the epoch
  SocketAddr from;
  SocketAddr to;
  Bytes payload;           // the UDP payload (borrowed from the file)
};

struct CaptureContents {
  bool pcapng = false;
  std::vector<CapturedDatagram> datagrams;
  std::size_t frames = 0;       // packets in the file
  std::size_t skipped = 0;      // not UDP, unknown link type, or a later IP fragment
  std::string error;            // empty when the whole file was read
};

// True when the bytes start like a pcap or pcapng file.
bool looks_like_capture(Bytes file);

// Reads every UDP datagram; stops at the first structural error (kept in
// .error, with the datagrams read so far).
CaptureContents read_capture(Bytes file);

// Link-layer decoding shared by both formats: appends the UDP datagram of one
// frame, if there is one; returns false (and counts nothing) otherwise.
bool decode_frame(uint32_t link_type, Bytes frame, CapturedDatagram& out);

}  // namespace keyway::explain
