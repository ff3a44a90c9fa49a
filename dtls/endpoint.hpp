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
// Keying material is only available once the peer certificate has been
// accepted: either it matched the fingerprint set with
// set_remote_fingerprint() before it arrived, or the caller called
// accept_peer_certificate() after the PeerCertificate event.
#pragma once

#include <cstdint>

#include "dtls/certificate.hpp"
#include "dtls/constants.hpp"
#include "dtls/cookie.hpp"
#include "dtls/extensions.hpp"
#include "dtls/flight.hpp"
#include "dtls/messages.hpp"
#include "dtls/key_schedule.hpp"
#include "dtls/reassembler.hpp"
#include "dtls/record.hpp"
#include "lib/crypto/ct.hpp"
#include "lib/crypto/ecc.hpp"
#include "lib/result.hpp"
#include "lib/rng.hpp"
#include "lib/time.hpp"
#include "lib/trace.hpp"

namespace keyway::dtls {

enum class Role : uint8_t { client, server };

struct Config {
  Role role = Role::client;
  Identity* identity = nullptr;      // our certificate and key (required)
  Rng* rng = nullptr;                // randoms, ECDHE, cookies, signatures (required)
  SmallList<uint16_t> srtp_profiles; // RFC 5764 profile ids, in preference order; empty: no use_srtp
  Bytes srtp_mki;                    // client only
  SmallList<uint16_t> cipher_suites; // empty: every suite keyway supports
  SmallList<uint16_t> groups;        // empty: x25519, secp256r1, secp384r1
  bool offer_extended_master_secret = true;   // client: offer RFC 7627 (server: always accepts)
  bool require_extended_master_secret = false;
  bool cookie_exchange = true;       // server: send HelloVerifyRequest (off once ICE verified the path)
  bool require_client_certificate = true;
  Bytes peer_address;                // server: bound into the cookie (any stable bytes)
  std::size_t mtu = 1200;            // largest datagram we send
  Duration initial_timeout = Duration::seconds(1);
  Duration max_timeout = Duration::seconds(60);
  int max_retransmits = 7;
  TraceSink* trace = nullptr;
};

enum class Verdict : uint8_t { accept, discard, fatal };

enum class EventType : uint8_t {
  peer_certificate,     // data = peer certificate DER
  handshake_complete,   // suite, srtp_profile, extended_master_secret, data = peer certificate DER
  application_data,     // data
  alert_received,       // alert_level, alert
  alert_sent,           // alert_level, alert
  closed,               // close_notify received
  failure,              // error
};

struct Event {
  EventType type = EventType::failure;
  Bytes data;                        // valid until the next handle_* call
  CipherSuite suite = CipherSuite::ecdhe_ecdsa_aes128_gcm_sha256;
  uint16_t srtp_profile = 0;         // 0: none negotiated
  bool extended_master_secret = false;
  AlertLevel alert_level = AlertLevel::fatal;
  AlertDescription alert = AlertDescription::close_notify;
  Error error{};
};

struct Output {
  enum class Kind : uint8_t { transmit, event, timeout };
  Kind kind = Kind::timeout;
  Bytes transmit;                    // in the caller's scratch buffer
  Event event;
  Timestamp deadline = Timestamp::never();
};

struct Stats {
  uint64_t records_received = 0;
  uint64_t records_auth_failed = 0;
  uint64_t records_replayed = 0;
  uint64_t records_unknown_epoch = 0;
  uint64_t records_malformed = 0;
  uint64_t retransmissions = 0;
  uint64_t fragments_ignored = 0;
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

class Endpoint {
 public:
  explicit Endpoint(const Config& config);
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;

  Verdict handle_datagram(Timestamp now, Bytes datagram);
  void handle_timeout(Timestamp now);
  Output poll_output(Timestamp now, MutableBytes scratch);

  // Application inputs.
  void set_remote_fingerprint(const Fingerprint& fp);
  void accept_peer_certificate();
  // RTT from ICE: the initial retransmission timeout becomes 2*rtt, clamped to 50 ms..3 s.
  void set_rtt_estimate(Duration rtt);
  [[nodiscard]] Status send_application_data(Bytes data);
  void close();  // sends close_notify

  // RFC 5705 exporter (no context). Fails before the handshake completes
  // or before the peer certificate is accepted.
  [[nodiscard]] Status export_keying_material(const char* label, MutableBytes out) const;

