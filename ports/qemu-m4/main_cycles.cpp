// SPDX-License-Identifier: Apache-2.0
// Image 2 (issue 17): 100 connect -> media -> close cycles on the Cortex-M4;
// the heap must return exactly to where it started (embedded WebRTC stacks
// are known to leak kilobytes per reconnect). One warm-up call first, then
// the count starts. Prints, last:
//   m4 cycles ok cycles=100 heap_start_bytes=.. heap_end_bytes=.. heap_peak_bytes=.. stack_peak_bytes=..
// Exit code 0 when every call succeeded and the heap came back exactly.
#include "board.hpp"
#include "call.hpp"
#include "heap.hpp"

namespace {
m4::Identity g_alice, g_bob;
constexpr int kCycles = 100;
}  // namespace

int main() {
  if (!m4::make_identity(g_alice, 1, "alice") || !m4::make_identity(g_bob, 2, "bob")) {
    board::write("m4 cycles FAILED identity\n");
    return 1;
  }
  m4::CallOptions media;
  media.rtp_each_way = 20;
  media.rtcp_each_way = 2;
  bool warm = m4::run_call(g_alice, g_bob, media).ok;
  std::size_t start = heap::in_use();
  int failed = warm ? 0 : 1;
  const char* failure = "";
  for (int i = 0; i < kCycles; ++i) {
    m4::CallResult r = m4::run_call(g_alice, g_bob, media);
    if (!r.ok) {
      failed++;
      failure = r.failure;
    }
  }
  std::size_t end = heap::in_use();
  bool ok = failed == 0 && end == start && heap::failures() == 0;
  static board::Line line;
  line.text(ok ? "m4 cycles ok" : "m4 cycles FAILED").field("cycles", kCycles).field("failed_calls", failed);
  line.field("heap_start_bytes", start).field("heap_end_bytes", end).field("heap_peak_bytes", heap::peak());
  line.field("stack_peak_bytes", board::stack_peak_bytes());
  if (failed != 0) line.text(" failure=").text(failure);
  line.text("\n");
  board::write(line.c_str());
  return ok ? 0 : 1;
}
