// SPDX-License-Identifier: Apache-2.0
/* mbedTLS user config for the Cortex-M4 compile check (tools/cross_check.sh).
 * Debian's host build of mbedTLS enables pthread mutexes; a microcontroller
 * build of mbedTLS would not, so the check compiles against the host
 * configuration minus threading. */
#undef MBEDTLS_THREADING_C
#undef MBEDTLS_THREADING_PTHREAD
