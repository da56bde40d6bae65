// Helpers shared by the command-line tests, which run the built binary.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "privqa/base/build_info.h"

namespace privqa::cli_testing {

// The privqa binary under test (its path is fixed by the build).
inline const std::string kBinary = PRIVQA_BINARY;

// A shell command line running privqa with `args`.
inline std::string privqa(const std::string& args) {
  return kBinary + " " + args;
}

// The bundled sample of MedMCQA-format questions.
inline std::string sample() {
  return std::string(build_info::kSourceDir) + "/data/sample/medmcqa_sample.jsonl";
}

// The whole file; empty when it cannot be read (the test then fails on what
// it expected to find).
inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

}  // namespace privqa::cli_testing
