#include "privqa/sim/profile.h"

#include <fmt/format.h>

#include <functional>
#include <utility>
#include <vector>

#include "privqa/base/toml_section.h"

namespace privqa::sim {

ProfileMap builtin_profiles() {
  // Calibrated so a run against the simulator lands near the reference study
  // (docs/sim.md, "Profiles"): local alone ~50%, remote alone ~80%, local
  // with a remote CoT ~62%.
  const Profile local{.name = "sim-local",
                      .skill = 0.33,
                      .cot_helpfulness = 0.3,
                      .cot_misleading = 0.5,
                      .follow_rate = 0.6,
                      .unparsed_rate = 0.02,
                      .latency_base_ms = 150,
                      .latency_per_token_ms = 8,
                      .latency_jitter_sigma = 0.3};
  const Profile remote{.name = "sim-remote",
                       .skill = 0.73,
                       .cot_helpfulness = 0.6,
                       .cot_misleading = 0.5,
                       .follow_rate = 0.85,
                       .unparsed_rate = 0.005,
                       .latency_base_ms = 400,
                       .latency_per_token_ms = 15,
                       .latency_jitter_sigma = 0.4,
                       .rpm = 3000,
                       .tpm = 1000000};
  // A sentence encoder beside the local model (e.g. all-MiniLM-L6-v2): it
  // serves /v1/embeddings; answering questions is not its job.
  const Profile embed{.name = "sim-embed",
                      .skill = 0,
                      .cot_helpfulness = 0,
                      .cot_misleading = 0,
                      .follow_rate = 0,
                      .unparsed_rate = 0,
                      .latency_base_ms = 20,
                      .latency_per_token_ms = 0,
                      .latency_jitter_sigma = 0.2};
  return {{local.name, local}, {remote.name, remote}, {embed.name, embed}};
}

namespace {

struct Field {
  const char* key;
  double Profile::*member;
  double min;
  double max;
};

const std::vector<Field>& fields() {
  constexpr double kInf = 1e300;
  static const std::vector<Field> table = {
      {"skill", &Profile::skill, 0, 1},
      {"cot_helpfulness", &Profile::cot_helpfulness, 0, 1},
      {"cot_misleading", &Profile::cot_misleading, 0, 1},
      {"follow_rate", &Profile::follow_rate, 0, 1},
      {"unparsed_rate", &Profile::unparsed_rate, 0, 1},
      {"latency_base_ms", &Profile::latency_base_ms, 0, kInf},
      {"latency_per_token_ms", &Profile::latency_per_token_ms, 0, kInf},
      {"latency_jitter_sigma", &Profile::latency_jitter_sigma, 0, 5},
      {"rpm", &Profile::rpm, 0, kInf},
      {"tpm", &Profile::tpm, 0, kInf},
      {"burst_seconds", &Profile::burst_seconds, 1e-3, 3600},
  };
  return table;
}

}  // namespace

Result<ProfileMap> load_profiles(const std::filesystem::path& path) {
  Result<toml::table> root = parse_toml_file(path);
  if (!root) return root.error();
  const std::string file = path.string();
  ProfileMap profiles;
  for (const auto& [top_key, top_node] : *root) {
    if (top_key.str() != "profile" || !top_node.is_table()) {
      return Error(fmt::format("{}: unknown top-level key '{}' (expected [profile.NAME] tables)",
                               toml_where(file, top_node), top_key.str()));
    }
    for (const auto& [name, node] : *top_node.as_table()) {
      if (!node.is_table()) {
        return Error(
            fmt::format("{}: profile.{} must be a table", toml_where(file, node), name.str()));
      }
      Profile profile;
      profile.name = std::string(name.str());
      TomlSection section(*node.as_table(), "profile." + profile.name, file);
      for (const Field& f : fields()) {
        if (Status s = section.read(f.key, profile.*(f.member), f.min, f.max); !s) return s.error();
      }
      if (Status s = section.check_unknown(); !s) return s.error();
      profiles[profile.name] = profile;
    }
  }
  if (profiles.empty()) return Error(file + ": no [profile.NAME] table");
  return profiles;
}

}  // namespace privqa::sim