  HandshakeState state() const { return state_; }
  bool is_established() const { return state_ == HandshakeState::established; }
  const Stats& stats() const { return stats_; }
  Bytes peer_certificate() const { return Bytes(peer_cert_, peer_cert_len_); }
  const SuiteInfo* negotiated_suite() const { return suite_; }
  uint16_t srtp_profile() const { return srtp_profile_; }
  Bytes srtp_mki() const { return Bytes(srtp_mki_, srtp_mki_len_); }
  const char* last_timeout_reason() const { return timeout_reason_; }

 private:
  friend struct EndpointAccess;  // tests
  // endpoint.cpp: records, I/O, events
  void process_record(const Record& rec, Bytes payload);
  void process_handshake_record(uint16_t epoch, Bytes payload);
  void process_alert(Bytes payload);
  void process_ccs(uint16_t epoch, Bytes payload);
  void process_app_data(Bytes payload);
  Status process_fragment(uint16_t epoch, const HandshakeFragment& f, bool& retransmit_ours);
  void fail(const Error& e, AlertDescription alert);
  void push_event(const Event& e);
  void queue_alert(AlertLevel level, AlertDescription desc);
  Status queue_record(ContentType type, Bytes payload, uint64_t forced_seq, bool use_forced_seq);
  void maybe_start();
  void start_flight(Timestamp now, bool expects_reply);
  void on_peer_retransmission();
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
  Status server_on_client_key_exchange(Bytes body);
  Status server_on_certificate_verify(Bytes body);

  Config config_;
  HandshakeState state_;
  Timestamp now_ = Timestamp::zero();
  Stats stats_;
  const char* timeout_reason_ = "idle";

  // Record layer.
  ReadEpoch read_[2];
  WriteEpoch write_[2];
  uint16_t write_epoch_ = 0;     // epoch for alerts and application data
  bool peer_ccs_ = false;

  // Handshake.
  Reassembler reassembler_;
  Flight flight_;
  RetransmitTimer timer_;
  bool flight_expects_reply_ = false;
  // RFC 6347 §4.2.4: the first message_seq of the peer flight that our
  // current flight answers; its repetition means our flight was lost.
  bool peer_flight_boundary_ = true;
  uint16_t peer_flight_first_seq_ = 0;
  uint16_t retransmit_trigger_seq_ = 0xFFFF;
  uint16_t next_send_seq_ = 0;
  crypto::Hash transcript256_{crypto::HashAlg::sha256};
  crypto::Hash transcript384_{crypto::HashAlg::sha384};
  uint8_t client_random_[kRandomSize] = {};
  uint8_t server_random_[kRandomSize] = {};
  const SuiteInfo* suite_ = nullptr;
  uint16_t group_ = 0;
  uint16_t srtp_profile_ = 0;
  uint8_t srtp_mki_[kMaxMkiSize] = {};
  std::size_t srtp_mki_len_ = 0;
  bool ems_ = false;
  bool cert_requested_ = false;  // client: server sent CertificateRequest
  bool peer_sent_cert_ = false;
  bool renegotiation_info_ = false;   // peer signalled RFC 5746 support
  bool client_point_formats_ = false;
  HandshakeType expect_ = HandshakeType::client_hello;
  uint8_t rx_header_[kHandshakeHeaderSize] = {};
  uint64_t rx_record_seq_ = 0;
  crypto::Secret<crypto::kMaxSharedSecretSize> premaster_;
  crypto::EcdhKeyPair ecdh_;
  crypto::Secret<kMasterSecretSize> master_;
  CookieJar cookies_;
  uint8_t cookie_[kMaxCookieSize] = {};
  std::size_t cookie_len_ = 0;

  // Peer identity.
  uint8_t peer_cert_[kMaxCertificateSize] = {};
  std::size_t peer_cert_len_ = 0;
  bool has_expected_fp_ = false;
  Fingerprint expected_fp_;
  bool cert_accepted_ = false;

  // Outputs: single datagrams (HelloVerifyRequest, alerts, application data)
  // go before flight datagrams.
  static constexpr std::size_t kQueueBytes = 4096;
  static constexpr std::size_t kMaxQueued = 16;
  uint8_t queue_buf_[kQueueBytes] = {};
  std::size_t queue_used_ = 0;
  std::size_t queue_off_[kMaxQueued] = {};
  std::size_t queue_len_[kMaxQueued] = {};
  std::size_t queue_count_ = 0;
  std::size_t queue_head_ = 0;

  static constexpr std::size_t kMaxEvents = 16;
  Event events_[kMaxEvents];
  std::size_t event_head_ = 0;
  std::size_t event_count_ = 0;
  uint8_t event_buf_[4096] = {};
  std::size_t event_buf_used_ = 0;
  uint8_t record_buf_[kMaxPlaintext] = {};
};

}  // namespace keyway::dtls
