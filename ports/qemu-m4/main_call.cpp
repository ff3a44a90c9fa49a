// SPDX-License-Identifier: Apache-2.0
// Image 1 (issue 17): one whole secure call on the Cortex-M4. Boots, makes
// both endpoints' certificates (the first one timed: cert_gen_ms), runs the
// call (offer/answer, ICE, DTLS with the fingerprint check, the exporter,
// 200 SRTP and 200 SRTCP packets each way, close) and prints, last:
//   m4 call ok text_bytes=.. data_bytes=.. bss_bytes=.. heap_peak_bytes=..
//      stack_peak_bytes=.. established_bytes=.. handshake_ms=.. cert_gen_ms=..
// (one line; a contract, parsed by tools). established_bytes is the larger
// endpoint's (its peer::Connection and every heap byte it holds once SRTP
// keys exist). Exit code 0 when the call succeeded.
#include "board.hpp"
#include "call.hpp"
#include "heap.hpp"

namespace {
m4::Identity g_alice, g_bob;
keyway::dtls::Identity g_stored;

std::size_t larger(const std::size_t v[2]) { return v[0] > v[1] ? v[0] : v[1]; }
}  // namespace

int main() {
  uint32_t t0 = board::millis();
  bool ids = m4::make_identity(g_alice, 1, "alice");
  uint32_t cert_gen_ms = board::millis() - t0;
  ids = ids && m4::make_identity(g_bob, 2, "bob");
  // The other way to boot (docs/embedding.md): load a stored key and certificate.
  uint32_t cert_load_ms = 0;
  if (ids) {
    uint8_t scalar[32];
    ids = g_alice.cert.key().export_private(scalar).ok();
    t0 = board::millis();
    ids = ids && g_stored.load(scalar, g_alice.cert.certificate_der()).ok();
    cert_load_ms = board::millis() - t0;
  }
  if (!ids) {
    board::write("m4 call FAILED identity\n");
    return 1;
  }

  m4::CallResult r = m4::run_call(g_alice, g_bob, m4::CallOptions{});

  static board::Line detail;  // static: not on the stack stack_peak_bytes measures
  detail.text("m4 endpoints suite=").text(r.cipher_suite).text(" srtp=").text(r.srtp_profile);
  detail.field("connection_sizeof", r.object_bytes);
  detail.field("alice_handshake_peak_bytes", r.handshake_peak_bytes[0]).field("bob_handshake_peak_bytes", r.handshake_peak_bytes[1]);
  detail.field("alice_established_bytes", r.established_bytes[0]).field("bob_established_bytes", r.established_bytes[1]);
  detail.field("cert_load_ms", cert_load_ms).field("heap_capacity_bytes", heap::capacity()).field("heap_in_use_after_bytes", heap::in_use()).text("\n");
  board::write(detail.c_str());

  static board::Line line;
  line.text(r.ok ? "m4 call ok" : "m4 call FAILED");
  line.field("text_bytes", board::text_bytes()).field("data_bytes", board::data_bytes());
  line.field("bss_bytes", board::bss_bytes()).field("heap_peak_bytes", heap::peak());
  line.field("stack_peak_bytes", board::stack_peak_bytes()).field("established_bytes", larger(r.established_bytes));
  line.field("handshake_ms", r.handshake_ms).field("cert_gen_ms", cert_gen_ms);
#if KEYWAY_PROFILE_MINIMAL
  line.text(" profile=minimal");  // meson -Dprofile=minimal (the full profile's line is the contract's)
#endif
  if (!r.ok) line.text(" failure=").text(r.failure);
  line.text("\n");
  board::write(line.c_str());
  return r.ok ? 0 : 1;
}
