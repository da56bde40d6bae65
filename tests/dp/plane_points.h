// Small embedding tables for the dp tests: named points in the plane, and
// their Euclidean distances computed in double from the coordinates, apart
// from the table's float arithmetic.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "privqa/embed/embedding_table.h"

namespace privqa::testing {

using PlanePoints = std::map<std::string, std::pair<double, double>>;

inline EmbeddingTable plane_table(const PlanePoints& points) {
  std::vector<std::string> words;
  std::vector<float> values;
  for (const auto& [word, point] : points) {
    words.push_back(word);
    values.push_back(static_cast<float>(point.first));
    values.push_back(static_cast<float>(point.second));
  }
  auto table = EmbeddingTable::from_rows(words, values, 2);
  EXPECT_TRUE(table.ok());
  return std::move(*table);
}

inline double plane_distance(const PlanePoints& points, const std::string& a,
                             const std::string& b) {
  const auto& p = points.at(a);
  const auto& q = points.at(b);
  return std::hypot(p.first - q.first, p.second - q.second);
}

}  // namespace privqa::testing
