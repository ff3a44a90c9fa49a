// SPDX-License-Identifier: Apache-2.0
// dtls::Endpoint: one DTLS 1.2 association (client or server), sans-IO.
//
//   Client                                               Server
//   ------                                               ------
//   ClientHello             -------->                              Flight 1
//                           <-------    HelloVerifyRequest          Flight 2
//   ClientHello (cookie)    -------->                              Flight 3
//                                              ServerHello    |
//                                              Certificate     |
//                                        ServerKeyExchange     | Flight 4
//                                       CertificateRequest     |
//                           <-------       ServerHelloDone    /
//   Certificate             |
//   ClientKeyExchange        |
//   CertificateVerify        | Flight 5
//   [ChangeCipherSpec]       |
//   Finished                -------->                         /
//                                       [ChangeCipherSpec]    \ Flight 6
//                           <-------              Finished    /
//                                              (RFC 6347 §4.2.4, Figure 1)
//
// Usage: feed datagrams with handle_datagram(), call handle_timeout() when
// the deadline from poll_output() passes, and call poll_output() until it
// returns a Timeout. The endpoint never reads a clock or touches a socket.
// Keying material and application data (both ways) are only available
// once the peer certificate has been accepted: either it matched the
// fingerprint set with set_remote_fingerprint() before it arrived, or the
// caller passed the certificate of a PeerCertificate event to
// accept_peer_certificate(). An acceptance names that certificate and ends
// if the peer certificate is replaced (a discarded flight, RFC 6347 §4.1.2.7).
#pragma once

#include <cstdint>

#include "keyway/dtls/x509/certificate.hpp"
#include "keyway/dtls/constants.hpp"
#include "keyway/dtls/extensions.hpp"
#include "keyway/dtls/messages.hpp"
#include "keyway/dtls/key_schedule.hpp"
#include "keyway/dtls/handshake_header.hpp"
#include "keyway/dtls/replay_window.hpp"
#include "keyway/dtls/record.hpp"
#include "keyway/lib/crypto/ct.hpp"
#include "keyway/lib/crypto/ecc.hpp"
#include "keyway/lib/result.hpp"
#include "keyway/lib/rng.hpp"
#include "keyway/lib/sans_io.hpp"
#include "keyway/lib/time.hpp"
#include "keyway/lib/trace.hpp"

namespace keyway::dtls {

namespace v13 {
class Endpoint;  // dtls/v13/endpoint.hpp
}

class CookieJar;  // dtls/cookie.hpp

enum class Role : uint8_t { client, server };

struct Config {
  Role role = Role::client;
  Identity* identity = nullptr;      // our certificate and key (required)
  Rng* rng = nullptr;                // randoms, ECDHE, cookies, signatures (required)
  SmallList<uint16_t> srtp_profiles; // RFC 5764 profile ids, in preference order; empty: no use_srtp
  Bytes srtp_mki;                    // client only; at most kMaxStoredMki bytes
  SmallList<uint16_t> cipher_suites; // empty: every suite keyway supports
  SmallList<uint16_t> groups;        // empty: x25519, secp256r1, secp384r1
  bool offer_extended_master_secret = true;   // client: offer RFC 7627 (server: always accepts)
  bool require_extended_master_secret = false;
  bool cookie_exchange = true;       // server: send HelloVerifyRequest (off once ICE verified the path)
  bool require_client_certificate = true;
  // Issue 18: offer DTLS 1.3 as well (supported_versions, RFC 8446 §4.2.1);
  // 1.3 when both ends offer it, 1.2 otherwise (dtls/negotiation.cpp).
  // Off here (keyway dtls, the conformance table, sweeps, OpenSSL/GnuTLS); on in peer::Config.
  // An Endpoint server with cookie_exchange speaks 1.2 only (a
  // HelloVerifyRequest cannot front a 1.3 handshake); 1.3's stateless
  // cookie, in a HelloRetryRequest, is dtls::Listener's (dtls/v13/retry.hpp).
  // Ignored without DTLS 1.3 in the build (profile::kDtls13, the minimal profile).
  bool offer_dtls13 = false;
  Bytes peer_address;                // server: bound into the cookie (any stable bytes)
  // Server, set by dtls::Listener: the key of its stateless DTLS 1.3 cookies.
  // A ClientHello2 (message_seq 1) returning one starts a 1.3 association
  // from the cookie (dtls/v13/retry.hpp); without it, such a hello is 1.2's.
  const CookieJar* retry_cookies = nullptr;
  std::size_t mtu = 1200;            // largest datagram we send
  Duration initial_timeout = Duration::seconds(1);
  Duration max_timeout = Duration::seconds(60);
  int max_retransmits = 7;
  // Memory bounds of the handshake (all released once it completes; see
  // handshake_context.hpp). A 2-3 KB fragmented ClientHello (browsers) and
  // RSA certificate chains fit the defaults.
  std::size_t max_handshake_message = 6144;   // largest handshake message body accepted
  std::size_t max_reassembly_bytes = 8192;    // bodies + bitmaps of buffered messages (>= 9/8 of the above)
  // RFC 6347 §4.2.4: the server keeps its final flight this long (2 MSL) to
  // answer a repeated client flight, unless client data proves it arrived.
  Duration final_flight_hold = Duration::seconds(240);
  // A debugging aid, like SSLKEYLOGFILE: a DTLS 1.3 association keeps the
  // four traffic secrets of its key log (NSS format) after the handshake, so
  // format_key_log() still works once the handshake state is released
  // (4 x 48 bytes on the heap). 1.2's key log needs only the master secret,
  // which is always kept.
  bool keep_key_log = false;
  TraceSink* trace = nullptr;
};

using keyway::Verdict;

enum class EventKind : uint8_t {
  peer_certificate,     // data = the DER of the certificate it announces (withdrawn if replaced before polled)
  handshake_complete,   // suite, srtp_profile, extended_master_secret, data = peer certificate DER
  application_data,     // data
  alert_received,       // alert_level, alert
  alert_sent,           // alert_level, alert
  closed,               // close_notify received
  failure,              // error
};

struct Event {
  EventKind kind = EventKind::failure;
  // application_data: the plaintext, decrypted in place inside the datagram
  // given to handle_datagram() (valid while that buffer is). Certificates:
  // valid until the next handle_* call.
  Bytes data;
  CipherSuite suite = CipherSuite::ecdhe_ecdsa_aes128_gcm_sha256;
  uint16_t srtp_profile = 0;         // 0: none negotiated
  bool extended_master_secret = false;
  AlertLevel alert_level = AlertLevel::fatal;
  AlertDescription alert = AlertDescription::close_notify;
  Error error{};

