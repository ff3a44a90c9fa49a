// SPDX-License-Identifier: Apache-2.0
// DTLS 1.3 records (RFC 9147 §4) and the handshake messages only 1.3 has or
// that 1.3 changed (RFC 8446 §4.3, §4.4; RFC 9147 §7 ACK). Records are read
// by dtls::v13::read_ciphertext_record and, given the key log, opened by
// dtls::v13::RecordProtection as keyway's 1.3 endpoint opens them:
//   unified header -> record number decryption (§4.2.3) -> sequence number
//   reconstruction (§4.2.2) -> AEAD -> DTLSInnerPlaintext (content, type, zeros).
#include <fmt/format.h>

#include "keyway/dtls/v13/ack.hpp"
#include "keyway/dtls/v13/messages.hpp"
#include "tools/explain/dtls_names.hpp"
#include "tools/explain/explain.hpp"

namespace keyway::explain {
namespace {

constexpr std::string_view kReadRecord = "dtls::v13::read_ciphertext_record";
constexpr std::string_view kUnmask = "dtls::v13::RecordProtection::unmask_sequence_number";
constexpr std::string_view kOpen = "dtls::v13::RecordProtection::open";
constexpr std::string_view kInner = "dtls::v13::read_inner_plaintext";

const char* epoch_meaning(uint64_t epoch) {
  switch (epoch) {
    case 2: return "handshake traffic keys";
    case 3: return "application traffic keys";
    default: return "application traffic keys after a KeyUpdate";
  }
}

std::string epoch_bits_meaning(uint8_t bits) {
  if (bits >= 2) return fmt::format("epoch {} (or {} + 4k): {}", bits, bits, epoch_meaning(bits));
  return fmt::format("epoch {} + 4k: application traffic keys after a KeyUpdate", bits);
}

// RFC 9147 §4: the first byte 0b001CSLEE and what follows it.
void explain_unified_header(Printer& p, const dtls::v13::CiphertextRecord& rec, const std::optional<Opened13>& opened) {
  const auto& h = rec.header;
  const Bytes hb = rec.header_bytes;
  p.field(hb.first(1),
          fmt::format("unified header 0b001{}{}{}{}{}: no connection id, {}-bit sequence number, length {}, {}",
                      0, h.seq16 ? 1 : 0, h.has_length ? 1 : 0, h.epoch_bits >> 1, h.epoch_bits & 1, h.seq16 ? 16 : 8,
                      h.has_length ? "present" : "absent (the record runs to the end of the datagram)",
                      epoch_bits_meaning(h.epoch_bits)),
          "RFC 9147 §4", kReadRecord);
  const std::size_t seq_len = h.seq16 ? 2 : 1;
  p.field(hb.subspan(1, seq_len),
          opened ? fmt::format("sequence number bits, encrypted (XOR a mask from the ciphertext); decrypted: "
                               "epoch {}, sequence number {}",
                               opened->epoch, opened->seq)
                 : std::string("sequence number bits, encrypted with the sn_key mask (RFC 9147 §4.2.3)"),
          "RFC 9147 §4.2.3", kUnmask);
  if (h.has_length) p.field(hb.subspan(1 + seq_len, 2), fmt::format("length {}", rec.encrypted.size()), "RFC 9147 §4", kReadRecord);
}

void explain_inner(Printer& p, const Opened13& o, DtlsSink& sink) {
  std::string& out = p.out();
  const Bytes content = o.inner.content;
  out += fmt::format(
      "decrypted DTLSInnerPlaintext with {} ({}, epoch {}): {} bytes of {}, then its type and {} bytes of "
      "padding (offsets below are in the plaintext)  [RFC 8446 §5.4 | {}]\n",
      key_log_label(o.secret), epoch_meaning(o.epoch), o.epoch, content.size(), content_type_name(o.inner.type),
      o.plaintext.size() - content.size() - 1, kInner);
  Printer inner(out, o.plaintext, false);
  Indented in(inner);
  switch (o.inner.type) {
    case 22: explain_handshake_records(inner, content, sink); break;
    case 21: explain_alert(inner, content); break;
    case dtls::v13::kContentTypeAck: explain_ack(inner, content); break;
    default:
      if (!content.empty())
        inner.field(content, fmt::format("{} bytes of {}", content.size(), content_type_name(o.inner.type)),
                    "RFC 9147 §4", "dtls::v13::Endpoint");
  }
  inner.field(o.plaintext.subspan(content.size(), 1),
              fmt::format("inner content type {}: {} (the real type; the outer header hides it)", o.inner.type,
                          content_type_name(o.inner.type)),
              "RFC 8446 §5.2", kInner);
  if (o.plaintext.size() > content.size() + 1)
    inner.field(o.plaintext.subspan(content.size() + 1), "padding (zeros)", "RFC 8446 §5.4", kInner);
}

// RFC 8446 §4.3.1: Extension extensions<0..2^16-1>.
void encrypted_extensions(Printer& p, Bytes body) {
  constexpr std::string_view parser = "dtls::v13::parse_encrypted_extensions";
  verdict(p, dtls::v13::parse_encrypted_extensions(body), parser);
  ByteReader r(body);
  explain_hello_extensions(p, r, ExtensionsIn::encrypted_extensions);
}

// RFC 8446 §4.3.2: certificate_request_context<0..2^8-1>, extensions<2..2^16-1>.
void certificate_request(Printer& p, Bytes body) {
  constexpr std::string_view parser = "dtls::v13::parse_certificate_request";
  verdict(p, dtls::v13::parse_certificate_request(body), parser);
  ByteReader r(body);
  ByteReader context;
  if (!r.read_prefixed8(context)) return p.field(body, "truncated", "RFC 8446 §4.3.2", parser);
  p.field(body.first(1 + context.remaining()),
          fmt::format("certificate_request_context, {} bytes (echoed in the client's Certificate)", context.remaining()),
          "RFC 8446 §4.3.2", parser);
  explain_hello_extensions(p, r, ExtensionsIn::certificate_request);
}

// RFC 8446 §4.4.2: certificate_request_context<0..2^8-1>,
// CertificateEntry certificate_list<0..2^24-1> (cert_data<1..2^24-1>, extensions<0..2^16-1>).
void certificate(Printer& p, Bytes body) {
  constexpr std::string_view parser = "dtls::v13::parse_certificate_message";
  constexpr std::string_view rfc = "RFC 8446 §4.4.2";
  verdict(p, dtls::v13::parse_certificate_message(body), parser);
  ByteReader r(body);
  ByteReader context, list;
  if (!r.read_prefixed8(context)) return p.field(body, "truncated", rfc, parser);
  p.field(body.first(1 + context.remaining()),
          fmt::format("certificate_request_context, {} bytes (a server's is empty; a client's echoes the "
                      "CertificateRequest's)", context.remaining()), rfc, parser);
  Bytes at = r.rest();
  if (!r.read_prefixed24(list)) return p.field(at, "certificate_list: runs past the end", rfc, parser);
  p.field(at.first(3), fmt::format("certificate_list length {}", list.remaining()), rfc, parser);
  for (int n = 1; !list.at_end(); ++n) {
    Bytes entry = list.rest();
    ByteReader der, ext;
    if (!list.read_prefixed24(der) || !list.read_prefixed16(ext)) return p.field(entry, "entry: runs past the end", rfc, parser);
    p.field(entry.first(3), fmt::format("certificate {} length {}", n, der.remaining()), rfc, parser);
    p.field(der.rest(),
            n == 1 ? "X.509 DER (end-entity; WebRTC checks its hash against a=fingerprint, RFC 8122 §5)"
                   : "X.509 DER (chain; keyway ignores it)",
            "RFC 5280 §4.1", n == 1 ? "dtls::x509 (certificate.hpp)" : "");
    Bytes ext_at = entry.subspan(3 + der.rest().size());
    p.field(ext_at.first(2 + ext.remaining()), fmt::format("extensions of this entry, {} bytes", ext.remaining()), rfc,
            parser);
  }
}

// RFC 8446 §4.4.3: SignatureScheme algorithm; opaque signature<0..2^16-1>.
void certificate_verify(Printer& p, Bytes body) {
  constexpr std::string_view parser = "dtls::v13::parse_certificate_verify";
  constexpr std::string_view rfc = "RFC 8446 §4.4.3";
  verdict(p, dtls::v13::parse_certificate_verify(body), parser);
  ByteReader r(body);
  uint16_t scheme = 0;
  ByteReader sig;
  if (!r.read_u16(scheme) || !r.read_prefixed16(sig)) return p.field(body, "truncated", rfc, parser);
  p.field(body.first(2), "signature algorithm " + sigalg_name(scheme), rfc, parser);
  p.field(body.subspan(2, 2), fmt::format("signature length {}", sig.remaining()), rfc, parser);
  if (!sig.at_end())
    p.field(sig.rest(), "signature over 64 spaces, the context string, 0, and the transcript hash", rfc, parser);
}

}  // namespace

// RFC 9147 §7: RecordNumber record_numbers<0..2^16-1>, each uint64 epoch, uint64 sequence_number.
void explain_ack(Printer& p, Bytes body) {
  constexpr std::string_view parser = "dtls::v13::read_ack";
  dtls::v13::RecordNumber numbers[64];
  verdict(p, dtls::v13::read_ack(body, numbers), parser);
  ByteReader r(body);
  ByteReader list;
  if (!r.read_prefixed16(list)) return p.field(body, "ACK: truncated", "RFC 9147 §7", parser);
  p.field(body.first(2), fmt::format("record_numbers length {} ({} records acknowledged)", list.remaining(),
                                     list.remaining() / 16),
          "RFC 9147 §7", parser);
  Indented in(p);
  while (list.remaining() >= 16) {
    Bytes at = list.rest().first(16);
    uint64_t epoch = 0, seq = 0;
    if (!list.read_u64(epoch) || !list.read_u64(seq)) break;
    p.field(at, fmt::format("received: epoch {}, record {}", epoch, seq), "RFC 9147 §4", parser);
  }
}

void explain_handshake_body13(Printer& p, uint8_t type, Bytes body) {
  switch (type) {
    case 8: return encrypted_extensions(p, body);
    case 11: return certificate(p, body);
    case 13: return certificate_request(p, body);
    case 15: return certificate_verify(p, body);
    case 20:
      return p.field(body, "verify_data: HMAC(finished_key, transcript hash), finished_key from the handshake secret",
                     "RFC 8446 §4.4.4", "dtls::v13::Endpoint::on_finished");
    case 24: {
      auto k = dtls::v13::parse_key_update(body);
      verdict(p, k, "dtls::v13::parse_key_update");
      if (body.size() == 1)
        p.field(body, body[0] == 1 ? "update_requested: the peer updates its keys too" : "update_not_requested",
                "RFC 8446 §4.6.3", "dtls::v13::parse_key_update");
      return;
    }
    default: return explain_handshake_body(p, type, body);
  }
}

// One DTLSCiphertext: header, the encrypted record, and with the key log its
// DTLSInnerPlaintext.
void explain_ciphertext13(Printer& p, const dtls::v13::CiphertextRecord& rec, DtlsSink& sink) {
  std::string why;
  std::optional<Opened13> opened = sink.decrypt13(rec, why);
  explain_unified_header(p, rec, opened);
  const Bytes e = rec.encrypted;
  if (e.size() < crypto::kAeadTagSize) {
    p.field(e, "encrypted_record, too short for an AEAD tag (dropped and counted)", "RFC 9147 §4", kOpen);
    return;
  }
  const std::size_t body = e.size() - crypto::kAeadTagSize;
  p.field(e.first(body),
          opened ? fmt::format("encrypted DTLSInnerPlaintext, {} bytes: decrypted with the key log (below)", body)
                 : fmt::format("encrypted DTLSInnerPlaintext, {} bytes (content and real type inside; not decrypted: {})",
                               body, why),
          "RFC 9147 §4", kOpen);
  p.field(e.last(crypto::kAeadTagSize),
          opened ? fmt::format("AEAD tag: verified with the keys of {}", key_log_label(opened->secret))
                 : std::string("AEAD tag (a record that fails it is dropped silently and counted)"),
          "RFC 8446 §5.2", kOpen);
  if (opened) explain_inner(p, *opened, sink);
}

}  // namespace keyway::explain
