// `privqa sanitize`, run as a user would, on the shipped MedMCQA sample with a
// small embeddings file written by the test.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <tuple>

#include "cli/cli_testing.h"
#include "privqa/base/build_info.h"
#include "privqa/data/dataset.h"
#include "privqa/text/normalize.h"
#include "privqa/text/tokenizer.h"
#include "testing.h"

namespace privqa {
namespace {

using testing::run_command;

using cli_testing::sample;

// GloVe text file: every folded word of the sample with a 4-d vector derived
// from its bytes (similar spellings, similar vectors).
class SanitizeCli : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dataset = load_dataset(sample());
    ASSERT_TRUE(dataset.ok()) << dataset.error().message();
    std::set<std::string> words;
    for (const auto& q : dataset->questions) {
      for (const auto& token : tokenize(q.text)) {
        if (token.kind == TokenKind::kWord) words.insert(fold_case(token.text));
      }
      questions_ = dataset->questions.size();
    }
    std::ostringstream glove;
    for (const auto& w : words) {
      glove << w;
      for (int j = 0; j < 4; ++j) {
        const unsigned char c = static_cast<unsigned char>(w[j % w.size()]);
        glove << ' ' << (c % 17) / 4.0 + j * 0.1 + static_cast<double>(w.size()) * 0.05;
      }
      glove << '\n';
    }
    testing::write_text(embeddings(), glove.str());
  }
  std::filesystem::path embeddings() const { return dir_ / "vectors.txt"; }
  std::string privqa(const std::string& args) const {
    return std::string(PRIVQA_BINARY) + " sanitize --embeddings " + embeddings().string() + " " +
           args;
  }

  testing::TempDir dir_;
  size_t questions_ = 0;
};

