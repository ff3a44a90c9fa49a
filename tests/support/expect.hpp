// SPDX-License-Identifier: Apache-2.0
// EXPECT for the test programs that run without doctest (the coturn tests:
// one process drives a real server and must stop it whatever fails): a
// failed condition is printed with its place and counted, and the run goes on.
#pragma once

#include <cstdio>

namespace keyway::test {
inline int failures = 0;
}  // namespace keyway::test

#define EXPECT(cond)                                                          \
  do {                                                                        \
    if (!(cond)) {                                                            \
      std::fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, #cond); \
      ++::keyway::test::failures;                                             \
    }                                                                         \
  } while (0)