  bool is_failure() const { return kind == EventKind::failure; }
};

// The endpoint has no addresses (its caller chose the path): a transmit is
// the datagram's bytes, in the caller's scratch buffer.
using Output = EngineOutput<Event, Bytes>;

struct Stats {
  uint64_t records_received = 0;
  uint64_t records_auth_failed = 0;
  uint64_t records_replayed = 0;
  uint64_t records_unknown_epoch = 0;
  uint64_t records_malformed = 0;
  uint64_t retransmissions = 0;
  uint64_t fragments_ignored = 0;
  uint32_t events_dropped = 0;        // events dropped: poll_output not called (a failure still gets in)
  // Peer flights thrown away because an unauthenticated (epoch-0) message
  // in them failed a check; the peer's retransmission is awaited instead.
  uint32_t flights_discarded = 0;
  // Application data received before the peer certificate was accepted (dropped).
  uint32_t app_data_unaccepted = 0;
};

enum class HandshakeState : uint8_t {
  client_start,
  client_wait_server_hello,    // sent ClientHello; HelloVerifyRequest or ServerHello next
  client_wait_server_flight,   // Certificate, ServerKeyExchange, [CertificateRequest], ServerHelloDone
  client_wait_finished,        // sent flight 5
  server_wait_client_hello,
  server_wait_client_flight,   // Certificate, ClientKeyExchange, CertificateVerify, Finished
  established,
  closed,
  failed,
};

struct HandshakeContext;  // handshake_context.hpp

// Memory: the Endpoint object holds only what an established association
// needs (epoch-1 record ciphers, replay windows, sequence numbers, the
// exporter's master secret and randoms, the negotiated parameters, stats,
// a small event ring). Everything the handshake needs is in a
// HandshakeContext allocated with new (std::nothrow) by the constructor and
// freed at the first handle_* call after the handshake completed (or
// failed); the peer certificate is a separate exact-size allocation freed
// once it is accepted. After that, no call allocates: application data is
// sealed into the caller's buffer and opened in place in the datagram.
class Endpoint {
 public:
  static constexpr std::size_t kMaxStoredMki = 16;  // the SRTP MKI we keep (RFC 5764 allows 255)

  explicit Endpoint(const Config& config);
  ~Endpoint();
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;

  // Decrypts protected records in place: datagram is modified.
  Verdict handle_datagram(Timestamp now, MutableBytes datagram);
  void handle_timeout(Timestamp now);
  Output poll_output(Timestamp now, MutableBytes scratch);

