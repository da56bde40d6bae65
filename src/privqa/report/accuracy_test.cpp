// Accuracy per scenario from stored cells.
#include "privqa/report/accuracy.h"

#include <gtest/gtest.h>

namespace privqa::report {
namespace {

TEST(Accuracy, ErrorsLeaveNAndUnparsedStayIn) {
  std::vector<CellResult> cells;
  for (int i = 0; i < 4; ++i) {
    CellResult c;
    c.key = {"q" + std::to_string(i), Scenario::kLocal, "", 0, 0};
    c.gold = 0;
    c.parsed = i == 0 ? 0 : (i == 1 ? -1 : 2);
    c.status = i == 3 ? CellStatus::kError : CellStatus::kOk;
    cells.push_back(c);
  }
  const auto rows = accuracy_table(cells);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].n, 3u);
  EXPECT_EQ(rows[0].correct, 1u);
  EXPECT_EQ(rows[0].unparsed, 1u);
  EXPECT_EQ(rows[0].errors, 1u);
}

}  // namespace
}  // namespace privqa::report
