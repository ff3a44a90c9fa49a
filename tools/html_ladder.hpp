// SPDX-License-Identifier: Apache-2.0
// `--html FILE` on demo, answer and offer (issue 15): the call as one
// self-contained HTML page (inline CSS and JS, nothing fetched), drawn as a
// sequence diagram between the endpoints and grouped by stage:
//
//   SDP -> ICE -> DTLS -> fingerprint check -> exporter -> SRTP -> SRTCP
//
// Every datagram is one arrow; clicking it opens what `keyway explain`
// prints for it (tools/explain, with the call's own ICE passwords, DTLS key
// log and SRTP keys, so protected records are shown decrypted). Lost
// datagrams (the demo's --loss), retransmissions (a STUN transaction or a
// DTLS flight sent again) and failures are marked.
//
// The commands feed it where their ladder is produced: sdp(), datagram(),
// trace() (through Tee) and event(); the page is written by write() or, at
// the latest, by the destructor, so every exit path of a command leaves it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "keyway/lib/bytes.hpp"
#include "keyway/lib/socket_addr.hpp"
#include "keyway/lib/trace.hpp"
#include "tools/explain/explain.hpp"

namespace keyway::peer {
class Connection;
struct Event;
}  // namespace keyway::peer

namespace keyway::tools {

class HtmlLadder {
 public:
  // The stages of a secure call, in the order they first happen.
  enum class Stage { sdp, ice, dtls, fingerprint, exporter, srtp, srtcp };
  static constexpr int kStages = 7;
  static const char* stage_name(Stage s);

  explicit HtmlLadder(std::string path, std::string title);
  ~HtmlLadder();
  HtmlLadder(const HtmlLadder&) = delete;
  HtmlLadder& operator=(const HtmlLadder&) = delete;

  // An endpoint (a lifeline, left to right in the order given; a lane of
  // that name already met in sdp() gets the address). Datagrams from or to an
  // address that is no lane's get a lane of their own.
  void lane(std::string name, const SocketAddr& addr);
  // An SDP offer or answer handed from one lane to another (signalling, not a datagram).
  void sdp(std::string_view from, std::string_view to, std::string_view title, std::string_view text);
  // A datagram that left `from` for `to`; lost: dropped on purpose on the way.
  // time_us: wall-clock microseconds (0: now), as the capture files use.
  void datagram(const SocketAddr& from, const SocketAddr& to, Bytes bytes, bool lost, uint64_t time_us = 0);
  // A library trace line on a lane (the demo's ladder lines).
  void trace(std::string_view lane, Layer layer, std::string_view line);
  // A peer event on a lane. At srtp_ready the connection's DTLS key log and
  // SRTP keys are kept, so the page can show protected datagrams decrypted.
  void event(std::string_view lane, const peer::Event& e, const peer::Connection& conn);
  // A line of prose on a lane (e.g. why a command gave up).
  void note(std::string_view lane, Stage stage, std::string_view text, bool failure);

  // Writes the page (again, if called twice). False and a message on stderr if it cannot.
  bool write();
  // The page as text (what write() stores).
  std::string render() const;

  // Forwards trace lines to `next` (may be null) and to the ladder's lane.
  class Tee final : public TraceSink {
   public:
    Tee(HtmlLadder* ladder, std::string lane, TraceSink* next) : ladder_(ladder), lane_(std::move(lane)), next_(next) {}
    void trace(Layer layer, const char* line) override;

   private:
    HtmlLadder* ladder_;
    std::string lane_;
    TraceSink* next_;
  };

 private:
  struct Lane {
    std::string name;
    SocketAddr addr{};
    bool has_addr = false;
  };
  enum class RowKind { datagram, signal, local };
  struct Row {
    RowKind kind = RowKind::local;
    Stage stage = Stage::sdp;
    uint64_t time_us = 0;
    std::size_t from = 0, to = 0;  // lanes (equal for a local row)
    std::string label;
    std::string detail;             // SDP text (signal rows)
    std::vector<uint8_t> bytes;     // datagram rows
    SocketAddr from_addr{}, to_addr{};
    bool lost = false, retransmission = false, failure = false;
  };

  std::size_t lane_of(const SocketAddr& a);
  std::size_t lane_named(std::string_view name);
  void add(Row row);
  std::vector<std::string> explain_all(const std::vector<const Row*>& rows) const;
  void label_dtls13(const std::vector<const Row*>& rows, std::vector<std::string>& labels) const;
  void keep_keys(const peer::Connection& conn);

  std::string path_, title_;
  bool written_ = false;
  std::vector<Lane> lanes_;
  std::vector<Row> rows_;
  std::vector<std::string> seen_;  // retransmission keys (direction + STUN transaction / DTLS flight)
  explain::Options keys_;           // ICE passwords, key log, SRTP keys for the explain views
  uint64_t start_us_ = 0;
};

// What a datagram is, for the ladder: its stage and whether it repeats an
// earlier one (the same STUN transaction, RFC 8489 §6.2.1, or the same DTLS
// handshake fragments, RFC 6347 §4.2.4). `key` is what identifies a repeat.
HtmlLadder::Stage datagram_stage(Bytes datagram);
std::string retransmission_key(Bytes datagram);

}  // namespace keyway::tools