  // Application inputs.
  void set_remote_fingerprint(const Fingerprint& fp);
  // Accepts `der`, the certificate of a peer_certificate event that the
  // caller checked. Fails unless it is the certificate the handshake holds
  // now; a later certificate needs an acceptance of its own.
  [[nodiscard]] Status accept_peer_certificate(Bytes der);
  // RTT from ICE: the initial retransmission timeout becomes 2*rtt, clamped to 50 ms..3 s.
  void set_rtt_estimate(Duration rtt);
  // The timeout the next flight is armed with (after set_rtt_estimate's
  // clamp; Config::initial_timeout otherwise; zero once the handshake is over).
  Duration initial_retransmission_timeout() const;
  // Seals `data` as one application_data record into `out` and returns the
  // datagram to send now (nothing is queued, nothing allocated). Fails
  // before the handshake completed or before the peer certificate is accepted.
  [[nodiscard]] Result<Bytes> send_application_data(Bytes data, MutableBytes out);
  void close();  // sends close_notify

  // RFC 5705 exporter (no context). Fails before the handshake completes
  // or before the peer certificate is accepted.
  [[nodiscard]] Status export_keying_material(const char* label, MutableBytes out) const;
  // RFC 5764 §4.2: DTLS-SRTP takes its keys from the exporter once. A caller
  // that needs no further export nor key log lets the secret go (zeroed and
  // freed); both fail afterwards. Does nothing before the handshake is over.
  void release_exporter();
  static constexpr std::size_t kExporterSecretBytes = kMasterSecretSize + 2 * kRandomSize;  // its heap_bytes() share
  // The association's lines in the NSS key log format (SSLKEYLOGFILE, read by
  // Wireshark): DTLS 1.2 "CLIENT_RANDOM <client random hex> <master secret hex>\n";
  // DTLS 1.3 five lines, CLIENT_HANDSHAKE_TRAFFIC_SECRET ... EXPORTER_SECRET.
  // For studying captures only: whoever holds it can decrypt the association.
  // Same conditions as the exporter (dtls/key_log.cpp). kKeyLogLineSize is
  // the 1.2 line; kKeyLogMaxSize holds either (the 1.3 lines with SHA-384
  // secrets are the longer).
  static constexpr std::size_t kKeyLogLineSize = 14 + 2 * kRandomSize + 1 + 2 * kMasterSecretSize + 2;
  static constexpr std::size_t kKeyLogMaxSize = (2 * 31 + 2 * 23 + 15) + 5 * (1 + 2 * kRandomSize + 1 + 2 * 48 + 1) + 1;
  [[nodiscard]] Status format_key_log(char* out, std::size_t out_len) const;

  HandshakeState state() const { return state_; }
  bool is_established() const { return state_ == HandshakeState::established; }
  const Stats& stats() const;
  // Until the certificate was accepted and the handshake completed (empty after).
  Bytes peer_certificate() const;
  // The version spoken: 0xFEFD (DTLS 1.2), or 0xFEFC (DTLS 1.3, when
  // Config.offer_dtls13 and the peer chose it).
  uint16_t version() const;
  // The suite chosen, null before; under 1.3 one of kDtls13SuiteInfo
  // (TLS_AES_128_GCM_SHA256 ...: a 1.3 suite names no key exchange or signature).
  const SuiteInfo* negotiated_suite() const;
  // The IANA name of the suite in use, 1.2 or 1.3 (null before the ServerHello).
  const char* suite_name() const;
  uint16_t srtp_profile() const { return srtp_profile_; }
  Bytes srtp_mki() const { return Bytes(srtp_mki_, srtp_mki_len_); }
  const char* last_timeout_reason() const;
  // The datagram size now used: Config.mtu, lowered after repeated timeouts.
  std::size_t mtu() const { return mtu_; }
  // Heap held by this endpoint (handshake context, peer certificate, exporter secret), for memory reports.
  std::size_t heap_bytes() const;
  // How many record AEADs (epoch 1, read and write) hold their key state on
  // the heap now: 2 at the end of the handshake, 0 once it is released,
  // each back at its first record (dtls/record.hpp RecordCipher). Under
  // DTLS 1.3, those of its application epochs (the same: 0 once released).
  int record_aeads_held() const;

