// SPDX-License-Identifier: Apache-2.0
#include "tools/ladder.hpp"

#include <fmt/core.h>

#include "keyway/dtls/handshake_header.hpp"
#include "keyway/dtls/messages.hpp"
#include "keyway/dtls/record.hpp"
#include "keyway/dtls/v13/messages.hpp"
#include "keyway/dtls/v13/record.hpp"
#include "keyway/peer/demux.hpp"

namespace keyway::tools {

namespace {

const char* handshake_name(uint8_t t) {
  switch (t) {
    case 0: return "HelloRequest";
    case 1: return "ClientHello";
    case 2: return "ServerHello";
    case 3: return "HelloVerifyRequest";
    case 11: return "Certificate";
    case 12: return "ServerKeyExchange";
    case 13: return "CertificateRequest";
    case 14: return "ServerHelloDone";
    case 15: return "CertificateVerify";
    case 16: return "ClientKeyExchange";
    case 8: return "EncryptedExtensions";
    case 20: return "Finished";
    case 24: return "KeyUpdate";
    default: return "handshake?";
  }
}

std::string describe_stun(Bytes d) {
  ByteReader r(d);
  uint16_t type = 0, len = 0;
  if (!r.read_u16(type) || !r.read_u16(len) || !r.skip(16)) return "STUN (truncated)";
  // RFC 8489 §5: class bits C1 (0x100) and C0 (0x010) of the message type.
  const char* cls = "request";
  switch (type & 0x0110) {
    case 0x0010: cls = "indication"; break;
    case 0x0100: cls = "success response"; break;
    case 0x0110: cls = "error response"; break;
    default: break;
  }
  // RFC 8489 §5: the method bits around the class bits; TURN's methods (RFC 8656 §17).
  const uint16_t method = static_cast<uint16_t>((type & 0x000F) | ((type & 0x00E0) >> 1) | ((type & 0x3E00) >> 2));
  const char* name = "Binding";
  switch (method) {
    case 0x003: name = "TURN Allocate"; break;
    case 0x004: name = "TURN Refresh"; break;
    case 0x006: name = "TURN Send"; break;
    case 0x007: name = "TURN Data"; break;
    case 0x008: name = "TURN CreatePermission"; break;
    case 0x009: name = "TURN ChannelBind"; break;
    default: break;
  }
  std::string s = fmt::format("STUN {} {}", name, cls);
  if (method != 0x001) s = s.substr(5);  // "TURN Allocate request"
  Bytes inner{};
  while (r.remaining() >= 4) {
    uint16_t at = 0, al = 0;
    if (!r.read_u16(at) || !r.read_u16(al)) break;
    if (at == 0x0025) s += " USE-CANDIDATE";                       // RFC 8445 §16.1
    if (at == 0x802A) s += " (controlling)";
    if (at == 0x8029) s += " (controlled)";
    if (at == 0x0013 && r.remaining() >= al) inner = r.rest().first(al);  // DATA: what the relay carries
    if (at == 0x0009 && al >= 4 && r.remaining() >= 4) {                  // ERROR-CODE
      Bytes v = r.rest();
      s += fmt::format(" {}", (v[2] & 7) * 100 + v[3]);
    }
    if (!r.skip((al + 3u) & ~3u)) break;
  }
  if (!inner.empty()) s += " [" + describe_datagram(inner) + "]";
  return s;
}

// RFC 9147 §4: "ServerHello, then 5 encrypted records (epoch 2: handshake keys)".
// The header shows only the epoch's two low bits; what is inside needs the keys.
std::string encrypted_records(int count, uint8_t epoch_bits) {
  const char* keys = epoch_bits == 2 ? "epoch 2: handshake keys" : epoch_bits == 3 ? "epoch 3: application keys" : nullptr;
  std::string what = count == 1 ? "1 encrypted record" : fmt::format("{} encrypted records", count);
  if (keys != nullptr) return fmt::format("{} ({})", what, keys);
  return fmt::format("{} (epoch {} + 4k: keys after a KeyUpdate)", what, epoch_bits);
}

std::string describe_dtls(Bytes d) {
  ByteReader r(d);
  std::string s = "DTLS";
  int records = 0;
  int encrypted = 0;  // DTLS 1.3 records in a row with the same epoch bits
  uint8_t encrypted_bits = 0;
  auto flush_encrypted = [&] {
    if (encrypted == 0) return;
    s += records++ == 0 ? " " : ", then ";
    s += encrypted_records(encrypted, encrypted_bits);
    encrypted = 0;
  };
  while (!r.at_end()) {
    if (dtls::v13::is_ciphertext_record(r.rest()[0])) {
      auto rec = dtls::v13::read_ciphertext_record(r);
      if (!rec.ok()) {
        flush_encrypted();
        return s + " (truncated record)";
      }
      if (encrypted > 0 && rec->header.epoch_bits != encrypted_bits) flush_encrypted();
      encrypted_bits = rec->header.epoch_bits;
      ++encrypted;
      continue;
    }
    flush_encrypted();
    uint8_t type = 0;
    uint16_t version = 0, epoch = 0;
    uint64_t seq = 0;
    ByteReader body;
    if (!r.read_u8(type) || !r.read_u16(version) || !r.read_u16(epoch) || !r.read_u48(seq) || !r.read_prefixed16(body))
      return s + " (truncated record)";
    s += records++ == 0 ? " " : ", ";
    switch (type) {
      case 20: s += "ChangeCipherSpec"; break;
      case 21: s += epoch == 0 ? "Alert" : "Alert (encrypted)"; break;
      case 23: s += "ApplicationData"; break;
      case 22:
        if (epoch != 0) {
          s += "Finished (encrypted)";
          break;
        }
        {
          uint8_t mt = 0;
          uint32_t mlen = 0, off = 0, flen = 0;
          uint16_t mseq = 0;
          if (!body.read_u8(mt) || !body.read_u24(mlen) || !body.read_u16(mseq) || !body.read_u24(off) ||
              !body.read_u24(flen)) {
            s += "handshake (truncated)";
            break;
          }
          s += handshake_name(mt);
          if (flen != mlen) s += fmt::format(" [fragment {}+{} of {}]", off, flen, mlen);
        }
        break;
      default: s += fmt::format("record type {}", type); break;
    }
  }
  flush_encrypted();
  return s;
}

}  // namespace

std::string describe_datagram(Bytes d) {
  switch (peer::classify(d)) {
    case peer::PacketKind::stun: return describe_stun(d);
    case peer::PacketKind::dtls: return describe_dtls(d);
    case peer::PacketKind::rtp: {
      ByteReader r(d);
      uint16_t seq = 0;
      uint32_t ssrc = 0;
      if (r.skip(2) && r.read_u16(seq) && r.skip(4) && r.read_u32(ssrc))
        return fmt::format("SRTP ssrc 0x{:08x} seq {} ({} bytes)", ssrc, seq, d.size());
      return "SRTP (truncated)";
    }
    case peer::PacketKind::rtcp: {  // RFC 3711 §3.4: the first 8 bytes (header, sender SSRC) stay clear
      ByteReader r(d);
      uint8_t type = 0;
      uint32_t ssrc = 0;
      if (!r.skip(1) || !r.read_u8(type) || !r.skip(2) || !r.read_u32(ssrc)) return "SRTCP (truncated)";
      std::string name = type == 200   ? "SR"
                         : type == 201 ? "RR"
                         : type == 205 ? "RTPFB"
                         : type == 206 ? "PSFB"
                                       : fmt::format("type {}", type);  // RFC 3550 §12.1, RFC 4585 §6.1
      return fmt::format("SRTCP {} ssrc 0x{:08x} ({} bytes)", name, ssrc, d.size());
    }
    case peer::PacketKind::turn_channel: {  // RFC 8656 §12.4: channel, length, data
      ByteReader r(d);
      uint16_t channel = 0, len = 0;
      Bytes data;
      if (!r.read_u16(channel) || !r.read_u16(len) || !r.read_bytes(len, data)) return "TURN ChannelData (truncated)";
      return fmt::format("TURN ChannelData 0x{:04x} [{}]", channel, describe_datagram(data));
    }
    case peer::PacketKind::unknown: break;
  }
  return fmt::format("unknown datagram ({} bytes)", d.size());
}

// The DTLS 1.3 view with the keys: plaintext records by their messages,
// each DTLSCiphertext opened and named by what it carries; messages in a row
// under the same keys share one bracket (RFC 8446 §2's notation).
namespace {

struct Item {
  char open = 0;  // 0: plaintext, '{': epoch 2 (handshake keys), '[': epoch 3 and later
  std::string name;
};

void handshake_names(Bytes content, char open, std::vector<Item>& items) {
  ByteReader r(content);
  while (!r.at_end()) {
    auto f = dtls::read_handshake_fragment(r);
    if (!f.ok()) {
      items.push_back({open, "handshake (malformed)"});
      return;
    }
    std::string name = handshake_name(f->type);
    if (f->frag_offset != 0 || f->body.size() != f->length)
      name += fmt::format(" [fragment {}+{} of {}]", f->frag_offset, f->body.size(), f->length);
    items.push_back({open, name});
  }
}

// The hellos teach the decryptor the client random and the suite.
void learn_hello(Bytes content, std::string_view flow, explain::DtlsDecryptor& d) {
  ByteReader r(content);
  auto f = dtls::read_handshake_fragment(r);
  if (!f.ok() || f->frag_offset != 0 || f->body.size() != f->length) return;
  if (f->type == 1) {
    auto ch = dtls::parse_client_hello(f->body);
    if (ch.ok()) d.client_hello(ch->random, flow);
  } else if (f->type == 2) {
    auto sh = dtls::v13::parse_server_hello(f->body);
    if (sh.ok()) d.server_hello(sh->random, sh->cipher_suite, sh->has_version);
  }
}

}  // namespace

std::string describe_dtls_opened(Bytes d, std::string_view flow, explain::DtlsDecryptor& decryptor,
                                 const std::vector<explain::KeyLog13Entry>& keys) {
  std::vector<Item> items;
  ByteReader r(d);
  while (!r.at_end()) {
    if (dtls::v13::is_ciphertext_record(r.rest()[0])) {
      auto rec = dtls::v13::read_ciphertext_record(r);
      if (!rec.ok()) {
        items.push_back({0, "(truncated record)"});
        break;
      }
      std::string why;
      auto o = decryptor.open13(*rec, flow, keys, why);
      if (!o) {
        items.push_back({0, "encrypted record (not opened: " + why + ")"});
        continue;
      }
      const char open = o->epoch == 2 ? '{' : '[';
      switch (o->inner.type) {
        case 22: handshake_names(o->inner.content, open, items); break;
        case 21: items.push_back({open, "Alert"}); break;
        case 23: items.push_back({open, "ApplicationData"}); break;
        case dtls::v13::kContentTypeAck: items.push_back({open, "ACK"}); break;
        default: items.push_back({open, fmt::format("record type {}", o->inner.type)});
      }
      continue;
    }
    auto rec = dtls::read_record(r);
    if (!rec.ok()) {
      items.push_back({0, "(truncated record)"});
      break;
    }
    if (rec->type == 22 && rec->epoch == 0) {
      learn_hello(rec->fragment, flow, decryptor);
      handshake_names(rec->fragment, 0, items);
    } else {
      items.push_back({0, rec->type == 21 ? "Alert" : fmt::format("record type {}", rec->type)});
    }
  }
  std::string s = "DTLS";
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Item& it = items[i];
    const bool first_of_group = i == 0 || items[i - 1].open != it.open || it.open == 0;
    const bool last_of_group = i + 1 == items.size() || items[i + 1].open != it.open || it.open == 0;
    s += i == 0 ? " " : ", ";
    if (first_of_group && it.open != 0) s += it.open;
    s += it.name;
    if (last_of_group && it.open != 0) s += it.open == '{' ? '}' : ']';
  }
  return s;
}

}  // namespace keyway::tools
