// SPDX-License-Identifier: Apache-2.0
// Classification (RFC 7983 §7) and the per-flow DTLS reassembly of
// `keyway explain` (see explain.hpp).
#include "tools/explain/explain.hpp"

#include <fmt/format.h>

#include "tools/explain/dtls_names.hpp"

namespace keyway::explain {
namespace {

constexpr std::size_t kMaxMessage = 65536;

// Hands DTLS fragments to the flow's reassembler; explains the message once
// every byte of it has arrived (RFC 6347 §4.2.3).
struct ReassemblingSink : FragmentSink {
  ReassemblingSink(dtls::Reassembler& r, bool& is_active, std::size_t& fragments, const Options& o)
      : reassembler(r), active(is_active), count(fragments), options(o) {}
  void fragment(Printer& p, uint8_t type, uint32_t length, uint16_t msg_seq, uint32_t offset, Bytes body) override {
    if (!active || reassembler.next_seq() != msg_seq) {
      reassembler.reset(msg_seq);
      count = 0;
    }
    active = true;
    auto added = reassembler.add(dtls::HandshakeFragment{type, length, msg_seq, offset, body});
    ++count;
    if (!added.ok()) {
      p.note("the reassembler refuses this fragment (dtls::Reassembler::add)");
      return;
    }
    if (!reassembler.ready()) {
      p.field(body, fmt::format("fragment body: {} of {} bytes; held by dtls::Reassembler until the rest arrives",
                                body.size(), length), "RFC 6347 §4.2.3", "dtls::Reassembler::add");
      return;
    }
    p.field(body, fmt::format("fragment body: completes the message ({} fragments)", count), "RFC 6347 §4.2.3",
            "dtls::Reassembler::add");
    Bytes whole = reassembler.ready_body();
    std::string& out = p.out();
    out += fmt::format("reassembled {} (message_seq {}, {} bytes from {} fragments; offsets below are in the "
                       "message body)  [RFC 6347 §4.2.3 | dtls::Reassembler]\n",
                       handshake_name(type), msg_seq, whole.size(), count);
    Printer body_printer(out, whole, options.all_bytes);
    Indented in(body_printer);
    explain_handshake_body(body_printer, type, whole);
    reassembler.advance();
    active = false;
  }

  dtls::Reassembler& reassembler;
  bool& active;
  std::size_t& count;
  const Options& options;
};

}  // namespace

Kind classify(Bytes d) {
  if (d.empty()) return Kind::unknown;
  uint8_t b = d[0];
  if (b <= 3) return Kind::stun;
  if (b >= 16 && b <= 19) return Kind::zrtp;
  if (b >= 20 && b <= 63) return Kind::dtls;
  if (b >= 64 && b <= 79) return Kind::turn_channel;
  if (b >= 128 && b <= 191) {
    // RFC 5761 §4: RTCP packet types 192-223 (200-206 in practice) share
    // the second byte with RTP's M bit + payload type.
    uint8_t pt = d.size() > 1 ? d[1] : 0;
    return pt >= 192 && pt <= 223 ? Kind::rtcp : Kind::rtp;
  }
  return Kind::unknown;
}

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::stun: return "STUN (first byte 0-3)";
    case Kind::zrtp: return "ZRTP (first byte 16-19)";
    case Kind::dtls: return "DTLS (first byte 20-63)";
    case Kind::turn_channel: return "TURN ChannelData (first byte 64-79)";
    case Kind::rtp: return "RTP/SRTP (first byte 128-191, second byte not 192-223)";
    case Kind::rtcp: return "RTCP/SRTCP (first byte 128-191, packet type 192-223: RFC 5761 §4)";
    case Kind::unknown: return "unknown (RFC 7983 drops it)";
  }
  return "?";
}

Explainer::Flow& Explainer::flow(std::string_view name) {
  auto it = flows_.find(name);
  if (it != flows_.end()) return *it->second;
  auto f = std::make_unique<Flow>();
  f->pool.resize(dtls::Reassembler::footprint(kMaxMessage) * 2);
  f->reassembler.init(MutableBytes(f->pool.data(), f->pool.size()), kMaxMessage);
  return *flows_.emplace(std::string(name), std::move(f)).first->second;
}

void Explainer::datagram(Bytes d, std::string_view flow_name, std::string& out) {
  Kind k = classify(d);
  out += fmt::format("RFC 7983 §7: {}\n", kind_name(k));
  Printer p(out, d, options_.all_bytes);
  Indented in(p);
  switch (k) {
    case Kind::stun: return explain_stun(p, d, options_);
    case Kind::dtls: {
      Flow& f = flow(flow_name);
      ReassemblingSink sink(f.reassembler, f.active, f.fragments, options_);
      return explain_dtls(p, d, sink);
    }
    case Kind::rtp: return explain_rtp(p, d);
    case Kind::rtcp: return explain_rtcp(p, d);
    case Kind::zrtp: case Kind::turn_channel: case Kind::unknown:
      if (!d.empty()) p.field(d, "not explained (keyway does not speak it)", "RFC 7983 §7", "peer::Connection (demultiplexer)");
  }
}

}  // namespace keyway::explain