TEST_F(SanitizeCli, SingleTextKeepsPunctuation) {
  const auto r = run_command(privqa("--mech santext+ --eps 2 'Which nerve supplies the deltoid?'"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_FALSE(r.out.empty());
  EXPECT_EQ(r.out.back(), '\n');
  EXPECT_EQ(r.out[r.out.size() - 2], '?') << r.out;
}

TEST_F(SanitizeCli, BatchWritesOneJsonLinePerQuestionAndEps) {
  const auto out = dir_ / "out.jsonl";
  const auto r = run_command(privqa("--mech santext+,inferdpt --eps 1,3 --dataset " + sample() +
                                    " --out " + out.string() + " --seed 5"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(out);
  std::string line;
  size_t lines = 0;
  std::set<std::pair<std::string, double>> cells;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line);
    ++lines;
    cells.insert({j.at("mechanism").get<std::string>(), j.at("eps").get<double>()});
    EXPECT_TRUE(j.at("id").is_string());
    EXPECT_TRUE(j.at("original").is_string());
    EXPECT_TRUE(j.at("sanitized").is_string());
    const auto& stats = j.at("stats");
    EXPECT_EQ(stats.at("kept").get<size_t>() + stats.at("replaced").get<size_t>() +
                  stats.at("dropped").get<size_t>(),
              stats.at("words").get<size_t>() + stats.at("numbers").get<size_t>());
    // Both mechanisms spend eps per sampled token.
    EXPECT_LE(stats.at("sampled").get<size_t>(), stats.at("words").get<size_t>());
    EXPECT_DOUBLE_EQ(
        stats.at("eps_spent").get<double>(),
        static_cast<double>(stats.at("sampled").get<size_t>()) * j.at("eps").get<double>());
  }
  EXPECT_EQ(lines, questions_ * 4);
  EXPECT_NE(r.err.find("santext+ eps 3: mean eps spent per text "), std::string::npos) << r.err;
  EXPECT_EQ(cells.size(), 4u);

  // Same seed: same file; another seed: another file.
  const auto again = dir_ / "again.jsonl";
  const auto other = dir_ / "other.jsonl";
  ASSERT_EQ(run_command(privqa("--mech santext+,inferdpt --eps 1,3 --dataset " + sample() +
                               " --out " + again.string() + " --seed 5 --threads 1"))
                .exit_code,
            0);
  ASSERT_EQ(run_command(privqa("--mech santext+,inferdpt --eps 1,3 --dataset " + sample() +
                               " --out " + other.string() + " --seed 6"))
                .exit_code,
            0);
  auto read = [](const std::filesystem::path& p) {
    std::ifstream f(p);
    return std::string(std::istreambuf_iterator<char>(f), {});
  };
  EXPECT_EQ(read(out), read(again));
  EXPECT_NE(read(out), read(other));

  // Without --seed, each invocation draws its seed from the OS: the files
  // differ from each other and from the fixed seed's (the sample's 30
  // questions at 4 cells each all drawing alike is out of reach).
  const auto secret = dir_ / "secret.jsonl";
  const auto secret_again = dir_ / "secret_again.jsonl";
  for (const auto& path : {secret, secret_again}) {
    ASSERT_EQ(run_command(privqa("--mech santext+,inferdpt --eps 1,3 --dataset " + sample() +
                                 " --out " + path.string()))
                  .exit_code,
              0);
  }
  EXPECT_NE(read(secret), read(secret_again));
  EXPECT_NE(read(secret), read(out));
}

TEST_F(SanitizeCli, InvalidInputExitsWithTwoAndSaysWhy) {
  struct Case {
    std::string args, expected;
  };
  for (const auto& c : std::vector<Case>{
           {"--mech santext+ --eps 0 'a b'", "eps"},
           {"--mech santext+ --eps nan 'a b'", "eps"},
           {"--mech santext+ --eps inf 'a b'", "eps"},
           {"--mech santext+ --eps 1 --param colour=red 'a b'", "unknown parameter 'colour'"},
           {"--mech santext++ --eps 1 'a b'", "unknown mechanism"},
           {"--mech inferdpt --eps 1 --dataset /nonexistent.jsonl", "nonexistent"}}) {
    const auto r = run_command(privqa(c.args));
    EXPECT_EQ(r.exit_code, 2) << c.args;
    EXPECT_NE(r.err.find(c.expected), std::string::npos) << c.args << ": " << r.err;
  }
}

// The options `privqa sanitize --help` lists.
std::set<std::string> sanitize_options() {
  const auto help = run_command(std::string(PRIVQA_BINARY) + " sanitize --help");
  EXPECT_EQ(help.exit_code, 0) << help.err;
  std::set<std::string> options;
  const std::regex option("--[a-z][a-z-]*");
  for (std::sregex_iterator it(help.out.begin(), help.out.end(), option), end; it != end; ++it)
    options.insert(it->str());
  EXPECT_TRUE(options.count("--dataset")) << help.out;
  return options;
}

TEST_F(SanitizeCli, QuestionFilesWithoutAnswersAreSanitized) {
  // MedMCQA without cop (as the original release's test split), MedQA without
  // answer_idx, and MedMCQA whose cop values (1..3 only) do not tell their base.
  const std::string medmcqa =
      R"({"id":"m1","question":"Which nerve supplies the deltoid?","opa":"Radial",)"
      R"("opb":"Axillary","opc":"Ulnar","opd":"Median"})";
  const std::string medqa =
      R"({"question":"Which nerve supplies the deltoid?","options":{"A":"Radial","B":"Axillary"}})";
  std::string ambiguous;
  for (const char* cop : {"1", "3"}) {
    ambiguous += R"({"id":"a)" + std::string(cop) +
                 R"(","question":"Which nerve supplies the deltoid?","opa":"Radial",)"
                 R"("opb":"Axillary","opc":"Ulnar","opd":"Median","cop":)" +
                 cop + "}\n";
  }
  for (const auto& [name, contents, lines] :
       std::vector<std::tuple<std::string, std::string, size_t>>{
           {"medmcqa.jsonl", medmcqa + "\n", 1},
           {"medqa.jsonl", medqa + "\n", 1},
           {"ambiguous.jsonl", ambiguous, 2}}) {
    const auto file = dir_ / name;
    testing::write_text(file, contents);
    const auto r =
        run_command(privqa("--mech custext+ --eps 1 --dataset " + file.string() + " --seed 3"));
    ASSERT_EQ(r.exit_code, 0) << name << ": " << r.err;
    std::istringstream out(r.out);
    std::string line;
    size_t seen = 0;
    while (std::getline(out, line)) {
      ++seen;
      EXPECT_EQ(nlohmann::json::parse(line).at("original"), "Which nerve supplies the deltoid?");
    }
    EXPECT_EQ(seen, lines) << name;
    // The same files serve as --corpus.
    EXPECT_EQ(run_command(privqa("--mech custext+ --eps 1 --corpus " + file.string() + " 'nerve'"))
                  .exit_code,
              0)
        << name;
  }
}

