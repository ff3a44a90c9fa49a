// SPDX-License-Identifier: Apache-2.0
// keyway-bench footprint [--profile full|minimal] [--image call|device] [--build DIR]:
// the flash each keyway folder takes in a Cortex-M4 image (issue 17), as
//   footprint <folder> text_bytes=<n> profile=full|minimal [image=device]
// The call image (the default) holds two endpoints, offerer and answerer;
// the device image one answerer with ICE-lite (ports/qemu-m4/main_device.cpp).
// It reads the image's map file from the cross build that
// ports/qemu-m4/run.sh made (build-m4/, or build-m4-minimal/ for the minimal
// profile) and lets ports/qemu-m4/footprint.py do the counting, so the bench
// and the port print the same figures. Nothing is built here.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "bench/benches.hpp"

#ifndef KEYWAY_SOURCE_ROOT
#define KEYWAY_SOURCE_ROOT "."
#endif

namespace keyway::bench {

int run_footprint(int argc, char** argv) {
  std::string profile = "full";
  std::string build;
  std::string image = "call";
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--profile") == 0 && i + 1 < argc) profile = argv[++i];
    else if (std::strcmp(argv[i], "--build") == 0 && i + 1 < argc) build = argv[++i];
    else if (std::strcmp(argv[i], "--image") == 0 && i + 1 < argc &&
             (std::strcmp(argv[i + 1], "call") == 0 || std::strcmp(argv[i + 1], "device") == 0))
      image = argv[++i];
    else {
      std::fprintf(stderr, "usage: keyway-bench footprint [--profile full|minimal] [--image call|device] [--build DIR]\n");
      return 2;
    }
  }
  const std::string root = KEYWAY_SOURCE_ROOT;
  if (build.empty()) build = root + (profile == "minimal" ? "/build-m4-minimal" : "/build-m4");
  const std::string map = build + "/ports/qemu-m4/m4_" + image + ".map";
  if (std::FILE* f = std::fopen(map.c_str(), "r")) {
    std::fclose(f);
  } else {
    std::fprintf(stderr, "footprint: no %s: run ports/qemu-m4/run.sh first\n", map.c_str());
    return 1;
  }
  const std::string command = "/usr/bin/python3 '" + root + "/ports/qemu-m4/footprint.py' '" + map +
                              "' --profile " + (profile == "minimal" ? "minimal" : "full") +
                              (image == "device" ? " --image device" : "");
  std::fflush(stdout);
  return std::system(command.c_str()) == 0 ? 0 : 1;
}

}  // namespace keyway::bench
