// SPDX-License-Identifier: Apache-2.0
#include <doctest/doctest.h>

#include <string>

#include "tests/sdp/support.hpp"

using namespace keyway;
using keyway::test::crlf;
using keyway::test::Parsed;
using keyway::test::write_text;

namespace {

// Every line type of RFC 8866 §5, in order, at session and media level.
const char* kAllLineTypes =
    "v=0\n"
    "o=jdoe 2890844526 2890842807 IN IP4 10.47.16.5\n"
    "s=SDP Seminar\n"
    "i=A Seminar on the session description protocol\n"
    "u=http://www.example.com/seminars/sdp.pdf\n"
    "e=j.doe@example.com (Jane Doe)\n"
    "p=+1 617 555-6011\n"
    "c=IN IP4 224.2.17.12/127\n"
    "b=AS:2000\n"
    "t=2873397496 2873404696\n"
    "r=7d 1h 0 25h\n"
    "t=0 0\n"
    "z=2882844526 -1h 2898848070 0\n"
    "k=prompt\n"
    "a=recvonly\n"
    "m=audio 49170 RTP/AVP 0\n"
    "i=speech\n"
    "c=IN IP4 224.2.17.12/127\n"
    "b=AS:64\n"
    "k=clear:secret\n"
    "a=ptime:20\n"
    "m=video 51372/2 RTP/AVP 99\n"
    "a=rtpmap:99 h263-1998/90000\n";

std::string with_line(const std::string& base, const std::string& find, const std::string& replace) {
  std::string s = base;
  auto at = s.find(find);
  REQUIRE(at != std::string::npos);
  s.replace(at, find.size(), replace);
  return s;
}

const std::string kMinimal = crlf("v=0\no=- 1 1 IN IP4 127.0.0.1\ns=-\nt=0 0\nm=audio 9 RTP/AVP 0\nc=IN IP4 0.0.0.0\n");

}  // namespace

TEST_CASE("sdp parse: every line type, strict, fields and round trip") {
  Parsed p(crlf(kAllLineTypes));
  REQUIRE_MESSAGE(p.ok(), p.error());
  const auto& d = p.desc();
  CHECK(d.lines.size() == 23);
  CHECK(d.origin.username == "jdoe");
  CHECK(d.origin.session_id == "2890844526");
  CHECK(d.origin.address == "10.47.16.5");
  CHECK(d.name == "SDP Seminar");
  CHECK(d.has_connection);
  CHECK(d.connection.address == "224.2.17.12/127");
  CHECK(d.session_line_count == 15);
  REQUIRE(d.attributes.size() == 1);
  CHECK(d.attributes[0].name == "recvonly");
  CHECK_FALSE(d.attributes[0].has_value);
  REQUIRE(d.media.size() == 2);
  CHECK(d.media[0].media == "audio");
  CHECK(d.media[0].port == 49170);
  CHECK(d.media[0].proto == "RTP/AVP");
  CHECK(d.media[0].formats == "0");
  CHECK(d.media[0].line_count == 6);
  CHECK(d.media[0].attributes.size() == 1);
  CHECK(d.media[0].attributes[0].value == "20");
  CHECK(d.media[1].port == 51372);
  CHECK(d.media[1].port_count == 2);
  CHECK(d.media[1].find("rtpmap")->value == "99 h263-1998/90000");
  CHECK(write_text(d) == crlf(kAllLineTypes));
}

TEST_CASE("sdp parse: LF line ends are accepted and written back as CRLF") {
  Parsed p(kAllLineTypes);
  REQUIRE_MESSAGE(p.ok(), p.error());
  CHECK(write_text(p.desc()) == crlf(kAllLineTypes));
  Parsed mixed(with_line(crlf(kAllLineTypes), "s=SDP Seminar\r\n", "s=SDP Seminar\n"));
  CHECK(mixed.ok());
}

