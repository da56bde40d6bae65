#include "privqa/base/toml_section.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "privqa/base/files.h"

namespace privqa {

Result<toml::table> parse_toml_file(const std::filesystem::path& path) {
  Result<std::string> text = read_file(path);
  if (!text) return text.error();
  try {
    return toml::parse(*text, path.string());
  } catch (const toml::parse_error& e) {
    return Error(fmt::format("{}:{}:{}: {}", path.string(), e.source().begin.line,
                             e.source().begin.column, e.description()));
  }
}

std::string toml_where(std::string_view file, const toml::node& node) {
  return fmt::format("{}:{}", file, node.source().begin.line);
}

TomlSection::TomlSection(const toml::table& table, std::string name, std::string file)
    : table_(table), name_(std::move(name)), file_(std::move(file)) {}

const toml::node* TomlSection::get(std::string_view key) {
  if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.emplace_back(key);
  return table_.get(key);
}

Error TomlSection::error(std::string_view key, std::string_view message) const {
  const toml::node* node = table_.get(key);
  return Error(
      fmt::format("{}: {}.{}: {}", toml_where(file_, node ? *node : table_), name_, key, message));
}

Status TomlSection::read(std::string_view key, std::string& out) {
  const toml::node* n = get(key);
  if (n == nullptr) return Status::Ok();
  const auto* s = n->as_string();
  if (s == nullptr) return error(key, "must be a string");
  out = s->get();
  return Status::Ok();
}

Status TomlSection::read(std::string_view key, bool& out) {
  const toml::node* n = get(key);
  if (n == nullptr) return Status::Ok();
  const auto* b = n->as_boolean();
  if (b == nullptr) return error(key, "must be true or false");
  out = b->get();
  return Status::Ok();
}

Status TomlSection::read(std::string_view key, int64_t& out, int64_t min, int64_t max) {
  const toml::node* n = get(key);
  if (n == nullptr) return Status::Ok();
  const auto* i = n->as_integer();
  if (i == nullptr) return error(key, "must be an integer");
  if (i->get() < min || i->get() > max) {
    return error(key, fmt::format("must be between {} and {}", min, max));
  }
  out = i->get();
  return Status::Ok();
}

Status TomlSection::read(std::string_view key, int& out, int min, int max) {
  int64_t value = out;
  if (Status s = read(key, value, min, max); !s) return s;
  out = static_cast<int>(value);
  return Status::Ok();
}

Status TomlSection::read(std::string_view key, double& out, double min, double max) {
  const toml::node* n = get(key);
  if (n == nullptr) return Status::Ok();
  const std::optional<double> value = n->is_number() ? n->value<double>() : std::nullopt;
  if (!value || std::isnan(*value)) return error(key, "must be a number");
  if (!(*value >= min && *value <= max)) {
    return error(key, fmt::format("{} is outside [{}, {}]", *value, min, max));
  }
  out = *value;
  return Status::Ok();
}

Status TomlSection::read(std::string_view key, std::vector<std::string>& out) {
  const toml::node* n = get(key);
  if (n == nullptr) return Status::Ok();
  const auto* a = n->as_array();
  if (a == nullptr) return error(key, "must be an array of strings");
  std::vector<std::string> values;
  for (const auto& item : *a) {
    const auto* s = item.as_string();
    if (s == nullptr) return error(key, "must be an array of strings");
    values.push_back(s->get());
  }
  out = std::move(values);
  return Status::Ok();
}

Status TomlSection::check_unknown() const {
  for (const auto& [key, node] : table_) {
    if (std::find(known_.begin(), known_.end(), key.str()) == known_.end()) {
      return Error(fmt::format("{}: {}.{}: unknown key (known: {})", toml_where(file_, node), name_,
                               key.str(), fmt::join(known_, ", ")));
    }
  }
  return Status::Ok();
}

}  // namespace privqa
