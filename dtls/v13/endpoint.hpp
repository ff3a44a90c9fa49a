// SPDX-License-Identifier: Apache-2.0
// dtls::v13::Endpoint: one DTLS 1.3 association (client or server), sans-IO,
// with the same shape and the same certificate gate as the 1.2 dtls::Endpoint.
//
//   Client                                           Server
//   ClientHello + key_share + supported_versions  -------->          epoch 0
//                                    ServerHello + key_share         epoch 0
//                                  {EncryptedExtensions + use_srtp}  epoch 2
//                                         {CertificateRequest}       (handshake
//                                                {Certificate}        traffic
//                                          {CertificateVerify}        keys)
//                                   <--------        {Finished}
//   {Certificate}
//   {CertificateVerify}
//   {Finished}                               -------->               epoch 2
//                                   <--------             [ACK]      epoch 3
//   [Application Data]              <------->  [Application Data]    epoch 3
//                                      (RFC 8446 §2, RFC 9147 §5, §7)
//
// {} = handshake traffic keys (epoch 2), [] = application traffic keys
// (epoch 3). Reliability: the peer's next flight acknowledges ours
// implicitly; the client's last flight is acknowledged by an ACK; a partly
// received flight is ACKed when our timer fires, and a timeout resends only
// the messages not acknowledged (RFC 9147 §7). The timer is the 1.2 one,
// seeded by set_rtt_estimate().
//
// The peer certificate gate is the 1.2 one: keys (exporter, application
// data both ways) only once the certificate matched the fingerprint given
// with set_remote_fingerprint() before it arrived, or the caller accepted
// it with accept_peer_certificate() after a peer_certificate event.
//
// KeyUpdate (RFC 9147 §8) both ways: request_key_update(); our next epoch
// starts once the peer ACKed the KeyUpdate.
//
// HelloRetryRequest (RFC 8446 §4.1.4) both roles, and the stateless cookie
// dtls::Listener sends in it (dtls/v13/retry.hpp, accept_stateless_retry()).
// dtls::Endpoint negotiates 1.3 or 1.2 and hands a 1.3 association to
// this engine (dtls/negotiation.cpp).
//
// Memory: what only the handshake needs is in a HandshakeState on the heap
// (dtls/v13/handshake_state.hpp), released once the handshake is over; the
// object keeps the established association. Record AEADs are keyed by the
// first record of their epoch (RecordProtection::defer, from the traffic
// secret) and the application ones are released with the handshake state,
// as 1.2's are: an established DTLS-SRTP association holds none. A
// KeyUpdate's messages (its flight, a reassembly pool) are on the heap only
// while one is under way, and the server's hold of the client handshake
// secret (to ACK a repeated client Finished) only for final_flight_hold.
#pragma once

#include <cstdint>

#include "keyway/dtls/endpoint.hpp"
#include "keyway/dtls/flight.hpp"
#include "keyway/dtls/reassembler.hpp"
#include "keyway/dtls/record.hpp"
#include "keyway/dtls/v13/ack.hpp"
#include "keyway/dtls/v13/flight.hpp"
#include "keyway/dtls/v13/handshake_state.hpp"
#include "keyway/dtls/v13/key_schedule.hpp"
#include "keyway/dtls/v13/messages.hpp"
#include "keyway/dtls/v13/record.hpp"
#include "keyway/dtls/v13/transcript.hpp"
#include "keyway/dtls/x509/certificate.hpp"
#include "keyway/lib/crypto/ecc.hpp"

namespace keyway::dtls::v13 {

enum class State : uint8_t {
  client_start,
  client_wait_server_hello,
  client_wait_encrypted_extensions,
  client_wait_certificate_request,  // or the Certificate when the server asks for none
  client_wait_certificate,
  client_wait_certificate_verify,
  client_wait_finished,
  server_wait_client_hello,
  server_wait_certificate,
  server_wait_certificate_verify,
  server_wait_finished,
  established,
  closed,
  failed,
};
const char* to_string(State s);

class Endpoint {
 public:
  explicit Endpoint(const Config& config);
  ~Endpoint();
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;

  // Protected records are decrypted in place: datagram is modified, and
  // application_data events point into it.
  Verdict handle_datagram(Timestamp now, MutableBytes datagram);
  void handle_timeout(Timestamp now);
  Output poll_output(Timestamp now, MutableBytes scratch);

  void set_remote_fingerprint(const Fingerprint& fp);
  [[nodiscard]] Status accept_peer_certificate(Bytes der);
  void set_rtt_estimate(Duration rtt);  // initial timeout 2*rtt, clamped to 50 ms..3 s
  [[nodiscard]] Result<Bytes> send_application_data(Bytes data, MutableBytes out);
  void close();  // sends close_notify

