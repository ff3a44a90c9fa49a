// SPDX-License-Identifier: Apache-2.0
// Classification (RFC 7983 §7) and the per-flow DTLS reassembly of
// `keyway explain` (see explain.hpp).
#include "tools/explain/explain.hpp"

#include <fmt/format.h>

#include "keyway/dtls/messages.hpp"
#include "keyway/dtls/v13/messages.hpp"
#include "tools/explain/dtls_names.hpp"

namespace keyway::explain {
namespace {

constexpr std::size_t kMaxMessage = 65536;

// What spans datagrams for one flow: its fragments go to the flow's
// reassembler, and a message is explained once every byte of it has arrived
// (RFC 6347 §4.2.3); the hellos' randoms go to the association's decryptor.
struct FlowSink : DtlsSink {
  FlowSink(Explainer::FlowState& f, DtlsDecryptor& d, std::string_view flow, const Options& o)
      : state(f), decryptor(d), name(flow), options(o) {}

  void message(Printer& p, uint8_t type, Bytes body) override {
    if (type == 1) {
      auto ch = dtls::parse_client_hello(body);
      if (ch.ok()) decryptor.client_hello(ch->random, name);
    } else if (type == 2) {
      // RFC 8446 §4.2.1: a ServerHello with supported_versions chose DTLS 1.3.
      auto sh13 = dtls::v13::parse_server_hello(body);
      if (sh13.ok() && sh13->has_version) {
        decryptor.server_hello(sh13->random, sh13->cipher_suite, true);
        return explain_server_hello(p, body, true);
      }
      auto sh = dtls::parse_server_hello(body);
      if (sh.ok()) decryptor.server_hello(sh->random, sh->cipher_suite);
    }
    if (decryptor.dtls13()) return explain_handshake_body13(p, type, body);
    explain_handshake_body(p, type, body);
  }

  void fragment(Printer& p, uint8_t type, uint32_t length, uint16_t msg_seq, uint32_t offset, Bytes body) override {
    dtls::Reassembler& r = state.reassembler;
    if (!state.active || r.next_seq() != msg_seq) {
      r.reset(msg_seq);
      state.fragments = 0;
    }
    state.active = true;
    ++state.fragments;
    auto added = r.add(dtls::HandshakeFragment{type, length, msg_seq, offset, body});
    if (!added.ok()) return p.note("the reassembler refuses this fragment (dtls::Reassembler::add)");
    if (!r.ready()) {
      p.field(body, fmt::format("fragment body: {} of {} bytes; held by dtls::Reassembler until the rest arrives",
                                body.size(), length), "RFC 6347 §4.2.3", "dtls::Reassembler::add");
      return;
    }
    p.field(body, fmt::format("fragment body: completes the message ({} fragments)", state.fragments),
            "RFC 6347 §4.2.3", "dtls::Reassembler::add");
    Bytes whole = r.ready_body();
    std::string& out = p.out();
    out += fmt::format("reassembled {} (message_seq {}, {} bytes from {} fragments; offsets below are in the "
                       "message body)  [RFC 6347 §4.2.3 | dtls::Reassembler]\n",
                       handshake_name(type), msg_seq, whole.size(), state.fragments);
    Printer body_printer(out, whole, options.all_bytes);
    Indented in(body_printer);
    message(body_printer, type, whole);
    r.advance();
    state.active = false;
  }

  std::optional<Bytes> decrypt(const dtls::Record& rec, std::string& why) override {
    if (options.keylog.empty()) {
      why = "give --keylog FILE";
      return std::nullopt;
    }
    return decryptor.open(rec, name, options.keylog, why);
  }

  std::optional<Opened13> decrypt13(const dtls::v13::CiphertextRecord& rec, std::string& why) override {
    if (options.keylog13.empty()) {
      why = options.keylog.empty() ? "give --keylog FILE" : "the key log has no DTLS 1.3 secrets";
      return std::nullopt;
    }
    return decryptor.open13(rec, name, options.keylog13, why);
  }