TEST_CASE("sdp parse: strict errors carry the line number, the line and the reason") {
  struct Case {
    std::string text;
    uint32_t line;
    const char* detail_part;
  };
  const std::string b = kMinimal;
  const Case cases[] = {
      {crlf("o=- 1 1 IN IP4 127.0.0.1\nv=0\ns=-\nt=0 0\n"), 1, "first line must be v="},
      {with_line(b, "v=0", "v=1"), 1, "version must be 0"},
      {with_line(b, "o=- 1 1 IN IP4 127.0.0.1", "o=- 1 IN IP4 127.0.0.1"), 2, "6 fields"},
      {with_line(b, "o=- 1 1 IN", "o=- x 1 IN"), 2, "sess-id"},
      {with_line(b, "o=- 1 1 IN", "o=- 1 y IN"), 2, "sess-version"},
      {with_line(b, "o=- 1 1 IN IP4", "o=-  1 1 IN IP4"), 2, "6 fields"},
      {with_line(b, "s=-", "s="), 3, "session name"},
      {with_line(b, "s=-\r\nt=0 0", "t=0 0\r\ns=-"), 4, "out of order"},
      {with_line(b, "s=-", "s=-\r\ns=again"), 4, "out of order"},
      {with_line(b, "t=0 0", "t=0"), 4, "t= line"},
      {with_line(b, "t=0 0", "t=0 0\r\nr=1 2"), 5, "r= line"},
      {with_line(b, "t=0 0", "t=0 0\r\nz=1"), 5, "z= line"},
      {with_line(b, "t=0 0", "t=0 0\r\nk=magic:x"), 5, "key method"},
      {with_line(b, "s=-", "s=-\r\nb=AS"), 4, "b= line"},
      {with_line(b, "s=-", "s=-\r\nc=IN IP4"), 4, "c= line"},
      {with_line(b, "t=0 0", "t=0 0\r\na=bad name:1"), 5, "attribute name"},
      {with_line(b, "t=0 0", "t=0 0\r\na=tool:"), 5, "empty value"},
      {with_line(b, "t=0 0", "t=0 0\r\nx=unknown"), 5, "unknown line type"},
      {with_line(b, "m=audio 9 RTP/AVP 0", "m=audio nine RTP/AVP 0"), 5, "port"},
      {with_line(b, "m=audio 9 RTP/AVP 0", "m=audio 70000 RTP/AVP 0"), 5, "port"},
      {with_line(b, "m=audio 9 RTP/AVP 0", "m=audio 9/0 RTP/AVP 0"), 5, "number of ports"},
      {with_line(b, "m=audio 9 RTP/AVP 0", "m=audio 9 RTP/AVP"), 5, "at least one format"},
      {with_line(b, "m=audio 9 RTP/AVP 0", "m=audio 9 RTP/AVP  0"), 5, "format"},
      {with_line(b, "c=IN IP4 0.0.0.0", "s=inside"), 6, "not allowed in a media section"},
      {with_line(b, "c=IN IP4 0.0.0.0\r\n", ""), 5, "no c= line"},
      {with_line(b, "s=-\r\n", "s=-\r\n\r\n"), 4, "empty line"},
      {b.substr(0, b.size() - 2), 6, "no line end"},
      {with_line(b, "s=-", "s=a\rb"), 3, "stray CR"},
      {with_line(b, "s=-", std::string("s=a\0b", 5)), 3, "NUL"},
      {with_line(b, "s=-", "S=-"), 3, "<letter>="},
      {with_line(b, "s=-", "s -"), 3, "<letter>="},
      {with_line(b, "s=-", "s=" + std::string(5000, 'x')), 3, "longer than"},
      {crlf("v=0\no=- 1 1 IN IP4 127.0.0.1\ns=-\n"), 0, "needs v=, o=, s= and t="},
      {"", 0, "empty description"},
  };
  for (const Case& c : cases) {
    Parsed p(c.text);
    REQUIRE_FALSE_MESSAGE(p.ok(), c.text);
    CHECK(p.result.error().layer == Layer::sdp);
    CHECK_MESSAGE(std::string(p.result.error().detail).find(c.detail_part) != std::string::npos,
                  p.result.error().detail, " wanted: ", c.detail_part);
    CHECK_MESSAGE(p.where.line_number == c.line, p.error());
    if (c.line != 0 && std::string(c.detail_part) != "empty line") CHECK(!p.where.line.empty());
  }
}

TEST_CASE("sdp parse: format_parse_error shows line number, reason and text") {
  Parsed p(with_line(kMinimal, "m=audio 9 RTP/AVP 0", "m=audio nine RTP/AVP 0"));
  REQUIRE_FALSE(p.ok());
  std::string msg = p.error();
  CHECK(msg.find("line 5:") == 0);
  CHECK(msg.find("port is not a number") != std::string::npos);
  CHECK(msg.find("[m=audio nine RTP/AVP 0]") != std::string::npos);
  sdp::ErrorLocation whole;
  char buf[200];
  sdp::format_parse_error(p.result.error(), whole, buf, sizeof buf);
  CHECK(std::string(buf) == "sdp: malformed: m= line: port is not a number in 0..65535");
  CHECK(sdp::format_parse_error(p.result.error(), whole, buf, 0) == 0);
  char tiny[8];
  CHECK(sdp::format_parse_error(p.result.error(), p.where, tiny, sizeof tiny) == 7);
}

