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

// S1 answered once of two, S4 only errors: 50.0% and "-", never 0.0%.
TEST(Accuracy, AGroupWithoutAnAnsweredCellShowsNoAccuracy) {
  std::vector<CellResult> cells(3);
  cells[0].key = {"q0", Scenario::kLocal, "", 0, 0};
  cells[0].gold = 1;
  cells[0].parsed = 1;
  cells[1].key = {"q1", Scenario::kLocal, "", 0, 0};
  cells[1].gold = 1;
  cells[1].parsed = 2;
  cells[2].key = {"q0", Scenario::kRemote, "", 0, 0};
  cells[2].status = CellStatus::kError;
  const std::string table = format_accuracy_table(accuracy_table(cells));
  EXPECT_NE(table.find("S1 "), std::string::npos) << table;
  EXPECT_NE(table.find("  50.0% "), std::string::npos) << table;
  EXPECT_NE(table.find("      -        0      1\n"), std::string::npos) << table;
  EXPECT_EQ(table.find(" 0.0%"), std::string::npos) << table;
}

// A1 answers nothing: no row. A2 (the attacker's answer) is a row per
// mechanism and eps, named as S3's are.
TEST(Accuracy, AttackRowsAreA2sByMechanismAndEps) {
  std::vector<CellResult> cells(3);
  cells[0].key = {"q0", Scenario::kReconstruct, "santext+", 2, 0};
  cells[0].gold = 1;
  cells[1].key = {"q0", Scenario::kReconstructAnswer, "santext+", 2, 0};
  cells[1].gold = 1;
  cells[1].parsed = 1;
  cells[2].key = {"q1", Scenario::kReconstructAnswer, "santext+", 2, 0};
  cells[2].gold = 1;
  cells[2].parsed = 0;
  const auto rows = accuracy_table(cells);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].scenario, Scenario::kReconstructAnswer);
  EXPECT_EQ(rows[0].n, 2u);
  EXPECT_EQ(rows[0].correct, 1u);
  const std::string table = format_accuracy_table(rows);
  EXPECT_NE(table.find("A2   reconstruct_answer santext+       2    2      1  50.0%"),
            std::string::npos)
      << table;
}

}  // namespace
}  // namespace privqa::report
