// SPDX-License-Identifier: Apache-2.0
// The HTML ladder (see html_ladder.hpp): rows collected during the call,
// rendered at the end into one page with tools/html_page.cpp's style and script.
#include "tools/html_ladder.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "keyway/dtls/v13/record.hpp"
#include "keyway/peer/connection.hpp"
#include "keyway/srtp/keying.hpp"
#include "keyway/srtp/profile.hpp"
#include "tools/html_page.hpp"
#include "tools/ladder.hpp"

namespace keyway::tools {

namespace {

uint64_t wall_clock_us() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(now).count());
}

std::string addr_text(const SocketAddr& a) {
  char buf[kMaxAddrText];
  a.format(buf, sizeof buf);
  return buf;
}

bool contains(std::string_view text, std::string_view word) { return text.find(word) != std::string_view::npos; }

// RFC 6347 §4.1: the record header; §4.2.2: the handshake header. A flight
// sent again carries the same handshake messages and fragments under new
// record sequence numbers, so the key leaves the sequence numbers out. A
// DTLS 1.3 record (RFC 9147 §4) shows only its epoch bits and its length.
std::string dtls_flight_key(Bytes d) {
  std::string key = "dtls";
  ByteReader r(d);
  while (!r.at_end()) {
    if (dtls::v13::is_ciphertext_record(r.rest()[0])) {
      auto rec = dtls::v13::read_ciphertext_record(r);
      if (!rec.ok()) break;
      key += fmt::format("|ct{}.len{}", rec->header.epoch_bits, rec->encrypted.size());
      continue;
    }
    uint8_t type = 0;
    uint16_t version = 0, epoch = 0, len = 0;
    Bytes seq, fragment;
    if (!r.read_u8(type) || !r.read_u16(version) || !r.read_u16(epoch) || !r.read_bytes(6, seq) || !r.read_u16(len) ||
        !r.read_bytes(len, fragment))
      break;
    key += fmt::format("|{}.{}", type, epoch);
    if (type == 22 && epoch == 0 && fragment.size() >= 12)  // msg_type, message_seq, fragment_offset
      key += fmt::format(".{}.{}.{}", fragment[0], fragment[4] << 8 | fragment[5],
                         fragment[6] << 16 | fragment[7] << 8 | fragment[8]);
    else
      key += fmt::format(".len{}", len);
  }
  return key;
}

}  // namespace

const char* HtmlLadder::stage_name(Stage s) {
  switch (s) {
    case Stage::sdp: return "SDP";
    case Stage::ice: return "ICE";
    case Stage::dtls: return "DTLS";
    case Stage::fingerprint: return "fingerprint check";
    case Stage::exporter: return "exporter";
    case Stage::srtp: return "SRTP";
    case Stage::srtcp: return "SRTCP";
  }
  return "?";
}

// RFC 7983 §7 classifies; ChannelData (RFC 8656 §12.4) is judged by what it carries.
HtmlLadder::Stage datagram_stage(Bytes d) {
  explain::Kind k = explain::classify(d);
  if (k == explain::Kind::turn_channel && d.size() > 4) {
    explain::Kind inner = explain::classify(d.subspan(4));
    if (inner != explain::Kind::stun) k = inner;
  }
  switch (k) {
    case explain::Kind::dtls: return HtmlLadder::Stage::dtls;
    case explain::Kind::rtp: return HtmlLadder::Stage::srtp;
    case explain::Kind::rtcp: return HtmlLadder::Stage::srtcp;
    default: return HtmlLadder::Stage::ice;
  }
}

// RFC 8489 §6.2.1: a retransmitted request keeps its transaction ID (and the
// response to it repeats it too); RFC 6347 §4.2.4: a flight is sent again whole.
std::string retransmission_key(Bytes d) {
  explain::Kind k = explain::classify(d);
  if (k == explain::Kind::stun && d.size() >= 20) {
    std::string key = "stun";
    for (std::size_t i = 0; i < 20; ++i)
      if (i < 2 || i >= 8) key += fmt::format("{:02x}", d[i]);  // type and transaction ID
    return key;
  }
  if (k == explain::Kind::dtls) return dtls_flight_key(d);
  return "";
}

HtmlLadder::HtmlLadder(std::string path, std::string title) : path_(std::move(path)), title_(std::move(title)) {}

HtmlLadder::~HtmlLadder() {
  if (!written_) write();
}

void HtmlLadder::lane(std::string name, const SocketAddr& addr) {
  for (Lane& l : lanes_)
    if (l.name == name) {  // a lane first met in the SDP, now with its address
      l.addr = addr;
      l.has_addr = true;
      return;
    }
  lanes_.push_back({std::move(name), addr, true});
}

std::size_t HtmlLadder::lane_of(const SocketAddr& a) {
  for (std::size_t i = 0; i < lanes_.size(); ++i)
    if (lanes_[i].has_addr && lanes_[i].addr == a) return i;
  lanes_.push_back({addr_text(a), a, true});
  return lanes_.size() - 1;
}

