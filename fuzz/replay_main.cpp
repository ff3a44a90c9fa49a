// SPDX-License-Identifier: Apache-2.0
// Replays fuzz inputs through LLVMFuzzerTestOneInput, so the normal build runs
// every corpus entry (style.md §7) and reproduces a crash from its one file.
//   fuzz_<target> PATH...   each PATH is a file (e.g. a crash-<sha1> that a
//                           fuzzer wrote) or a folder, read recursively
// Prints a summary; exits non-zero if a path is missing or nothing was replayed.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

void replay_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
}

// Files replayed under path, or -1 if it cannot be read.
long replay_path(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec)) {
    replay_file(path);
    return 1;
  }
  long files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(path, ec)) {
    if (!entry.is_regular_file()) continue;
    replay_file(entry.path());
    ++files;
  }
  if (ec) {
    std::fprintf(stderr, "cannot read %s: %s\n", path.c_str(), ec.message().c_str());
    return -1;
  }
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE_OR_CORPUS_DIR...\n", argv[0]);
    return 2;
  }
  long files = 0;
  for (int i = 1; i < argc; ++i) {
    long n = replay_path(argv[i]);
    if (n < 0) return 1;
    files += n;
  }
  std::printf("replayed %ld input file(s)\n", files);
  return files == 0 ? 1 : 0;
}
