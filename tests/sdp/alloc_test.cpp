// SPDX-License-Identifier: Apache-2.0
// The library allocates nothing on the heap: parse, view, write and
// negotiate use only the caller's arena and buffers (style.md §3, §5).
// Also prints the figures the benchmark line asks for.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>

#include "tests/sdp/local_params.hpp"
#include "tests/sdp/support.hpp"
#include "tests/support/counting_alloc.hpp"

using namespace keyway;

TEST_CASE("sdp: parse, view, write and answer a Chrome offer without heap allocations") {
  std::string text = test::read_text(test::sdp_dir() / "corpus/chrome-offer-av-simulcast.sdp");
  std::vector<std::byte> memory(sdp::arena_bytes_for(text));
  std::string out(32768, '\0');
  std::string answer_out(32768, '\0');
  sdp::AnswerOptions options = test::answer_options();

  const uint64_t before = keyway::testing::allocation_count();
  sdp::Arena arena(memory);
  auto d = sdp::parse(text, arena, {sdp::Mode::strict, {}});
  REQUIRE(d.ok());
  for (std::size_t i = 0; i < d->media.size(); ++i) REQUIRE(sdp::view_media(*d, i).ok());
  auto w = sdp::write(*d, std::span<char>(out.data(), out.size()));
  REQUIRE(w.ok());
  auto a = sdp::create_answer(*d, options, std::span<char>(answer_out.data(), answer_out.size()));
  REQUIRE(a.ok());
  const uint64_t allocations = keyway::testing::allocation_count() - before;
  CHECK(allocations == 0);

  // Timing (informational; the machine is shared).
  constexpr int kRounds = 2000;
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < kRounds; ++i) {
    arena.reset();
    auto r = sdp::parse(text, arena, {sdp::Mode::strict, {}});
    REQUIRE(r.ok());
  }
  auto t1 = std::chrono::steady_clock::now();
  for (int i = 0; i < kRounds; ++i) {
    auto r = sdp::write(*d, std::span<char>(out.data(), out.size()));
    REQUIRE(r.ok());
  }
  auto t2 = std::chrono::steady_clock::now();
  auto us = [](auto a0, auto a1) { return std::chrono::duration<double, std::micro>(a1 - a0).count() / kRounds; };
  std::printf("sdp parse_us=%.2f write_us=%.2f allocations=%ld (chrome offer %zu bytes, %zu lines, arena %zu bytes)\n",
              us(t0, t1), us(t1, t2), allocations, text.size(), d->lines.size(), arena.high_water());
}