TEST_CASE("sdp parse: lenient mode tolerates what browsers tolerate") {
  std::string messy =
      "v=0\n"
      "o=-  1 1   IN IP4 127.0.0.1  \n"
      "\n"
      "a=group:BUNDLE 0\n"
      "s=-\n"
      "x=an unknown line type\n"
      "m=audio  9 UDP/TLS/RTP/SAVPF   111 0  \n"
      "a=mid:0\t\n"
      "   \n"
      "c=IN IP4 0.0.0.0\n"
      "a=rtcp-mux";
  Parsed strict(messy);
  CHECK_FALSE(strict.ok());
  Parsed p(messy, sdp::Mode::lenient);
  REQUIRE_MESSAGE(p.ok(), p.error());
  const auto& d = p.desc();
  CHECK(d.origin.session_id == "1");
  CHECK(d.origin.address == "127.0.0.1");
  REQUIRE(d.media.size() == 1);
  CHECK(d.media[0].port == 9);
  CHECK(d.media[0].formats == "111 0");
  CHECK(d.media[0].find("mid")->value == "0");
  CHECK(d.media[0].has("rtcp-mux"));
  CHECK(d.find("group")->value == "BUNDLE 0");
  // Written back: blank lines gone, trailing blanks trimmed, CRLF ends.
  std::string w = write_text(d);
  CHECK(w.find("\r\n\r\n") == std::string::npos);
  CHECK(w.find("a=mid:0\r\n") != std::string::npos);
  // Lenient still refuses what cannot be understood.
  CHECK_FALSE(Parsed("o=- 1 1 IN IP4 x\nv=0\n", sdp::Mode::lenient).ok());
  CHECK_FALSE(Parsed("v=0\ns=-\n", sdp::Mode::lenient).ok());
  CHECK_FALSE(Parsed("v=0\no=- 1 1\n", sdp::Mode::lenient).ok());
  CHECK_FALSE(Parsed("v=0\no=- 1 1 IN IP4 x\nm=audio x RTP/AVP 0\n", sdp::Mode::lenient).ok());
  CHECK_FALSE(Parsed("v=0\no=- 1 1 IN IP4 x\nthis is not sdp\n", sdp::Mode::lenient).ok());
  CHECK_FALSE(Parsed("v=0\no=- 1 1 IN IP4 x\nc=IN\n", sdp::Mode::lenient).ok());
}

TEST_CASE("sdp parse: limits on size, media sections, attributes and arena") {
  std::vector<std::byte> mem(1 << 16);
  sdp::Arena arena(mem);
  sdp::ParseOptions o;
  o.limits.max_size = 40;
  auto r = sdp::parse(kMinimal, arena, o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Code::capacity);

  std::string many = crlf("v=0\no=- 1 1 IN IP4 127.0.0.1\ns=-\nc=IN IP4 0.0.0.0\nt=0 0\n");
  for (int i = 0; i < 5; ++i) many += "m=audio 9 RTP/AVP 0\r\na=x\r\na=y\r\n";
  o = {};
  o.limits.max_media = 4;
  sdp::ErrorLocation where;
  r = sdp::parse(many, arena, o, &where);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Code::capacity);
  CHECK(where.line_number == 18);
  o = {};
  o.limits.max_attributes = 9;
  r = sdp::parse(many, arena, o);
  REQUIRE_FALSE(r.ok());
  CHECK(std::string(r.error().detail).find("a= lines") != std::string::npos);
  o = {};
  r = sdp::parse(many, arena, o);
  REQUIRE(r.ok());
  CHECK(r->media.size() == 5);
  CHECK(r->media[4].attributes.size() == 2);
  CHECK(arena.used() <= sdp::arena_bytes_for(many));

  std::vector<std::byte> small(64);
  sdp::Arena tiny(small);
  r = sdp::parse(many, tiny, o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Code::capacity);
}

TEST_CASE("sdp parse: arena use is bounded by arena_bytes_for and proportional to the input") {
  std::string text = crlf(kAllLineTypes);
  std::vector<std::byte> mem(sdp::arena_bytes_for(text));
  sdp::Arena arena(mem);
  REQUIRE(sdp::parse(text, arena).ok());
  CHECK(arena.used() <= mem.size());
  CHECK(sdp::arena_bytes_for(text) < text.size() * 200);
}

TEST_CASE("sdp arena: objects are aligned even in a misaligned buffer") {
  std::string text = crlf(kAllLineTypes);
  std::vector<std::byte> mem(sdp::arena_bytes_for(text) + 1);
  sdp::Arena arena(std::span<std::byte>(mem.data() + 1, mem.size() - 1));
  auto r = sdp::parse(text, arena);
  REQUIRE(r.ok());
  CHECK(reinterpret_cast<std::uintptr_t>(r->lines.data()) % alignof(sdp::Line) == 0);
  CHECK(reinterpret_cast<std::uintptr_t>(r->media.data()) % alignof(sdp::MediaDescription) == 0);
  CHECK(reinterpret_cast<std::uintptr_t>(r->attributes.data()) % alignof(sdp::Attribute) == 0);
  int* none = arena.allocate<int>(1u << 30);
  CHECK(none == nullptr);
}

TEST_CASE("sdp write: buffer too small is an error, not a truncation") {
  Parsed p(kMinimal);
  REQUIRE(p.ok());
  std::string out(sdp::written_size(p.desc()) - 1, '\0');
  auto r = sdp::write(p.desc(), std::span<char>(out.data(), out.size()));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Code::buffer_too_small);
  sdp::TextWriter w(std::span<char>(out.data(), 3));
  w.line('a', "toolong");
  CHECK(w.failed());
  CHECK_FALSE(w.finish().ok());
}
