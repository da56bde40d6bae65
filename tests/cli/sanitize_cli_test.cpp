// `privqa sanitize`, run as a user would, on the shipped MedMCQA sample with a
// small embeddings file written by the test.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

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
  }
  EXPECT_EQ(lines, questions_ * 4);
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

}  // namespace
}  // namespace privqa
