#include "privqa/sim/profile.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <functional>
#include <utility>
#include <vector>

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
  return {{local.name, local}, {remote.name, remote}};
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

std::string where(const std::filesystem::path& path, const toml::node& node) {
  return fmt::format("{}:{}", path.string(), node.source().begin.line);
}

}  // namespace

Result<ProfileMap> load_profiles(const std::filesystem::path& path) {
  toml::table root;
  try {
    root = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    return Error(fmt::format("{}:{}: {}", path.string(), e.source().begin.line, e.description()));
  }
  ProfileMap profiles;
  for (const auto& [top_key, top_node] : root) {
    if (top_key.str() != "profile" || !top_node.is_table()) {
      return Error(fmt::format("{}: unknown top-level key '{}' (expected [profile.NAME] tables)",
                               where(path, top_node), top_key.str()));
    }
    for (const auto& [name, node] : *top_node.as_table()) {
      if (!node.is_table()) {
        return Error(fmt::format("{}: profile.{} must be a table", where(path, node), name.str()));
      }
      Profile profile;
      profile.name = std::string(name.str());
      for (const auto& [key, value] : *node.as_table()) {
        const Field* field = nullptr;
        for (const Field& f : fields()) {
          if (key.str() == f.key) field = &f;
        }
        if (field == nullptr) {
          return Error(fmt::format("{}: profile.{}: unknown key '{}'", where(path, value),
                                   name.str(), key.str()));
        }
        const std::optional<double> number = value.value<double>();
        if (!number) {
          return Error(fmt::format("{}: profile.{}.{}: expected a number", where(path, value),
                                   name.str(), key.str()));
        }
        if (*number < field->min || *number > field->max) {
          return Error(fmt::format("{}: profile.{}.{}: {} is outside [{}, {}]", where(path, value),
                                   name.str(), key.str(), *number, field->min, field->max));
        }
        profile.*(field->member) = *number;
      }
      profiles[profile.name] = profile;
    }
  }
  if (profiles.empty()) return Error(path.string() + ": no [profile.NAME] table");
  return profiles;
}

}  // namespace privqa::sim
