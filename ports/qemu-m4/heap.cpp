// SPDX-License-Identifier: Apache-2.0
#include "heap.hpp"

#include <cstdint>
#include <cstring>

extern "C" {
extern uint8_t __heap_sram_start[], __heap_sram_end[], __heap_ccm_start[], __heap_ccm_end[];
}

namespace {

// A block: this header, then the caller's bytes. A free block keeps its
// size and, in place of the owner, the next free block. Blocks and payloads
// are 16-byte aligned, so memalign/aligned new (which libstdc++ uses for
// over-aligned types) with an alignment up to 16 is a plain allocation.
struct Header {
  uint32_t size;  // whole block, header included, a multiple of kAlign
  uint32_t tag;   // in use: owner; free: address of the next free block (0: none)
  uint32_t pad[2];
};
constexpr std::size_t kAlign = 16;
constexpr std::size_t kHeader = sizeof(Header);
static_assert(kHeader % kAlign == 0);
constexpr std::size_t kMinBlock = 2 * kAlign;

Header* g_free = nullptr;  // address order
bool g_ready = false;
int g_owner = 0;
std::size_t g_in_use = 0, g_peak = 0, g_capacity = 0, g_failures = 0;
std::size_t g_owner_in_use[heap::kOwners] = {}, g_owner_peak[heap::kOwners] = {};

Header* next_of(const Header* h) { return reinterpret_cast<Header*>(static_cast<uintptr_t>(h->tag)); }
void set_next(Header* h, Header* next) { h->tag = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(next)); }
uint8_t* end_of(Header* h) { return reinterpret_cast<uint8_t*>(h) + h->size; }

Header* region(uint8_t* start, uint8_t* end) {
  uintptr_t s = (reinterpret_cast<uintptr_t>(start) + kAlign - 1) & ~uintptr_t{kAlign - 1};
  uintptr_t e = reinterpret_cast<uintptr_t>(end) & ~uintptr_t{kAlign - 1};
  auto* h = reinterpret_cast<Header*>(s);
  h->size = static_cast<uint32_t>(e - s);
  set_next(h, nullptr);
  g_capacity += h->size;
  return h;
}

void init() {
  // The free list is in address order: the lower region first (on silicon
  // CCM, 0x1000'0000; under QEMU, SRAM: linker.ld).
  Header* sram = region(__heap_sram_start, __heap_sram_end);
  Header* ccm = region(__heap_ccm_start, __heap_ccm_end);
  Header* low = sram < ccm ? sram : ccm;
  Header* high = sram < ccm ? ccm : sram;
  set_next(low, high);
  g_free = low;
  g_ready = true;
}

void count(int owner, std::size_t bytes, bool add) {
  if (add) {
    g_in_use += bytes;
    g_owner_in_use[owner] += bytes;
    if (g_in_use > g_peak) g_peak = g_in_use;
    if (g_owner_in_use[owner] > g_owner_peak[owner]) g_owner_peak[owner] = g_owner_in_use[owner];
  } else {
    g_in_use -= bytes;
    g_owner_in_use[owner] -= bytes;
  }
}

void* allocate(std::size_t n) {
  if (!g_ready) init();
  if (n > (1u << 20)) return nullptr;
  std::size_t need = (n + kHeader + kAlign - 1) & ~std::size_t{kAlign - 1};
  if (need < kMinBlock) need = kMinBlock;
  Header* prev = nullptr;
  for (Header* h = g_free; h != nullptr; prev = h, h = next_of(h)) {
    if (h->size < need) continue;
    Header* rest = next_of(h);
    if (h->size - need >= kMinBlock) {  // split: the tail stays free
      auto* tail = reinterpret_cast<Header*>(reinterpret_cast<uint8_t*>(h) + need);
      tail->size = static_cast<uint32_t>(h->size - need);
      set_next(tail, rest);
      rest = tail;
      h->size = static_cast<uint32_t>(need);
    }
    if (prev != nullptr) set_next(prev, rest);
    else g_free = rest;
    h->tag = static_cast<uint32_t>(g_owner);
    count(g_owner, h->size, true);
    return reinterpret_cast<uint8_t*>(h) + kHeader;
  }
  g_failures++;
  return nullptr;
}

void release(void* p) {
  if (p == nullptr) return;
  auto* h = reinterpret_cast<Header*>(static_cast<uint8_t*>(p) - kHeader);
  count(static_cast<int>(h->tag), h->size, false);
  Header* prev = nullptr;
  Header* next = g_free;
  while (next != nullptr && next < h) {
    prev = next;
    next = next_of(next);
  }
  set_next(h, next);
  if (next != nullptr && end_of(h) == reinterpret_cast<uint8_t*>(next)) {  // merge with the next
    h->size += next->size;
    set_next(h, next_of(next));
  }
  if (prev == nullptr) {
    g_free = h;
  } else if (end_of(prev) == reinterpret_cast<uint8_t*>(h)) {  // merge into the previous
    prev->size += h->size;
    set_next(prev, next_of(h));
  } else {
    set_next(prev, h);
  }
}

std::size_t payload_of(void* p) { return reinterpret_cast<Header*>(static_cast<uint8_t*>(p) - kHeader)->size - kHeader; }

}  // namespace

namespace heap {
void set_owner(int owner) { g_owner = owner; }
int owner() { return g_owner; }
std::size_t in_use() { return g_in_use; }
std::size_t peak() { return g_peak; }
std::size_t in_use(int owner) { return g_owner_in_use[owner]; }
std::size_t peak(int owner) { return g_owner_peak[owner]; }
void reset_peak(int owner) { g_owner_peak[owner] = g_owner_in_use[owner]; }
std::size_t capacity() {
  if (!g_ready) init();
  return g_capacity;
}
std::size_t failures() { return g_failures; }
}  // namespace heap

// The C allocation functions, and newlib's reentrant forms, which its own
// code calls: nothing of newlib's allocator is linked.
extern "C" {
void* malloc(std::size_t n) { return allocate(n); }
void free(void* p) { release(p); }
void* calloc(std::size_t count, std::size_t size) {
  if (size != 0 && count > SIZE_MAX / size) return nullptr;
  void* p = allocate(count * size);
  if (p != nullptr) std::memset(p, 0, count * size);
  return p;
}
void* realloc(void* p, std::size_t n) {
  if (p == nullptr) return allocate(n);
  if (n == 0) {
    release(p);
    return nullptr;
  }
  std::size_t old = payload_of(p);
  if (n <= old) return p;
  void* q = allocate(n);
  if (q == nullptr) return nullptr;
  std::memcpy(q, p, old);
  release(p);
  return q;
}
// Over-aligned allocations (aligned new goes through memalign): every block
// is kAlign-aligned already; a larger alignment is refused.
void* memalign(std::size_t align, std::size_t n) { return align <= kAlign ? allocate(n) : nullptr; }
void* aligned_alloc(std::size_t align, std::size_t n) { return memalign(align, n); }
int posix_memalign(void** out, std::size_t align, std::size_t n) {
  *out = memalign(align, n);
  return *out != nullptr ? 0 : 12;  // ENOMEM
}
void* _memalign_r(struct _reent*, std::size_t align, std::size_t n) { return memalign(align, n); }
void* _malloc_r(struct _reent*, std::size_t n) { return malloc(n); }
void _free_r(struct _reent*, void* p) { free(p); }
void* _calloc_r(struct _reent*, std::size_t c, std::size_t s) { return calloc(c, s); }
void* _realloc_r(struct _reent*, void* p, std::size_t n) { return realloc(p, n); }
}
