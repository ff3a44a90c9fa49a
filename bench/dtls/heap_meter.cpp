#include "bench/dtls/heap_meter.hpp"

#include <cstdint>
#include <cstdlib>

// ASan owns malloc: no interposition there (GCC and Clang both define this).
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
#define KEYWAY_METER_MALLOC 1
#endif

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
      if (g_live[g_side] > g_peak[g_side]) g_peak[g_side] = g_live[g_side];
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

#if defined(KEYWAY_METER_MALLOC)
bool HeapMeter::available() { return true; }
#else
bool HeapMeter::available() { return false; }
#endif
void HeapMeter::start() {
  for (auto& b : g_blocks) b = Block{nullptr, 0, -1};
  g_live[0] = g_live[1] = g_peak[0] = g_peak[1] = 0;
  g_on = true;
}
void HeapMeter::stop() { g_on = false; }
void HeapMeter::set_side(int s) { g_side = s; }
std::size_t HeapMeter::live(int s) { return g_live[s]; }
std::size_t HeapMeter::peak(int s) { return g_peak[s]; }

}  // namespace keyway::bench

#if defined(KEYWAY_METER_MALLOC)
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void __libc_free(void*);
void* malloc(std::size_t n) {
  void* p = __libc_malloc(n);
  keyway::bench::note_alloc(p, n);
  return p;
}
void* calloc(std::size_t a, std::size_t b) {
  void* p = __libc_calloc(a, b);
  keyway::bench::note_alloc(p, a * b);
  return p;
}
void* realloc(void* p, std::size_t n) {
  if (keyway::bench::g_on) keyway::bench::note_free(p);
  void* q = __libc_realloc(p, n);
  keyway::bench::note_alloc(q, n);
  return q;
}
void free(void* p) {
  if (keyway::bench::g_on) keyway::bench::note_free(p);
  __libc_free(p);
}
}
#endif
