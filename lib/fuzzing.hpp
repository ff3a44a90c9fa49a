// SPDX-License-Identifier: Apache-2.0
// Fuzzing mode (issue 7), after BoringSSL's unsafe fuzzer mode: builds made
// with `meson setup -Dfuzzing=true` define KEYWAY_FUZZING so that fuzz
// targets get past the checks a fuzzer cannot forge (MACs and AEAD tags,
// STUN FINGERPRINT, DTLS cookies and Finished, signatures). Such a build is
// NOT secure. Every other build has kFuzzing == false: each check site keeps
// its production code and the fuzzing branch is discarded at compile time.
#pragma once

namespace keyway {

#if defined(KEYWAY_FUZZING) && KEYWAY_FUZZING
inline constexpr bool kFuzzing = true;
#else
inline constexpr bool kFuzzing = false;
#endif

}  // namespace keyway
