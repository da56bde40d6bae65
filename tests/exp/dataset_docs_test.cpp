// docs/datasets.md's worked [dataset] tables, read as a run config reads
// them, on hand-made files of the same shape (tests/fixtures/datasets): the
// documented configs load, and give the questions, options and answers the
// fixtures were written with.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "privqa/data/dataset.h"
#include "privqa/exp/run_config.h"
#include "testing.h"

namespace privqa {
namespace {

using testing::TempDir;
using testing::write_text;

// The ```toml blocks of a Markdown file, in order.
std::vector<std::string> toml_blocks(const std::filesystem::path& markdown) {
  std::ifstream in(markdown);
  std::vector<std::string> blocks;
  std::string line, block;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!inside && line == "```toml") {
      inside = true;
      block.clear();
    } else if (inside && line == "```") {
      inside = false;
      blocks.push_back(block);
    } else if (inside) {
      block += line + "\n";
    }
  }
  return blocks;
}

struct Expected {
  std::string fixture;  // in tests/fixtures/datasets
  size_t questions;
  std::string first_id;
  std::vector<std::string> first_options;
  int first_answer;
};

TEST(DatasetDocs, EveryWorkedConfigLoads) {
  // By the file name each documented path ends with.
  const std::map<std::string, Expected> expected = {
      {"dev.json",
       {"medmcqa.jsonl",
        4,
        "mm-1",
        {"Radial nerve", "Axillary nerve", "Ulnar nerve", "Median nerve"},
        1}},
      {"phrases_no_exclude_test.jsonl",
       {"medqa_usmle.jsonl",
        3,
        "1",
        {"Vitamin B12 deficiency", "Iron deficiency", "Hereditary spherocytosis",
         "Aplastic anemia"},
        1}},
      {"anatomy_test.csv",
       {"mmlu_anatomy_test.csv",
        4,
        "1",
        {"Maxilla", "Zygomatic bone", "Nasal bone", "Mandible"},
        1}},
      {"ori_pqal.json", {"pubmedqa_pqal.json", 3, "90000001", {"yes", "no", "maybe"}, 0}},
  };
  const auto docs = std::filesystem::path(testing::fixtures_dir()).parent_path().parent_path() /
                    "docs" / "datasets.md";
  std::map<std::string, int> seen;
  for (const std::string& block : toml_blocks(docs)) {
    if (block.rfind("[dataset]\n", 0) != 0) continue;
    const size_t quote = block.find("path = \"");
    ASSERT_NE(quote, std::string::npos) << block;
    const size_t start = quote + 8, end = block.find('"', start);
    const std::string documented = block.substr(start, end - start);
    const std::string name = std::filesystem::path(documented).filename().string();
    ASSERT_EQ(expected.count(name), 1u) << "no fixture for " << documented;
    const Expected& e = expected.at(name);
    ++seen[name];
    SCOPED_TRACE(name);

    TempDir dir;
    std::string config = block;
    config.replace(start, end - start, (testing::fixtures_dir() / "datasets" / e.fixture).string());
    config +=
        "\n[experiment]\noutput = \"run.db\"\nscenarios = [\"S1\"]\nlocal = \"l\"\n"
        "\n[providers.l]\nbase_url = \"http://127.0.0.1:9/v1\"\nmodel = \"m\"\n";
    write_text(dir / "run.toml", config);
    auto c = load_run_config(dir / "run.toml");
    ASSERT_TRUE(c.ok()) << c.error().message();
    auto d = load_dataset(c->dataset.path, c->dataset.load);
    ASSERT_TRUE(d.ok()) << d.error().message();
    auto questions = apply_filter(d->questions, c->dataset.filter);
    ASSERT_TRUE(questions.ok()) << questions.error().message();
    ASSERT_EQ(questions->size(), e.questions);
    const Question& q = questions->front();
    EXPECT_EQ(q.id, e.first_id);
    EXPECT_EQ(q.options, e.first_options);
    EXPECT_EQ(q.answer, e.first_answer);
    for (const Question& other : *questions)
      EXPECT_TRUE(other.labelled()) << other.id;
  }
  for (const auto& [name, e] : expected)
    EXPECT_EQ(seen[name], 1) << name << " is documented once";
}

}  // namespace
}  // namespace privqa
