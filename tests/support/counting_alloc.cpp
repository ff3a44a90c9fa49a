// SPDX-License-Identifier: Apache-2.0
// See counting_alloc.hpp.
// GCC cannot see that the replaced operator new pairs with free below.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include "tests/support/counting_alloc.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#if defined(__SANITIZE_ADDRESS__)
#define KEYWAY_NO_MALLOC_INTERPOSE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KEYWAY_NO_MALLOC_INTERPOSE 1
#endif
#endif

#if defined(KEYWAY_NO_MALLOC_INTERPOSE)
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#endif

namespace {
std::atomic<uint64_t> g_news{0};
std::atomic<uint64_t> g_mallocs{0};
keyway::testing::AllocHook g_on_alloc = nullptr;
keyway::testing::FreeHook g_on_free = nullptr;
}  // namespace

void* operator new(std::size_t n) {
  g_news.fetch_add(1, std::memory_order_relaxed);
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  g_news.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

#if defined(__GLIBC__) && !defined(KEYWAY_NO_MALLOC_INTERPOSE)
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void __libc_free(void*);
void* malloc(std::size_t n) {
  g_mallocs.fetch_add(1, std::memory_order_relaxed);
  void* p = __libc_malloc(n);
  if (g_on_alloc != nullptr && p != nullptr) g_on_alloc(p, n);
  return p;
}
void* calloc(std::size_t a, std::size_t b) {
  g_mallocs.fetch_add(1, std::memory_order_relaxed);
  void* p = __libc_calloc(a, b);
  if (g_on_alloc != nullptr && p != nullptr) g_on_alloc(p, a * b);
  return p;
}
void* realloc(void* p, std::size_t n) {
  g_mallocs.fetch_add(1, std::memory_order_relaxed);
  if (g_on_free != nullptr && p != nullptr) g_on_free(p);
  void* q = __libc_realloc(p, n);
  if (g_on_alloc != nullptr && q != nullptr) g_on_alloc(q, n);
  return q;
}
void free(void* p) {
  if (g_on_free != nullptr && p != nullptr) g_on_free(p);
  __libc_free(p);
}
}
#endif

namespace keyway::testing {

uint64_t operator_new_count() { return g_news.load(std::memory_order_relaxed); }
uint64_t malloc_count() { return g_mallocs.load(std::memory_order_relaxed); }

bool malloc_is_counted() {
#if defined(__GLIBC__) && !defined(KEYWAY_NO_MALLOC_INTERPOSE)
  return true;
#else
  return false;
#endif
}

void set_malloc_hooks(AllocHook on_alloc, FreeHook on_free) {
  g_on_alloc = on_alloc;
  g_on_free = on_free;
}

std::size_t heap_bytes_in_use() {
#if defined(KEYWAY_NO_MALLOC_INTERPOSE)
  return __sanitizer_get_current_allocated_bytes();  // ASan's allocator keeps its own count
#elif defined(__GLIBC__)
  return mallinfo2().uordblks;
#else
  return 0;
#endif
}

}  // namespace keyway::testing
