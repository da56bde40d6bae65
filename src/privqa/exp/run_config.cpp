#include "privqa/exp/run_config.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "privqa/base/environment.h"
#include "privqa/base/files.h"
#include "privqa/base/strings.h"
#include "privqa/base/toml_section.h"
#include "privqa/dp/dpprompt.h"
#include "privqa/exp/phrasedp_candidates.h"
#include "privqa/exp/scenarios.h"
#include "privqa/llm/provider_config.h"
#include "privqa/store/postgres_url.h"

namespace privqa {

namespace {

// A string value with ${VAR} expanded from the environment.
Status read_text(TomlSection& s, std::string_view key, std::string& out) {
  if (s.get(key) == nullptr) return Status::Ok();
  std::string text;
  if (Status st = s.read(key, text); !st) return st;
  auto expanded = expand_environment(text);
  if (!expanded) return s.error(key, expanded.error().message());
  out = std::move(*expanded);
  return Status::Ok();
}

std::string scalar_text(const toml::node& node) {
  if (const auto* s = node.as_string()) return s->get();
  if (const auto* i = node.as_integer()) return std::to_string(i->get());
  if (const auto* f = node.as_floating_point()) return fmt::format("{}", f->get());
  if (const auto* b = node.as_boolean()) return b->get() ? "true" : "false";
  return "";
}

std::filesystem::path resolve(const std::filesystem::path& base, const std::string& path) {
  if (path.empty()) return {};
  const std::filesystem::path p(path);
  return p.is_absolute() ? p : (base / p).lexically_normal();
}

// A split: one question id per line; blank lines and lines starting with '#'
// are skipped. The ids, not the file's path, become part of the run.
Result<std::vector<std::string>> read_id_list(const std::filesystem::path& path) {
  auto text = read_file(path);
  if (!text) return text.error();
  std::vector<std::string> ids;
  size_t start = 0;
  while (start < text->size()) {
    size_t end = text->find('\n', start);
    if (end == std::string::npos) end = text->size();
    const std::string_view id = trim(std::string_view(*text).substr(start, end - start));
    if (!id.empty() && id.front() != '#') ids.emplace_back(id);
    start = end + 1;
  }
  if (ids.empty()) return Error(path.string() + ": no question ids in the file");
  return ids;
}

Status read_dataset(const toml::table& t, const std::string& file,
                    const std::filesystem::path& base, DatasetConfig& d) {
  TomlSection s(t, "dataset", file);
  std::string path, format = "auto";
  if (auto st = read_text(s, "path", path); !st) return st;
  if (path.empty()) return Error(file + ": [dataset] path is required");
  d.path = resolve(base, path);
  if (auto st = read_text(s, "format", format); !st) return st;
  auto f = parse_dataset_format(format);
  if (!f) return s.error("format", f.error().message());
  d.load.format = *f;
  int base_value = -1;
  if (auto st = s.read("answer_base", base_value, 0, 1); !st) return st;
  if (base_value >= 0) d.load.answer_base = base_value;
  if (auto st = read_text(s, "map", d.map); !st) return st;
  if (!d.map.empty()) {
    auto m = parse_field_mapping(d.map);
    if (!m) return s.error("map", m.error().message());
    d.load.mapping = *m;
  }
  d.load.strict = true;
  bool lenient = false;
  if (auto st = s.read("skip_bad_records", lenient); !st) return st;
  d.load.strict = !lenient;
  if (auto st = read_text(s, "choice_type", d.filter.choice_type); !st) return st;
  if (auto st = s.read("subjects", d.filter.subjects); !st) return st;
  if (auto st = s.read("ids", d.filter.ids); !st) return st;
  std::string ids_file;
  if (auto st = read_text(s, "ids_file", ids_file); !st) return st;
  if (!ids_file.empty()) {
    if (!d.filter.ids.empty()) return s.error("ids_file", "give ids or ids_file, not both");
    auto ids = read_id_list(resolve(base, ids_file));
    if (!ids) return s.error("ids_file", ids.error().message());
    d.filter.ids = std::move(*ids);
  }
  int64_t first = 0, sample = 0, seed = 0;
  if (auto st = s.read("first", first, 0, INT64_MAX); !st) return st;
  if (auto st = s.read("sample", sample, 0, INT64_MAX); !st) return st;
  if (auto st = s.read("sample_seed", seed, 0, INT64_MAX); !st) return st;
  if (first > 0) d.filter.first_n = static_cast<size_t>(first);
  if (sample > 0) d.filter.sample_n = static_cast<size_t>(sample);
  if (first > 0 && sample > 0) return s.error("sample", "give either first or sample, not both");
  d.filter.sample_seed = static_cast<uint64_t>(seed);
  return s.check_unknown();
}

// remote_context = "local" | "shown", or a table by remote scenario:
// { S2 = "shown", S3 = "local", S4 = "shown" } (unnamed ones stay local).
Status read_remote_context(TomlSection& s, RunConfig& c) {
  const toml::node* n = s.get("remote_context");
  if (n == nullptr) return Status::Ok();
  constexpr Scenario kRemoteScenarios[] = {Scenario::kRemoteCot, Scenario::kPrivateCot,
                                           Scenario::kRemote};
  const auto shown = [&](const toml::node& value, bool& out) -> Status {
    const auto* text = value.as_string();
    if (text == nullptr || (text->get() != "local" && text->get() != "shown")) {
      return s.error("remote_context", "each policy must be \"local\" or \"shown\"");
    }
    out = text->get() == "shown";
    return Status::Ok();
  };
  c.remote_context.clear();
  if (const auto* table = n->as_table()) {
    for (const auto& [key, value] : *table) {
      Scenario scenario;
      if (!parse_scenario(std::string(key.str()), scenario) ||
          std::find(std::begin(kRemoteScenarios), std::end(kRemoteScenarios), scenario) ==
              std::end(kRemoteScenarios)) {
        return s.error(
            "remote_context",
            fmt::format("'{}' is no scenario with a remote model (S2, S3, S4)", key.str()));
      }
      bool show = false;
      if (auto st = shown(value, show); !st) return st;
      if (show) c.remote_context.push_back(scenario);
    }
    return Status::Ok();
  }
  bool show = false;
  if (auto st = shown(*n, show); !st) return st;
  if (show) c.remote_context.assign(std::begin(kRemoteScenarios), std::end(kRemoteScenarios));
  return Status::Ok();
}

Status read_experiment(const toml::table& t, const std::string& file,
                       const std::filesystem::path& base, RunConfig& c) {
  TomlSection s(t, "experiment", file);
  std::string output, cache = "use", embeddings;
  if (auto st = read_text(s, "output", output); !st) return st;
  if (output.empty()) return Error(file + ": [experiment] output is required");
  if (is_postgres_url(output)) {
    // Checked here too, so that a password in the file is refused before
    // anything else happens, with the file and line.
    if (auto url = parse_postgres_url(output); !url)
      return s.error("output", url.error().message());
    c.output = output;
  } else {
    c.output = resolve(base, output);
  }
  if (s.get("seed") != nullptr) {
    int64_t seed = 0;
    if (auto st = s.read("seed", seed, 0, INT64_MAX); !st) return st;
    c.seed = static_cast<uint64_t>(seed);
    c.seed_from_os = false;
  }
  if (auto st = s.read("repeats", c.repeats, 1, 1000); !st) return st;

  std::vector<std::string> scenarios = {"S1", "S2", "S3", "S4"};
  if (auto st = s.read("scenarios", scenarios); !st) return st;
  for (const auto& name : scenarios) {
    Scenario sc;
    if (!parse_scenario(name, sc)) {
      return s.error("scenarios",
                     "unknown scenario '" + name + "' (S1..S5, or the attacks A1, A2)");
    }
    if (!c.has_scenario(sc)) c.scenarios.push_back(sc);
  }

  c.epsilons = {1, 2, 3};
  if (const toml::node* n = s.get("epsilons")) {
    const auto* a = n->as_array();
    if (a == nullptr || a->empty()) return s.error("epsilons", "expected a non-empty array");
    c.epsilons.clear();
    for (const auto& item : *a) {
      const auto v = item.value<double>();
      if (!v || !std::isfinite(*v) || *v <= 0) {
        return s.error("epsilons", "every eps must be a finite number > 0");
      }
      if (std::find(c.epsilons.begin(), c.epsilons.end(), *v) != c.epsilons.end()) {
        return s.error("epsilons", fmt::format("eps {} is listed twice", *v));
      }
      c.epsilons.push_back(*v);
    }
  }

  std::vector<std::string> mechanisms = {"phrasedp", "inferdpt", "santext+"};
  if (auto st = s.read("mechanisms", mechanisms); !st) return st;
  const toml::node* listed = s.get("mechanisms");
  const std::string where = toml_where(file, listed != nullptr ? *listed : t);
  for (const auto& m : mechanisms) {
    if (std::any_of(c.mechanisms.begin(), c.mechanisms.end(),
                    [&](const MechanismConfig& other) { return other.name == m; })) {
      return s.error("mechanisms", fmt::format("'{}' is listed twice", m));
    }
    c.mechanisms.push_back({.name = m, .kind = m, .where = where});
  }

  if (auto st = read_text(s, "local", c.local_provider); !st) return st;
  if (auto st = read_text(s, "remote", c.remote_provider); !st) return st;
  if (!c.local_provider.empty() && c.local_provider == c.remote_provider) {
    return s.error("remote", "must name another provider than local");
  }
  if (auto st = s.read("include_options_remote", c.include_options_remote); !st) return st;
  if (auto st = read_remote_context(s, c); !st) return st;
  if (auto st = s.read("window", c.window, 1, 1'000'000); !st) return st;
  if (auto st = s.read("workers", c.workers, 0, 256); !st) return st;
  if (auto st = s.read("lease_seconds", c.lease_seconds, 0.5, 86'400); !st) return st;
  if (auto st = s.read("max_cot_tokens", c.max_cot_tokens, 1, 1'000'000); !st) return st;
  if (auto st = s.read("max_answer_tokens", c.max_answer_tokens, 1, 1'000'000); !st) return st;
  if (auto st = read_text(s, "cache", cache); !st) return st;
  if (cache == "use") {
    c.cache = CacheMode::kUse;
  } else if (cache == "refresh") {
    c.cache = CacheMode::kRefresh;
  } else if (cache == "bypass") {
    c.cache = CacheMode::kBypass;
  } else {
    return s.error("cache", "must be use, refresh or bypass");
  }
  if (auto st = read_text(s, "embeddings", embeddings); !st) return st;
  c.embeddings = resolve(base, embeddings);
  return s.check_unknown();
}

Status read_phrasedp(const toml::table& t, const std::string& file, PhraseDpConfig& p) {
  TomlSection s(t, "phrasedp", file);
  std::string variant = "old";
  if (auto st = read_text(s, "variant", variant); !st) return st;
  if (variant == "old") {
    p.variant = PhraseVariant::kOld;
  } else if (variant == "bands") {
    p.variant = PhraseVariant::kBands;
  } else {
    return s.error("variant", "must be old or bands");
  }
  if (auto st = s.read("medical", p.medical); !st) return st;
  if (auto st = s.read("candidates", p.candidates, 1, 128); !st) return st;
  if (auto st = s.read("use_n", p.use_n); !st) return st;
  return s.check_unknown();
}

Status read_prompts(const toml::table& t, const std::string& file, Prompts& p) {
  TomlSection s(t, "prompts", file);
  const std::vector<std::pair<const char*, std::string*>> fields = {
      {"system", &p.system},
      {"answer", &p.answer},
      {"answer_with_cot", &p.answer_with_cot},
      {"cot", &p.cot},
      {"cot_with_options", &p.cot_with_options},
      {"paraphrase", &p.paraphrase},
      {"paraphrase_medical", &p.paraphrase_medical},
      {"paraphrase_band", &p.paraphrase_band},
      {"paraphrase_dp", &p.paraphrase_dp},
      {"reconstruct", &p.reconstruct},
      {"reconstruct_answer", &p.reconstruct_answer},
  };
  for (const auto& [key, target] : fields) {
    const toml::node* n = s.get(key);
    if (n == nullptr) continue;
    const auto* text = n->as_string();
    if (text == nullptr) return s.error(key, "must be a string");
    if (auto st = check_template(key, text->get()); !st) return s.error(key, st.error().message());
    *target = text->get();
  }
  return s.check_unknown();
}

}  // namespace

const ProviderConfig* RunConfig::provider(const std::string& name) const {
  for (const auto& p : providers) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

const MechanismConfig* RunConfig::mechanism(const std::string& name) const {
  for (const auto& m : mechanisms) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

Status apply_overrides(const RunOverrides& o, RunConfig& c) {
  if (o.window < 0)
    return Error(fmt::format("window: {} is not a count (give 1 or more)", o.window));
  static const std::map<std::string, CacheMode> kModes = {
      {"use", CacheMode::kUse}, {"refresh", CacheMode::kRefresh}, {"bypass", CacheMode::kBypass}};
  const auto mode = kModes.find(o.cache);
  if (!o.cache.empty() && mode == kModes.end()) {
    return Error(fmt::format("cache: '{}' is not a mode (use, refresh or bypass)", o.cache));
  }
  std::optional<Shard> shard;
  if (!o.shard.empty()) {
    auto parsed = parse_shard(o.shard);
    if (!parsed) return parsed.error();
    // Each shard would otherwise draw a seed of its own, and the merged
    // store would mix cells of several runs' randomness.
    if (c.seed_from_os) {
      return Error(
          fmt::format("{}: --shard needs a fixed seed ([experiment] seed), shared by "
                      "every shard",
                      c.source.string()));
    }
    shard = *parsed;
  }
  if (!o.dataset.empty()) {
    c.dataset.path = o.dataset;
    c.dataset.load.format = DatasetFormat::kAuto;
  }
  if (o.limit > 0) {
    c.dataset.filter.first_n = o.limit;
    c.dataset.filter.sample_n.reset();
  }
  if (!o.output.empty()) c.output = o.output;
  if (o.window > 0) c.window = o.window;
  if (mode != kModes.end()) c.cache = mode->second;
  if (shard) c.shard = shard;
  return Status::Ok();
}

std::string where_of(const RunConfig& config, const MechanismConfig& m) {
  return m.where.empty() ? config.source.string() : m.where;
}

bool RunConfig::has_passages() const {
  return !dataset.load.mapping.context.empty();
}

bool RunConfig::remote_sees_context(Scenario s) const {
  return std::find(remote_context.begin(), remote_context.end(), s) != remote_context.end();
}

bool RunConfig::has_scenario(Scenario s) const {
  for (auto x : scenarios) {
    if (x == s) return true;
  }
  return false;
}

Result<RunConfig> load_run_config(const std::filesystem::path& path) {
  const std::string file = path.string();
  Result<toml::table> parsed = parse_toml_file(path);
  if (!parsed) return parsed.error();
  const toml::table& doc = *parsed;
  RunConfig c;
  c.source = path;
  const auto base = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");

  const std::set<std::string> sections = {"dataset",  "experiment", "mechanism",
                                          "phrasedp", "prompts",    "providers"};
  for (const auto& [key, node] : doc) {
    if (sections.count(std::string(key.str())) == 0 || !node.is_table()) {
      return Error(
          fmt::format("{}:{}: unknown section or key '{}' (known sections: dataset, "
                      "experiment, mechanism.NAME, phrasedp, prompts, providers.NAME)",
                      file, node.source().begin.line, key.str()));
    }
  }
  const auto* dataset = doc["dataset"].as_table();
  const auto* experiment = doc["experiment"].as_table();
  if (dataset == nullptr) return Error(file + ": the [dataset] section is required");
  if (experiment == nullptr) return Error(file + ": the [experiment] section is required");
  if (auto st = read_dataset(*dataset, file, base, c.dataset); !st) return st.error();
  c.prompts = default_prompts(c.has_passages());
  if (auto st = read_experiment(*experiment, file, base, c); !st) return st.error();
  if (const auto* t = doc["phrasedp"].as_table()) {
    if (auto st = read_phrasedp(*t, file, c.phrasedp); !st) return st.error();
  }
  if (const auto* t = doc["prompts"].as_table()) {
    if (auto st = read_prompts(*t, file, c.prompts); !st) return st.error();
  }

  if (const auto* mechanism_tables = doc["mechanism"].as_table()) {
    for (const auto& [name, node] : *mechanism_tables) {
      // A plain variable: clang 14 cannot capture a structured binding in a lambda.
      const std::string_view mechanism = name.str();
      auto it = std::find_if(c.mechanisms.begin(), c.mechanisms.end(),
                             [&](const MechanismConfig& m) { return m.name == mechanism; });
      if (it == c.mechanisms.end()) {
        return Error(fmt::format("{}:{}: [mechanism.{}] is not in [experiment] mechanisms", file,
                                 node.source().begin.line, name.str()));
      }
      it->where = toml_where(file, node);
      const auto* params = node.as_table();
      if (params == nullptr) {
        return Error(fmt::format("{}:{}: mechanism.{} must be a table", file,
                                 node.source().begin.line, name.str()));
      }
      for (const auto& [key, value] : *params) {
        if (key.str() == "mechanism") {
          const auto* kind = value.as_string();
          if (kind == nullptr || kind->get().empty()) {
            return Error(
                fmt::format("{}:{}: [mechanism.{}] mechanism: expected the name of a "
                            "mechanism, e.g. \"phrasedp\"",
                            file, value.source().begin.line, name.str()));
          }
          it->kind = kind->get();
          continue;
        }
        const std::string text = scalar_text(value);
        if (text.empty() && !value.is_string()) {
          return Error(
              fmt::format("{}:{}: [mechanism.{}] {}: expected a number, string or "
                          "boolean",
                          file, value.source().begin.line, name.str(), key.str()));
        }
        it->params[std::string(key.str())] = text;
      }
    }
  }

  // (Provider base URLs may use ${VAR}; the provider parser expands them.)
  auto providers = parse_provider_configs(doc, file);
  if (!providers) return providers.error();
  c.providers = std::move(*providers);

  bool needs_local = false, needs_remote = false;
  for (Scenario s : c.scenarios) {
    needs_local |= scenario_calls(s, Role::kLocal);
    needs_remote |= scenario_calls(s, Role::kRemote);
  }
  if (needs_local && c.provider(c.local_provider) == nullptr) {
    return Error(fmt::format("{}: [experiment] local = '{}' names no [providers.NAME] table", file,
                             c.local_provider));
  }
  if (needs_remote && c.provider(c.remote_provider) == nullptr) {
    return Error(fmt::format("{}: [experiment] remote = '{}' names no [providers.NAME] table", file,
                             c.remote_provider));
  }
  if (sanitizes(c) && c.mechanisms.empty()) {
    return Error(file +
                 ": scenarios S3, A1 and A2 need at least one mechanism in [experiment] "
                 "mechanisms");
  }
  return c;
}

std::string results_identity_json(const RunConfig& c) {
  nlohmann::json j;
  j["dataset"] = {{"path", c.dataset.path.string()},
                  {"format", dataset_format_name(c.dataset.load.format)},
                  {"answer_base", c.dataset.load.answer_base.value_or(-1)},
                  {"choice_type", c.dataset.filter.choice_type},
                  {"subjects", c.dataset.filter.subjects},
                  {"ids", c.dataset.filter.ids},
                  {"first", c.dataset.filter.first_n.value_or(0)},
                  {"sample", c.dataset.filter.sample_n.value_or(0)},
                  {"sample_seed", c.dataset.filter.sample_seed}};
  // Absent unless set, so the identity of a run without them is unchanged:
  // every later command reads the file as the run did.
  if (!c.dataset.map.empty()) j["dataset"]["map"] = c.dataset.map;
  if (!c.dataset.load.strict) j["dataset"]["skip_bad_records"] = true;
  // A seed from the OS is the store's own (RunRecord::secret_seed): only that
  // it was drawn is part of the identity, and so of the published fingerprint.
  if (c.seed_from_os) {
    j["seed"] = "os";
  } else {
    j["seed"] = c.seed;
  }
  j["repeats"] = c.repeats;
  for (auto s : c.scenarios)
    j["scenarios"].push_back(scenario_id(s));
  j["epsilons"] = c.epsilons;
  for (const auto& m : c.mechanisms) {
    nlohmann::json entry = {{"name", m.name}, {"params", m.params}};
    if (m.kind != m.name) entry["kind"] = m.kind;  // absent for a plain one, as before labels
    j["mechanisms"].push_back(std::move(entry));
  }
  j["phrasedp"] = {{"variant", c.phrasedp.variant == PhraseVariant::kOld ? "old" : "bands"},
                   {"medical", c.phrasedp.medical},
                   {"candidates", c.phrasedp.candidates},
                   {"use_n", c.phrasedp.use_n}};
  j["include_options_remote"] = c.include_options_remote;
  // Absent without passages, so the identity of such a run is unchanged.
  if (c.has_passages()) {
    j["remote_context"] = nlohmann::json::array();
    for (Scenario s : c.remote_context)
      j["remote_context"].push_back(scenario_id(s));
  }
  j["embeddings"] = c.embeddings.string();
  j["max_tokens"] = {c.max_cot_tokens, c.max_answer_tokens};
  j["prompts"] = {c.prompts.system,
                  c.prompts.answer,
                  c.prompts.answer_with_cot,
                  c.prompts.cot,
                  c.prompts.cot_with_options,
                  c.prompts.paraphrase,
                  c.prompts.paraphrase_medical,
                  c.prompts.paraphrase_band};
  // Only with DP-Prompt, so the identity of a run without it is unchanged.
  if (std::any_of(c.mechanisms.begin(), c.mechanisms.end(),
                  [](const MechanismConfig& m) { return m.kind == kDpPromptName; })) {
    j["prompts"].push_back(c.prompts.paraphrase_dp);
  }
  // Only with an attack scenario, likewise.
  if (std::any_of(c.scenarios.begin(), c.scenarios.end(), is_attack)) {
    j["attack_prompts"] = {c.prompts.reconstruct, c.prompts.reconstruct_answer};
  }
  for (const char* role : {"local", "remote"}) {
    const ProviderConfig* p =
        c.provider(std::string(role) == "local" ? c.local_provider : c.remote_provider);
    if (p != nullptr) j["models"][role] = {{"model", p->model}, {"extra_body", p->extra_body}};
  }
  // A provider encoder's model decides PhraseDP's selections.
  for (const std::string& name : encoder_providers(c)) {
    const ProviderConfig* p = c.provider(name);
    if (p != nullptr) j["encoders"][name] = {{"model", p->model}, {"extra_body", p->extra_body}};
  }
  return j.dump();
}

std::string fingerprint(const RunConfig& config) {
  return hash128_hex(results_identity_json(config));
}

}  // namespace privqa
