// `privqa embed convert|info|neighbors|similarity`, run as a user would, on
// the hand-made table whose answers are known by construction.
#include <gtest/gtest.h>

#include "cli/cli_testing.h"
#include "embed/hand_made_table.h"
#include "testing.h"

namespace privqa {
namespace {

using testing::HandMadeFormat;
using testing::run_command;
using testing::TempDir;
using testing::write_hand_made;

using cli_testing::privqa;

TEST(EmbedCli, ConvertThenInfoOnTheCache) {
  TempDir dir;
  const auto source = write_hand_made(dir / "t.txt", HandMadeFormat::kGlove);
  const auto out = dir / "t.pqemb";
  auto r = run_command(privqa("embed convert " + source.string() + " " + out.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("10 words x 3 dims from glove-text (written)"), std::string::npos) << r.out;
  r = run_command(privqa("embed convert " + source.string() + " " + out.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("(already up to date)"), std::string::npos) << r.out;

  r = run_command(privqa("embed info " + out.string()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("format      privqa-cache"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("words       10\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("dims        3\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("first rows  origin east north2"), std::string::npos) << r.out;
}

TEST(EmbedCli, NeighborsByConstruction) {
  TempDir dir;
  const auto source = write_hand_made(dir / "t.vec", HandMadeFormat::kFastText);
  // From the zero vector: café at sqrt(0.328125) = 0.5728, then east and
  // west tie at 1 (by row order); "origin" itself is left out.
  auto r = run_command(
      privqa("embed neighbors --no-cache " + source.string() + " origin -k 3 --metric euclidean"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "  1  café                     0.5728\n"
            "  2  east                     1.0000\n"
            "  3  west                     1.0000\n");
  // Cosine from EAST (found through case folding): east2 is parallel.
  r = run_command(privqa("embed neighbors --no-cache " + source.string() + " EAST -k 1"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "  1  east2                    0.0000\n");
}

TEST(EmbedCli, SimilarityOfSingleWordTexts) {
  TempDir dir;
  const auto source = write_hand_made(dir / "t.json", HandMadeFormat::kWink);
  // One-word texts: cosine of the word vectors (the SIF weight only scales).
  auto r =
      run_command(privqa("embed similarity --no-cache " + source.string() + " 'East!' 'east2'"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "1.0000\n");
  r = run_command(privqa("embed similarity --no-cache " + source.string() + " east kidney"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "0.0000\n");
}

TEST(EmbedCli, BadInputExits2WithAClearMessage) {
  TempDir dir;
  const auto source = write_hand_made(dir / "t.txt", HandMadeFormat::kGlove);
  auto r = run_command(privqa("embed neighbors --no-cache " + source.string() + " nosuchword"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("'nosuchword' is not in"), std::string::npos) << r.err;
  r = run_command(
      privqa("embed neighbors --no-cache " + source.string() + " east --metric manhattan"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--metric must be cosine or euclidean"), std::string::npos) << r.err;

  testing::write_text(dir / "bad.txt", "a 1 2\nb 3\n");
  r = run_command(privqa("embed info " + (dir / "bad.txt").string()));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad.txt:2: expected a word and 2 values"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "bad.txt.pqemb"));  // nothing half-written

  r = run_command(privqa("embed info " + (dir / "absent.txt").string()));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("absent.txt: no such file"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace privqa
