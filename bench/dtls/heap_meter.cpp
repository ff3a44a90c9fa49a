// SPDX-License-Identifier: Apache-2.0
#include "bench/dtls/heap_meter.hpp"

#include <cstdint>
#include <cstdlib>

#include "tests/support/counting_alloc.hpp"

// The allocations reach us through tests/support/counting_alloc's malloc
// hooks (glibc outside ASan, which owns malloc).

namespace keyway::bench {
namespace {
// Blocks allocated while metering, so a free is charged to the side that
// allocated it (open addressing; a DTLS session holds a few dozen blocks).
constexpr std::size_t kTable = 8192;
struct Block {
  void* p;
  std::size_t size;
  int side;
};
Block g_blocks[kTable];
bool g_on = false;
int g_side = -1;
std::size_t g_live[2] = {0, 0};
std::size_t g_peak[2] = {0, 0};

std::size_t slot_of(void* p) { return (reinterpret_cast<std::uintptr_t>(p) >> 4) % kTable; }

void note_alloc(void* p, std::size_t n) {
  if (!g_on || g_side < 0 || p == nullptr) return;
  for (std::size_t i = slot_of(p), k = 0; k < kTable; ++k, i = (i + 1) % kTable)
    if (g_blocks[i].p == nullptr) {
      g_blocks[i] = Block{p, n, g_side};
      g_live[g_side] += n;
      if (g_live[g_side] > g_peak[g_side]) {
        g_peak[g_side] = g_live[g_side];
        if (HeapMeter::on_peak != nullptr) HeapMeter::on_peak(g_side);
      }
      return;
    }
}

void note_free(void* p) {
  if (p == nullptr) return;
  for (std::size_t i = slot_of(p), k = 0; k < kTable && g_blocks[i].p != nullptr; ++k, i = (i + 1) % kTable)
    if (g_blocks[i].p == p) {
      g_live[g_blocks[i].side] -= g_blocks[i].size;
      // Re-insert the rest of the probe run so lookups stay correct.
      g_blocks[i] = Block{nullptr, 0, -1};
      for (std::size_t j = (i + 1) % kTable; g_blocks[j].p != nullptr; j = (j + 1) % kTable) {
        Block b = g_blocks[j];
        g_blocks[j] = Block{nullptr, 0, -1};
        std::size_t t = slot_of(b.p);
        while (g_blocks[t].p != nullptr) t = (t + 1) % kTable;
        g_blocks[t] = b;
      }
      return;
    }
}
}  // namespace

bool HeapMeter::available() { return testing::malloc_is_counted(); }
void HeapMeter::start() {
  for (auto& b : g_blocks) b = Block{nullptr, 0, -1};
  g_live[0] = g_live[1] = g_peak[0] = g_peak[1] = 0;
  g_on = true;
  testing::set_malloc_hooks(note_alloc, note_free);
}
void HeapMeter::stop() {
  g_on = false;
  testing::set_malloc_hooks(nullptr, nullptr);
}
void HeapMeter::set_side(int s) { g_side = s; }
std::size_t HeapMeter::live(int s) { return g_live[s]; }
std::size_t HeapMeter::peak(int s) { return g_peak[s]; }
void (*HeapMeter::on_peak)(int side) = nullptr;

}  // namespace keyway::bench