TEST_F(SanitizeCli, LoadErrorsSuggestNoOptionSanitizeLacks) {
  const std::set<std::string> own = sanitize_options();
  // Files sanitize cannot read, whose errors other commands pair with advice
  // (--format, --map, loading leniently) that sanitize has no option for.
  testing::write_text(dir_ / "other.jsonl", R"({"prompt":"x","label":1})"
                                            "\n");
  testing::write_text(dir_ / "questions.csv", "question,answer\nWhich nerve?,1\n");
  testing::write_text(dir_ / "bad.jsonl", R"({"id":"b","question":7,"opa":"x","opb":"y",)"
                                          R"("opc":"z","opd":"w"})"
                                          "\n");
  for (const std::string option : {"--dataset", "--corpus"}) {
    for (const std::string file : {"other.jsonl", "questions.csv", "bad.jsonl"}) {
      const std::string path = (dir_ / file).string();
      const auto r = run_command(privqa("--mech santext+ --eps 1 " + option + " " + path +
                                        (option == "--corpus" ? " 'a b'" : "")));
      EXPECT_EQ(r.exit_code, 2) << option << " " << file << ": " << r.err;
      // The error names the option and the file, and suggests nothing else.
      EXPECT_NE(r.err.find(option + ": " + path), std::string::npos) << r.err;
      const std::regex named("--[a-z][a-z-]*");
      for (std::sregex_iterator it(r.err.begin(), r.err.end(), named), end; it != end; ++it)
        EXPECT_TRUE(own.count(it->str())) << it->str() << " in: " << r.err;
      EXPECT_EQ(r.err.find("lenient"), std::string::npos) << r.err;
    }
  }
}

// --format and --map read any question file, as `data` and a run config do.
TEST_F(SanitizeCli, AMappedCsvIsReadWithFormatAndMap) {
  const auto csv = testing::fixtures_dir() / "datasets" / "mmlu_anatomy_test.csv";
  const std::string map = "question=1,options=2|3|4|5,answer=6,header=false";
  const auto r = run_command(privqa("--mech santext+ --eps 1 --seed 3 --dataset " + csv.string() +
                                    " --format csv --map '" + map + "'"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream out(r.out);
  std::vector<std::string> originals;
  for (std::string line; std::getline(out, line);)
    originals.push_back(nlohmann::json::parse(line).at("original"));
  ASSERT_EQ(originals.size(), 4u);
  EXPECT_EQ(originals[0], "Which bone forms the prominence of the cheek?");
  EXPECT_EQ(originals[3], "The \"anatomical snuffbox\" contains which artery?");
  const auto unmapped = run_command(privqa("--mech santext+ --eps 1 --dataset " + csv.string()));
  EXPECT_EQ(unmapped.exit_code, 2);
  EXPECT_NE(unmapped.err.find("--map"), std::string::npos) << unmapped.err;
}

TEST_F(SanitizeCli, AnEmptyTextIsSanitizedToTheEmptyText) {
  for (const char* mech : {"santext+", "custext+", "inferdpt"}) {
    const auto plain = run_command(privqa(std::string("--mech ") + mech + " --eps 1 ''"));
    ASSERT_EQ(plain.exit_code, 0) << mech << ": " << plain.err;
    EXPECT_EQ(plain.out, "\n") << mech;
    const auto json = run_command(privqa(std::string("--mech ") + mech + " --eps 1 --json ''"));
    ASSERT_EQ(json.exit_code, 0) << mech << ": " << json.err;
    const auto line = nlohmann::json::parse(json.out);
    EXPECT_EQ(line.at("original"), "");
    EXPECT_EQ(line.at("sanitized"), "");
    EXPECT_EQ(line.at("stats").at("words"), 0);
    EXPECT_EQ(line.at("stats").at("numbers"), 0);
  }
  // Punctuation and spacing alone are kept as they are, like around words.
  const auto punctuation = run_command(privqa("--mech santext+ --eps 1 ' ?!'"));
  ASSERT_EQ(punctuation.exit_code, 0) << punctuation.err;
  EXPECT_EQ(punctuation.out, " ?!\n");
  // Parameters are still checked, and no TEXT at all is still missing.
  const auto bad_param = run_command(privqa("--mech custext+ --eps 1 --param top_k=0 ''"));
  EXPECT_EQ(bad_param.exit_code, 2);
  EXPECT_NE(bad_param.err.find("top_k"), std::string::npos) << bad_param.err;
  const auto missing = run_command(privqa("--mech santext+ --eps 1"));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("give either TEXT or --dataset FILE"), std::string::npos)
      << missing.err;
}

}  // namespace
}  // namespace privqa