 private:
  friend struct EndpointAccess;  // tests
  // endpoint.cpp: records, I/O, events
  void process_record(const Record& rec, Bytes payload);
  void process_alert(uint16_t epoch, Bytes payload);
  void process_ccs(uint16_t epoch, Bytes payload);
  void process_app_data(Bytes payload);
  // handshake_input.cpp: handshake records, fragment by fragment
  enum class Placement : uint8_t { reassemble, ignore, fatal };
  void process_handshake_record(uint16_t epoch, Bytes payload);
  void watch_final_flight(uint16_t epoch, const HandshakeFragment& f);
  Status process_fragment(uint16_t epoch, const HandshakeFragment& f, bool& peer_repeated);
  Placement place_fragment(uint16_t epoch, const HandshakeFragment& f) const;
  bool reassemble(const HandshakeFragment& f, bool& peer_repeated);
  Status deliver_messages(uint16_t epoch);
  Bytes take_ready_message();
  Status on_message_failure(uint16_t epoch, const Error& e, Bytes message);
  void fail(const Error& e, AlertDescription alert);
  void push_event(EventKind kind, uint16_t offset = 0, uint16_t len = 0, AlertLevel level = AlertLevel::fatal,
                  AlertDescription alert = AlertDescription::close_notify);
  void withdraw_events(EventKind kind);
  void drop_stale_app_data(MutableBytes datagram);
  void queue_alert(AlertLevel level, AlertDescription desc);
  std::size_t write_alert(MutableBytes out);
  std::size_t write_final_flight(MutableBytes out);
  void release_handshake_memory();
  void lower_mtu();
  static constexpr int kRetransmitsBeforeMtuStep = 2;
  static constexpr uint16_t kMtuStep = 1000;
  static constexpr uint16_t kMtuFloor = 576 - 28;  // IPv4 minimum reassembly size minus IPv4 + UDP headers
  void maybe_start();
  void start_flight(Timestamp now, bool expects_reply);
  void on_peer_retransmission();
  // peer_flight.cpp: a corrupted copy of a peer flight is discarded
  void save_flight_start(uint16_t first_seq);
  bool discard_peer_flight(const Error& e, Bytes message);
  void forget_keys();
  static constexpr uint8_t kMaxDiscardedFlights = 4;
  // handshake_common.cpp: transcript, keys, finished
  void transcript_add(Bytes message);
  void transcript_hash(crypto::HashAlg alg, MutableBytes out) const;
  Status add_message(uint16_t epoch, HandshakeType type, std::size_t body_len);
  Status derive_keys(Bytes premaster);
  Status check_peer_certificate(Bytes der);
  Status write_finished();
  Status verify_finished(Bytes body);
  void transcript_received(Bytes body);
  void complete_handshake();
  void reset_transcript();
  Status write_certificate();
  SmallList<uint16_t> verify_schemes() const;
  void enter_state(HandshakeState state);
  bool take_expected(HandshakeType type);
  // client.cpp
  Status client_send_hello(Bytes cookie);
  Status client_on_message(HandshakeType type, Bytes body);
  Status client_on_server_hello(Bytes body);
  Status client_on_server_key_exchange(Bytes body);
  Status client_send_flight5();
  // server.cpp
  Status server_on_message(HandshakeType type, Bytes body, uint16_t msg_seq);
  Status server_on_client_hello(Bytes body, uint16_t msg_seq);
  Status server_negotiate(const struct ClientHello& ch);
  Status server_send_flight4();
  Status server_send_final_flight();
  Status server_on_client_key_exchange(Bytes body);
  Status server_on_certificate_verify(Bytes body);
  // hello_verify.cpp: HelloVerifyRequest, both sides (RFC 6347 §4.2.1)
  void server_send_hello_verify(const struct ClientHello& ch, uint16_t msg_seq);
  void server_follow_hello_seq(const HandshakeFragment& f);
  void server_follow_hello_numbers(uint16_t msg_seq);
  std::size_t write_hello_verify(MutableBytes out);
  Status client_on_hello_verify(Bytes body);
  Bytes client_fresh_cookie(const HandshakeFragment& f) const;
  Status client_answer_hello_verify(Bytes cookie, bool replaces_hello);
  static constexpr uint8_t kMaxHelloVerifies = 4;  // HelloVerifyRequests answered per handshake
  // negotiation.cpp: DTLS 1.3 or 1.2 (issue 18). Once 1.3 is chosen, every
  // call goes to the 1.3 engine held in the handshake context. Inline, so
  // that without 1.3 in the build (profile::kDtls13) every 1.3 path is dead
  // code in each caller and the linker drops dtls/v13/.
  v13::Endpoint* dtls13() const { return profile::kDtls13 ? dtls13_in_use() : nullptr; }
  // In charge or not (a client's 1.3 offer lends the engine its key share).
  v13::Endpoint* dtls13_engine() const { return profile::kDtls13 ? dtls13_held() : nullptr; }
  v13::Endpoint* dtls13_in_use() const;
  v13::Endpoint* dtls13_held() const;
  void sync_dtls13_state();
  Status create_dtls13();
  Status write_dtls13_offer(ByteWriter& w);
  Status client_hand_over_to_dtls13(Bytes server_hello);
  Status server_hand_over_to_dtls13(Bytes client_hello, uint16_t msg_seq);
  // Our role; always the client without the server role in the build
  // (profile::kDtlsServer: the server's code is dead and not linked).
  bool is_client() const { return !profile::kDtlsServer || role_ == Role::client; }
  bool server_speaks_dtls13() const;  // callers test profile::kDtls13 first (dead code without it)
  Status client_check_downgrade(Bytes server_hello);
  Verdict handle_datagram_dtls12(MutableBytes datagram);
  Status format_key_log13(char* out, std::size_t out_len) const;  // key_log.cpp
  void release_dtls12_for_dtls13();

