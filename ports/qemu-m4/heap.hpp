// SPDX-License-Identifier: Apache-2.0
// The image's heap: malloc/free/calloc/realloc (and so operator new and
// mbedTLS's calloc) over two fixed regions from the linker script, the rest
// of SRAM and of CCM. First fit over an address-ordered free list, merged on
// free; each block carries an 8-byte header. Every byte is counted, in total
// and per owner (the endpoint whose code is running), with its peak.
#pragma once

#include <cstddef>

namespace heap {

constexpr int kOwners = 3;  // 0: the harness; 1, 2: the two endpoints

void set_owner(int owner);  // who the next allocations belong to
int owner();

// Bytes of blocks in use (headers and alignment included: what the heap gives up).
std::size_t in_use();
std::size_t peak();
std::size_t in_use(int owner);
std::size_t peak(int owner);
void reset_peak(int owner);  // the peak restarts at what is in use now
std::size_t capacity();       // both regions
std::size_t failures();       // allocations that found no room

}  // namespace heap
