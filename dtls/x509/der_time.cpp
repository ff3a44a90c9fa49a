// SPDX-License-Identifier: Apache-2.0
// UTCTime / GeneralizedTime in the RFC 5280 §4.1.2.5 profile, and the
// civil-date arithmetic to turn them into Unix seconds and back.
#include "keyway/dtls/x509/der.hpp"

namespace keyway::dtls::der {

namespace {

constexpr Error kTimeBad = make_error(Layer::dtls, Code::decode_error,
                                      "der: time is not YYMMDDHHMMSSZ / YYYYMMDDHHMMSSZ (RFC 5280 4.1.2.5)");
constexpr Error kTimeRange = make_error(Layer::dtls, Code::decode_error, "der: time has a field out of range");

constexpr int64_t kSecondsPerDay = 86400;

// The calendar arithmetic runs on 32-bit numbers: X.509 years are 1..9999
// (RFC 5280 §4.1.2.5), a few million days, and a Cortex-M divides 32-bit
// numbers in one instruction but 64-bit ones in a library call.
bool is_leap(int32_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(int32_t y, unsigned m) {
  static constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Leap years in [1, y): valid for y >= 1.
int32_t leap_years_before(int32_t y) { return (y - 1) / 4 - (y - 1) / 100 + (y - 1) / 400; }

// Days from 1970-01-01 to January 1st of year y.
int32_t days_before_year(int32_t y) { return 365 * (y - 1970) + leap_years_before(y) - leap_years_before(1970); }

// Reads n ASCII digits starting at `at`; false on a non-digit.
bool digits(Bytes c, std::size_t at, std::size_t n, unsigned& out) {
  unsigned v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    uint8_t ch = c[at + i];
    if (ch < '0' || ch > '9') return false;
    v = v * 10 + static_cast<unsigned>(ch - '0');
  }
  out = v;
  return true;
}

}  // namespace

int64_t days_from_civil(int64_t year, unsigned month, unsigned day) {
  static constexpr unsigned kBeforeMonth[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  int32_t y = static_cast<int32_t>(year);
  int32_t days = days_before_year(y) + static_cast<int32_t>(kBeforeMonth[month - 1]);
  if (month > 2 && is_leap(y)) days += 1;
  return days + static_cast<int32_t>(day) - 1;
}

void civil_from_days(int64_t days64, int64_t& year, unsigned& month, unsigned& day) {
  int32_t days = static_cast<int32_t>(days64);
  // Estimate the year, then correct it; at most a couple of steps.
  int32_t y = 1970 + days / 365;
  while (days_before_year(y) > days) --y;
  while (days_before_year(y + 1) <= days) ++y;
  auto rest = static_cast<unsigned>(days - days_before_year(y));  // 0..365
  unsigned m = 1;
  while (rest >= days_in_month(y, m)) {
    rest -= days_in_month(y, m);
    ++m;
  }
  year = y;
  month = m;
  day = rest + 1;
}

Status parse_time(uint8_t time_tag, Bytes c, int64_t& unix_seconds) {
  // RFC 5280 §4.1.2.5.1/.2: seconds always present, always 'Z', no fractions.
  bool utc = time_tag == tag::kUtcTime;
  std::size_t year_digits = utc ? 2 : 4;
  ENSURE(c.size() == year_digits + 11 && c[c.size() - 1] == 'Z', kTimeBad);
  unsigned y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  std::size_t at = year_digits;
  bool ok = digits(c, 0, year_digits, y) && digits(c, at, 2, mo) && digits(c, at + 2, 2, d) &&
            digits(c, at + 4, 2, h) && digits(c, at + 6, 2, mi) && digits(c, at + 8, 2, s);
  ENSURE(ok, kTimeBad);
  auto year = static_cast<int32_t>(y);  // at most four digits
  // RFC 5280 §4.1.2.5.1: YY >= 50 is 19YY, YY < 50 is 20YY.
  if (utc) year += y >= 50 ? 1900 : 2000;
  ENSURE(year >= 1 && mo >= 1 && mo <= 12, kTimeRange);
  ENSURE(d >= 1 && d <= days_in_month(year, mo), kTimeRange);
  ENSURE(h <= 23 && mi <= 59 && s <= 59, kTimeRange);
  unix_seconds = days_from_civil(year, mo, d) * kSecondsPerDay + h * 3600 + mi * 60 + s;
  return ok_status();
}

namespace {

void put2(uint8_t* p, unsigned v) {
  p[0] = static_cast<uint8_t>('0' + v / 10);
  p[1] = static_cast<uint8_t>('0' + v % 10);
}

}  // namespace

void Writer::write_time(int64_t unix_seconds) {
  int64_t days = unix_seconds / kSecondsPerDay;
  int64_t secs = unix_seconds % kSecondsPerDay;
  if (secs < 0) {
    secs += kSecondsPerDay;
    days -= 1;
  }
  // Four-digit years only (GeneralizedTime YYYY).
  if (days < days_from_civil(1, 1, 1) || days >= days_from_civil(10000, 1, 1)) {
    failed_ = true;
    return;
  }
  int64_t year = 0;
  unsigned month = 0, day = 0;
  civil_from_days(days, year, month, day);
  // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
  bool utc = year >= 1950 && year <= 2049;
  uint8_t text[15];
  std::size_t n = 0;
  if (!utc) {
    put2(text, static_cast<unsigned>(year / 100));
    n = 2;
  }
  put2(text + n, static_cast<unsigned>(year % 100));
  put2(text + n + 2, month);
  put2(text + n + 4, day);
  put2(text + n + 6, static_cast<unsigned>(secs / 3600));
  put2(text + n + 8, static_cast<unsigned>(secs / 60 % 60));
  put2(text + n + 10, static_cast<unsigned>(secs % 60));
  text[n + 12] = 'Z';
  write(utc ? tag::kUtcTime : tag::kGeneralizedTime, Bytes(text, n + 13));
}

}  // namespace keyway::dtls::der
