// Reading config files in TOML. Every error names the file, the line and the
// dotted key: "run.toml:6: experiment.colour: unknown key (known: ...)".
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "privqa/base/result.h"

namespace privqa {

// Parses a whole file; a syntax error names its line and column.
Result<toml::table> parse_toml_file(const std::filesystem::path& path);

// "file:line" of a node, the start of every error about it.
std::string toml_where(std::string_view file, const toml::node& node);

// One table of a config file, read key by key. A missing key leaves the
// target as it was (its default); a value of the wrong type or out of range is
// an error. Each key asked for becomes known, so that check_unknown(), called
// after the last read, reports a key nobody asked for (a typo).
class TomlSection {
 public:
  // `name` is the table's dotted name ("experiment", "providers.remote"); the
  // table must outlive the section.
  TomlSection(const toml::table& table, std::string name, std::string file);

  // The value of `key`, or null; marks the key known.
  const toml::node* get(std::string_view key);

  // An error about `key`, at its line (the table's when the key is absent).
  Error error(std::string_view key, std::string_view message) const;

  Status read(std::string_view key, std::string& out);
  Status read(std::string_view key, bool& out);
  Status read(std::string_view key, int64_t& out, int64_t min, int64_t max);
  Status read(std::string_view key, int& out, int min, int max);
  // Integers are numbers too.
  Status read(std::string_view key, double& out, double min, double max);
  Status read(std::string_view key, std::vector<std::string>& out);

  // The first key present that was never asked for, as an error naming the
  // known ones.
  Status check_unknown() const;

 private:
  const toml::table& table_;
  std::string name_;
  std::string file_;
  std::vector<std::string> known_;  // in the order asked
};

}  // namespace privqa
