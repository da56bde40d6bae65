#include "privqa/llm/provider_config.h"

#include <fmt/format.h>

#include <cstdlib>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "privqa/base/environment.h"
#include "privqa/base/files.h"

namespace privqa {
namespace {

using json = nlohmann::json;

std::string where(std::string_view source, const toml::node& node) {
  return fmt::format("{}:{}", source, node.source().begin.line);
}

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

// Reads one key of a provider table into `config`; false when the value has
// the wrong type (the caller reports it).
using FieldReader = std::function<bool(const toml::node&, ProviderConfig&)>;

FieldReader string_field(std::string ProviderConfig::*field) {
  return [field](const toml::node& n, ProviderConfig& c) {
    const auto* s = n.as_string();
    if (s == nullptr) return false;
    c.*field = s->get();
    return true;
  };
}

FieldReader int_field(int ProviderConfig::*field) {
  return [field](const toml::node& n, ProviderConfig& c) {
    const auto* i = n.as_integer();
    if (i == nullptr || i->get() < std::numeric_limits<int>::min() ||
        i->get() > std::numeric_limits<int>::max()) {
      return false;
    }
    c.*field = static_cast<int>(i->get());
    return true;
  };
}

FieldReader number_field(double ProviderConfig::*field) {
  return [field](const toml::node& n, ProviderConfig& c) {
    if (!n.is_number()) return false;
    c.*field = n.value<double>().value_or(0);
    return true;
  };
}

const std::map<std::string, std::pair<FieldReader, const char*>, std::less<>>& readers() {
  static const auto* table =
      new std::map<std::string, std::pair<FieldReader, const char*>, std::less<>>{
          {"name", {string_field(&ProviderConfig::name), "a string"}},
          {"base_url", {string_field(&ProviderConfig::base_url), "a string"}},
          {"model", {string_field(&ProviderConfig::model), "a string"}},
          {"api_key_env", {string_field(&ProviderConfig::api_key_env), "a string"}},
          {"max_in_flight", {int_field(&ProviderConfig::max_in_flight), "an integer"}},
          {"min_in_flight", {int_field(&ProviderConfig::min_in_flight), "an integer"}},
          {"rpm", {number_field(&ProviderConfig::rpm), "a number"}},
          {"tpm", {number_field(&ProviderConfig::tpm), "a number"}},
          {"burst", {number_field(&ProviderConfig::burst_seconds), "a number of seconds"}},
          {"timeout", {number_field(&ProviderConfig::timeout_seconds), "a number of seconds"}},
          {"max_attempts", {int_field(&ProviderConfig::max_attempts), "an integer"}},
          {"backoff", {number_field(&ProviderConfig::backoff_seconds), "a number of seconds"}},
          {"backoff_cap",
           {number_field(&ProviderConfig::backoff_cap_seconds), "a number of seconds"}},
          {"hedge_after", {number_field(&ProviderConfig::hedge_after), "a number"}},
          {"hedge_min_delay",
           {number_field(&ProviderConfig::hedge_min_delay_seconds), "a number of seconds"}},
          {"input_price_per_million",
           {number_field(&ProviderConfig::input_price_per_million), "a number"}},
          {"output_price_per_million",
           {number_field(&ProviderConfig::output_price_per_million), "a number"}},
          {"allow_insecure_http",
           {[](const toml::node& n, ProviderConfig& c) {
              const auto* b = n.as_boolean();
              if (b == nullptr) return false;
              c.allow_insecure_http = b->get();
              return true;
            },
            "true or false"}},
          {"extra_body",
           {[](const toml::node& n, ProviderConfig& c) {
              if (!n.is_table()) return false;
              c.extra_body = to_json(n);
              return true;
            },
            "a table"}},
      };
  return *table;
}

// The key whose value validate() blames in `message` ("base_url: ..."), if any.
std::string_view blamed_key(std::string_view message) {
  const auto colon = message.find(':');
  return colon == std::string_view::npos ? std::string_view() : message.substr(0, colon);
}

}  // namespace

Result<ProviderConfig> parse_provider_config(const toml::table& table, std::string_view name,
                                             std::string_view source) {
  ProviderConfig config;
  config.name = std::string(name);
  for (const auto& [key, value] : table) {
    const auto it = readers().find(key.str());
    if (it == readers().end()) {
      return Error(
          fmt::format("{}: providers.{}.{}: unknown key", where(source, value), name, key.str()));
    }
    if (!it->second.first(value, config)) {
      return Error(fmt::format("{}: providers.{}.{}: must be {}", where(source, value), name,
                               key.str(), it->second.second));
    }
  }
  for (const char* required : {"base_url", "model"}) {
    if (!table.contains(required)) {
      return Error(
          fmt::format("{}: providers.{}: missing key '{}'", where(source, table), name, required));
    }
  }
  if (const toml::node* url = table.get("base_url")) {
    Result<std::string> expanded = expand_environment(config.base_url);
    if (!expanded) {
      return Error(fmt::format("{}: providers.{}.base_url: {}", where(source, *url), name,
                               expanded.error().message()));
    }
    config.base_url = std::move(expanded.value());
  }
  if (Status s = validate(config); !s.ok()) {
    const toml::node* blamed = table.get(blamed_key(s.error().message()));
    return Error(fmt::format("{}: providers.{}.{}", where(source, blamed ? *blamed : table), name,
                             s.error().message()));
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
                             where(source, *providers)));
  }
  std::set<std::string> names;
  for (const auto& [key, value] : *tables) {
    const toml::table* t = value.as_table();
    if (t == nullptr) {
      return Error(
          fmt::format("{}: providers.{}: must be a table", where(source, value), key.str()));
    }
    Result<ProviderConfig> config = parse_provider_config(*t, key.str(), source);
    if (!config) return config.error();
    if (!names.insert(config->name).second) {
      return Error(fmt::format("{}: providers.{}: a second provider is named '{}'",
                               where(source, value), key.str(), config->name));
    }
    out.push_back(std::move(config.value()));
  }
  return out;
}

Result<ProviderConfig> load_provider_config(const std::filesystem::path& file,
                                            std::string_view name) {
  Result<std::string> text = read_file(file);
  if (!text) return text.error();
  toml::table document;
  try {
    document = toml::parse(text.value(), file.string());
  } catch (const toml::parse_error& e) {
    return Error(fmt::format("{}:{}:{}: {}", file.string(), e.source().begin.line,
                             e.source().begin.column, e.description()));
  }
  Result<std::vector<ProviderConfig>> all = parse_provider_configs(document, file.string());
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
