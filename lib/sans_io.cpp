// SPDX-License-Identifier: Apache-2.0
#include "keyway/lib/sans_io.hpp"

namespace keyway {

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::accepted: return "accepted";
    case Verdict::discarded: return "discarded";
    case Verdict::fatal: return "fatal";
  }
  return "?";
}

}  // namespace keyway
