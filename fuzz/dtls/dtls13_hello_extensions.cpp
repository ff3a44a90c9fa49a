// SPDX-License-Identifier: Apache-2.0
// Fuzz target: the DTLS 1.3 hello extension bodies (dtls/v13/hello_extensions.hpp).
// The first byte picks the parser; the rest is the extension_data. What a
// parser accepts must survive being written back and read again.
#include <cstdint>
#include <cstdlib>

#include "keyway/dtls/v13/hello_extensions.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keyway;
  using namespace keyway::dtls::v13;
  if (size < 1) return 0;
  Bytes body(data + 1, size - 1);
  static uint8_t buf[70000];
  ByteWriter w(buf);
  switch (data[0] % 5) {
    case 0: {
      auto shares = read_client_key_shares(body);
      if (!shares.ok()) break;
      KeyShareEntry chosen;
      if (!select_key_share(*shares, chosen)) break;
      write_client_key_shares(w, std::span<const KeyShareEntry>(&chosen, 1));
      auto again = read_client_key_shares(w.written());
      KeyShareEntry chosen_again;
      if (!again.ok() || !select_key_share(*again, chosen_again) || chosen_again.group != chosen.group) std::abort();
      break;
    }
    case 1: {
      auto share = read_server_key_share(body);
      if (!share.ok()) break;
      write_server_key_share(w, *share);
      if (w.size() != body.size()) std::abort();
      break;
    }
    case 2: {
      auto offer = read_client_supported_versions(body);
      if (!offer.ok()) break;
      (void)choose_version(*offer, OfferedVersions{true, true});
      break;
    }
    case 3: (void)read_selected_version(body); break;
    case 4: (void)read_hrr_selected_group(body); break;
  }
  (void)read_downgrade_sentinel(body);
  (void)is_hello_retry_request(body);
  return 0;
}
