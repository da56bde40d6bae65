// Typed mechanism parameters. Each mechanism declares its parameters (name,
// type, default, allowed range or choices); user values arrive as text
// ("p=0.3" from the command line or a config file) and are checked against
// the declaration, so a typo or an out-of-range value is an error that names
// the parameter instead of a silently ignored setting.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "privqa/base/result.h"

namespace privqa {

// kText: any non-empty text, checked by whoever uses it (e.g. a provider name).
enum class ParamType { kReal, kInteger, kChoice, kText };

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::kReal;
  std::string default_value;         // as text, valid for the spec
  double min = 0, max = 0;           // inclusive bounds for kReal and kInteger
  std::vector<std::string> choices;  // kChoice only
  std::string help;
};

// Resolved values: every declared parameter, given or defaulted.
class ParamValues {
 public:
  double real(const std::string& name) const;              // kReal or kInteger
  long long integer(const std::string& name) const;        // kInteger
  const std::string& text(const std::string& name) const;  // any type, as given
  const std::map<std::string, std::string>& all() const { return text_; }

 private:
  friend Result<ParamValues> resolve_params(const std::string&, const std::vector<ParamSpec>&,
                                            const std::map<std::string, std::string>&);
  std::map<std::string, std::string> text_;
  std::map<std::string, double> number_;
};

// Checks `given` against `specs` for mechanism `owner` (used in messages).
// Unknown names, unparsable numbers, values out of range and unknown choices
// are errors naming the parameter and what is accepted.
Result<ParamValues> resolve_params(const std::string& owner, const std::vector<ParamSpec>& specs,
                                   const std::map<std::string, std::string>& given);

// Parses "key=value" items (e.g. repeated --param options) into a map;
// an item without '=' or a repeated key is an error.
Result<std::map<std::string, std::string>> parse_param_assignments(
    const std::vector<std::string>& items);

}  // namespace privqa
