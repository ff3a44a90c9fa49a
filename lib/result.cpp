// SPDX-License-Identifier: Apache-2.0
#include "keyway/lib/result.hpp"

namespace keyway {

const char* to_string(Layer layer) {
  switch (layer) {
    case Layer::lib: return "lib";
    case Layer::crypto: return "crypto";
    case Layer::srtp: return "srtp";
    case Layer::dtls: return "dtls";
    case Layer::sdp: return "sdp";
    case Layer::ice: return "ice";
    case Layer::peer: return "peer";
  }
  return "?";
}

const char* to_string(Code code) {
  switch (code) {
    case Code::ok: return "ok";
    case Code::malformed: return "malformed";
    case Code::truncated: return "truncated";
    case Code::auth_failed: return "authentication failed";
    case Code::replayed: return "replayed";
    case Code::too_old: return "too old";
    case Code::unknown_stream: return "unknown stream";
    case Code::key_exhausted: return "key exhausted";
    case Code::capacity: return "capacity exceeded";
    case Code::buffer_too_small: return "buffer too small";
    case Code::unsupported: return "unsupported";
    case Code::invalid_argument: return "invalid argument";
    case Code::bad_state: return "bad state";
    case Code::crypto_failure: return "crypto failure";
    case Code::handshake_failure: return "handshake failure";
    case Code::bad_certificate: return "bad certificate";
    case Code::decode_error: return "decode error";
    case Code::illegal_parameter: return "illegal parameter";
    case Code::unexpected_message: return "unexpected message";
    case Code::timeout: return "timeout";
    case Code::protocol_version: return "protocol version";
    case Code::consent_lost: return "consent lost";
    case Code::no_path: return "no path";
    case Code::internal: return "internal error";
  }
  return "?";
}

namespace {
std::size_t append(char* out, std::size_t out_len, std::size_t pos, const char* s) {
  while (*s != '\0' && pos + 1 < out_len) out[pos++] = *s++;
  return pos;
}
}  // namespace

std::size_t format_error(const Error& e, char* out, std::size_t out_len) {
  if (out_len == 0) return 0;
  std::size_t pos = 0;
  pos = append(out, out_len, pos, to_string(e.layer));
  pos = append(out, out_len, pos, ": ");
  pos = append(out, out_len, pos, to_string(e.code));
  if (e.detail != nullptr && e.detail[0] != '\0') {
    pos = append(out, out_len, pos, ": ");
    pos = append(out, out_len, pos, e.detail);
  }
  out[pos] = '\0';
  return pos;
}

}  // namespace keyway
