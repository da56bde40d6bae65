// `privqa data inspect|validate` and `privqa --version`, run as a user would.
#include <gtest/gtest.h>

#include "cli/cli_testing.h"
#include "privqa/base/build_info.h"
#include "testing.h"

namespace privqa {
namespace {

using testing::fixtures_dir;
using testing::run_command;

using cli_testing::privqa;

using cli_testing::sample;

TEST(Cli, Version) {
  const auto r = run_command(privqa("--version"));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, std::string("privqa ") + build_info::kVersion + "\n");
}

TEST(Cli, HelpListsSubcommands) {
  const auto r = run_command(privqa("data --help"));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("inspect"), std::string::npos);
  EXPECT_NE(r.out.find("validate"), std::string::npos);
}

TEST(Cli, InspectSample) {
  const auto r = run_command(privqa("data inspect " + sample()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("records     30 read, 30 loaded, 0 skipped, 30 selected"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("subjects (20)"), std::string::npos);
}

TEST(Cli, InspectJsonWithFilter) {
  const auto r = run_command(privqa("data inspect --json --subject Dental " + sample()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The sample has two Dental questions, answers D (enamel) and C (32 teeth).
  EXPECT_NE(r.out.find("\"questions\": 2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"C\": 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"D\": 1"), std::string::npos) << r.out;
}

// The fixture's three PubMedQA records each have a CONTEXTS list.
TEST(Cli, InspectCountsPassages) {
  const std::string file = (fixtures_dir() / "datasets" / "pubmedqa_pqal.json").string();
  const std::string map =
      "id=id,question=QUESTION,context=CONTEXTS,choices=yes|no|maybe,answer=final_decision,"
      "answer_encoding=option_text";
  const auto r = run_command(privqa("data inspect --format jsonl --map '" + map + "' " + file));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("passages    3 of 3 selected questions have one ('CONTEXTS')"),
            std::string::npos)
      << r.out;
  const auto without = run_command(privqa("data inspect " + sample()));
  EXPECT_EQ(without.out.find("passages"), std::string::npos) << "no context mapped: no line";
}

TEST(Cli, ValidateGoodFile) {
  const auto r = run_command(privqa("data validate " + sample()));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("OK: 30 questions"), std::string::npos);
}

TEST(Cli, ValidateListsEveryProblemAndExits2) {
  const std::string file = (fixtures_dir() / "bad" / "wrong_types.jsonl").string();
  const auto r = run_command(privqa("data validate " + file));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find(file + ":2: field 'cop'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(file + ":3: field 'opa'"), std::string::npos) << r.out;
}

TEST(Cli, InspectLenientReportsSkipped) {
  const std::string file = (fixtures_dir() / "bad" / "cop5.jsonl").string();
  const auto r = run_command(privqa("data inspect " + file));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("1 skipped"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("answer out of range"), std::string::npos) << r.out;
  const auto strict = run_command(privqa("data inspect --strict " + file));
  EXPECT_EQ(strict.exit_code, 2);
  EXPECT_NE(strict.err.find(file + ":3: field 'cop'"), std::string::npos) << strict.err;
  EXPECT_NE(strict.err.find("(load without --strict to skip bad records)"), std::string::npos)
      << strict.err;
}

TEST(Cli, LoadErrorsAdviseDataOptions) {
  testing::TempDir dir;
  // cop 1..3 only: 0- or 1-based cannot be told.
  std::string ambiguous;
  for (const char* cop : {"1", "3"}) {
    ambiguous += std::string(R"({"id":"q)") + cop +
                 R"(","question":"Which nerve?","opa":"a","opb":"b","opc":"c","opd":"d","cop":)" +
                 cop + "}\n";
  }
  testing::write_text(dir / "ambiguous.jsonl", ambiguous);
  auto r = run_command(privqa("data inspect " + (dir / "ambiguous.jsonl").string()));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("; set --answer-base to 0 or 1"), std::string::npos) << r.err;
  EXPECT_EQ(
      run_command(privqa("data inspect --answer-base 1 " + (dir / "ambiguous.jsonl").string()))
          .exit_code,
      0);
  testing::write_text(dir / "other.jsonl", R"({"prompt":"x"})"
                                           "\n");
  r = run_command(privqa("data inspect " + (dir / "other.jsonl").string()));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("; set --format to jsonl or csv and give a field mapping with --map"),
            std::string::npos)
      << r.err;
}

TEST(Cli, UsageErrorsExit2WithMessages) {
  auto r = run_command(privqa("data inspect --format yaml " + sample()));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown dataset format 'yaml'"), std::string::npos) << r.err;
  r = run_command(privqa("data inspect --map question=q " + sample()));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("field mapping"), std::string::npos) << r.err;
  r = run_command(privqa("data inspect /nonexistent.jsonl"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("/nonexistent.jsonl"), std::string::npos) << r.err;
}

// A header-less CSV mapped by column number but read with a header: inspect
// and validate both exit 2 and say why; with header=false it loads.
TEST(Cli, MostRecordsSkippedExits2WithTheLikelyCause) {
  testing::TempDir dir;
  const std::string file = (dir / "q.csv").string();
  testing::write_text(dir / "q.csv", "What is red?,red,green,A\nWhat is blue?,blue,red,A\n");
  const std::string map = " --map 'question=1,options=2|3,answer=4";
  const auto inspect = run_command(privqa("data inspect " + file + map + "'"));
  EXPECT_EQ(inspect.exit_code, 2);
  EXPECT_NE(inspect.err.find("privqa: " + file +
                             ": no question loaded (1 records, all skipped): "
                             "the mapping names columns by number ('1', '2', '3', '4'), which "
                             "needs header=false"),
            std::string::npos)
      << inspect.err;
  const auto json = run_command(privqa("data inspect --json " + file + map + "'"));
  EXPECT_EQ(json.exit_code, 2);
  EXPECT_NE(json.out.find("\"mostly_skipped\": true"), std::string::npos) << json.out;
  const auto validate = run_command(privqa("data validate " + file + map + "'"));
  EXPECT_EQ(validate.exit_code, 2);
  EXPECT_NE(validate.out.find("which needs header=false"), std::string::npos) << validate.out;
  const auto fixed = run_command(privqa("data inspect " + file + map + ",header=false'"));
  EXPECT_EQ(fixed.exit_code, 0) << fixed.err;
  EXPECT_NE(fixed.out.find("2 read, 2 loaded, 0 skipped"), std::string::npos) << fixed.out;
}

}  // namespace
}  // namespace privqa
