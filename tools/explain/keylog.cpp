// SPDX-License-Identifier: Apache-2.0
// NSS key log parsing and DTLS record decryption (see keylog.hpp).
#include "tools/explain/keylog.hpp"

#include <cstring>

#include "keyway/dtls/constants.hpp"
#include "keyway/dtls/key_schedule.hpp"
#include "keyway/dtls/v13/key_schedule.hpp"
#include "keyway/dtls/v13/messages.hpp"
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

constexpr const char* kLabels13[KeyLog13Entry::count] = {
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0",
    "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET"};

// A DTLS 1.3 line: the secret is a hash long (SHA-256: 32 bytes, SHA-384: 48).
bool parse_line13(const std::vector<std::string_view>& w, std::vector<KeyLog13Entry>& out13) {
  int which = -1;
  for (int i = 0; i < KeyLog13Entry::count; ++i)
    if (w[0] == kLabels13[i]) which = i;
  std::array<uint8_t, 32> random{};
  if (which < 0 || w.size() != 3 || !unhex(w[1], random.data(), 32)) return false;
  const std::size_t len = w[2].size() / 2;
  uint8_t secret[48];
  if ((len != 32 && len != 48) || !unhex(w[2], secret, len)) return false;
  KeyLog13Entry* e = nullptr;
  for (KeyLog13Entry& x : out13)
    if (x.client_random == random) e = &x;
  if (e == nullptr) {
    e = &out13.emplace_back();
    e->client_random = random;
  }
  std::memcpy(e->secret[which].data(), secret, len);
  e->len[which] = static_cast<uint8_t>(len);
  crypto::secure_zero(secret, sizeof secret);
  return true;
}

bool is_label13(std::string_view w) {
  for (const char* l : kLabels13)
    if (w == l) return true;
  return false;
}

bool parse_lines(std::string_view text, std::vector<KeyLogEntry>& out, std::vector<KeyLog13Entry>& out13,
                 std::string& error, bool with13);

}  // namespace

const char* key_log_label(KeyLog13Entry::Secret s) { return s < KeyLog13Entry::count ? kLabels13[s] : "?"; }

bool parse_key_log(std::string_view text, std::vector<KeyLogEntry>& out, std::string& error) {
  std::vector<KeyLog13Entry> ignored;
  return parse_lines(text, out, ignored, error, false);
}

bool parse_key_log(std::string_view text, std::vector<KeyLogEntry>& out, std::vector<KeyLog13Entry>& out13,
                   std::string& error) {
  return parse_lines(text, out, out13, error, true);
}

