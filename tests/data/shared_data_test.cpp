// The real benchmark files of ../shared/data (PRIVQA_DATA_DIR), with counts
// taken from shared/data/SOURCES.md.
#include <gtest/gtest.h>

#include <map>

#include "privqa/data/dataset.h"
#include "testing.h"

namespace privqa {
namespace {

std::map<char, int> answer_counts(const std::vector<Question>& qs) {
  std::map<char, int> counts;
  for (const auto& q : qs)
    ++counts[q.answer_letter()];
  return counts;
}

TEST(SharedData, MedMCQADev) {
  PRIVQA_REQUIRE_SHARED_DATA(path, "medmcqa/dev.json");
  auto d = load_dataset(path);
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->format, DatasetFormat::kMedMCQA);
  EXPECT_EQ(d->answer_base, 1);
  ASSERT_EQ(d->questions.size(), 4183u);
  EXPECT_EQ(answer_counts(d->questions),
            (std::map<char, int>{{'A', 1348}, {'B', 1085}, {'C', 925}, {'D', 825}}));
  std::map<std::string, int> choice;
  std::map<std::string, int> subjects;
  for (const auto& q : d->questions) {
    ++choice[q.meta_value("choice_type")];
    ++subjects[q.subject];
  }
  EXPECT_EQ(choice["single"], 2816);
  EXPECT_EQ(choice["multi"], 1367);
  EXPECT_EQ(subjects.size(), 21u);
  EXPECT_EQ(subjects["Dental"], 1318);
  EXPECT_EQ(d->fields.at("exp").null, 1977u);
  EXPECT_EQ(d->fields.at("topic_name").null, 3760u);

  QuestionFilter single;
  single.choice_type = "single";
  auto s = apply_filter(d->questions, single);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->size(), 2816u);
}

TEST(SharedData, MedQAWithItsLoaderAndWithAGenericMapping) {
  PRIVQA_REQUIRE_SHARED_DATA(path, "medqa_usmle/phrases_no_exclude_test.jsonl");
  auto native = load_dataset(path);
  ASSERT_TRUE(native.ok()) << native.error().message();
  EXPECT_EQ(native->format, DatasetFormat::kMedQA);
  ASSERT_EQ(native->questions.size(), 1273u);
  EXPECT_EQ(answer_counts(native->questions),
            (std::map<char, int>{{'A', 353}, {'B', 309}, {'C', 346}, {'D', 265}}));

  LoadOptions generic;
  auto mapping = parse_field_mapping(
      "question=question,options_object=options,answer=answer_idx,answer_encoding=letter");
  ASSERT_TRUE(mapping.ok());
  generic.mapping = *mapping;
  auto mapped = load_dataset(path, generic);
  ASSERT_TRUE(mapped.ok()) << mapped.error().message();
  EXPECT_EQ(mapped->format, DatasetFormat::kJsonl);
  ASSERT_EQ(mapped->questions.size(), native->questions.size());
  for (size_t i = 0; i < native->questions.size(); ++i) {
    const Question& a = native->questions[i];
    const Question& b = mapped->questions[i];
    ASSERT_EQ(a.id, b.id);
    ASSERT_EQ(a.text, b.text);
    ASSERT_EQ(a.options, b.options);
    ASSERT_EQ(a.answer, b.answer);
    ASSERT_EQ(a.meta, b.meta);
  }
  // The answer text agrees with the option the letter names (SOURCES.md).
  for (const auto& q : native->questions) {
    ASSERT_EQ(q.meta_value("answer"), q.options[static_cast<size_t>(q.answer)]) << q.id;
  }
}

}  // namespace
}  // namespace privqa