  // RFC 8446 §7.5 exporter (empty context), e.g. "EXTRACTOR-dtls_srtp".
  [[nodiscard]] Status export_keying_material(const char* label, MutableBytes out) const;
  // The secrets of the NSS key log (SSLKEYLOGFILE) lines of 1.3, read by
  // Wireshark and `keyway explain`; dtls::Endpoint::format_key_log writes
  // them (dtls/key_log.cpp). Same gate as the exporter. For studying
  // captures only: whoever holds them can decrypt the association.
  enum class KeyLogSecret : uint8_t {
    client_handshake,    // CLIENT_HANDSHAKE_TRAFFIC_SECRET
    server_handshake,    // SERVER_HANDSHAKE_TRAFFIC_SECRET
    client_application,  // CLIENT_TRAFFIC_SECRET_0
    server_application,  // SERVER_TRAFFIC_SECRET_0
    exporter,            // EXPORTER_SECRET
  };
  [[nodiscard]] Result<Bytes> key_log_secret(KeyLogSecret which) const;

  State state() const { return state_; }
  bool is_established() const { return state_ == State::established; }
  const Stats& stats() const { return stats_; }
  const Suite* negotiated_suite() const { return suite(); }
  uint16_t srtp_profile() const { return srtp_profile_; }
  // Until the handshake state is released (empty after).
  Bytes peer_certificate() const;
  // Heap held besides the object (the handshake state, a KeyUpdate's storage,
  // the server's hold), for memory reports.
  std::size_t heap_bytes() const;
  // Server: what it holds for Config::final_flight_hold once the handshake
  // state is gone (RFC 9147 §7: a repeated client Finished is ACKed again).
  struct HandshakeHold {
    SecretBytes client_handshake_secret;
    Timestamp until = Timestamp::never();
  };
  // Record AEADs of epochs 3 and up (write, and the read slots) holding their
  // heap now: none once the handshake state is released, one per direction
  // from its first record on (RecordProtection::defer).
  int record_aeads_held() const;
  // Version negotiation (dtls/negotiation.cpp): a dtls::Endpoint client
  // writes the ClientHello itself, offering 1.3 and 1.2. It takes its
  // x25519 share from here, and when the ServerHello chooses 1.3 hands the
  // ClientHello body over; this engine then goes on from the ServerHello.
  [[nodiscard]] Result<Bytes> prepare_client_key_share();
  [[nodiscard]] Status adopt_client_hello(Timestamp now, Bytes body);
  // Server behind dtls::Listener (Config.retry_cookies): the Listener
  // answered ClientHello1 with a stateless HelloRetryRequest; the next
  // message is ClientHello2 (message_seq 1), its cookie checked again here.
  [[nodiscard]] Status accept_stateless_retry();
  // The hello that chose 1.3 (the client's ServerHello, the server's
  // ClientHello), as a datagram dtls::Endpoint made with new[]: held (owned)
  // until read_handed_over(), which dtls::Endpoint calls once its 1.2
  // context is released, so the two handshake states never peak together.
  void hold_handed_over(MutableBytes datagram);
  void read_handed_over(Timestamp now);
  bool hello_retried() const { return retried_; }
  // Server: the ClientHello.random of the hello it answered last (a retaken
  // damaged hello replaced, peer_flight.cpp); empty before, and once the
  // handshake state is released. dtls::Endpoint keeps it for the key log.
  Bytes answered_client_random() const;

  // RFC 8446 §4.6.3, RFC 9147 §8: sends a KeyUpdate; our new keys are used
  // once the peer ACKed it. ask_peer: update_requested (the peer updates too).
  [[nodiscard]] Status request_key_update(bool ask_peer);
  uint64_t write_epoch() const { return write_application_.ready() ? write_application_.epoch() : 0; }
  uint64_t read_epoch() const { return read_application_epoch_; }

  // The client's last flight was acknowledged (client), or our ACK went out (server).
  bool flight_acknowledged() const { return reliability() == nullptr || reliability()->flight.all_acked(); }

