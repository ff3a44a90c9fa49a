# SPDX-License-Identifier: Apache-2.0
# Sourced by the shell interop tests that run `keyway dtls` against another
# DTLS stack's peer program over 127.0.0.1 (nss_dtls.sh, wolfssl_dtls13.sh):
# a work directory, and reading and checking the key=value lines both sides
# print (dtls_version=, srtp_profile=, exporter=, received=). The sourcing
# script's arguments: KEYWAY PEER_PROGRAM.
keyway=$1
peer=$2

# $1 a program, $2 why: the test is skipped (exit 77) when it is not installed.
skip_without() {
  command -v "$1" >/dev/null 2>&1 || { echo "SKIP: $2"; exit 77; }
}

# $work: a fresh directory, removed (and any server left running killed) on exit.
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT

# $1 key, $2 file: the value of the first key= line.
value() { sed -n "s/^$1=//p" "$2" | head -1; }

# $1: the file the server writes; waits for its listening= line, prints the port.
wait_port() {
  for _ in $(seq 50); do
    p=$(sed -n 's/^listening=\(.*:\)\{0,1\}\([0-9]*\)$/\2/p' "$1" | head -1)
    [ -n "$p" ] && { echo "$p"; return 0; }
    sleep 0.1
  done
  return 1
}

# $1 name, $2 keyway's output, $3 the peer's output, $4 keyway's role, $5 the
# peer's name (its line is "hello from <name in lower case>"), $6 the
# exporter's length in hex digits: equal exporters (left in $km) and a line
# each way. Sets fail=1 on a failure, and then prints both outputs and
# returns 1.
check_exchange() {
  km=$(value exporter "$2")
  [ ${#km} -eq "$6" ] && [ "$km" = "$(value exporter "$3")" ] || { echo "FAIL $1: exporters differ or are missing"; fail=1; }
  [ "$(value received "$2")" = "hello from $(echo "$5" | tr A-Z a-z)" ] || { echo "FAIL $1: keyway did not receive $5's line"; fail=1; }
  [ "$(value received "$3")" = "hello from keyway $4" ] || { echo "FAIL $1: $5 did not receive keyway's line"; fail=1; }
  if [ "$fail" -ne 0 ]; then echo "--- keyway:"; cat "$2"; echo "--- $5:"; cat "$3"; return 1; fi
}
