// Counting allocator for the "allocates nothing" tests (architecture.md
// "Memory"): replaces global operator new/delete and, on glibc outside
// ASan (which owns malloc: interposing it there aborts at start-up),
// interposes malloc/calloc/realloc too, since mbedTLS allocates with calloc.
// Include it from exactly one source file of a test executable.
#pragma once

// GCC cannot see that the replaced operator new pairs with free below.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include <cstdlib>
#include <new>

namespace keyway::test {
inline std::size_t g_news = 0;     // operator new calls
inline std::size_t g_mallocs = 0;  // malloc/calloc/realloc calls (0 under ASan)
inline std::size_t allocations() { return g_news + g_mallocs; }
}  // namespace keyway::test

void* operator new(std::size_t n) {
  ++keyway::test::g_news;
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  ++keyway::test::g_news;
  return std::malloc(n == 0 ? 1 : n);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

#if defined(__SANITIZE_ADDRESS__)
#define KEYWAY_NO_MALLOC_INTERPOSE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KEYWAY_NO_MALLOC_INTERPOSE 1
#endif
#endif
#if defined(__GLIBC__) && !defined(KEYWAY_NO_MALLOC_INTERPOSE)
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* malloc(std::size_t n) {
  ++keyway::test::g_mallocs;
  return __libc_malloc(n);
}
void* calloc(std::size_t a, std::size_t b) {
  ++keyway::test::g_mallocs;
  return __libc_calloc(a, b);
}
void* realloc(void* p, std::size_t n) {
  ++keyway::test::g_mallocs;
  return __libc_realloc(p, n);
}
}
#endif