 private:
  friend struct EndpointAccess13;  // tests: seal records with this endpoint's keys
  // endpoint.cpp: records in, ACKs, alerts, application data
  bool process_plaintext(const Record& rec);
  bool process_ciphertext(const CiphertextRecord& rec);
  bool process_handshake(const RecordNumber& rn, Bytes payload);
  enum class Skip : uint8_t { no, now, later };
  Skip skip_session_ticket(const HandshakeFragment& f);
  bool process_ack(Bytes body);
  bool process_alert(Bytes body);
  bool before_handshake_keys() const;
  bool process_app_data(uint64_t epoch, Bytes data);
  void deliver_messages();
  void note_received(const RecordNumber& rn);
  void on_peer_repeat();
  // peer_flight.cpp: the hellos are unauthenticated; a damaged copy is set
  // aside (what processing it changed is put back), and a hello that split
  // the transcript is taken again from the peer's retransmission.
  struct HelloStart {
    State state = State::failed;
    const Suite* suite = nullptr;
    Transcript transcript;
    bool retried = false;
    bool awaiting_cookie = false;
    bool has_retry_group = false;
    crypto::NamedGroup retry_group = crypto::NamedGroup::x25519;
    uint16_t next_send_seq = 0;
    uint16_t srtp_profile = 0;
  };
  void save_hello_start(HelloStart& s) const;
  bool discard_damaged_hello(const Error& e, Bytes body, const HelloStart& start, uint16_t seq);
  void note_hello_accepted(Bytes body);
  bool retake_hello(const HandshakeFragment& f, bool in_reassembler = false);
  bool may_retake_hello(const HandshakeFragment& f) const;
  bool collect_hello_copy(const HandshakeFragment& f, bool repeat);
  void end_hello_copy();
  // endpoint_output.cpp: records out, timer, events
  void maybe_start();
  Status seal_record(ByteWriter& w, uint8_t epoch, uint8_t type, Bytes content, RecordNumber& rn);
  std::size_t write_flight_datagram(MutableBytes out);
  std::size_t write_ack(MutableBytes out);
  std::size_t write_alert(MutableBytes out);
  uint8_t highest_write_epoch() const;
  void fail(const Error& e, AlertDescription alert);
  void push_event(const Event& e);
  Event pop_event();
  void start_flight();
  // handshake.cpp: what both roles share
  Status send_message(MessageType type, uint8_t epoch, std::size_t body_len);
  void transcript_hash(uint8_t out[crypto::kMaxDigestSize]) const;
  std::size_t hash_size() const { return crypto::digest_size(suite()->hash); }
  Status enter_handshake_keys(Bytes ecdhe_shared);
  Status enter_application_keys();
  Status write_certificate_and_verify(Signer self, Bytes context);
  Status write_finished(const SecretBytes& base_key);
  Status on_certificate(Bytes body);
  Status on_certificate_verify(Bytes body, Signer peer);
  Status on_finished(Bytes body, const SecretBytes& base_key);
  Status check_peer_certificate(Bytes der);
  void complete();
  Status on_key_update(Bytes body);
  void on_flight_acknowledged();
  // client.cpp
  Status client_send_hello();
  Status client_on_message(MessageType type, Bytes body);
  Status client_on_server_hello(Bytes body);
  Status client_on_retry_request(const ServerHello& hrr, Bytes body);
  Status client_on_encrypted_extensions(Bytes body);
  Status client_on_certificate_request(Bytes body);
  Status client_send_final_flight();
  // server.cpp
  Status server_on_message(MessageType type, Bytes body);
  Status server_on_client_hello(Bytes body);
  Status server_send_flight(const ClientHello& ch, const KeyShareEntry& share);
  Status server_send_retry(const ClientHello& ch, Bytes body);
  Status server_resume_from_cookie(const ClientHello& ch);

  // Hands the handshake's storage back once it is over (handshake_state.hpp).
  void release_handshake();
  void release_record_aeads();
  void release_after_repeated_flight();
  void use_established_storage();
  // After the handshake (RFC 9147 §8): storage for a KeyUpdate (ours or the
  // peer's) taken when one starts, handed back once it was ACKed and nothing
  // waits in reassembly.
  [[nodiscard]] bool take_key_update_storage();
  void release_key_update_storage();
  Reliability* reliability() const;  // null after the handshake while no KeyUpdate is under way
  Flight& flight() { return reliability()->flight; }
  Reassembler& reassembler() { return reliability()->reassembler; }
  uint16_t next_receive_seq() const;
  bool sending_flight() const { return reliability() != nullptr && reliability()->flight.sending(); }

  HandshakeState* hs_ = nullptr;  // null once the handshake is over
  Stats stats_;
  Error error_{};
  Timestamp now_ = Timestamp::zero();
  // Server, after the handshake: epoch 2 stays readable until hold_->until
  // (keyed on first use from the client's handshake secret), to ACK a
  // repeated client flight. On the heap for the hold only (issue 18: 56
  // bytes the established association held for the whole call); without
  // heap there is no hold, as when final_flight_hold has passed.
  HandshakeHold* hold_ = nullptr;
  const uint8_t* event_base_ = nullptr;  // the datagram application data events point into