  // Members are ordered by alignment: this object is the established
  // state, and padding counts against the 2 KiB goal.

  // Record layer: epoch 0 has no cipher, epoch 1 is the only protected one.
  RecordCipher read_cipher_;   // epoch 1
  WriteState write_;
  ReplayWindow read_window_[2];
  Stats stats_;

  Timestamp now_ = Timestamp::zero();
  HandshakeContext* hs_ = nullptr;  // null once the handshake is over
  TraceSink* trace_;
  const SuiteInfo* suite_ = nullptr;
  // 1.2's peer certificate (exact-size copy of the DER, kept until
  // accepted) or, once DTLS 1.3 took over (dtls13_in_charge_), the 1.3
  // engine, moved out of the released 1.2 context: 1.3 is chosen before any
  // 1.2 certificate arrives, so the two never meet (negotiation.cpp).
  union {
    uint8_t* peer_cert_ = nullptr;
    v13::Endpoint* dtls13_;
  };
  const uint8_t* event_base_ = nullptr;  // the datagram application data events point into
  Error error_{};                 // the failure (an endpoint fails at most once)

  // RFC 6347 §4.2.4: the server's final flight (ChangeCipherSpec +
  // Finished) is rebuilt from these when the client repeats its flight.
  struct FinalFlight {
    Timestamp hold_until = Timestamp::never();
    uint8_t verify_data[kVerifyDataSize] = {};
    uint16_t trigger_seq = 0;   // first message_seq of the client flight it answers
    uint16_t msg_seq = 0;       // our Finished's message_seq
    bool held = false;          // still answering repeats
    bool sending = false;       // a (re)transmission is due
  };
  FinalFlight final_;

  // What the RFC 5705 exporter (and the key log) needs: a heap block of its
  // own from the constructor until release_exporter() (issue 17: 112 bytes
  // an established DTLS-SRTP call no longer reads once SRTP is keyed).
  struct ExporterSecret {
    uint8_t master[kMasterSecretSize] = {};
    uint8_t client_random[kRandomSize] = {};
    uint8_t server_random[kRandomSize] = {};
  };
  static_assert(sizeof(ExporterSecret) == kExporterSecretBytes);
  ExporterSecret* secret_ = nullptr;
  uint8_t srtp_mki_[kMaxStoredMki] = {};

  // Events waiting for poll_output. Application data is an offset into
  // event_base_; certificates are peer_cert_.
  struct PendingEvent {
    uint16_t offset;
    uint16_t len;
    EventKind kind;
    AlertLevel level;
    AlertDescription alert;
    bool is_failure() const { return kind == EventKind::failure; }
  };
  static constexpr std::size_t kMaxEvents = 8;
  EventQueue<PendingEvent, kMaxEvents> events_;
  // Alerts waiting for poll_output (sealed there, in their epoch).
  struct PendingAlert {
    uint8_t level;
    uint8_t desc;
    uint8_t epoch;
  };
  static constexpr std::size_t kMaxAlerts = 2;
  PendingAlert alerts_[kMaxAlerts] = {};

  uint16_t mtu_;
  uint16_t srtp_profile_ = 0;
  uint16_t peer_cert_len_ = 0;
  Role role_;
  HandshakeState state_;
  uint8_t write_epoch_ = 0;    // epoch for alerts and application data
  uint8_t srtp_mki_len_ = 0;
  uint8_t alert_count_ = 0;
  bool peer_ccs_ = false;
  bool ems_ = false;
  bool cert_accepted_ = false;
  bool complete_polled_ = false;  // the handshake_complete event (carrying the DER) was delivered
  bool dtls13_in_charge_ = false;  // dtls13_, not peer_cert_
  bool record_aeads_released_ = false;  // once, after the handshake (release_handshake_memory)
};

}  // namespace keyway::dtls