std::size_t HtmlLadder::lane_named(std::string_view name) {
  for (std::size_t i = 0; i < lanes_.size(); ++i)
    if (lanes_[i].name == name || lanes_[i].name.rfind(std::string(name) + " ", 0) == 0) return i;
  lanes_.push_back({std::string(name), {}, false});
  return lanes_.size() - 1;
}

void HtmlLadder::add(Row row) {
  if (row.time_us == 0) row.time_us = wall_clock_us();
  if (start_us_ == 0 || row.time_us < start_us_) start_us_ = row.time_us;
  rows_.push_back(std::move(row));
}

void HtmlLadder::sdp(std::string_view from, std::string_view to, std::string_view title, std::string_view text) {
  Row row;
  row.kind = RowKind::signal;
  row.stage = Stage::sdp;
  row.from = lane_named(from);
  row.to = lane_named(to);
  row.label = std::string(title);
  row.detail = std::string(text);
  add(std::move(row));
  // The ICE passwords let the explain views check MESSAGE-INTEGRITY (RFC 8489 §14.5).
  for (std::size_t pos = text.find("a=ice-pwd:"); pos != std::string_view::npos; pos = text.find("a=ice-pwd:", pos + 1)) {
    std::size_t start = pos + 10, end = text.find_first_of("\r\n", start);
    keys_.passwords.emplace_back(text.substr(start, end == std::string_view::npos ? end : end - start));
  }
}

void HtmlLadder::datagram(const SocketAddr& from, const SocketAddr& to, Bytes bytes, bool lost, uint64_t time_us) {
  Row row;
  row.kind = RowKind::datagram;
  row.stage = datagram_stage(bytes);
  row.time_us = time_us;
  row.from = lane_of(from);
  row.to = lane_of(to);
  row.from_addr = from;
  row.to_addr = to;
  row.bytes.assign(bytes.begin(), bytes.end());
  row.label = describe_datagram(bytes);
  row.lost = lost;
  if (std::string key = retransmission_key(bytes); !key.empty()) {
    key = addr_text(from) + ">" + addr_text(to) + ":" + key;
    row.retransmission = std::find(seen_.begin(), seen_.end(), key) != seen_.end();
    if (!row.retransmission) seen_.push_back(std::move(key));
  }
  add(std::move(row));
}

void HtmlLadder::trace(std::string_view lane, Layer layer, std::string_view line) {
  Stage stage = rows_.empty() ? Stage::sdp : rows_.back().stage;
  if (layer == Layer::sdp || contains(line, "remote description")) stage = Stage::sdp;
  else if (contains(line, "fingerprint")) stage = Stage::fingerprint;
  else if (contains(line, "exporter")) stage = Stage::exporter;
  else if (layer == Layer::ice) stage = Stage::ice;
  else if (layer == Layer::dtls) stage = Stage::dtls;
  else if (layer == Layer::srtp) stage = contains(line, "RTCP") || contains(line, "rtcp") ? Stage::srtcp : Stage::srtp;
  Row row;
  row.stage = stage;
  row.from = row.to = lane_named(lane);
  row.label = fmt::format("{}: {}", to_string(layer), line);
  row.retransmission = contains(line, "retransmitting");  // a flight sent again (RFC 6347 §4.2.4)
  // A discarded flight is not yet a failure (the peer may have been damaged on the way): the
  // endpoint says "failing" when it gives up, and the peer layer "FAILED".
  row.failure = contains(line, "failing") || contains(line, "FAILED");
  add(std::move(row));
}

void HtmlLadder::note(std::string_view lane, Stage stage, std::string_view text, bool failure) {
  Row row;
  row.stage = stage;
  row.from = row.to = lane_named(lane);
  row.label = std::string(text);
  row.failure = failure;
  add(std::move(row));
}

void HtmlLadder::event(std::string_view lane, const peer::Event& e, const peer::Connection& conn) {
  using peer::EventKind;
  if (e.kind == EventKind::rtp_received || e.kind == EventKind::rtcp_received) return;
  Stage stage = Stage::dtls;
  if (e.kind == EventKind::ice_connected || e.kind == EventKind::ice_disconnected) stage = Stage::ice;
  if (e.kind == EventKind::srtp_ready) stage = Stage::exporter;
  std::string text = fmt::format("** {}", peer::to_string(e.kind));
  if (e.kind == EventKind::failed) {
    std::string_view why = conn.failure_text();
    text += fmt::format(": {}", why);
    switch (e.error.layer) {
      case Layer::ice: stage = Stage::ice; break;
      case Layer::sdp: stage = Stage::sdp; break;
      case Layer::srtp: stage = Stage::srtp; break;
      default: stage = contains(why, "fingerprint") ? Stage::fingerprint : Stage::dtls; break;
    }
  }
  if (e.kind == EventKind::dtls_handshake_complete) {
    // RFC 5763 §5: the handshake only completes once the peer's certificate
    // matched its a=fingerprint; say so if the trace did not.
    std::size_t me = lane_named(lane);
    bool shown = std::any_of(rows_.begin(), rows_.end(),
                             [&](const Row& r) { return r.stage == Stage::fingerprint && r.from == me; });
    if (!shown) note(lane, Stage::fingerprint, "the peer's certificate matches its a=fingerprint (RFC 5763 §5)", false);
  }
  note(lane, stage, text, e.kind == EventKind::failed);
  if (e.kind == EventKind::srtp_ready) keep_keys(conn);
}

