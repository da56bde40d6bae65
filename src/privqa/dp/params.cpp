#include "privqa/dp/params.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace privqa {
namespace {

Result<double> parse_number(const std::string& owner, const ParamSpec& spec,
                            const std::string& value) {
  double number = 0;
  const char* end = value.data() + value.size();
  const auto [ptr, ec] = std::from_chars(value.data(), end, number);
  if (ec != std::errc() || ptr != end || !std::isfinite(number)) {
    return Error(fmt::format("{}: parameter '{}': '{}' is not a number", owner, spec.name, value));
  }
  if (spec.type == ParamType::kInteger && number != std::floor(number)) {
    return Error(
        fmt::format("{}: parameter '{}': '{}' is not an integer", owner, spec.name, value));
  }
  if (number < spec.min || number > spec.max) {
    return Error(fmt::format("{}: parameter '{}': {} is outside [{}, {}]", owner, spec.name, value,
                             spec.min, spec.max));
  }
  return number;
}

}  // namespace

double ParamValues::real(const std::string& name) const {
  return number_.at(name);
}

long long ParamValues::integer(const std::string& name) const {
  return static_cast<long long>(number_.at(name));
}

const std::string& ParamValues::text(const std::string& name) const {
  return text_.at(name);
}

Result<ParamValues> resolve_params(const std::string& owner, const std::vector<ParamSpec>& specs,
                                   const std::map<std::string, std::string>& given) {
  std::vector<std::string> known;
  for (const auto& spec : specs)
    known.push_back(spec.name);
  for (const auto& [name, value] : given) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return Error(fmt::format("{}: unknown parameter '{}' (known: {})", owner, name,
                               known.empty() ? "none" : fmt::format("{}", fmt::join(known, ", "))));
    }
  }
  ParamValues values;
  for (const auto& spec : specs) {
    const auto it = given.find(spec.name);
    const std::string& value = it == given.end() ? spec.default_value : it->second;
    if (spec.type == ParamType::kChoice) {
      if (std::find(spec.choices.begin(), spec.choices.end(), value) == spec.choices.end()) {
        return Error(fmt::format("{}: parameter '{}': '{}' is not one of {}", owner, spec.name,
                                 value, fmt::join(spec.choices, "|")));
      }
    } else if (spec.type == ParamType::kText) {
      if (value.empty()) {
        return Error(fmt::format("{}: parameter '{}' must not be empty", owner, spec.name));
      }
    } else {
      auto number = parse_number(owner, spec, value);
      if (!number.ok()) return number.error();
      values.number_[spec.name] = *number;
    }
    values.text_[spec.name] = value;
  }
  return values;
}

Result<std::map<std::string, std::string>> parse_param_assignments(
    const std::vector<std::string>& items) {
  std::map<std::string, std::string> out;
  for (const auto& item : items) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Error(fmt::format("parameter '{}': expected key=value", item));
    }
    const std::string key = item.substr(0, eq);
    if (!out.emplace(key, item.substr(eq + 1)).second) {
      return Error(fmt::format("parameter '{}' given twice", key));
    }
  }
  return out;
}

}  // namespace privqa
