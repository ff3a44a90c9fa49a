// SPDX-License-Identifier: Apache-2.0
// A counting global allocator for the "no heap in the steady state" tests
// and benchmarks (architecture.md "Memory"). Linking counting_alloc.cpp into
// an executable replaces global operator new/delete and, on glibc outside
// ASan, interposes malloc/calloc/realloc too (mbedTLS allocates with calloc).
// One executable per user, since the replacement is global.
#pragma once

#include <cstddef>
#include <cstdint>

namespace keyway::testing {

// operator new calls (all forms) since start.
uint64_t operator_new_count();
// malloc/calloc/realloc calls since start; stays 0 where malloc is not
// interposed (see malloc_is_counted()).
uint64_t malloc_count();
// ASan owns malloc; interposing it there aborts at start-up, so sanitizer
// builds count operator new only.
bool malloc_is_counted();
// Both counters together: what "allocates nothing" is checked against.
inline uint64_t allocation_count() { return operator_new_count() + malloc_count(); }
// Bytes handed out by malloc and not yet freed (glibc's mallinfo2, or ASan's
// own count under ASan), 0 elsewhere.
std::size_t heap_bytes_in_use();

// Observers of every malloc/calloc/realloc and free (glibc outside ASan
// only; see malloc_is_counted()), e.g. keyway-bench's per-session heap
// meter. Null clears them.
using AllocHook = void (*)(void* p, std::size_t n);
using FreeHook = void (*)(void* p);
void set_malloc_hooks(AllocHook on_alloc, FreeHook on_free);

}  // namespace keyway::testing
