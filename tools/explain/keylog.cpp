// SPDX-License-Identifier: Apache-2.0
// NSS key log parsing and DTLS record decryption (see keylog.hpp).
#include "tools/explain/keylog.hpp"

#include <cstring>

#include "keyway/dtls/constants.hpp"
#include "keyway/dtls/key_schedule.hpp"
#include "keyway/lib/crypto/ct.hpp"

namespace keyway::explain {
namespace {

int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool unhex(std::string_view h, uint8_t* out, std::size_t n) {
  if (h.size() != 2 * n) return false;
  for (std::size_t i = 0; i < n; ++i) {
    int a = nibble(h[2 * i]), b = nibble(h[2 * i + 1]);
    if (a < 0 || b < 0) return false;
    out[i] = static_cast<uint8_t>(a << 4 | b);
  }
  return true;
}

// Splits on spaces/tabs.
std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> w;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) w.push_back(line.substr(start, i - start));
  }
  return w;
}

}  // namespace

bool parse_key_log(std::string_view text, std::vector<KeyLogEntry>& out, std::string& error) {
  std::size_t line_no = 0;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    std::vector<std::string_view> w = words(line);
    if (w.empty() || w[0][0] == '#' || w[0] != "CLIENT_RANDOM") continue;
    KeyLogEntry e;
    if (w.size() != 3 || !unhex(w[1], e.client_random.data(), 32) || !unhex(w[2], e.master_secret.data(), 48)) {
      error = "key log line " + std::to_string(line_no) + ": expected CLIENT_RANDOM <64 hex> <96 hex>";
      return false;
    }
    out.push_back(e);
  }
  return true;
}

void DtlsDecryptor::client_hello(Bytes random, std::string_view flow) {
  if (random.size() != 32) return;
  std::memcpy(client_random_.data(), random.data(), 32);
  have_client_ = true;
  client_flow_ = std::string(flow);
  from_client_.reset();
  from_server_.reset();
}

void DtlsDecryptor::server_hello(Bytes random, uint16_t suite) {
  if (random.size() != 32) return;
  std::memcpy(server_random_.data(), random.data(), 32);
  have_server_ = true;
  suite_ = suite;
  from_client_.reset();
  from_server_.reset();
}

// RFC 5246 §6.3: key_block = client_write_key, server_write_key,
// client_write_IV, server_write_IV (AEAD suites have no MAC keys).
bool DtlsDecryptor::derive(const std::vector<KeyLogEntry>& keys, std::string& why) {
  if (!have_client_ || !have_server_) {
    why = "the ClientHello and ServerHello of this association were not seen";
    return false;
  }
  const dtls::SuiteInfo* suite = dtls::find_suite(suite_);
  if (suite == nullptr) {
    why = "the suite is not one keyway speaks";
    return false;
  }
  const KeyLogEntry* entry = nullptr;
  for (const KeyLogEntry& e : keys)
    if (e.client_random == client_random_) entry = &e;
  if (entry == nullptr) {
    why = keys.empty() ? "no --keylog given" : "the key log has no CLIENT_RANDOM for this ClientHello";
    return false;
  }
  uint8_t block[2 * 32 + 2 * 12];
  std::size_t k = suite->key_len, iv = suite->fixed_iv_len;
  std::span<uint8_t> out(block, 2 * k + 2 * iv);
  dtls::key_block(suite->prf_hash, entry->master_secret, client_random_, server_random_, out);
  from_client_ = std::make_unique<dtls::RecordCipher>();
  from_server_ = std::make_unique<dtls::RecordCipher>();
  bool ok = from_client_->init(suite->aead, Bytes(block, k), Bytes(block + 2 * k, iv)).ok() &&
            from_server_->init(suite->aead, Bytes(block + k, k), Bytes(block + 2 * k + iv, iv)).ok();
  crypto::secure_zero(block, sizeof block);
  if (!ok) {
    from_client_.reset();
    from_server_.reset();
    why = "the record cipher refused the derived key";
  }
  return ok;
}

std::optional<Bytes> DtlsDecryptor::open(const dtls::Record& rec, std::string_view flow,
                                         const std::vector<KeyLogEntry>& keys, std::string& why) {
  if (!from_client_ && !derive(keys, why)) return std::nullopt;
  plaintext_.resize(rec.fragment.size());
  // The flow that sent the ClientHello is the client. Hex input has one
  // flow for both directions, so the other key is tried too: only the right
  // one authenticates the record.
  dtls::RecordCipher* order[2] = {from_client_.get(), from_server_.get()};
  if (flow != client_flow_) std::swap(order[0], order[1]);
  for (dtls::RecordCipher* c : order) {
    auto n = c->open(rec, MutableBytes(plaintext_.data(), plaintext_.size()));
    if (n.ok()) return Bytes(plaintext_.data(), *n);
  }
  why = "the AEAD tag does not verify with the key log's keys";
  return std::nullopt;
}

}  // namespace keyway::explain
