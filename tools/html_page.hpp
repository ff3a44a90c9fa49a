// SPDX-License-Identifier: Apache-2.0
// The HTML of the ladder page (html_ladder.hpp): lifelines, arrows, stage
// sections, the explain views, and the few lines of inline CSS and JS that
// draw and open them. Self-contained: a Content-Security-Policy of
// default-src 'none' forbids the page to fetch anything at all.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tools/html_ladder.hpp"

namespace keyway::tools {

struct PageRow {
  enum class Kind { datagram, signal, local };
  Kind kind = Kind::local;
  HtmlLadder::Stage stage = HtmlLadder::Stage::sdp;
  double ms = 0;               // since the first row
  std::size_t from = 0, to = 0;  // lanes
  std::string who;             // "A → B" or "A"
  std::string label;           // one line
  std::string detail;          // the explain view (datagram) or the SDP (signal); "" for none
  bool lost = false, retransmission = false, failure = false;
};

class PageWriter {
 public:
  PageWriter(std::string title, std::size_t lanes) : title_(std::move(title)), lanes_(lanes == 0 ? 1 : lanes) {}
  void lane(const std::string& name, const std::string& addr);
  void row(const PageRow& r);
  std::string finish();

 private:
  double center(std::size_t lane) const { return (static_cast<double>(lane) + 0.5) * 100.0 / static_cast<double>(lanes_); }
  std::string diagram(const PageRow& r) const;

  std::string title_;
  std::size_t lanes_;
  std::string lane_html_, body_;
  int current_stage_ = -1;
  std::size_t lane_count_ = 0, rows_ = 0, sections_ = 0;
  std::size_t datagrams_ = 0, lost_ = 0, retransmissions_ = 0, failures_ = 0;
  std::vector<std::size_t> stage_rows_ = std::vector<std::size_t>(HtmlLadder::kStages, 0);
  std::vector<std::size_t> stage_first_ = std::vector<std::size_t>(HtmlLadder::kStages, 0);  // section number + 1
};

// &, <, >, " and ' as entities.
std::string html_escape(std::string_view text);

}  // namespace keyway::tools
