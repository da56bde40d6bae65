// Fuzzes load_run_config: the input is the TOML file.
#include <cstddef>
#include <cstdint>

#include "privqa/exp/run_config.h"
#include "scratch_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const privqa::fuzz::ScratchFile file("run.toml");
  file.write(data, size);
  auto config = privqa::load_run_config(file.path());
  if (!config) return 0;
  // A loaded config is hashed into every result store; it must not fail.
  (void)privqa::fingerprint(*config);
  return 0;
}
