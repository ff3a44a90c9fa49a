// SPDX-License-Identifier: Apache-2.0
// tests/support/counting_alloc for call_test.c: the C test asks, through
// this one function, how many allocations the process has made so far.
#include <cstdint>

#include "tests/support/counting_alloc.hpp"

extern "C" uint64_t capi_test_allocation_count(void) { return keyway::testing::allocation_count(); }
