#include "privqa/llm/provider_config.h"

#include <fmt/format.h>

#include <cstdlib>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "privqa/base/environment.h"
#include "privqa/base/toml_section.h"

namespace privqa {
namespace {

using json = nlohmann::json;

json to_json(const toml::node& node) {
  if (const toml::table* t = node.as_table()) {
    json out = json::object();
    for (const auto& [key, value] : *t)
      out[std::string(key.str())] = to_json(value);
    return out;
  }
  if (const toml::array* a = node.as_array()) {
    json out = json::array();
    for (const toml::node& value : *a)
      out.push_back(to_json(value));
    return out;
  }
  if (const auto* s = node.as_string()) return s->get();
  if (const auto* i = node.as_integer()) return i->get();
  if (const auto* f = node.as_floating_point()) return f->get();
  if (const auto* b = node.as_boolean()) return b->get();
  std::ostringstream text;  // dates and times travel as their TOML text
  node.visit([&text](const auto& value) { text << value; });
  return text.str();
}

// The key whose value validate() blames in `message` ("base_url: ..."), if any.
std::string_view blamed_key(std::string_view message) {
  const auto colon = message.find(':');
  return colon == std::string_view::npos ? std::string_view() : message.substr(0, colon);
}

// base_urls: each entry a URL, or a table { url = "...", max_in_flight = N }.
Result<std::vector<ReplicaConfig>> parse_replicas(const toml::node& node, std::string_view name,
                                                  std::string_view source) {
  const auto fail = [&](const toml::node& at, const std::string& message) {
    return Error(
        fmt::format("{}: providers.{}.base_urls: {}", toml_where(source, at), name, message));
  };
  const toml::array* entries = node.as_array();
  if (entries == nullptr || entries->empty()) {
    return fail(node, "must be a non-empty list of URLs (or of { url, max_in_flight } tables)");
  }
  std::vector<ReplicaConfig> out;
  for (const toml::node& entry : *entries) {
    ReplicaConfig replica;
    if (const auto* url = entry.as_string()) {
      replica.base_url = url->get();
    } else if (const toml::table* t = entry.as_table()) {
      TomlSection r(*t, fmt::format("providers.{}.base_urls[{}]", name, out.size() + 1),
                    std::string(source));
      for (const Status& st :
           {r.read("url", replica.base_url),
            r.read("max_in_flight", replica.max_in_flight, 1, std::numeric_limits<int>::max()),
            r.check_unknown()}) {
        if (!st) return st.error();
      }
      if (!t->contains("url")) return fail(entry, "a replica table needs its url");
    } else {
      return fail(entry, "each entry must be a URL or a { url, max_in_flight } table");
    }
    Result<std::string> expanded = expand_environment(replica.base_url);
    if (!expanded) return fail(entry, expanded.error().message());
    replica.base_url = std::move(expanded.value());
    out.push_back(std::move(replica));
  }
  return out;
}

}  // namespace

Result<ProviderConfig> parse_provider_config(const toml::table& table, std::string_view name,
                                             std::string_view source) {
  ProviderConfig config;
  config.name = std::string(name);
  TomlSection s(table, fmt::format("providers.{}", name), std::string(source));
  constexpr double kAny = std::numeric_limits<double>::infinity();  // validate() checks ranges
  constexpr int kIntMin = std::numeric_limits<int>::min(),
                kIntMax = std::numeric_limits<int>::max();
  for (const Status& st : {
           s.read("name", config.name),
           s.read("base_url", config.base_url),
           s.read("model", config.model),
           s.read("api_key_env", config.api_key_env),
           s.read("max_in_flight", config.max_in_flight, kIntMin, kIntMax),
           s.read("min_in_flight", config.min_in_flight, kIntMin, kIntMax),
           s.read("rpm", config.rpm, -kAny, kAny),
           s.read("tpm", config.tpm, -kAny, kAny),
           s.read("burst", config.burst_seconds, -kAny, kAny),
           s.read("timeout", config.timeout_seconds, -kAny, kAny),
           s.read("max_attempts", config.max_attempts, kIntMin, kIntMax),
           s.read("backoff", config.backoff_seconds, -kAny, kAny),
           s.read("backoff_cap", config.backoff_cap_seconds, -kAny, kAny),
           s.read("give_up_after", config.give_up_after_seconds, -kAny, kAny),
           s.read("hedge_after", config.hedge_after, -kAny, kAny),
           s.read("hedge_min_delay", config.hedge_min_delay_seconds, -kAny, kAny),
           s.read("input_price_per_million", config.input_price_per_million, -kAny, kAny),
           s.read("output_price_per_million", config.output_price_per_million, -kAny, kAny),
           s.read("allow_insecure_http", config.allow_insecure_http),
       }) {
    if (!st) return st.error();
  }
  if (const toml::node* extra = s.get("extra_body")) {
    if (!extra->is_table()) return s.error("extra_body", "must be a table");
    config.extra_body = to_json(*extra);
  }
  const toml::node* replicas = s.get("base_urls");
  if (Status st = s.check_unknown(); !st) return st.error();
  if (replicas != nullptr && table.contains("base_url")) {
    return Error(fmt::format("{}: providers.{}: give base_url or base_urls, not both",
                             toml_where(source, *replicas), name));
  }
  const char* missing = !table.contains("base_url") && replicas == nullptr
                            ? "base_url' (or 'base_urls)"
                        : !table.contains("model") ? "model"
                                                   : nullptr;
  if (missing != nullptr) {
    return Error(fmt::format("{}: providers.{}: missing key '{}'", toml_where(source, table), name,
                             missing));
  }
  if (const toml::node* url = table.get("base_url")) {
    Result<std::string> expanded = expand_environment(config.base_url);
    if (!expanded) {
      return Error(fmt::format("{}: providers.{}.base_url: {}", toml_where(source, *url), name,
                               expanded.error().message()));
    }
    config.base_url = std::move(expanded.value());
  }
  if (replicas != nullptr) {
    Result<std::vector<ReplicaConfig>> parsed = parse_replicas(*replicas, name, source);
    if (!parsed) return parsed.error();
    config.replicas = std::move(parsed.value());
    config.base_url = config.replicas.front().base_url;
  }
  if (Status valid = validate(config); !valid.ok()) {
    const toml::node* blamed = table.get(blamed_key(valid.error().message()));
    return Error(fmt::format("{}: providers.{}.{}", toml_where(source, blamed ? *blamed : table),
                             name, valid.error().message()));
  }
  return config;
}

Result<std::vector<ProviderConfig>> parse_provider_configs(const toml::table& document,
                                                           std::string_view source) {
  std::vector<ProviderConfig> out;
  const toml::node* providers = document.get("providers");
  if (providers == nullptr) return out;
  const toml::table* tables = providers->as_table();
  if (tables == nullptr) {
    return Error(fmt::format("{}: 'providers' must be a table of [providers.NAME] tables",
                             toml_where(source, *providers)));
  }
  std::set<std::string> names;
  for (const auto& [key, value] : *tables) {
    const toml::table* t = value.as_table();
    if (t == nullptr) {
      return Error(
          fmt::format("{}: providers.{}: must be a table", toml_where(source, value), key.str()));
    }
    Result<ProviderConfig> config = parse_provider_config(*t, key.str(), source);
    if (!config) return config.error();
    if (!names.insert(config->name).second) {
      return Error(fmt::format("{}: providers.{}: a second provider is named '{}'",
                               toml_where(source, value), key.str(), config->name));
    }
    out.push_back(std::move(config.value()));
  }
  return out;
}

Result<ProviderConfig> load_provider_config(const std::filesystem::path& file,
                                            std::string_view name) {
  Result<toml::table> document = parse_toml_file(file);
  if (!document) return document.error();
  Result<std::vector<ProviderConfig>> all = parse_provider_configs(*document, file.string());
  if (!all) return all.error();
  std::string known;
  for (ProviderConfig& config : all.value()) {
    if (config.name == name) return std::move(config);
    known += (known.empty() ? "" : ", ") + config.name;
  }
  return Error(fmt::format("{}: no provider named '{}' (configured: {})", file.string(), name,
                           known.empty() ? "none" : known));
}

}  // namespace privqa
