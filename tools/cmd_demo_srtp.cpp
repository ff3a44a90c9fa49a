// SPDX-License-Identifier: Apache-2.0
// `keyway demo`: a short generated call protected with every SRTP profile.
//
// Until the whole chain (SDP -> ICE -> DTLS -> SRTP) is joined in peer/, the
// demo shows the last link: two parties share DTLS-SRTP-style keying
// material (RFC 5764 §4.2: client key | server key | client salt | server
// salt), each protects 20 ms audio packets and a sender report every second,
// the packets cross a simulated network (virtual time, seeded: loss,
// reordering, duplication, corruption), and the receiver unprotects them.
#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "keyway/lib/crypto/drbg.hpp"
#include "keyway/lib/hex.hpp"
#include "keyway/srtp/session.hpp"
#include "tests/support/netem.hpp"
#include "tools/cli.hpp"
#include "tools/commands.hpp"
#include "tools/os.hpp"

namespace keyway::tools {
namespace {

struct DemoOptions {
  double seconds = 3;
  double loss = 0;
  double reorder = 0;
  double duplicate = 0;
  double corrupt = 0;
  uint64_t seed = 0;
  bool seeded = false;
  bool quiet = false;
};

std::string hex_of(const uint8_t* p, std::size_t n, std::size_t max = 48) {
  char buf[2 * 64 + 1];
  std::size_t shown = n < max ? n : max;
  to_hex({p, shown}, buf, sizeof buf);
  std::string s(buf);
  if (shown < n) s += fmt::format("... ({} bytes)", n);
  return s;
}

// One direction of the call: a sender's outbound session, a receiver's inbound one.
struct Leg {
  const char* name;
  srtp::Session tx, rx;
  uint32_t ssrc = 0;
  uint16_t seq = 0;
  uint32_t rtp_ts = 0;
  uint64_t rtp_sent = 0, rtp_ok = 0, rtcp_sent = 0, rtcp_ok = 0, rejected = 0;
  bool shown_sent = false;
  bool shown_first = false;
};

// A 160-byte G.711 frame of a generated tone (what a 20 ms audio packet carries).
std::size_t build_rtp(Leg& leg, uint8_t* buf) {
  ByteWriter w({buf, 1500});
  w.write_u8(0x80);  // V=2, no padding, no extension, no CSRC (RFC 3550 §5.1)
  w.write_u8(0);     // M=0, PT=0 (PCMU)
  w.write_u16(leg.seq);
  w.write_u32(leg.rtp_ts);
  w.write_u32(leg.ssrc);
  for (int i = 0; i < 160; ++i) w.write_u8(static_cast<uint8_t>(0x80 + ((i * 7 + leg.seq) % 32)));
  leg.seq = static_cast<uint16_t>(leg.seq + 1);
  leg.rtp_ts += 160;
  return w.size();
}

// An RTCP sender report with no report blocks (RFC 3550 §6.4.1).
std::size_t build_sr(Leg& leg, uint8_t* buf, uint64_t now_us) {
  ByteWriter w({buf, 1500});
  w.write_u8(0x80);
  w.write_u8(200);
  w.write_u16(6);  // length in 32-bit words minus one
  w.write_u32(leg.ssrc);
  w.write_u32(static_cast<uint32_t>(now_us / 1000000));
  w.write_u32(static_cast<uint32_t>(now_us % 1000000));
  w.write_u32(leg.rtp_ts);
  w.write_u32(static_cast<uint32_t>(leg.rtp_sent));
  w.write_u32(static_cast<uint32_t>(leg.rtp_sent * 172));
  return w.size();
}


bool run_profile(srtp::Profile profile, const DemoOptions& opt, Rng& rng, uint64_t net_seed) {
  const srtp::ProfileInfo& info = srtp::profile_info(profile);
  const std::size_t key_len = info.key_len, salt_len = info.salt_len;
  // RFC 5764 §4.2 layout of the exporter output.
  std::vector<uint8_t> km(2 * (key_len + salt_len));
  rng.fill(km);
  const uint8_t* client_key = km.data();
  const uint8_t* server_key = client_key + key_len;
  const uint8_t* client_salt = server_key + key_len;
  const uint8_t* server_salt = client_salt + salt_len;

  if (!opt.quiet) {
    fmt::print("\n== {} (DTLS-SRTP id {}), key {} B, salt {} B, SRTP tag {} B, SRTCP tag {} B\n", info.name,
               info.dtls_id ? fmt::format("0x{:04x}", info.dtls_id) : std::string("none"), key_len, salt_len,
               info.rtp_tag_len, info.rtcp_tag_len);
    fmt::print("   keying material (RFC 5764 §4.2): client_key | server_key | client_salt | server_salt, {} bytes\n",
               km.size());
  }

  std::array<Leg, 2> legs{Leg{"alice->bob"}, Leg{"bob->alice"}};
  srtp::SessionConfig cfg;
  cfg.profile = profile;
  for (int i = 0; i < 2; ++i) {
    Leg& leg = legs[static_cast<std::size_t>(i)];
    Bytes key{i == 0 ? client_key : server_key, key_len};
    Bytes salt{i == 0 ? client_salt : server_salt, salt_len};
    cfg.direction = srtp::Direction::outbound;
    auto a = leg.tx.init(cfg, key, salt);
    cfg.direction = srtp::Direction::inbound;
    auto b = leg.rx.init(cfg, key, salt);
    if (!a.ok() || !b.ok()) {
      char err[160];
      format_error(a.ok() ? b.error() : a.error(), err, sizeof err);
      fmt::print("   session setup failed: {}\n", err);
      return false;
    }
    leg.ssrc = rng.next_u32();
    // Start just below the 16-bit wrap so the rollover counter (RFC 3711 §3.3.1) moves.
    leg.seq = static_cast<uint16_t>(65536 - 10 - rng.uniform(30));
    leg.rtp_ts = rng.next_u32();
  }

  sim::Netem net(net_seed);
  sim::LinkConfig link;
  link.loss = opt.loss;
  link.reorder = opt.reorder;
  link.duplicate = opt.duplicate;
  link.corrupt = opt.corrupt;
  link.delay = Duration::millis(25);
  link.jitter = Duration::millis(5);
  net.configure_both(0, 1, link);

  const int64_t total_us = static_cast<int64_t>(opt.seconds * 1e6);
  uint8_t buf[1500 + srtp::kMaxTrailerLen];
  Timestamp now = Timestamp::zero();
  const Timestamp end = Timestamp::zero() + Duration::micros(total_us);
  bool ok = true;
  for (int64_t tick = 0; now <= end + Duration::millis(200); ++tick) {
    if (now <= end) {
      for (int i = 0; i < 2; ++i) {
        Leg& leg = legs[static_cast<std::size_t>(i)];
        std::size_t len = build_rtp(leg, buf);
        std::vector<uint8_t> plain(buf, buf + len);
        auto p = leg.tx.protect_rtp(buf, len);
        if (!p.ok()) { ok = false; break; }
        leg.rtp_sent++;
        if (!opt.quiet && !leg.shown_sent) {
          leg.shown_sent = true;
          fmt::print("   {} first RTP packet, ssrc 0x{:08x} seq {}\n", leg.name, leg.ssrc, leg.seq - 1);
          fmt::print("     plain     {}\n", hex_of(plain.data(), plain.size()));
          fmt::print("     protected {}\n", hex_of(buf, *p));
          fmt::print("     trailer   {}  (authentication tag)\n", hex_of(buf + len, *p - len));
        }
        net.send(now, i, 1 - i, buf, *p);
        if (tick % 50 == 0) {
          std::size_t rl = build_sr(leg, buf, now.as_micros());
          auto r = leg.tx.protect_rtcp(buf, rl);
          if (!r.ok()) { ok = false; break; }
          leg.rtcp_sent++;
          net.send(now, i, 1 - i, buf, *r);
        }
      }
    }
    while (auto d = net.receive(now)) {
      Leg& leg = legs[static_cast<std::size_t>(d->from)];
      std::size_t n = d->bytes.size();
      std::copy(d->bytes.begin(), d->bytes.end(), buf);
      // RFC 5761 §4: RTCP packet types 200-204 share the port with RTP.
      bool rtcp = n > 1 && buf[1] >= 200 && buf[1] <= 204;
      auto r = rtcp ? leg.rx.unprotect_rtcp(buf, n) : leg.rx.unprotect_rtp(buf, n);
      if (r.ok()) {
        (rtcp ? leg.rtcp_ok : leg.rtp_ok)++;
        if (!opt.quiet && !rtcp && !leg.shown_first) {
          fmt::print("     unprotected at the receiver: {} bytes, plaintext restored\n", *r);
          leg.shown_first = true;
        }
      } else {
        leg.rejected++;
        if (!opt.quiet && leg.rejected <= 3) {
          char err[160];
          format_error(r.error(), err, sizeof err);
          fmt::print("   {} dropped a packet: {}\n", leg.name, err);
        }
      }
    }
    now = now + Duration::millis(20);
  }
  for (Leg& leg : legs) {
    const auto& st = leg.rx.stats();
    uint32_t roc = leg.tx.roc(leg.ssrc).ok() ? *leg.tx.roc(leg.ssrc) : 0;
    fmt::print("   {:<10} {:<28} rtp sent {:4} received {:4} lost {:3} | rtcp sent {:3} received {:3} | "
               "auth failures {} replays {} | ROC {}\n",
               leg.name, info.name, leg.rtp_sent, leg.rtp_ok, leg.rtp_sent - leg.rtp_ok, leg.rtcp_sent, leg.rtcp_ok,
               st.auth_failures, st.replay_duplicates + st.replay_too_old, roc);
    // With no impairment every packet must arrive and verify.
    if (opt.loss == 0 && opt.corrupt == 0 && (leg.rtp_ok != leg.rtp_sent || leg.rtcp_ok != leg.rtcp_sent)) ok = false;
  }
  return ok;
}

void usage(std::FILE* out = stderr) {
  fmt::print(out,
             "usage: keyway srtp-demo [--seconds S] [--loss P] [--reorder P] [--duplicate P] [--corrupt P] [--seed N] "
             "[--quiet]\n"
             "  Protects and unprotects a generated two-way call with every SRTP profile over a simulated\n"
             "  network (virtual time). P are probabilities in [0,1]; --seed makes the run reproducible.\n");
}

}  // namespace

int run_srtp_demo(int argc, char** argv) {
  cli::Args args(argc, argv, 2);
  if (cli::wants_help(argc, argv, 2)) {
    usage(stdout);
    return 0;
  }
  DemoOptions opt;
  opt.seconds = args.number("--seconds", 3);
  opt.loss = args.number("--loss", 0);
  opt.reorder = args.number("--reorder", 0);
  opt.duplicate = args.number("--duplicate", 0);
  opt.corrupt = args.number("--corrupt", 0);
  double seed = args.number("--seed", -1);
  opt.quiet = args.flag("--quiet");
  std::string error;
  if (!args.finish(error)) {
    fmt::print(stderr, "keyway srtp-demo: {}\n", error);
    usage();
    return 2;
  }
  for (double p : {opt.loss, opt.reorder, opt.duplicate, opt.corrupt}) {
    if (p < 0 || p > 1) {
      fmt::print(stderr, "keyway srtp-demo: probabilities must be in [0,1]\n");
      return 2;
    }
  }
  if (opt.seconds <= 0 || opt.seconds > 600) {
    fmt::print(stderr, "keyway srtp-demo: --seconds must be in (0, 600]\n");
    return 2;
  }
  crypto::DrbgRng drbg;
  std::optional<SeededRng> seeded;
  Rng* rng = &drbg;
  uint64_t net_seed = 1;
  if (seed >= 0) {
    seeded.emplace(static_cast<uint64_t>(seed));
    rng = &*seeded;
    net_seed = static_cast<uint64_t>(seed);
  } else {
    uint8_t entropy[48];
    if (!os_entropy(entropy) || !drbg.instantiate(entropy, {}).ok()) {
      fmt::print(stderr, "keyway srtp-demo: cannot seed the DRBG from the OS\n");
      return 1;
    }
    net_seed = drbg.next_u64();
  }
  fmt::print("keyway srtp-demo: a {:.1f} s two-way call (50 RTP packets/s and 1 RTCP SR/s each way), every SRTP profile\n",
             opt.seconds);
  fmt::print("network (simulated, virtual time): loss {:.0f}%, reorder {:.0f}%, duplicate {:.0f}%, corrupt {:.0f}%, "
             "one-way delay 25 ms +-5 ms\n",
             opt.loss * 100, opt.reorder * 100, opt.duplicate * 100, opt.corrupt * 100);
  bool all_ok = true;
  for (srtp::Profile p : srtp::kAllProfiles) all_ok = run_profile(p, opt, *rng, net_seed) && all_ok;
  fmt::print("\n{}\n", all_ok ? "demo ok: every profile protected and unprotected the call"
                              : "demo FAILED: see the lines above");
  return all_ok ? 0 : 1;
}

}  // namespace keyway::tools
