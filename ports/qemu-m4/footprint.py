#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Flash footprint of a Cortex-M4 image, from its GNU ld map file (issue 17).

  ports/qemu-m4/footprint.py build-m4/ports/qemu-m4/m4_call.map [--profile full|minimal] [--image device]

Adds up the input sections the linker kept in flash (.isr_vector, .text*,
.rodata*: code and constants; --gc-sections has already
dropped what nothing calls) and attributes each to the object it came from:
keyway's library by source folder, mbedTLS, the C/C++ runtime (newlib-nano,
libstdc++, libgcc) and the port itself. Prints one line per part:
  footprint <folder> text_bytes=<n> profile=<profile>
then keyway's total and the rest. With --image device (the map of
m4_device.elf: one answering endpoint with ICE-lite, main_device.cpp) every
line ends in " image=device"; the call image's lines (two endpoints, both
roles) have no image field. Paths come from Meson's object names
(libkeyway.a(dtls_x509_certificate.cpp.o) is dtls/x509/certificate.cpp)."""
import os
import re
import sys

FOLDERS = ["lib", "srtp", "dtls", "sdp", "ice", "peer"]
# (.ARM.exidx is left out: the linker merges its input entries, 8 bytes stay.)
FLASH_SECTIONS = (".isr_vector", ".text", ".rodata")
# " .text.name   0x08000040   0x10 file" (name and numbers may be split over two lines)
ENTRY = re.compile(r"^ (\S+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")


def keyway_folder(member):
    """The library folder of a libkeyway.a member such as 'lib_crypto_aes.cpp.o'."""
    # (the device variant, built in ports/qemu-m4/, names them '.._.._lib_crypto_aes.cpp.o')
    first = re.sub(r"^(\.\._)+", "", member).split("_", 1)[0]
    return first if first in FOLDERS else "other"


def part_of(origin):
    # libkeyway.a(member), or the device variant's thin archive: libkeyway_device.a.p/member
    m = re.search(r"libkeyway\.a\((.+)\)$", origin) or re.search(r"libkeyway_device\.a\.p/([^/]+)$", origin)
    if m:
        return keyway_folder(m.group(1))
    if "libmbedcrypto.a" in origin:
        return "mbedtls"
    if "/ports/" in origin or origin.startswith("ports/"):
        return "port"
    return "runtime"  # newlib-nano, libstdc++, libgcc


def measure(map_path):
    """Flash bytes per part. Merged string sections (.rodata.*.str1.1) are
    listed at their input size but overlap once merged: each byte of flash is
    counted once, for the first object that covers it."""
    entries = []  # (address, size, part)
    in_map = False
    pending = None  # a section name whose numbers are on the next line
    with open(map_path) as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not in_map:
                in_map = line.startswith("Linker script and memory map")
                continue
            if line.startswith(" ") and not line.startswith("  ") and len(line.split()) == 1:
                pending = line.split()[0]
                continue
            m = ENTRY.match(line)
            name = (m.group(1) or pending) if m else None
            pending = None
            if name is None or not name.startswith(FLASH_SECTIONS):
                continue
            address, size = int(m.group(2), 16), int(m.group(3), 16)
            if 0x08000000 <= address < 0x08100000 and size > 0:  # flash only
                entries.append((address, size, part_of(m.group(4).strip())))
    sizes = {}
    covered = 0
    for address, size, part in sorted(entries):
        new = address + size - max(address, covered)
        if new > 0:
            sizes[part] = sizes.get(part, 0) + new
            covered = address + size
    return sizes


def main():
    args = sys.argv[1:]
    profile = "full"
    image = ""
    for option in ("--profile", "--image"):
        if option in args:
            i = args.index(option)
            if i + 1 >= len(args):
                print(__doc__.strip(), file=sys.stderr)
                return 2
            if option == "--profile":
                profile = args[i + 1]
            else:
                image = " image=" + args[i + 1]
            del args[i:i + 2]
    if len(args) != 1 or not os.path.exists(args[0]):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    sizes = measure(args[0])
    for folder in FOLDERS:
        print(f"footprint {folder} text_bytes={sizes.get(folder, 0)} profile={profile}{image}")
    keyway = sum(sizes.get(f, 0) for f in FOLDERS + ["other"])
    print(f"footprint keyway text_bytes={keyway} profile={profile}{image}")
    for part in ["mbedtls", "runtime", "port"]:
        print(f"footprint {part} text_bytes={sizes.get(part, 0)} profile={profile}{image}")
    print(f"footprint image text_bytes={sum(sizes.values())} profile={profile}{image}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