namespace {
bool parse_lines(std::string_view text, std::vector<KeyLogEntry>& out, std::vector<KeyLog13Entry>& out13,
                 std::string& error, bool with13) {
  std::size_t line_no = 0;
  while (!text.empty()) {
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    std::vector<std::string_view> w = words(line);
    if (with13 && !w.empty() && is_label13(w[0])) {
      if (parse_line13(w, out13)) continue;
      error = "key log line " + std::to_string(line_no) + ": expected " + std::string(w[0]) + " <64 hex> <64 or 96 hex>";
      return false;
    }
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

}  // namespace

void DtlsDecryptor::client_hello(Bytes random, std::string_view flow) {
  if (random.size() != 32) return;
  std::memcpy(client_random_.data(), random.data(), 32);
  have_client_ = true;
  client_flow_ = std::string(flow);
  from_client_.reset();
  from_server_.reset();
  epochs13_.clear();
}

void DtlsDecryptor::server_hello(Bytes random, uint16_t suite, bool dtls13) {
  if (random.size() != 32) return;
  std::memcpy(server_random_.data(), random.data(), 32);
  have_server_ = true;
  suite_ = suite;
  dtls13_ = dtls13;
  from_client_.reset();
  from_server_.reset();
  epochs13_.clear();
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

// RFC 9147 §6.1: epoch 2 is keyed by the handshake traffic secrets, epoch 3
// by the first application traffic secrets, each later epoch by the next
// application secret (KeyUpdate, RFC 8446 §7.2).
DtlsDecryptor::Epoch13* DtlsDecryptor::epoch13(const KeyLog13Entry& e, bool from_client, uint64_t epoch) {
  auto& slot = epochs13_[{from_client, epoch}];
  if (slot) return slot.get();
  const dtls::v13::Suite* suite = dtls::v13::find_suite(suite_);
  const auto base = epoch == 2 ? (from_client ? KeyLog13Entry::client_handshake : KeyLog13Entry::server_handshake)
                               : (from_client ? KeyLog13Entry::client_application : KeyLog13Entry::server_application);
  Bytes secret = e.get(base);
  if (suite == nullptr || secret.size() != crypto::digest_size(suite->hash)) return nullptr;
  dtls::v13::SecretBytes s;
  std::memcpy(s.bytes, secret.data(), secret.size());
  s.len = static_cast<uint8_t>(secret.size());  // a digest: checked above
  for (uint64_t n = 3; n < epoch; ++n) {
    dtls::v13::SecretBytes next;
    next.len = s.len;
    if (!dtls::v13::next_traffic_secret(suite->hash, dtls::v13::LabelPrefix::dtls13, s.view(), next.mutable_view()).ok())
      return nullptr;
    s = next;
  }
  dtls::v13::TrafficKeys keys;
  auto fresh = std::make_unique<Epoch13>();
  if (!dtls::v13::traffic_keys(suite->hash, dtls::v13::LabelPrefix::dtls13, s.view(), crypto::aead_key_size(suite->aead),
                               keys)
           .ok() ||
      !fresh->protection.init(suite->aead, epoch, keys).ok())
    return nullptr;
  slot = std::move(fresh);
  return slot.get();
}

std::optional<Opened13> DtlsDecryptor::open13(const dtls::v13::CiphertextRecord& rec, std::string_view flow,
                                              const std::vector<KeyLog13Entry>& keys, std::string& why) {
  if (!have_client_ || !have_server_ || !dtls13_) {
    why = "the ClientHello and the DTLS 1.3 ServerHello of this association were not seen";
    return std::nullopt;
  }
  if (dtls::v13::find_suite(suite_) == nullptr) {
    why = "the suite is not one keyway speaks";
    return std::nullopt;
  }
  const KeyLog13Entry* entry = nullptr;
  for (const KeyLog13Entry& e : keys)
    if (e.client_random == client_random_) entry = &e;
  if (entry == nullptr) {
    why = keys.empty() ? "no DTLS 1.3 secrets in the key log"
                       : "the key log has no DTLS 1.3 secrets for this ClientHello";
    return std::nullopt;
  }
  // The flow that sent the ClientHello is the client; hex input has one flow
  // for both directions, so both are tried.
  const bool client_first = flow == client_flow_;
  plaintext_.resize(rec.encrypted.size());
  const uint8_t bits = rec.header.epoch_bits;
  for (uint64_t epoch = bits < 2 ? bits + 4u : bits; epoch < 16; epoch += 4) {
    for (bool from_client : {client_first, !client_first}) {
      Epoch13* ep = epoch13(*entry, from_client, epoch);
      if (ep == nullptr) continue;
      auto seq = ep->protection.unmask_sequence_number(rec, ep->next_expected);
      if (!seq.ok()) continue;
      auto inner = ep->protection.open(rec, *seq, MutableBytes(plaintext_.data(), plaintext_.size()));
      if (!inner.ok()) continue;
      if (*seq >= ep->next_expected) ep->next_expected = *seq + 1;
      Opened13 o;
      o.epoch = epoch;
      o.seq = *seq;
      o.from_client = from_client;
      o.secret = epoch == 2 ? (from_client ? KeyLog13Entry::client_handshake : KeyLog13Entry::server_handshake)
                            : (from_client ? KeyLog13Entry::client_application : KeyLog13Entry::server_application);
      o.plaintext = Bytes(plaintext_.data(), rec.encrypted.size() - crypto::kAeadTagSize);
      o.inner = *inner;
      return o;
    }
  }
  why = "the AEAD tag does not verify with the key log's secrets (epochs 2 to 15, both directions)";
  return std::nullopt;
}

}  // namespace keyway::explain