  // Record layer: epoch 0 plaintext, 2 handshake keys, 3 application keys.
  // Epochs 4 and up come from KeyUpdate (RFC 9147 §8); a record's two epoch
  // bits pick its receive slot (§4.2.2), which knows the full epoch.
  // Our next sequence number in write_application_'s epoch (from 0 in each);
  // epochs 0 and 2 are the handshake state's (issue 18: 32 bytes by epoch & 3).
  uint64_t write_seq_ = 0;
  RecordProtection write_application_;  // epoch 3, then each KeyUpdate's
  ReceiveEpoch read_epochs_[4];
  ReceiveEpoch& read_handshake() { return read_epochs_[2]; }  // a function: a reference member takes 8 bytes
  uint64_t read_application_epoch_ = 0;

  // What the established association keeps of the key schedule.
  SecretBytes exporter_secret_;
  SecretBytes write_traffic_secret_;  // the current application secrets, for the next KeyUpdate
  SecretBytes read_traffic_secret_;
  // What is due out besides records of a flight (here: what would be padding
  // after the three 49-byte secrets).
  bool ack_due_ = false;
  bool alert_due_ = false;
  uint8_t alert_level_ = 0;
  uint8_t alert_desc_ = 0;
  // The negotiated suite: kSuites[suite_index_ - 1], 0 before (a byte, not
  // a pointer: issue 18).
  uint8_t suite_index_ = 0;
  const Suite* suite() const { return suite_index_ != 0 ? &kSuites[suite_index_ - 1] : nullptr; }
  void set_suite(const Suite* s) { suite_index_ = s != nullptr ? static_cast<uint8_t>(s - kSuites + 1) : 0; }
  // Config.keep_key_log: the four traffic secrets of the key log (in
  // KeyLogSecret order), copied out of the handshake state when it goes.
  SecretBytes* kept_key_log_ = nullptr;

  // Reliability: our flight and the peer's handshake messages (reliability())
  // are the handshake state's during the handshake; after it, a KeyUpdate
  // each way (RFC 9147 §8) needs a one-byte message out and in, taken on the
  // heap when one starts (issue 18: a KeyUpdate is rare; an established
  // association held 352 bytes for it) and released once it was ACKed.
  struct KeyUpdateStorage {
    Reliability reliability;
    Flight::SentRecord log[2];
    uint8_t flight[8];
    uint8_t pool[32];
  };
  KeyUpdateStorage* key_update_ = nullptr;
  RetransmitTimer timer_;
  // Handshake records of the peer's flight, for ACKs: the handshake state's
  // list, then the newest few of it kept here (a function, not a 16-byte span).
  std::span<RecordNumber> received() {
    if (hs_ != nullptr) return hs_->received;
    return established_received_;
  }
  static constexpr std::size_t kEstablishedReceived = 8;
  RecordNumber established_received_[kEstablishedReceived];

  // Output: events as the few bytes that vary (issue 18: 8 bytes, not a
  // 48-byte Event each, nor 16 with a pointer); poll_output fills in the
  // rest, as 1.2 does: application data is an offset into event_base_ (the
  // datagram being read; what the caller did not poll before the next
  // datagram is dropped), a certificate is peer_certificate() (the handshake
  // state stays while events wait), a failure's error is error_ (an endpoint
  // fails once).
  struct PendingEvent {
    uint16_t offset = 0;
    uint16_t len = 0;  // application data fits: at most 2^14 (RFC 8446 §5.4)
    EventKind kind = EventKind::failure;
    AlertLevel level = AlertLevel::fatal;
    AlertDescription alert = AlertDescription::close_notify;
    bool is_failure() const { return kind == EventKind::failure; }
  };
  EventQueue<PendingEvent, 8> events_;
  void drop_stale_app_data(MutableBytes datagram);

  // The small fields together (padding counts against the established state).
  uint16_t srtp_profile_ = 0;
  uint16_t next_send_seq_ = 0;
  uint16_t mtu_;
  uint16_t received_count_ = 0;
  uint16_t next_receive_seq_ = 0;  // the peer's next message_seq while no reassembler is held
  State state_;
  Role role_;
  bool key_update_pending_ = false;  // our KeyUpdate is out, not yet ACKed
  bool cert_accepted_ = false;
  // HelloRetryRequest (RFC 8446 §4.1.4): one per handshake; the hellos
  // then take message_seq 0 and 1 (RFC 9147 §5.2), also after the
  // handshake. The server's cookie and group are the handshake state's.
  bool retried_ = false;
};

}  // namespace keyway::dtls::v13
