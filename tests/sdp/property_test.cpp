// SPDX-License-Identifier: Apache-2.0
// Round-trip properties: write(parse(x)) parses back to the same lines, for
// generated descriptions and for mutations of the corpus.
#include <doctest/doctest.h>

#include <random>
#include <string>

#include "tests/sdp/support.hpp"

using namespace keyway;
using keyway::test::Parsed;
using keyway::test::write_text;

namespace {

std::string random_token(std::mt19937& rng, int max_len) {
  static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!#$%&'*+^_`{|}~";
  std::uniform_int_distribution<int> len(1, max_len), pick(0, sizeof(chars) - 2);
  std::string s;
  for (int i = len(rng); i > 0; --i) s += chars[pick(rng)];
  return s;
}

std::string random_text(std::mt19937& rng) {
  std::uniform_int_distribution<int> len(1, 30), byte(1, 255);
  std::string s;
  for (int i = len(rng); i > 0; --i) {
    char c = static_cast<char>(byte(rng));
    s += (c == '\r' || c == '\n') ? 'x' : c;
  }
  if (s.back() == ' ' || s.back() == '\t') s.back() = 'y';
  if (s.front() == ' ' || s.front() == '\t') s.front() = 'y';
  return s;
}

// A random description that satisfies the strict grammar.
std::string generate(std::mt19937& rng) {
  std::uniform_int_distribution<int> small(0, 3), port(0, 65535), digit(0, 999999);
  std::string s = "v=0\r\no=" + random_token(rng, 8) + " " + std::to_string(digit(rng)) + " " + std::to_string(digit(rng)) +
                  " IN IP4 " + random_token(rng, 12) + "\r\ns=" + random_text(rng) + "\r\n";
  if (small(rng) == 0) s += "i=" + random_text(rng) + "\r\n";
  s += "c=IN IP4 127.0.0.1\r\n";
  for (int i = small(rng); i > 0; --i) s += "b=" + random_token(rng, 4) + ":" + std::to_string(digit(rng)) + "\r\n";
  s += "t=0 0\r\n";
  for (int i = small(rng); i > 0; --i) s += "a=" + random_token(rng, 10) + (small(rng) ? ":" + random_text(rng) : "") + "\r\n";
  for (int m = small(rng); m > 0; --m) {
    s += "m=" + random_token(rng, 6) + " " + std::to_string(port(rng)) + " RTP/" + random_token(rng, 5);
    for (int f = small(rng) + 1; f > 0; --f) s += " " + random_token(rng, 4);
    s += "\r\n";
    if (small(rng) == 0) s += "i=" + random_text(rng) + "\r\n";
    for (int i = small(rng); i > 0; --i) s += "a=" + random_token(rng, 10) + (small(rng) ? ":" + random_text(rng) : "") + "\r\n";
  }
  return s;
}

}  // namespace

TEST_CASE("sdp property: generated strict descriptions round-trip byte for byte") {
  std::mt19937 rng(4);
  for (int i = 0; i < 2000; ++i) {
    std::string text = generate(rng);
    Parsed p(text);
    REQUIRE_MESSAGE(p.ok(), p.error(), "\n", text);
    CHECK(write_text(p.desc()) == text);
    Parsed again(write_text(p.desc()));
    REQUIRE(again.ok());
    CHECK(again.desc().same_content(p.desc()));
  }
}

TEST_CASE("sdp property: mutated corpus files never crash and re-parse to the same content") {
  std::mt19937 rng(8);
  auto files = test::sdp_files("corpus");
  std::uniform_int_distribution<int> op(0, 4);
  std::size_t parsed = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string text = test::read_text(files[static_cast<std::size_t>(i) % files.size()]);
    for (int k = op(rng) + 1; k > 0; --k) {
      std::uniform_int_distribution<std::size_t> at(0, text.size() - 1);
      std::size_t pos = at(rng);
      switch (op(rng)) {
        case 0: text[pos] = static_cast<char>(rng()); break;
        case 1: text.erase(pos, 1 + pos % 7); break;
        case 2: text.insert(pos, 1, " \t\r\n:=/"[rng() % 7]); break;
        case 3: text.insert(pos, text.substr(at(rng) / 2, 20)); break;
        default: text[pos] = '\n'; break;
      }
      if (text.empty()) text = "v";
    }
    for (sdp::Mode mode : {sdp::Mode::strict, sdp::Mode::lenient}) {
      Parsed p(text, mode);
      if (!p.ok()) continue;
      ++parsed;
      std::string w = write_text(p.desc());
      Parsed again(w, mode);
      REQUIRE_MESSAGE(again.ok(), again.error());
      CHECK(again.desc().same_content(p.desc()));
      CHECK(write_text(again.desc()) == w);
      for (std::size_t m = 0; m < p.desc().media.size(); ++m) (void)sdp::view_media(p.desc(), m);
      (void)sdp::read_remote(p.desc());
      (void)sdp::check_bundle_extmaps(p.desc());
    }
  }
  MESSAGE("mutated inputs that still parsed: ", parsed);
  CHECK(parsed > 100);
}
