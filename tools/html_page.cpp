// SPDX-License-Identifier: Apache-2.0
// The ladder page's HTML (see html_page.hpp).
#include "tools/html_page.hpp"

#include <fmt/core.h>

namespace keyway::tools {

namespace {

// What each stage is, and the RFC that defines it (one line under its heading).
const char* stage_about(HtmlLadder::Stage s) {
  switch (s) {
    case HtmlLadder::Stage::sdp:
      return "offer/answer: codecs, ICE credentials, the certificate fingerprint and the DTLS role (RFC 8829, RFC 8842)";
    case HtmlLadder::Stage::ice:
      return "connectivity checks: STUN Binding requests on candidate pairs, then nomination (RFC 8445, RFC 8489)";
    case HtmlLadder::Stage::dtls:
      return "the DTLS 1.2 handshake on the selected pair, with use_srtp (RFC 6347, RFC 5764 \u00a74.1)";
    case HtmlLadder::Stage::fingerprint:
      return "the peer's certificate must hash to the a=fingerprint of its SDP (RFC 5763 \u00a75, RFC 8122 \u00a75)";
    case HtmlLadder::Stage::exporter:
      return "SRTP keys from the DTLS exporter, label EXTRACTOR-dtls_srtp (RFC 5705 \u00a74, RFC 5764 \u00a74.2)";
    case HtmlLadder::Stage::srtp:
      return "media: RTP protected by SRTP (RFC 3711 \u00a73.3, RFC 7714 for AEAD)";
    case HtmlLadder::Stage::srtcp:
      return "control: RTCP protected by SRTCP (RFC 3711 \u00a73.4)";
  }
  return "";
}

constexpr const char* kStyle = R"(
body{font:14px/1.35 system-ui,sans-serif;margin:0;color:#1c1c1c;background:#fafafa}
header{padding:12px 16px;background:#fff;border-bottom:1px solid #ddd}
h1{font-size:18px;margin:0 0 4px}
nav a{display:inline-block;margin:4px 6px 0 0;padding:2px 8px;border-radius:10px;background:#eee;color:inherit;text-decoration:none}
nav a.empty{opacity:.45}
.legend span{margin-right:14px}
.lanes{position:sticky;top:0;z-index:2;display:grid;grid-template-columns:84px minmax(320px,1fr) minmax(360px,1.3fr);background:#fff;border-bottom:2px solid #999}
.lanes .d{position:relative;height:40px}
.lane{position:absolute;transform:translateX(-50%);text-align:center;font-weight:600;top:3px;white-space:nowrap}
.lane small{font-weight:400;color:#666}
section.stage{border-left:6px solid var(--c);margin:0}
section.stage h2{font-size:13px;margin:0;padding:5px 8px;background:color-mix(in srgb,var(--c) 14%,#fff)}
section.stage h2 small{font-weight:400;color:#444}
.row{display:grid;grid-template-columns:84px minmax(320px,1fr) minmax(360px,1.3fr);align-items:center;min-height:22px}
.row[data-i]{cursor:pointer}
.row[data-i]:hover,.row.open{background:#fff6d6}
.t{font:12px ui-monospace,monospace;color:#666;text-align:right;padding-right:6px}
.d{position:relative;height:22px;LIFELINES}
.l{padding-left:8px;font:12.5px ui-monospace,monospace;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.arrow{position:absolute;top:10px;height:2px;background:var(--c)}
.arrow::after{content:"";position:absolute;top:-4px;border:5px solid transparent}
.arrow.ltr::after{right:-2px;border-left:9px solid var(--c);border-right:0}
.arrow.rtl::after{left:-2px;border-right:9px solid var(--c);border-left:0}
.signal .arrow{height:0;border-top:2px dashed var(--c);background:none}
.signal .arrow::after{top:-6px}
.lost .arrow{background:repeating-linear-gradient(90deg,#c00 0 6px,transparent 6px 10px)}
.lost .arrow::after{content:"\2715";border:0;color:#c00;font:bold 15px sans-serif;top:-9px}
.dot{position:absolute;top:6px;width:10px;height:10px;margin-left:-5px;border-radius:50%;background:var(--c)}
.mark{font-style:normal;font-weight:700;padding:0 5px;border-radius:3px;margin-left:6px;color:#fff;font-size:11px}
.mark.lost{background:#c00}.mark.retransmission{background:#d97a00}.mark.failure{background:#7a0000}
.row.failure{background:#ffe3e3}
pre.explain{margin:0 0 6px 84px;padding:8px 10px;background:#fff;border:1px solid #ccc;font:12px/1.3 ui-monospace,monospace;overflow-x:auto;white-space:pre}
)";

constexpr const char* kScript = R"(
(function () {
  function toggle(row, open) {
    var view = document.getElementById('x' + row.dataset.i);
    if (!view) return;
    view.hidden = open === undefined ? !view.hidden : !open;
    row.classList.toggle('open', !view.hidden);
    row.setAttribute('aria-expanded', String(!view.hidden));
  }
  document.addEventListener('click', function (e) {
    var row = e.target.closest('.row[data-i]');
    if (row) toggle(row);
  });
  document.addEventListener('keydown', function (e) {
    if (e.key !== 'Enter' && e.key !== ' ') return;
    var row = e.target.closest && e.target.closest('.row[data-i]');
    if (row) { e.preventDefault(); toggle(row); }
  });
  function all(open) { document.querySelectorAll('.row[data-i]').forEach(function (r) { toggle(r, open); }); }
  document.getElementById('open-all').addEventListener('click', function () { all(true); });
  document.getElementById('close-all').addEventListener('click', function () { all(false); });
})();
)";

// A colour per stage (the arrows and the section's left border).
const char* stage_colour(HtmlLadder::Stage s) {
  static const char* const colours[] = {"#6a4c93", "#1f77b4", "#2a9d8f", "#e76f51", "#b5838d", "#2b9348", "#6c757d"};
  return colours[static_cast<int>(s)];
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

void PageWriter::lane(const std::string& name, const std::string& addr) {
  std::size_t i = lane_count_++;
  lane_html_ += fmt::format("<span class=\"lane\" style=\"left:{:.2f}%\">{}<br><small>{}</small></span>\n", center(i),
                            html_escape(name), html_escape(addr));
}

// An arrow between two lifelines (a lost one stops short with a cross), or a
// dot on one lifeline for what happens inside an endpoint.
std::string PageWriter::diagram(const PageRow& r) const {
  if (r.kind == PageRow::Kind::local || r.from == r.to)
    return fmt::format("<span class=\"dot\" style=\"left:{:.2f}%\"></span>", center(r.from));
  double a = center(r.from), b = center(r.to);
  double width = a < b ? b - a : a - b;
  if (r.lost) width *= 0.6;
  double left = a < b ? a : a - width;
  return fmt::format("<span class=\"arrow {}\" style=\"left:{:.2f}%;width:{:.2f}%\"></span>", a < b ? "ltr" : "rtl",
                     left, width);
}

void PageWriter::row(const PageRow& r) {
  int stage = static_cast<int>(r.stage);
  if (stage != current_stage_) {
    if (current_stage_ >= 0) body_ += "</section>\n";
    ++sections_;
    if (stage_first_[static_cast<std::size_t>(stage)] == 0) stage_first_[static_cast<std::size_t>(stage)] = sections_;
    const char* name = HtmlLadder::stage_name(r.stage);
    body_ += fmt::format("<section class=\"stage\" id=\"s{}\" data-stage=\"{}\" style=\"--c:{}\">\n<h2>{} <small>{}</small></h2>\n",
                         sections_, name, stage_colour(r.stage), name, html_escape(stage_about(r.stage)));
    current_stage_ = stage;
  }
  std::size_t i = ++rows_;
  stage_rows_[static_cast<std::size_t>(stage)]++;
  std::string cls = r.kind == PageRow::Kind::datagram ? "row dgram" : r.kind == PageRow::Kind::signal ? "row signal" : "row local";
  std::string marks;
  if (r.kind == PageRow::Kind::datagram) datagrams_++;
  if (r.lost) cls += " lost", marks += "<em class=\"mark lost\">LOST</em>", lost_++;
  if (r.retransmission) cls += " retransmission", marks += "<em class=\"mark retransmission\">RETRANSMISSION</em>";
  if (r.retransmission && r.kind == PageRow::Kind::datagram) retransmissions_++;
  if (r.failure) cls += " failure", marks += "<em class=\"mark failure\">FAILED</em>", failures_++;
  bool opens = !r.detail.empty();
  body_ += fmt::format("<div class=\"{}\" id=\"r{}\" data-stage=\"{}\"{}>", cls, i, HtmlLadder::stage_name(r.stage),
                       opens ? fmt::format(" data-i=\"{}\" tabindex=\"0\" role=\"button\" aria-expanded=\"false\"", i) : "");
  body_ += fmt::format("<span class=\"t\">{:.1f} ms</span><span class=\"d\">{}</span><span class=\"l\" title=\"{}\"><b>{}</b>{} {}</span></div>\n",
                       r.ms, diagram(r), html_escape(r.label), html_escape(r.who), marks, html_escape(r.label));
  if (opens) body_ += fmt::format("<pre class=\"explain\" id=\"x{}\" hidden>{}</pre>\n", i, html_escape(r.detail));
}

std::string PageWriter::finish() {
  if (current_stage_ >= 0) body_ += "</section>\n";
  std::string lifelines = "background:linear-gradient(90deg";
  for (std::size_t i = 0; i < lanes_; ++i) {
    double c = center(i);
    lifelines += fmt::format(",transparent calc({0:.2f}% - 1px),#9a9a9a calc({0:.2f}% - 1px),#9a9a9a calc({0:.2f}% + 1px),transparent calc({0:.2f}% + 1px)", c);
  }
  lifelines += ")";
  std::string style = kStyle;
  style.replace(style.find("LIFELINES"), 9, lifelines);

  std::string nav;
  for (int s = 0; s < HtmlLadder::kStages; ++s) {
    auto st = static_cast<HtmlLadder::Stage>(s);
    std::size_t n = stage_rows_[static_cast<std::size_t>(s)], first = stage_first_[static_cast<std::size_t>(s)];
    nav += fmt::format("<a class=\"stage-link{}\" data-stage=\"{}\" href=\"#s{}\" style=\"border-left:5px solid {}\">{} ({})</a>",
                       n == 0 ? " empty" : "", HtmlLadder::stage_name(st), first, stage_colour(st), HtmlLadder::stage_name(st), n);
  }
  std::string out;
  out += "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n";
  out += fmt::format("<title>{}</title>\n<style>{}</style>\n</head>\n", html_escape(title_), style);
  out += fmt::format("<body data-datagrams=\"{}\" data-lost=\"{}\" data-retransmissions=\"{}\" data-failures=\"{}\">\n",
                     datagrams_, lost_, retransmissions_, failures_);
  out += fmt::format("<header><h1>{}</h1>\n<p>{} datagrams ({} lost, {} retransmissions), {} failures. "
                     "Click an arrow to see every byte of its datagram, as <code>keyway explain</code> prints it. "
                     "<button id=\"open-all\">open all</button> <button id=\"close-all\">close all</button></p>\n",
                     html_escape(title_), datagrams_, lost_, retransmissions_, failures_);
  out += "<p class=\"legend\"><span>\u2192 datagram</span><span>- - \u2192 SDP (signalling)</span>"
         "<span>\u25cf inside an endpoint</span><span style=\"color:#c00\">\u2715 lost</span></p>\n";
  out += "<nav>" + nav + "</nav></header>\n";
  out += "<div class=\"lanes\"><span></span><span class=\"d\">\n" + lane_html_ + "</span><span></span></div>\n";
  out += "<main>\n" + body_ + "</main>\n";
  out += fmt::format("<script>{}</script>\n</body>\n</html>\n", kScript);
  return out;
}

}  // namespace keyway::tools
