// SPDX-License-Identifier: Apache-2.0
// `keyway explain --keylog FILE`: the NSS key log format that Wireshark,
// OpenSSL (SSLKEYLOGFILE) and browsers write, and DTLS 1.2 record decryption
// from it.
//
//   CLIENT_RANDOM <64 hex: ClientHello.random> <96 hex: master_secret>
//
// With the two randoms and the suite seen in the hellos, the key block is
// derived as the endpoint derives it (RFC 5246 §6.3, dtls::key_block) and
// each protected record is opened with dtls::RecordCipher::open. Lines with
// other labels (TLS 1.3 secrets) and '#' comments are skipped.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keyway/dtls/record.hpp"
#include "keyway/lib/bytes.hpp"

namespace keyway::explain {

struct KeyLogEntry {
  std::array<uint8_t, 32> client_random{};
  std::array<uint8_t, 48> master_secret{};
};

// Parses a key log; false with the line number of the first malformed
// CLIENT_RANDOM line.
bool parse_key_log(std::string_view text, std::vector<KeyLogEntry>& out, std::string& error);

// One DTLS association (both directions) as seen in a capture.
class DtlsDecryptor {
 public:
  // From the hellos: the client's random (and which flow sent it), the
  // server's random and the suite it chose.
  void client_hello(Bytes random, std::string_view flow);
  void server_hello(Bytes random, uint16_t suite);

  // Opens a protected record from `flow` into plaintext (owned by the
  // decryptor until the next call). nullopt with `why` when it cannot.
  std::optional<Bytes> open(const dtls::Record& rec, std::string_view flow, const std::vector<KeyLogEntry>& keys,
                            std::string& why);

 private:
  bool derive(const std::vector<KeyLogEntry>& keys, std::string& why);

  std::array<uint8_t, 32> client_random_{}, server_random_{};
  bool have_client_ = false, have_server_ = false;
  uint16_t suite_ = 0;
  std::string client_flow_;
  std::unique_ptr<dtls::RecordCipher> from_client_, from_server_;
  std::vector<uint8_t> plaintext_;
};

}  // namespace keyway::explain