// RFC 5764 §4.2: the exporter output and the negotiated profile are the SRTP
// keys; the NSS key log line opens the DTLS records (as Wireshark does).
void HtmlLadder::keep_keys(const peer::Connection& conn) {
  const dtls::Endpoint* ep = conn.dtls();
  if (ep == nullptr) return;
  char line[dtls::Endpoint::kKeyLogMaxSize];
  std::string error;
  if (ep->format_key_log(line, sizeof line).ok()) explain::parse_key_log(line, keys_.keylog, keys_.keylog13, error);
  auto profile = srtp::profile_from_dtls_id(ep->srtp_profile());
  if (keys_.srtp || !profile.ok()) return;
  explain::SrtpKeys k;
  k.profile = *profile;
  k.material.resize(srtp::dtls_srtp_material_len(*profile));
  if (ep->export_keying_material("EXTRACTOR-dtls_srtp", k.material).ok()) keys_.srtp = k;
}

void HtmlLadder::Tee::trace(Layer layer, const char* line) {
  if (next_ != nullptr) next_->trace(layer, line);
  if (ladder_ != nullptr) ladder_->trace(lane_, layer, line);
}

// Each datagram through `keyway explain`'s Explainer, in the order sent, so
// fragments are reassembled and protected records opened as that command would.
// DTLS 1.3 (issue 18): with the key log, a datagram's label names what its
// encrypted records carry, as the demo's text ladder does (tools/ladder.hpp).
void HtmlLadder::label_dtls13(const std::vector<const Row*>& rows, std::vector<std::string>& labels) const {
  if (keys_.keylog13.empty()) return;
  explain::DtlsDecryptor decryptor;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = *rows[i];
    if (r.kind != RowKind::datagram || explain::classify(Bytes(r.bytes.data(), r.bytes.size())) != explain::Kind::dtls)
      continue;
    labels[i] = describe_dtls_opened(Bytes(r.bytes.data(), r.bytes.size()), addr_text(r.from_addr) + " > " +
                                     addr_text(r.to_addr), decryptor, keys_.keylog13);
  }
}

std::vector<std::string> HtmlLadder::explain_all(const std::vector<const Row*>& rows) const {
  explain::Explainer ex(keys_);
  std::vector<std::string> out(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = *rows[i];
    if (r.kind != RowKind::datagram) continue;
    std::string flow = addr_text(r.from_addr) + " > " + addr_text(r.to_addr);
    out[i] = fmt::format("UDP {}, {} bytes{}\n", flow, r.bytes.size(), r.lost ? " (lost on the way: never received)" : "");
    ex.datagram(Bytes(r.bytes.data(), r.bytes.size()), flow, out[i]);
  }
  return out;
}

std::string HtmlLadder::render() const {
  std::vector<const Row*> rows;
  for (const Row& r : rows_) rows.push_back(&r);
  std::stable_sort(rows.begin(), rows.end(), [](const Row* a, const Row* b) { return a->time_us < b->time_us; });
  std::vector<std::string> explained = explain_all(rows);
  std::vector<std::string> labels(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) labels[i] = rows[i]->label;
  label_dtls13(rows, labels);

  PageWriter page(title_, lanes_.size());
  for (const Lane& l : lanes_) page.lane(l.name, l.has_addr ? addr_text(l.addr) : "");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = *rows[i];
    PageRow pr;
    pr.kind = r.kind == RowKind::datagram ? PageRow::Kind::datagram
              : r.kind == RowKind::signal ? PageRow::Kind::signal
                                          : PageRow::Kind::local;
    pr.stage = r.stage;
    pr.ms = static_cast<double>(r.time_us - start_us_) / 1000.0;
    pr.from = r.from;
    pr.to = r.to;
    pr.who = r.from == r.to ? lanes_[r.from].name : lanes_[r.from].name + " \u2192 " + lanes_[r.to].name;
    pr.label = labels[i];
    pr.detail = r.kind == RowKind::signal ? r.detail : explained[i];
    pr.lost = r.lost;
    pr.retransmission = r.retransmission;
    pr.failure = r.failure;
    page.row(pr);
  }
  return page.finish();
}

bool HtmlLadder::write() {
  written_ = true;
  if (path_.empty()) return true;
  std::string text = render();
  std::FILE* f = std::fopen(path_.c_str(), "wb");
  bool ok = f != nullptr && std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (f != nullptr && std::fclose(f) != 0) ok = false;
  if (!ok) std::fprintf(stderr, "keyway: cannot write the HTML ladder %s\n", path_.c_str());
  return ok;
}

}  // namespace keyway::tools
