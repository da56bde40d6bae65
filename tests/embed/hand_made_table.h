// A small hand-made table whose neighbours and distances are known by
// construction, and writers of it in every file format (tests only).
#pragma once

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "testing.h"

namespace privqa::testing {

struct HandMadeRow {
  std::string word;
  std::vector<float> vector;
};

// Three-dimensional rows on exact binary fractions, so every format stores
// them exactly. "origin" is the zero vector.
inline const std::vector<HandMadeRow>& hand_made_rows() {
  static const std::vector<HandMadeRow> rows = {
      {"origin", {0, 0, 0}}, {"east", {1, 0, 0}},  {"north2", {0, 2, 0}},
      {"up3", {0, 0, 3}},    {"far", {3, 4, 0}},   {"east2", {2, 0, 0}},
      {"diag", {1, 1, 0}},   {"west", {-1, 0, 0}}, {"café", {0.5f, 0.25f, -0.125f}},
      {"kidney", {0, 1, 0}},
  };
  return rows;
}

enum class HandMadeFormat { kGlove, kFastText, kWord2Vec, kWink, kWinkReordered };

// Writes the hand-made table to `path` in `format`, by hand, independently
// of the loaders under test; returns the path.
inline std::filesystem::path write_hand_made(const std::filesystem::path& path,
                                             HandMadeFormat format) {
  const auto& rows = hand_made_rows();
  std::ostringstream out;
  auto number = [](float v) {
    std::ostringstream s;
    s << v;  // the values are short binary fractions: printed exactly
    return s.str();
  };
  switch (format) {
    case HandMadeFormat::kGlove:
    case HandMadeFormat::kFastText:
      if (format == HandMadeFormat::kFastText) out << rows.size() << " 3\n";
      for (const auto& r : rows) {
        out << r.word;
        for (const float v : r.vector)
          out << ' ' << number(v);
        // fastText ends its rows with a blank
        out << (format == HandMadeFormat::kFastText ? " \n" : "\n");
      }
      break;
    case HandMadeFormat::kWord2Vec:
      out << rows.size() << " 3\n";
      for (const auto& r : rows) {
        out << r.word << ' ';
        out.write(reinterpret_cast<const char*>(r.vector.data()), 3 * sizeof(float));
        out << '\n';
      }
      break;
    case HandMadeFormat::kWink:
    case HandMadeFormat::kWinkReordered: {
      // As the npm package: each vector carries its L2 norm and word index
      // after the `dimensions` values; words are escaped as JSON allows.
      auto json_word = [](const std::string& w) {
        return w == "café" ? std::string("\"caf\\u00e9\"") : "\"" + w + "\"";
      };
      out << "{\"precision\":8,\"l2NormIndex\":3,\"wordIndex\":4,\"size\":" << rows.size()
          << ",\"dimensions\":3,\"words\":[";
      for (size_t i = 0; i < rows.size(); ++i)
        out << (i ? "," : "") << json_word(rows[i].word);
      out << "],\n\"vectors\":{";
      for (size_t n = 0; n < rows.size(); ++n) {
        const size_t i = format == HandMadeFormat::kWink ? n : rows.size() - 1 - n;
        const auto& v = rows[i].vector;
        out << (n ? ",\n" : "") << json_word(rows[i].word) << ":[" << number(v[0]) << ","
            << number(v[1]) << "," << number(v[2]) << ",12.5," << i << "]";
      }
      out << "},\"unkVector\":[0,0,0,0,-1]}";
      break;
    }
  }
  write_text(path, out.str());
  return path;
}

}  // namespace privqa::testing
