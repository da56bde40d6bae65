#include "privqa/sim/request_log.h"

#include <gtest/gtest.h>

#include <string>

namespace privqa::sim {
namespace {

TEST(RequestLog, NestingDepthCountsArraysAndObjectsButNotBracketsInStrings) {
  EXPECT_EQ(json_nesting_depth(""), 0u);
  EXPECT_EQ(json_nesting_depth("3"), 0u);
  EXPECT_EQ(json_nesting_depth(R"({"a": [1, {"b": []}], "c": {}})"), 4u);
  EXPECT_EQ(json_nesting_depth(R"({"text": "[[[{{{ \" ]]] \\"})"), 1u);
  EXPECT_EQ(json_nesting_depth(std::string(100000, '[') + std::string(100000, ']')), 100000u);
}

}  // namespace
}  // namespace privqa::sim
