// SPDX-License-Identifier: Apache-2.0
// Small command-line helpers shared by the keyway subcommands.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace keyway::cli {

// True when "--help" or "-h" is among argv[first..]: every command and
// subcommand then prints its usage on stdout and exits 0 (issue 15).
inline bool wants_help(int argc, char** argv, int first) {
  for (int i = first; i < argc; ++i)
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) return true;
  return false;
}

// Parses "--name value" / "--flag" options. Unknown options are errors.
class Args {
 public:
  Args(int argc, char** argv, int first) {
    for (int i = first; i < argc; ++i) items_.emplace_back(argv[i]);
  }
  // "--name value"; returns nullopt if absent.
  std::optional<std::string> value(const char* name) {
    for (std::size_t i = 0; i < items_.size(); ++i) {
      if (items_[i] == name) {
        if (i + 1 >= items_.size()) {
          error_ = std::string("missing value after ") + name;
          return std::nullopt;
        }
        std::string v = items_[i + 1];
        items_.erase(items_.begin() + static_cast<long>(i), items_.begin() + static_cast<long>(i) + 2);
        return v;
      }
    }
    return std::nullopt;
  }
  bool flag(const char* name) {
    for (std::size_t i = 0; i < items_.size(); ++i) {
      if (items_[i] == name) {
        items_.erase(items_.begin() + static_cast<long>(i));
        return true;
      }
    }
    return false;
  }
  double number(const char* name, double fallback) {
    auto v = value(name);
    if (!v) return fallback;
    char* end = nullptr;
    double d = std::strtod(v->c_str(), &end);
    if (end == v->c_str() || *end != '\0') {
      error_ = std::string("not a number for ") + name + ": " + *v;
      return fallback;
    }
    return d;
  }
  // Call after reading every option: reports leftovers and parse errors.
  bool finish(std::string& error) {
    if (!error_.empty()) {
      error = error_;
      return false;
    }
    if (!items_.empty()) {
      error = "unknown option: " + items_.front();
      return false;
    }
    return true;
  }

 private:
  std::vector<std::string> items_;
  std::string error_;
};

}  // namespace keyway::cli
