// SPDX-License-Identifier: Apache-2.0
// lib/sans_io.hpp: the event queue every engine shares. Before it, the
// three engines had three overflow rules; two of them (ICE's: drop the new
// event; peer's: drop the oldest) could lose a failure, so a caller that
// fell behind could watch an engine stop without ever learning why.
#include <doctest/doctest.h>

#include <string_view>
#include <vector>

#include "keyway/lib/sans_io.hpp"

using namespace keyway;

namespace {

struct Ev {
  int id = 0;
  bool failure = false;
  bool is_failure() const { return failure; }
};

template <std::size_t N>
std::vector<int> drain(EventQueue<Ev, N>& q) {
  std::vector<int> ids;
  while (!q.empty()) ids.push_back(q.pop().id);
  return ids;
}

}  // namespace

TEST_CASE("EventQueue is first in, first out, across the wrap") {
  EventQueue<Ev, 3> q;
  CHECK(q.push({1}));
  CHECK(q.push({2}));
  CHECK(q.pop().id == 1);
  CHECK(q.push({3}));
  CHECK(q.push({4}));  // wraps
  CHECK(q.full());
  CHECK(q.front().id == 2);
  CHECK(drain(q) == std::vector<int>{2, 3, 4});
}

TEST_CASE("EventQueue full: an ordinary event is dropped and reported") {
  EventQueue<Ev, 2> q;
  CHECK(q.push({1}));
  CHECK(q.push({2}));
  CHECK_FALSE(q.push({3}));
  CHECK(drain(q) == std::vector<int>{1, 2});
}

TEST_CASE("EventQueue full: a failure replaces the newest non-failure event") {
  EventQueue<Ev, 3> q;
  CHECK(q.push({1}));
  CHECK(q.push({2, true}));
  CHECK(q.push({3}));
  CHECK_FALSE(q.push({9, true}));  // event 3 is dropped for it
  CHECK(q.size() == 3);
  CHECK(drain(q) == std::vector<int>{1, 2, 9});
}

TEST_CASE("EventQueue full of failures keeps the first ones") {
  EventQueue<Ev, 2> q;
  CHECK(q.push({1, true}));
  CHECK(q.push({2, true}));
  CHECK_FALSE(q.push({3, true}));
  CHECK(drain(q) == std::vector<int>{1, 2});
}

TEST_CASE("EventQueue remove_if keeps the order of the rest") {
  EventQueue<Ev, 4> q;
  CHECK(q.push({0}));
  (void)q.pop();  // head moves to 1, so the removal wraps
  for (int i = 1; i <= 4; ++i) CHECK(q.push({i}));
  CHECK(q.remove_if([](const Ev& e) { return e.id % 2 == 0; }) == 2);
  CHECK(drain(q) == std::vector<int>{1, 3});
}

TEST_CASE("clamp_time: time never goes backwards") {
  Timestamp latest = Timestamp::from_micros(100);
  CHECK(clamp_time(latest, Timestamp::from_micros(50)) == Timestamp::from_micros(100));
  CHECK(clamp_time(latest, Timestamp::from_micros(150)) == Timestamp::from_micros(150));
  CHECK(latest == Timestamp::from_micros(150));
}

TEST_CASE("Verdict names") {
  CHECK(std::string_view(to_string(Verdict::accepted)) == "accepted");
  CHECK(std::string_view(to_string(Verdict::discarded)) == "discarded");
  CHECK(std::string_view(to_string(Verdict::fatal)) == "fatal");
}
