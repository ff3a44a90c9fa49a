// SPDX-License-Identifier: Apache-2.0
// `keyway explain --keylog FILE`: the NSS key log format that Wireshark,
// OpenSSL (SSLKEYLOGFILE) and browsers write, and DTLS 1.2 record decryption
// from it.
//
//   CLIENT_RANDOM <64 hex: ClientHello.random> <96 hex: master_secret>
//
// With the two randoms and the suite seen in the hellos, the key block is
// derived as the endpoint derives it (RFC 5246 §6.3, dtls::key_block) and
// each protected record is opened with dtls::RecordCipher::open.
//
// DTLS 1.3 (issue 18): the traffic secrets of RFC 8446 §7.1, one line each,
//   CLIENT_HANDSHAKE_TRAFFIC_SECRET / SERVER_HANDSHAKE_TRAFFIC_SECRET  (epoch 2)
//   CLIENT_TRAFFIC_SECRET_0 / SERVER_TRAFFIC_SECRET_0                  (epoch 3)
//   EXPORTER_SECRET
// each "<label> <64 hex: ClientHello.random> <64 or 96 hex: secret>". A
// record's keys come from its epoch's secret (dtls::v13::traffic_keys; epochs
// after 3 by KeyUpdate, RFC 8446 §7.2) and it is opened with
// dtls::v13::RecordProtection, record number decryption first (RFC 9147 §4.2.3).
// '#' comments and other labels are skipped.
#pragma once

#include <array>
#include <map>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keyway/dtls/record.hpp"
#include "keyway/dtls/v13/record.hpp"
#include "keyway/lib/bytes.hpp"

namespace keyway::explain {

struct KeyLogEntry {
  std::array<uint8_t, 32> client_random{};
  std::array<uint8_t, 48> master_secret{};
};

// The DTLS 1.3 secrets of one ClientHello.random (len 0: not in the log).
struct KeyLog13Entry {
  enum Secret : uint8_t { client_handshake, server_handshake, client_application, server_application, exporter, count };
  std::array<uint8_t, 32> client_random{};
  std::array<std::array<uint8_t, 48>, count> secret{};
  std::array<uint8_t, count> len{};
  Bytes get(Secret s) const { return Bytes(secret[s].data(), len[s]); }
};
const char* key_log_label(KeyLog13Entry::Secret s);  // "CLIENT_HANDSHAKE_TRAFFIC_SECRET"

// Parses a key log; false with the line number of the first malformed
// CLIENT_RANDOM line (DTLS 1.3 lines are skipped).
bool parse_key_log(std::string_view text, std::vector<KeyLogEntry>& out, std::string& error);
// The same, and the DTLS 1.3 lines into out13 (the lines of one random merged).
bool parse_key_log(std::string_view text, std::vector<KeyLogEntry>& out, std::vector<KeyLog13Entry>& out13,
                   std::string& error);

// A DTLS 1.3 record opened (RFC 9147 §4): its full epoch and sequence
// number, the DTLSInnerPlaintext (content, type, padding) and which secret
// of the key log opened it.
struct Opened13 {
  uint64_t epoch = 0;
  uint64_t seq = 0;
  bool from_client = false;
  KeyLog13Entry::Secret secret = KeyLog13Entry::client_handshake;  // the epoch's base secret (before KeyUpdates)
  Bytes plaintext;  // the whole DTLSInnerPlaintext
  dtls::v13::InnerPlaintext inner;
};

// One DTLS association (both directions) as seen in a capture.
class DtlsDecryptor {
 public:
  // From the hellos: the client's random (and which flow sent it), the
  // server's random and the suite it chose.
  void client_hello(Bytes random, std::string_view flow);
  void server_hello(Bytes random, uint16_t suite, bool dtls13 = false);
  bool dtls13() const { return dtls13_; }

  // Opens a protected record from `flow` into plaintext (owned by the
  // decryptor until the next call). nullopt with `why` when it cannot.
  std::optional<Bytes> open(const dtls::Record& rec, std::string_view flow, const std::vector<KeyLogEntry>& keys,
                            std::string& why);
  // DTLS 1.3: tries each direction and each epoch the record's two epoch
  // bits can name (2..15): only the right keys authenticate it.
  std::optional<Opened13> open13(const dtls::v13::CiphertextRecord& rec, std::string_view flow,
                                 const std::vector<KeyLog13Entry>& keys, std::string& why);

 private:
  bool derive(const std::vector<KeyLogEntry>& keys, std::string& why);
  // The keys of one direction and epoch (2 and up), made on first use.
  struct Epoch13 {
    dtls::v13::RecordProtection protection;
    uint64_t next_expected = 0;  // RFC 9147 §4.2.2: sequence numbers are reconstructed around it
  };
  Epoch13* epoch13(const KeyLog13Entry& e, bool from_client, uint64_t epoch);

  std::array<uint8_t, 32> client_random_{}, server_random_{};
  bool have_client_ = false, have_server_ = false, dtls13_ = false;
  uint16_t suite_ = 0;
  std::string client_flow_;
  std::unique_ptr<dtls::RecordCipher> from_client_, from_server_;
  std::vector<uint8_t> plaintext_;
  std::map<std::pair<bool, uint64_t>, std::unique_ptr<Epoch13>> epochs13_;  // (from client, epoch)
};

}  // namespace keyway::explain
