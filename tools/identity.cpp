// SPDX-License-Identifier: Apache-2.0
#include "tools/identity.hpp"

#include "keyway/lib/hex.hpp"
#include "tools/os.hpp"

namespace keyway::tools {

bool seed_randomness(Randomness& r, std::string& error) {
  uint8_t entropy[48];
  static constexpr uint8_t kPublic[] = {'p', 'u', 'b'};
  static constexpr uint8_t kSecret[] = {'s', 'e', 'c'};
  if (!os_entropy(entropy) || !r.public_rng.instantiate(entropy, kPublic).ok() || !os_entropy(entropy) ||
      !r.secret_rng.instantiate(entropy, kSecret).ok()) {
    error = "cannot seed the DRBG from the operating system (getrandom)";
    return false;
  }
  return true;
}

bool make_identity(dtls::Identity& id, Rng& rng, std::string& error) {
  uint8_t cn_bytes[16];
  rng.fill(cn_bytes);
  char cn[33];
  to_hex(cn_bytes, cn, sizeof cn);  // 32 hex digits, as aiortc and browsers use
  Status st = id.generate(rng, cn, unix_seconds());
  if (!st.ok()) {
    char text[160];
    format_error(st.error(), text, sizeof text);
    error = text;
    return false;
  }
  return true;
}

}  // namespace keyway::tools
