// SPDX-License-Identifier: Apache-2.0
// DTLS 1.2 records (RFC 6347 §4.1) and handshake message headers (§4.2.2).
// Records are read by dtls::read_record and fragments by
// dtls::read_handshake_fragment, as keyway's endpoint reads them.
#include <fmt/format.h>

#include <optional>

#include "keyway/dtls/alert.hpp"
#include "keyway/dtls/handshake_header.hpp"
#include "keyway/dtls/record.hpp"
#include "keyway/dtls/v13/record.hpp"
#include "tools/explain/dtls_names.hpp"
#include "tools/explain/explain.hpp"

namespace keyway::explain {
namespace {

constexpr std::string_view kReadRecord = "dtls::read_record";
constexpr std::string_view kReadFragment = "dtls::read_handshake_fragment";

void explain_record_header(Printer& p, Bytes h, const dtls::Record& rec) {
  p.field(h.first(1), fmt::format("content type {}: {}", rec.type, content_type_name(rec.type)), "RFC 6347 §4.1",
          kReadRecord);
  p.field(h.subspan(1, 2), "version " + version_name(rec.version), "RFC 6347 §4.1", kReadRecord);
  p.field(h.subspan(3, 2),
          fmt::format("epoch {}{}", rec.epoch, rec.epoch == 0 ? " (plaintext: before ChangeCipherSpec)" : " (protected)"),
          "RFC 6347 §4.1", kReadRecord);
  p.field(h.subspan(5, 6), fmt::format("sequence number {} (per epoch; the replay window uses it)", rec.seq),
          "RFC 6347 §4.1.2.6", kReadRecord);
  p.field(h.subspan(11, 2), fmt::format("length {}", rec.fragment.size()), "RFC 6347 §4.1", kReadRecord);
}

}  // namespace

void explain_alert(Printer& p, Bytes f) {
  if (f.size() != 2) {
    p.field(f, "alert: malformed (not 2 bytes)", "RFC 5246 §7.2", "");
    return;
  }
  p.field(f.first(1), f[0] == 2 ? "level fatal (2)" : f[0] == 1 ? "level warning (1)" : "level: unknown", "RFC 5246 §7.2",
          "dtls::Endpoint (alert handling)");
  p.field(f.subspan(1, 1),
          fmt::format("description {}: {}", f[1], dtls::alert_name(static_cast<dtls::AlertDescription>(f[1])).c_str()),
          "RFC 5246 §7.2", "dtls::alert_name");
}

void explain_handshake_records(Printer& p, Bytes fragment, DtlsSink& sink) {
  ByteReader r(fragment);
  while (!r.at_end()) {
    Bytes start = r.rest();
    auto hs = dtls::read_handshake_fragment(r);
    if (!hs.ok()) {
      p.field(start, "handshake fragment does not parse: " + error_text(hs.error()), "RFC 6347 §4.2.2", kReadFragment);
      return;
    }
    bool whole = hs->frag_offset == 0 && hs->body.size() == hs->length;
    p.heading(fmt::format("{} (handshake type {}), message_seq {}{}", handshake_name(hs->type), hs->type, hs->msg_seq,
                          whole ? "" : fmt::format(", fragment {}..{} of {}", hs->frag_offset,
                                                   hs->frag_offset + hs->body.size(), hs->length)));
    Indented in(p);
    p.field(start.first(1), fmt::format("msg_type {}: {}", hs->type, handshake_name(hs->type)), "RFC 6347 §4.2.2",
            kReadFragment);
    p.field(start.subspan(1, 3), fmt::format("length {} (whole message)", hs->length), "RFC 6347 §4.2.2", kReadFragment);
    p.field(start.subspan(4, 2), fmt::format("message_seq {}", hs->msg_seq), "RFC 6347 §4.2.2", kReadFragment);
    p.field(start.subspan(6, 3), fmt::format("fragment_offset {}", hs->frag_offset), "RFC 6347 §4.2.2", kReadFragment);
    p.field(start.subspan(9, 3), fmt::format("fragment_length {}", hs->body.size()), "RFC 6347 §4.2.2", kReadFragment);
    if (whole) sink.message(p, hs->type, hs->body);
    else sink.fragment(p, hs->type, hs->length, hs->msg_seq, hs->frag_offset, hs->body);
  }
}

// Epoch 1 and later: AEAD-protected (RFC 5246 §6.2.3.3). With AES-GCM the
// first 8 bytes are the explicit nonce (RFC 5288 §3, keyway: epoch||seq);
// with ChaCha20-Poly1305 there is none (RFC 7905 §2). The tag is 16 bytes.
// With --keylog the plaintext follows, explained like a plaintext record.
static void explain_protected(Printer& p, const dtls::Record& rec, DtlsSink& sink) {
  constexpr std::string_view kOpen = "dtls::RecordCipher::open";
  Bytes f = rec.fragment;
  if (f.size() < 8 + 16) {
    p.field(f, "protected fragment, too short for an AEAD record (dropped and counted)", "RFC 5246 §6.2.3.3", kOpen);
    return;
  }
  std::string why;
  std::optional<Bytes> plain = sink.decrypt(rec, why);
  p.field(f.first(8), "explicit nonce (AES-GCM: epoch||seq; ChaCha20-Poly1305 has none)", "RFC 5288 §3", kOpen);
  const char* inside = rec.type == 22 ? "a handshake message, the first is Finished" : content_type_name(rec.type);
  p.field(f.subspan(8, f.size() - 24),
          plain ? fmt::format("ciphertext, {} bytes: {} decrypted with the key log (below)", f.size() - 24, inside)
                : fmt::format("ciphertext, {} bytes ({} inside; not decrypted: {})", f.size() - 24, inside, why),
          "RFC 5246 §6.2.3.3", kOpen);
  p.field(f.last(16), plain ? "AEAD tag: verified with the key log's key"
                            : "AEAD tag (a record that fails it is dropped silently and counted)",
          "RFC 5246 §6.2.3.3", kOpen);
  if (!plain) return;
  std::string& out = p.out();
  out += fmt::format("decrypted {} record, {} bytes (offsets below are in the plaintext)  [RFC 5246 §6.2.3.3 | {}]\n",
                     content_type_name(rec.type), plain->size(), kOpen);
  Printer inner(out, *plain, false);
  Indented in(inner);
  if (rec.type == 22) explain_handshake_records(inner, *plain, sink);
  else if (rec.type == 21) explain_alert(inner, *plain);
  else if (!plain->empty()) inner.field(*plain, fmt::format("{} bytes of {}", plain->size(), content_type_name(rec.type)),
                                        "RFC 6347 §4.1", "dtls::Endpoint");
}

static void explain_record(Printer& p, Bytes header_and_rest, const dtls::Record& rec, DtlsSink& sink) {
  explain_record_header(p, header_and_rest.first(dtls::kRecordHeaderSize), rec);
  if (rec.epoch != 0) return explain_protected(p, rec, sink);
  switch (rec.type) {
    case 22: return explain_handshake_records(p, rec.fragment, sink);
    case 20:
      p.field(rec.fragment, "ChangeCipherSpec: the sender's next records use epoch 1 (the new keys)", "RFC 5246 §7.1",
              "dtls::Endpoint");
      return;
    case 21: return explain_alert(p, rec.fragment);
    default: p.field(rec.fragment, "plaintext fragment (not expected at epoch 0)", "RFC 6347 §4.1", kReadRecord);
  }
}

void explain_dtls(Printer& p, Bytes datagram, DtlsSink& sink) {
  ByteReader r(datagram);
  for (int n = 1; !r.at_end(); ++n) {
    Bytes start = r.rest();
    if (dtls::v13::is_ciphertext_record(start[0])) {  // RFC 9147 §4.1: DTLS 1.3, protected
      auto rec = dtls::v13::read_ciphertext_record(r);
      if (!rec.ok()) {
        p.field(start, "not a whole DTLS 1.3 record: " + error_text(rec.error()) + " (the rest of the datagram is dropped)",
                "RFC 9147 §4", "dtls::v13::read_ciphertext_record");
        return;
      }
      p.heading(fmt::format("DTLS record {}: DTLSCiphertext (DTLS 1.3, unified header), {} bytes  (RFC 9147 §4)", n,
                            rec->header_bytes.size() + rec->encrypted.size()));
      Indented in(p);
      explain_ciphertext13(p, *rec, sink);
      continue;
    }
    auto rec = dtls::read_record(r);
    if (!rec.ok()) {
      p.field(start, "not a whole record: " + error_text(rec.error()) + " (the rest of the datagram is dropped)",
              "RFC 6347 §4.1.2.7", kReadRecord);
      return;
    }
    p.heading(fmt::format("DTLS record {}: {}, epoch {}, {} bytes  (RFC 6347 §4.1)", n, content_type_name(rec->type),
                          rec->epoch, rec->fragment.size()));
    Indented in(p);
    explain_record(p, start, *rec, sink);
  }
}

}  // namespace keyway::explain
