// The bundled sample: its gold answers as listed independently in
// data/sample/README.md, so a slip in either place shows up.
#include <gtest/gtest.h>

#include <set>

#include "privqa/base/build_info.h"
#include "privqa/data/dataset.h"

namespace privqa {
namespace {

TEST(Sample, LoadsWithTheDocumentedGoldAnswers) {
  const auto path =
      std::filesystem::path(build_info::kSourceDir) / "data/sample/medmcqa_sample.jsonl";
  auto d = load_dataset(path);
  ASSERT_TRUE(d.ok()) << d.error().message();
  const std::string gold = "BBCDAABCBBACDCAABCBABBABDCACBC";
  ASSERT_EQ(d->questions.size(), gold.size());
  std::set<std::string> subjects;
  for (size_t i = 0; i < gold.size(); ++i) {
    EXPECT_EQ(d->questions[i].answer_letter(), gold[i]) << d->questions[i].id;
    subjects.insert(d->questions[i].subject);
  }
  EXPECT_EQ(subjects.size(), 20u);
}

}  // namespace
}  // namespace privqa
