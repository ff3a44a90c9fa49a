// SPDX-License-Identifier: Apache-2.0
// `keyway explain`: every byte of a datagram, field by field, with the RFC
// section that defines it and the keyway function that parses it.
//
//   datagram -> classify (RFC 7983 §7) -> STUN   explain_stun  (stun.cpp)
//                                      -> DTLS   explain_dtls  (dtls.cpp, dtls_hello.cpp, dtls_extensions.cpp,
//                                                              dtls_messages.cpp, dtls13.cpp)
//                                      -> RTP    explain_rtp   (rtp.cpp)
//                                      -> RTCP   explain_rtcp  (rtcp.cpp)
//
// An Explainer keeps what spans datagrams: the DTLS handshake fragments of
// each direction, so a ClientHello split over two datagrams is shown
// reassembled (RFC 6347 §4.2.3) when its last fragment arrives.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "keyway/dtls/reassembler.hpp"
#include "keyway/lib/bytes.hpp"
#include "tools/explain/keylog.hpp"
#include "tools/explain/printer.hpp"
#include "tools/explain/srtp_keys.hpp"

namespace keyway::explain {

enum class Kind { stun, zrtp, dtls, turn_channel, rtp, rtcp, unknown };

// RFC 7983 §7 (first byte), and RFC 5761 §4 to tell RTCP from RTP.
Kind classify(Bytes datagram);
const char* kind_name(Kind k);

struct Options {
  std::vector<std::string> passwords;  // STUN short-term passwords (ICE pwd) to check MESSAGE-INTEGRITY
  bool all_bytes = false;              // print every byte of long fields
  std::vector<KeyLogEntry> keylog;     // --keylog: DTLS master secrets by client random
  std::optional<SrtpKeys> srtp;        // --srtp: the DTLS-SRTP exporter output and profile
  std::vector<KeyLog13Entry> keylog13; // --keylog: DTLS 1.3 traffic secrets by client random
};

class Explainer {
 public:
  explicit Explainer(Options options);

  struct FlowState {
    std::vector<uint8_t> pool;
    dtls::Reassembler reassembler;
    bool active = false;
    std::size_t fragments = 0;
  };

  // Explains one datagram into out. `flow` names its direction (e.g.
  // "10.0.0.1:5000 > 10.0.0.2:6000"): fragments are reassembled per flow.
  void datagram(Bytes datagram, std::string_view flow, std::string& out);

 private:
  FlowState& flow(std::string_view name);
  // Both directions of a flow ("a > b" and "b > a") share one association.
  DtlsDecryptor& association(std::string_view flow);
  void explain_srtp(Printer& p, Bytes packet, bool rtcp);

  Options options_;
  std::map<std::string, std::unique_ptr<FlowState>, std::less<>> flows_;
  std::map<std::string, std::unique_ptr<DtlsDecryptor>, std::less<>> associations_;
  SrtpDecryptor srtp_;
  std::string srtp_error_;  // why srtp_ could not be set up
};

// The explainers, one per protocol (each file cites its RFC).
void explain_stun(Printer& p, Bytes msg, const Options& o);
void explain_rtp(Printer& p, Bytes packet);
void explain_rtcp(Printer& p, Bytes packet);

// DTLS: records of one datagram. What spans records is the sink's: whole
// handshake messages (explained, and the hellos' randoms kept for
// decryption), fragments (reassembled) and protected records (decrypted).
struct DtlsSink {
  virtual ~DtlsSink() = default;
  virtual void message(Printer& p, uint8_t type, Bytes body) = 0;
  virtual void fragment(Printer& p, uint8_t type, uint32_t length, uint16_t msg_seq, uint32_t offset, Bytes body) = 0;
  // The plaintext of a protected record, or nullopt with the reason.
  virtual std::optional<Bytes> decrypt(const dtls::Record& rec, std::string& why) = 0;
  // DTLS 1.3: a DTLSCiphertext opened, or nullopt with the reason.
  virtual std::optional<Opened13> decrypt13(const dtls::v13::CiphertextRecord&, std::string& why) {
    why = "no key log";
    return std::nullopt;
  }
};
void explain_dtls(Printer& p, Bytes datagram, DtlsSink& sink);
// Handshake messages in one (plaintext or decrypted) handshake record.
void explain_handshake_records(Printer& p, Bytes fragment, DtlsSink& sink);
void explain_alert(Printer& p, Bytes fragment);
// The body of one handshake message (its bytes must lie in p's datagram).
void explain_handshake_body(Printer& p, uint8_t type, Bytes body);
void explain_client_hello(Printer& p, Bytes body);
void explain_server_hello(Printer& p, Bytes body, bool dtls13 = false);
// DTLS 1.3 (dtls13.cpp): a DTLSCiphertext, the messages 1.3 changed, ACK.
void explain_ciphertext13(Printer& p, const dtls::v13::CiphertextRecord& rec, DtlsSink& sink);
void explain_handshake_body13(Printer& p, uint8_t type, Bytes body);
void explain_ack(Printer& p, Bytes body);
// Where an extensions block is: an extension's body and who reads it
// depend on it (RFC 8446 §4.2).
enum class ExtensionsIn : uint8_t { client_hello, server_hello, hello_retry_request, encrypted_extensions,
                                    certificate_request };
void explain_hello_extensions(Printer& p, ByteReader& r, ExtensionsIn where);  // dtls_extensions.cpp
// Field readers the DTLS explainers share: a u16 list with a 1- or 2-byte
// length, one line per entry; an opaque<0..255>.
void u16_list(Printer& p, ByteReader& r, int prefix, std::string (*name)(uint16_t), std::string_view what,
              std::string_view rfc, std::string_view parser);
void opaque8(Printer& p, ByteReader& r, std::string_view what, std::string_view rfc, std::string_view parser);

}  // namespace keyway::explain