  Explainer::FlowState& state;
  DtlsDecryptor& decryptor;
  std::string_view name;
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

Explainer::FlowState& Explainer::flow(std::string_view name) {
  auto it = flows_.find(name);
  if (it != flows_.end()) return *it->second;
  auto f = std::make_unique<FlowState>();
  f->pool.resize(dtls::Reassembler::footprint(kMaxMessage) * 2);
  f->reassembler.init(MutableBytes(f->pool.data(), f->pool.size()), kMaxMessage);
  return *flows_.emplace(std::string(name), std::move(f)).first->second;
}

Explainer::Explainer(Options options) : options_(std::move(options)) {
  if (options_.srtp) (void)srtp_.init(*options_.srtp, srtp_error_);
}

// RFC 3711 §3.1/§3.4: the tag (and SRTCP's E||index) authenticate the
// packet; the plaintext is explained like a plain RTP/RTCP packet.
void Explainer::explain_srtp(Printer& p, Bytes packet, bool rtcp) {
  if (!options_.srtp) return;
  const char* fn = rtcp ? "srtp::Session::unprotect_rtcp" : "srtp::Session::unprotect_rtp";
  if (!srtp_error_.empty()) return p.note(srtp_error_);
  std::optional<SrtpPlain> plain = rtcp ? srtp_.rtcp(packet) : srtp_.rtp(packet);
  if (!plain) return p.note(fmt::format("{}: neither side's write key authenticates it ({})", rtcp ? "SRTCP" : "SRTP", fn));
  Bytes trailer = packet.last(plain->trailer);
  p.field(trailer,
          rtcp ? fmt::format("SRTCP E||index and tag: verified with the {}'s write key", plain->sender)
               : fmt::format("SRTP tag: verified with the {}'s write key; ROC {} (index = ROC * 65536 + sequence)",
                             plain->sender, plain->roc),
          rtcp ? "RFC 3711 §3.4" : "RFC 3711 §3.3.1", fn);
  std::string& out = p.out();
  out += fmt::format("decrypted {} packet, {} bytes (offsets below are in the plaintext)  [{} | {}]\n",
                     rtcp ? "SRTCP" : "SRTP", plain->bytes.size(), rtcp ? "RFC 3711 §3.4" : "RFC 3711 §3.3", fn);
  Bytes b(plain->bytes.data(), plain->bytes.size());
  Printer inner(out, b, options_.all_bytes);
  Indented in(inner);
  if (rtcp) explain_rtcp(inner, b);
  else explain_rtp(inner, b);
}

DtlsDecryptor& Explainer::association(std::string_view flow) {
  std::string key(flow);
  std::size_t arrow = flow.find(" > ");
  if (arrow != std::string_view::npos) {  // the same key for both directions
    std::string a(flow.substr(0, arrow)), b(flow.substr(arrow + 3));
    key = a < b ? a + " " + b : b + " " + a;
  }
  auto it = associations_.find(key);
  if (it != associations_.end()) return *it->second;
  return *associations_.emplace(key, std::make_unique<DtlsDecryptor>()).first->second;
}

void Explainer::datagram(Bytes d, std::string_view flow_name, std::string& out) {
  Kind k = classify(d);
  out += fmt::format("RFC 7983 §7: {}\n", kind_name(k));
  Printer p(out, d, options_.all_bytes);
  Indented in(p);
  switch (k) {
    case Kind::stun: return explain_stun(p, d, options_);
    case Kind::dtls: {
      FlowSink sink(flow(flow_name), association(flow_name), flow_name, options_);
      return explain_dtls(p, d, sink);
    }
    case Kind::rtp:
      explain_rtp(p, d);
      return explain_srtp(p, d, false);
    case Kind::rtcp:
      explain_rtcp(p, d);
      return explain_srtp(p, d, true);
    case Kind::zrtp: case Kind::turn_channel: case Kind::unknown:
      if (!d.empty()) p.field(d, "not explained (keyway does not speak it)", "RFC 7983 §7", "peer::Connection (demultiplexer)");
  }
}

}  // namespace keyway::explain
