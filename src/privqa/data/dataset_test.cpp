#include "privqa/data/dataset.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "testing.h"

namespace privqa {
namespace {

using testing::TempDir;
using testing::write_text;

// A MedMCQA record; `cop` is inserted verbatim so tests can vary its encoding.
std::string medmcqa(const std::string& id, const std::string& cop,
                    const std::string& question = "Which nerve supplies the deltoid?") {
  return R"({"question":")" + question + R"(","exp":null,"cop":)" + cop +
         R"(,"opa":"Radial","opb":"Axillary","opc":"Ulnar","opd":"Median",)"
         R"("subject_name":"Anatomy","topic_name":null,"id":")" +
         id + R"(","choice_type":"single"})";
}

std::filesystem::path bad(const std::string& name) {
  return testing::fixtures_dir() / "bad" / name;
}

LoadOptions lenient() {
  LoadOptions o;
  o.strict = false;
  return o;
}

TEST(MedMCQA, LoadsJsonLinesWithOneBasedCop) {
  TempDir dir;
  write_text(dir / "d.jsonl", medmcqa("a", "1") + "\n" + medmcqa("b", "4") + "\n");
  auto d = load_dataset(dir / "d.jsonl");
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->format, DatasetFormat::kMedMCQA);
  EXPECT_EQ(d->answer_base, 1);
  ASSERT_EQ(d->questions.size(), 2u);
  const Question& q = d->questions[0];
  EXPECT_EQ(q.id, "a");
  EXPECT_EQ(q.text, "Which nerve supplies the deltoid?");
  EXPECT_EQ(q.options, (std::vector<std::string>{"Radial", "Axillary", "Ulnar", "Median"}));
  EXPECT_EQ(q.answer, 0);
  EXPECT_EQ(q.subject, "Anatomy");
  EXPECT_EQ(q.topic, "");
  EXPECT_EQ(q.meta_value("choice_type"), "single");
  EXPECT_EQ(q.meta.count("exp"), 0u) << "null fields are not meta";
  EXPECT_EQ(d->questions[1].answer, 3);
  EXPECT_EQ(d->questions[1].answer_letter(), 'D');
}

TEST(MedMCQA, DetectsZeroBasedCopAndUnlabelled) {
  TempDir dir;
  write_text(dir / "d.jsonl",
             medmcqa("a", "0") + "\n" + medmcqa("b", "2") + "\n" + medmcqa("c", "-1") + "\n");
  auto d = load_dataset(dir / "d.jsonl");
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->answer_base, 0);
  EXPECT_EQ(d->questions[0].answer, 0);
  EXPECT_EQ(d->questions[1].answer, 2);
  EXPECT_EQ(d->questions[2].answer, -1);
  EXPECT_FALSE(d->questions[2].labelled());
}

TEST(MedMCQA, RefusesToGuessAmbiguousAnswerBase) {
  TempDir dir;
  write_text(dir / "d.jsonl", medmcqa("a", "1") + "\n" + medmcqa("b", "3") + "\n");
  auto d = load_dataset(dir / "d.jsonl");
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message().find("cannot tell whether 'cop' counts from 0"), std::string::npos);
  // Advice names the caller's setting, and only when the caller has one.
  EXPECT_EQ(d.error().message().find("set "), std::string::npos) << d.error().message();
  LoadOptions named;
  named.setting_names.answer_base = "--answer-base";
  auto advised = load_dataset(dir / "d.jsonl", named);
  ASSERT_FALSE(advised.ok());
  EXPECT_NE(advised.error().message().find("; set --answer-base to 0 or 1"), std::string::npos)
      << advised.error().message();

  LoadOptions explicit_base;
  explicit_base.answer_base = 0;
  auto zero = load_dataset(dir / "d.jsonl", explicit_base);
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(zero->questions[0].answer, 1);
  explicit_base.answer_base = 1;
  auto one = load_dataset(dir / "d.jsonl", explicit_base);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->questions[0].answer, 0);
}

TEST(MedMCQA, WithoutAnswersNeedsNeitherCopNorItsBase) {
  TempDir dir;
  // An ambiguous base (values 1..3 only), and a record with no cop at all, as
  // in the original release's test split.
  std::string no_cop = medmcqa("c", "0");
  no_cop.replace(no_cop.find(R"("cop":0,)"), 8, "");
  write_text(dir / "d.jsonl", medmcqa("a", "1") + "\n" + medmcqa("b", "3") + "\n" + no_cop + "\n");
  ASSERT_FALSE(load_dataset(dir / "d.jsonl").ok());
  LoadOptions texts;
  texts.read_answers = false;
  auto d = load_dataset(dir / "d.jsonl", texts);
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->format, DatasetFormat::kMedMCQA);
  EXPECT_FALSE(d->answer_base.has_value());
  ASSERT_EQ(d->questions.size(), 3u);
  for (const auto& q : d->questions) {
    EXPECT_FALSE(q.labelled()) << q.id;
    EXPECT_EQ(q.text, "Which nerve supplies the deltoid?");
    EXPECT_EQ(q.options.size(), 4u);
  }
  // A first record without cop is recognised too.
  write_text(dir / "first.jsonl", no_cop + "\n" + medmcqa("a", "1") + "\n");
  auto first = load_dataset(dir / "first.jsonl", texts);
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_EQ(first->format, DatasetFormat::kMedMCQA);
}

TEST(MedMCQA, RefusesMixedEncodings) {
  TempDir dir;
  write_text(dir / "d.jsonl", medmcqa("a", "0") + "\n" + medmcqa("b", "4") + "\n");
  auto d = load_dataset(dir / "d.jsonl");
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message().find("both 0 and 4"), std::string::npos);
}

TEST(MedMCQA, LoadsJsonArrayWithRecordLines) {
  TempDir dir;
  write_text(dir / "d.json", "[\n  " + medmcqa("a", "1") + ",\n  " + medmcqa("b", "4") + ",\n  " +
                                 medmcqa("c", "9") + "\n]\n");
  auto d = load_dataset(dir / "d.json", lenient());
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->questions.size(), 2u);
  ASSERT_EQ(d->problems.size(), 1u);
  EXPECT_EQ(d->problems[0].line, 4u);
  EXPECT_EQ(d->problems[0].field, "cop");
}

TEST(MedQA, LoadsOptionsObjectAndLetter) {
  TempDir dir;
  write_text(
      dir / "m.jsonl",
      R"({"question":"Q one?","answer":"Two","options":{"A":"One","B":"Two","C":"Three","D":"Four"},"meta_info":"step1","answer_idx":"B","metamap_phrases":["one"]})"
      "\n");
  auto d = load_dataset(dir / "m.jsonl");
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->format, DatasetFormat::kMedQA);
  ASSERT_EQ(d->questions.size(), 1u);
  EXPECT_EQ(d->questions[0].id, "1");
  EXPECT_EQ(d->questions[0].answer, 1);
  EXPECT_EQ(d->questions[0].meta_value("meta_info"), "step1");
  EXPECT_EQ(d->questions[0].meta_value("answer"), "Two");
}

TEST(MedQA, WithoutAnswersNeedsNoAnswerFields) {
  TempDir dir;
  write_text(dir / "m.jsonl",
             R"({"question":"Q one?","options":{"A":"One","B":"Two","C":"Three","D":"Four"}})"
             "\n");
  ASSERT_FALSE(load_dataset(dir / "m.jsonl").ok());
  LoadOptions texts;
  texts.read_answers = false;
  auto d = load_dataset(dir / "m.jsonl", texts);
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->format, DatasetFormat::kMedQA);
  ASSERT_EQ(d->questions.size(), 1u);
  EXPECT_EQ(d->questions[0].text, "Q one?");
  EXPECT_FALSE(d->questions[0].labelled());
}

TEST(MedQA, AnswerTextMustMatchTheNamedOption) {
  TempDir dir;
  write_text(
      dir / "m.jsonl",
      R"({"question":"Q?","answer":"Three","options":{"A":"One","B":"Two","C":"Three","D":"Four"},"answer_idx":"B"})"
      "\n");
  auto d = load_dataset(dir / "m.jsonl");
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message().find(":1: field 'answer'"), std::string::npos)
      << d.error().message();
}

TEST(Generic, CsvWithHeaderQuotedNewlinesAndCrlf) {
  TempDir dir;
  write_text(dir / "q.csv",
             "id,stem,a,b,c,answer\r\n"
             "x1,\"A stem, with a comma\nand a newline\",\"say \"\"yes\"\"\",no,maybe,A\r\n"
             "x2,Second stem,one,two,three,c\r\n");
  LoadOptions o;
  auto mapping = parse_field_mapping("id=id,question=stem,options=a|b|c,answer=answer");
  ASSERT_TRUE(mapping.ok()) << mapping.error().message();
  o.mapping = *mapping;
  auto d = load_dataset(dir / "q.csv", o);
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->format, DatasetFormat::kCsv);
  ASSERT_EQ(d->questions.size(), 2u);
  EXPECT_EQ(d->questions[0].text, "A stem, with a comma\nand a newline");
  EXPECT_EQ(d->questions[0].options[0], "say \"yes\"");
  EXPECT_EQ(d->questions[0].answer, 0);
  EXPECT_EQ(d->questions[1].answer, 2) << "lower-case letters are accepted";
}

TEST(Generic, CsvWithoutHeaderUsesColumnNumbers) {
  TempDir dir;
  write_text(dir / "q.csv", "Stem one?,red,green,blue,2\nStem two?,cat,dog,cow,0\n");
  LoadOptions o;
  auto mapping = parse_field_mapping(
      "question=1,options=2|3|4,answer=5,answer_encoding=zero_based,header=false");
  ASSERT_TRUE(mapping.ok()) << mapping.error().message();
  o.mapping = *mapping;
  auto d = load_dataset(dir / "q.csv", o);
  ASSERT_TRUE(d.ok()) << d.error().message();
  ASSERT_EQ(d->questions.size(), 2u);
  EXPECT_EQ(d->questions[0].answer, 2);
  EXPECT_EQ(d->questions[0].id, "1");
  EXPECT_EQ(d->questions[1].id, "2");
  EXPECT_EQ(d->questions[1].options.size(), 3u);
}

TEST(Generic, AnswerEncodings) {
  TempDir dir;
  // Five options, answers written four ways; each must resolve to option C.
  const std::string opts = R"("opts":["v","w","x","y","z"])";
  write_text(dir / "q.jsonl", R"({"q":"a?",)" + opts +
                                  R"(,"letter":"C","zero":2,"one":"3","text":" x "})"
                                  "\n");
  for (const auto& [encoding, field] :
       std::vector<std::pair<std::string, std::string>>{{"letter", "letter"},
                                                        {"zero_based", "zero"},
                                                        {"one_based", "one"},
                                                        {"option_text", "text"}}) {
    LoadOptions o;
    auto mapping = parse_field_mapping("question=q,options_object=opts,answer=" + field +
                                       ",answer_encoding=" + encoding);
    ASSERT_TRUE(mapping.ok()) << mapping.error().message();
    o.mapping = *mapping;
    auto d = load_dataset(dir / "q.jsonl", o);
    ASSERT_TRUE(d.ok()) << encoding << ": " << d.error().message();
    EXPECT_EQ(d->questions[0].options.size(), 5u);
    EXPECT_EQ(d->questions[0].answer, 2) << encoding;
  }
}

// PubMedQA's layout: one object keyed by id, the answer a decision among the
// same three choices for every question.
TEST(Generic, OneObjectKeyedByIdWithFixedChoices) {
  TempDir dir;
  write_text(
      dir / "pqa.json",
      "{\n"
      "  \"21645374\": {\n"
      "    \"QUESTION\": \"Do mitochondria play a role in remodelling lace plant leaves?\",\n"
      "    \"CONTEXTS\": [\"Programmed cell death ...\", \"The lace plant ...\"],\n"
      "    \"final_decision\": \"yes\"\n"
      "  },\n"
      "  \"16418930\": {\n"
      "    \"QUESTION\": \"Landolt C and snellen e acuity: differences in strabismus?\",\n"
      "    \"final_decision\": \"perhaps\"\n"
      "  },\n"
      "  \"9488747\": {\"QUESTION\": \"Is anorectal endosonography valuable?\", "
      "\"final_decision\": \"maybe\"}\n"
      "}\n");
  LoadOptions o = lenient();
  auto mapping = parse_field_mapping(
      "id=id,question=QUESTION,choices=yes|no|maybe,answer=final_decision,"
      "answer_encoding=option_text");
  ASSERT_TRUE(mapping.ok()) << mapping.error().message();
  o.mapping = *mapping;
  o.format = DatasetFormat::kJsonl;
  auto d = load_dataset(dir / "pqa.json", o);
  ASSERT_TRUE(d.ok()) << d.error().message();
  ASSERT_EQ(d->questions.size(), 2u);
  EXPECT_EQ(d->questions[0].id, "21645374") << "the key, in file order";
  EXPECT_EQ(d->questions[0].options, (std::vector<std::string>{"yes", "no", "maybe"}));
  EXPECT_EQ(d->questions[0].answer, 0);
  EXPECT_EQ(d->questions[1].id, "9488747");
  EXPECT_EQ(d->questions[1].answer, 2);
  // "perhaps" is no choice: reported on the line of its key.
  ASSERT_EQ(d->problems.size(), 1u);
  EXPECT_EQ(d->problems[0].line, 7u);
  EXPECT_EQ(d->problems[0].field, "final_decision");

  // A broken object names the line where it breaks.
  write_text(dir / "broken.json", "{\n  \"1\": {\"QUESTION\": \"Is it?\",\n  \"2\": \n}\n");
  auto broken = load_dataset(dir / "broken.json", o);
  ASSERT_TRUE(broken.ok()) << broken.error().message();
  ASSERT_EQ(broken->problems.size(), 1u);
  EXPECT_EQ(broken->problems[0].reason, "invalid json");
  EXPECT_EQ(broken->problems[0].line, 4u) << broken->problems[0].detail;
}

// A passage field holds a string or a list of paragraphs (joined with
// newlines, empty ones left out); any other value is a problem on that field.
TEST(Generic, ContextIsAStringOrAListOfPassages) {
  TempDir dir;
  write_text(dir / "c.jsonl",
             "{\"q\": \"Is it benign?\", \"ctx\": [\"First part.\", \"\", \" Second part. \"], "
             "\"a\": \"yes\"}\n"
             "{\"q\": \"Is it rare?\", \"ctx\": \"One passage.\", \"a\": \"no\"}\n"
             "{\"q\": \"Is it common?\", \"a\": \"no\"}\n"
             "{\"q\": \"Is it late?\", \"ctx\": {\"p\": 1}, \"a\": \"no\"}\n"
             "{\"q\": \"Is it early?\", \"ctx\": [\"ok\", 3], \"a\": \"no\"}\n");
  LoadOptions o = lenient();
  auto mapping = parse_field_mapping(
      "question=q,context=ctx,choices=yes|no,answer=a,answer_encoding=option_text");
  ASSERT_TRUE(mapping.ok()) << mapping.error().message();
  o.mapping = *mapping;
  o.format = DatasetFormat::kJsonl;
  auto d = load_dataset(dir / "c.jsonl", o);
  ASSERT_TRUE(d.ok()) << d.error().message();
  ASSERT_EQ(d->questions.size(), 3u);
  EXPECT_EQ(d->questions[0].context, "First part.\nSecond part.");
  EXPECT_EQ(d->questions[1].context, "One passage.");
  EXPECT_EQ(d->questions[2].context, "") << "no field: no passage";
  EXPECT_EQ(d->questions[0].meta.count("ctx"), 0u) << "a mapped field is not meta";
  ASSERT_EQ(d->problems.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(d->problems[i].field, "ctx");
    EXPECT_EQ(d->problems[i].line, 4 + i);
  }
}

// The content hash changes with any byte of the file and only with its bytes.
TEST(Generic, ContentHashFollowsTheBytes) {
  TempDir dir;
  write_text(dir / "a.jsonl", medmcqa("a", "4") + "\n");
  write_text(dir / "b.jsonl", medmcqa("a", "4") + "\n");
  write_text(dir / "c.jsonl", medmcqa("a", "4", "Which nerve supplies the biceps?") + "\n");
  auto a = load_dataset(dir / "a.jsonl");
  auto b = load_dataset(dir / "b.jsonl");
  auto c = load_dataset(dir / "c.jsonl");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->content_hash.size(), 32u);
  EXPECT_EQ(a->content_hash, b->content_hash) << "another path, the same bytes";
  EXPECT_NE(a->content_hash, c->content_hash);
}

TEST(FieldMapping, RejectsBadSpecs) {
  EXPECT_FALSE(parse_field_mapping("options=a|b,answer=x").ok()) << "question is required";
  EXPECT_FALSE(parse_field_mapping("question=q").ok()) << "options are required";
  EXPECT_FALSE(parse_field_mapping("question=q,options=a|b,options_object=o").ok());
  EXPECT_FALSE(parse_field_mapping("question=q,options=a|b,answer_encoding=roman").ok());
  EXPECT_FALSE(parse_field_mapping("question=q,options=a|b,choices=yes|no").ok());
  EXPECT_FALSE(parse_field_mapping("question=q,choices=yes").ok()) << "one choice";
  EXPECT_FALSE(parse_field_mapping("question=q,choices=yes||no").ok()) << "an empty choice";
  auto unknown = parse_field_mapping("question=q,options=a|b,colour=red");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message().find("unknown key 'colour'"), std::string::npos);
}

// --- the malformed-file corpus of tests/fixtures/bad ---

// Loads strictly (must fail) and leniently (must skip exactly the bad record);
// returns the problems of the lenient load.
std::vector<Problem> expect_one_bad_record(const std::string& file, size_t good_records) {
  auto strict = load_dataset(bad(file));
  EXPECT_FALSE(strict.ok()) << file << " loaded strictly";
  if (!strict.ok()) {
    EXPECT_NE(strict.error().message().find(bad(file).string() + ":"), std::string::npos)
        << strict.error().message();
  }
  auto loose = load_dataset(bad(file), lenient());
  EXPECT_TRUE(loose.ok()) << file << ": " << (loose.ok() ? "" : loose.error().message());
  if (!loose.ok()) return {};
  EXPECT_EQ(loose->questions.size(), good_records) << file;
  return loose->problems;
}

TEST(BadInput, TruncatedJsonLine) {
  auto problems = expect_one_bad_record("truncated.jsonl", 2);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].line, 2u);
  EXPECT_EQ(problems[0].reason, "invalid json");
}

TEST(BadInput, TruncatedJsonArray) {
  auto problems = expect_one_bad_record("truncated_array.json", 2);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].line, 4u);
  EXPECT_NE(problems[0].detail.find("not closed"), std::string::npos);
}

// Found by fuzzing (tests/fuzz/dataset_fuzz.cpp): a number too large for a
// double made nlohmann::json throw out_of_range, not parse_error, and the
// uncaught exception aborted the load. It is an invalid record like any other.
TEST(BadInput, NumberTooLargeForADouble) {
  TempDir dir;
  write_text(dir / "d.jsonl", medmcqa("a", "4") + "\n" + medmcqa("b", "8E888") + "\n" +
                                  medmcqa("c", "1e999") + "\n" + medmcqa("d", "2") + "\n");
  auto strict = load_dataset(dir / "d.jsonl");
  ASSERT_FALSE(strict.ok());
  EXPECT_NE(strict.error().message().find("d.jsonl:2: number overflow parsing '8E888'"),
            std::string::npos)
      << strict.error().message();
  auto loose = load_dataset(dir / "d.jsonl", lenient());
  ASSERT_TRUE(loose.ok()) << loose.error().message();
  EXPECT_EQ(loose->questions.size(), 2u);
  ASSERT_EQ(loose->problems.size(), 2u);
  EXPECT_EQ(loose->problems[1].line, 3u);
  EXPECT_EQ(loose->problems[1].reason, "invalid json");
  // The same inside a JSON array.
  write_text(dir / "a.json", "[" + medmcqa("a", "4") + ",\n" + medmcqa("b", "-1e400") + "]");
  auto array = load_dataset(dir / "a.json", lenient());
  ASSERT_TRUE(array.ok()) << array.error().message();
  ASSERT_EQ(array->problems.size(), 1u);
  EXPECT_EQ(array->problems[0].line, 2u);
}

TEST(BadInput, AnswerBeyondSixtyFourBitsIsOutOfRangeNotUnlabelled) {
  TempDir dir;
  // 2^64 - 1 would read as -1, which a HuggingFace MedMCQA copy uses for
  // "unlabelled"; the 0 in record a makes the file's cop base 0.
  write_text(dir / "d.jsonl",
             medmcqa("a", "0") + "\n" + medmcqa("b", "18446744073709551615") + "\n");
  auto loaded = load_dataset(dir / "d.jsonl", lenient());
  ASSERT_TRUE(loaded.ok()) << loaded.error().message();
  ASSERT_EQ(loaded->problems.size(), 1u);
  EXPECT_EQ(loaded->problems[0].line, 2u);
  EXPECT_EQ(loaded->problems[0].field, "cop");
  EXPECT_EQ(loaded->problems[0].reason, "answer out of range");
}

TEST(BadInput, MissingOption) {
  auto problems = expect_one_bad_record("missing_option.jsonl", 2);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].line, 2u);
  EXPECT_EQ(problems[0].field, "opc");
  EXPECT_EQ(problems[0].reason, "missing option");
}

TEST(BadInput, FewerThanTwoOptions) {
  TempDir dir;
  write_text(dir / "d.jsonl",
             "{\"question\": \"q0\", \"options\": [], \"answer_idx\": \"A\"}\n"
             "{\"question\": \"q1\", \"options\": {\"A\": \"x\"}, \"answer_idx\": \"A\"}\n");
  auto loaded = load_dataset(dir / "d.jsonl", lenient());
  ASSERT_TRUE(loaded.ok()) << loaded.error().message();
  ASSERT_EQ(loaded->problems.size(), 2u);
  EXPECT_EQ(loaded->problems[0].describe("d.jsonl"),
            "d.jsonl:1: field 'options': no options; a question needs at least 2 "
            "[too few options]");
  EXPECT_EQ(loaded->problems[1].describe("d.jsonl"),
            "d.jsonl:2: field 'options': only 1 option; a question needs at least 2 "
            "[too few options]");
}

TEST(BadInput, CopOutOfRange) {
  auto problems = expect_one_bad_record("cop5.jsonl", 2);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].line, 3u);
  EXPECT_EQ(problems[0].field, "cop");
  EXPECT_EQ(problems[0].describe("f"),
            "f:3: field 'cop': value 5 is outside 1..4 [answer out of range]");
}

TEST(BadInput, NonUtf8Bytes) {
  auto problems = expect_one_bad_record("non_utf8.jsonl", 2);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].line, 2u);
  EXPECT_EQ(problems[0].field, "question");
  EXPECT_EQ(problems[0].reason, "invalid utf-8");
  EXPECT_NE(problems[0].detail.find("0xFF"), std::string::npos);
}

TEST(BadInput, EmptyQuestion) {
  auto problems = expect_one_bad_record("empty_question.jsonl", 2);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].line, 3u);
  EXPECT_EQ(problems[0].field, "question");
}

TEST(BadInput, DuplicateIds) {
  auto problems = expect_one_bad_record("duplicate_ids.jsonl", 2);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].line, 3u);
  EXPECT_EQ(problems[0].field, "id");
  EXPECT_NE(problems[0].detail.find("line 1"), std::string::npos);
}

TEST(BadInput, WrongTypes) {
  auto problems = expect_one_bad_record("wrong_types.jsonl", 1);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].field, "cop");
  EXPECT_EQ(problems[1].field, "opa");
  const auto by_reason = [&] {
    Dataset d;
    d.problems = problems;
    return d.skipped_by_reason();
  }();
  EXPECT_EQ(by_reason.at("invalid answer"), 1u);
  EXPECT_EQ(by_reason.at("wrong type"), 1u);
}

TEST(BadInput, EmptyFileIsAnErrorInBothModes) {
  for (bool strict : {true, false}) {
    LoadOptions o;
    o.strict = strict;
    auto d = load_dataset(bad("empty.jsonl"), o);
    ASSERT_FALSE(d.ok());
    EXPECT_NE(d.error().message().find("empty.jsonl: the file is empty"), std::string::npos);
  }
}

TEST(BadInput, CsvUnterminatedQuote) {
  LoadOptions o;
  o.strict = false;
  auto mapping = parse_field_mapping("id=id,question=question,options=a|b|c|d,answer=answer");
  ASSERT_TRUE(mapping.ok());
  o.mapping = *mapping;
  auto d = load_dataset(bad("unterminated_quote.csv"), o);
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->questions.size(), 1u) << "the row before the bad quote still loads";
  ASSERT_EQ(d->problems.size(), 1u);
  EXPECT_EQ(d->problems[0].line, 3u);
  EXPECT_NE(d->problems[0].detail.find("unterminated"), std::string::npos);
}

TEST(BadInput, TenMegabyteLine) {
  TempDir dir;
  // A valid record whose question is 10 MB long loads...
  const std::string huge(10 << 20, 'x');
  write_text(dir / "big.jsonl", medmcqa("a", "4", huge) + "\n");
  auto d = load_dataset(dir / "big.jsonl");
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->questions[0].text.size(), huge.size());
  // ...and a 10 MB line of garbage is one clear, short error.
  write_text(dir / "garbage.jsonl", medmcqa("a", "4") + "\n{\"question\": \"" + huge + "\n");
  auto g = load_dataset(dir / "garbage.jsonl");
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.error().message().find("garbage.jsonl:2:"), std::string::npos);
  EXPECT_LT(g.error().message().size(), 1000u) << "the error quotes a snippet, not the line";
}

TEST(BadInput, UnreadableAndUnknownFiles) {
  auto missing = load_dataset("/nonexistent/dir/q.jsonl");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("/nonexistent/dir/q.jsonl"), std::string::npos);
  TempDir dir;
  write_text(dir / "other.jsonl", R"({"prompt":"x","label":1})"
                                  "\n");
  auto unknown = load_dataset(dir / "other.jsonl");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message().find("other.jsonl:1: not a MedMCQA record"),
            std::string::npos)
      << unknown.error().message();
  EXPECT_EQ(unknown.error().message().find("set "), std::string::npos) << unknown.error().message();
  LoadOptions named;
  named.setting_names = {"--format", "--map", "--answer-base", "without --strict"};
  auto advised = load_dataset(dir / "other.jsonl", named);
  ASSERT_FALSE(advised.ok());
  EXPECT_NE(advised.error().message().find(
                "; set --format to jsonl or csv and give a field mapping with --map (question="),
            std::string::npos)
      << advised.error().message();
}

// --- filters ---

std::vector<Question> numbered(size_t n) {
  std::vector<Question> qs(n);
  for (size_t i = 0; i < n; ++i) {
    qs[i].id = "q" + std::to_string(i);
    qs[i].subject = i % 2 == 0 ? "Anatomy" : "Dental";
    qs[i].meta["choice_type"] = i % 3 == 0 ? "multi" : "single";
  }
  return qs;
}

std::vector<std::string> ids_of(const std::vector<Question>& qs) {
  std::vector<std::string> ids;
  for (const auto& q : qs)
    ids.push_back(q.id);
  return ids;
}

TEST(Filter, IdsChoiceTypeSubjectFirst) {
  const auto qs = numbered(12);
  QuestionFilter f;
  f.choice_type = "multi";   // q0 q3 q6 q9
  f.subjects = {"Anatomy"};  // even ones: q0 q6
  auto r = apply_filter(qs, f);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(ids_of(*r), (std::vector<std::string>{"q0", "q6"}));

  QuestionFilter by_id;
  by_id.ids = {"q7", "q2"};
  r = apply_filter(qs, by_id);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(ids_of(*r), (std::vector<std::string>{"q2", "q7"})) << "file order is kept";
  by_id.ids = {"nope"};
  EXPECT_FALSE(apply_filter(qs, by_id).ok());

  QuestionFilter first;
  first.first_n = 3;
  r = apply_filter(qs, first);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(ids_of(*r), (std::vector<std::string>{"q0", "q1", "q2"}));

  first.sample_n = 2;
  EXPECT_FALSE(apply_filter(qs, first).ok()) << "first and sample together are refused";
}

TEST(Filter, SampleIsSeededOrderedAndUniform) {
  const auto qs = numbered(10);
  QuestionFilter f;
  f.sample_n = 3;
  f.sample_seed = 7;
  auto a = apply_filter(qs, f);
  auto b = apply_filter(qs, f);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(ids_of(*a), ids_of(*b));
  EXPECT_EQ(a->size(), 3u);

  // Each question should be picked with probability 3/10: over 4,000 seeds its
  // count has mean 1200 and variance 4000 * 0.3 * 0.7 = 840. The statistic
  // sum (O - E)^2 / E is then about 0.7 * chi-square(9) (the total is fixed),
  // so it exceeds 27.88, the 0.999 quantile of chi-square(9), with probability
  // below 0.001: the false-failure rate of this test. A biased sampler (say
  // one favouring early items by 10%) moves the statistic far above it.
  std::map<std::string, int> picks;
  const int seeds = 4000;
  for (int s = 0; s < seeds; ++s) {
    f.sample_seed = static_cast<uint64_t>(s);
    auto r = apply_filter(qs, f);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->size(), 3u);
    for (size_t i = 1; i < r->size(); ++i) {
      ASSERT_LT(std::stoi((*r)[i - 1].id.substr(1)), std::stoi((*r)[i].id.substr(1)));
    }
    for (const auto& q : *r)
      ++picks[q.id];
  }
  double chi2 = 0;
  const double expected = seeds * 0.3;
  for (const auto& q : qs)
    chi2 += std::pow(picks[q.id] - expected, 2) / expected;
  EXPECT_LT(chi2, 27.88);
}

// Without an id field a question's id is its record's ordinal, not its line:
// a CSV header, a blank line, a record spanning lines or several records on
// one line move no id, and a record that fails to load keeps its number.
TEST(Generic, IdsWithoutAnIdFieldAreRecordOrdinals) {
  TempDir dir;
  LoadOptions o = lenient();
  auto mapping = parse_field_mapping("question=q,options=a|b,answer=ans");
  ASSERT_TRUE(mapping.ok()) << mapping.error().message();
  o.mapping = *mapping;
  const auto ids = [&](const std::filesystem::path& path) {
    auto d = load_dataset(path, o);
    EXPECT_TRUE(d.ok()) << d.error().message();
    std::vector<std::string> out;
    if (d.ok()) {
      for (const auto& q : d->questions)
        out.push_back(q.id);
    }
    return out;
  };
  const std::string good = R"({"q":"Q?","a":"x","b":"y","ans":"A"})";
  // Line 1 a record, line 2 blank, line 3 broken JSON, line 4 a record.
  write_text(dir / "gaps.jsonl", good + "\n\n{broken\n" + good + "\n");
  EXPECT_EQ(ids(dir / "gaps.jsonl"), (std::vector<std::string>{"1", "3"}));
  // The broken record fixed: the others keep their ids.
  write_text(dir / "fixed.jsonl", good + "\n\n" + good + "\n" + good + "\n");
  EXPECT_EQ(ids(dir / "fixed.jsonl"), (std::vector<std::string>{"1", "2", "3"}));
  // Two records on the first line of a JSON array, a third spanning two lines.
  write_text(
      dir / "array.json",
      "[" + good + "," + good + ",\n{\"q\":\"Q?\",\n\"a\":\"x\",\"b\":\"y\",\"ans\":\"B\"}]\n");
  EXPECT_EQ(ids(dir / "array.json"), (std::vector<std::string>{"1", "2", "3"}));
  // A CSV's header row is no record.
  write_text(dir / "h.csv", "q,a,b,ans\nQ one?,x,y,A\nQ two?,x,y,B\n");
  EXPECT_EQ(ids(dir / "h.csv"), (std::vector<std::string>{"1", "2"}));
}

Result<Dataset> load_csv(const std::filesystem::path& path, const std::string& spec) {
  LoadOptions o = lenient();
  auto mapping = parse_field_mapping(spec);
  if (!mapping) return mapping.error();
  o.mapping = *mapping;
  return load_dataset(path, o);
}

// A file read with the wrong settings skips most records; the diagnosis
// names the likely cause.
TEST(Diagnosis, AHeaderlessCsvReadWithAHeader) {
  TempDir dir;
  write_text(dir / "q.csv",
             "What is red?,red,green,A\nWhat is blue?,blue,red,A\nWhat is x?,x,y,B\n");
  // Columns by number need header=false.
  auto numbered = load_csv(dir / "q.csv", "question=1,options=2|3,answer=4");
  ASSERT_TRUE(numbered.ok()) << numbered.error().message();
  EXPECT_TRUE(numbered->mostly_skipped());
  EXPECT_NE(numbered->diagnosis.find("which needs header=false"), std::string::npos)
      << numbered->diagnosis;
  // Columns by name: the first row, read as the header, is data.
  auto named = load_csv(dir / "q.csv", "question=stem,options=a|b,answer=ans");
  ASSERT_TRUE(named.ok()) << named.error().message();
  EXPECT_TRUE(named->mostly_skipped());
  EXPECT_NE(named->diagnosis.find("no column is named 'stem', 'a', 'b', 'ans': the first row "
                                  "looks like data ("),
            std::string::npos)
      << named->diagnosis;
  EXPECT_NE(named->diagnosis.find("'What is red?'"), std::string::npos) << named->diagnosis;
  EXPECT_NE(named->diagnosis.find("header=false?"), std::string::npos) << named->diagnosis;
  // Right: nothing to diagnose.
  auto right = load_csv(dir / "q.csv", "question=1,options=2|3,answer=4,header=false");
  ASSERT_TRUE(right.ok()) << right.error().message();
  EXPECT_EQ(right->questions.size(), 3u);
  EXPECT_FALSE(right->mostly_skipped());
  EXPECT_EQ(right->diagnosis, "");
}

TEST(Diagnosis, ACsvHeaderReadAsData) {
  TempDir dir;
  write_text(dir / "q.csv", "stem,a,b,ans\nWhat is red?,red,green,A\n");
  auto d = load_csv(dir / "q.csv", "question=stem,options=a|b,answer=ans,header=false");
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_TRUE(d->mostly_skipped());
  EXPECT_NE(d->diagnosis.find("the first row names the fields ('stem', 'a', 'b', 'ans'): drop "
                              "header=false"),
            std::string::npos)
      << d->diagnosis;
}

TEST(Diagnosis, AMappedFieldNoRecordHasAndTheCommonestProblem) {
  TempDir dir;
  write_text(dir / "q.jsonl", R"({"question":"Q?","a":"x","b":"y","ans":"A"})"
                              "\n");
  LoadOptions o = lenient();
  o.mapping = *parse_field_mapping("question=stem,options=a|b,answer=ans");
  auto d = load_dataset(dir / "q.jsonl", o);
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_TRUE(d->questions.empty());
  EXPECT_EQ(d->diagnosis,
            "no record has the field 'stem'; the records' fields are 'a', 'ans', 'b', 'question'");
  // Strict, the error says it too.
  o.strict = true;
  auto strict = load_dataset(dir / "q.jsonl", o);
  ASSERT_FALSE(strict.ok());
  EXPECT_NE(strict.error().message().find("likely cause: no record has the field 'stem'"),
            std::string::npos)
      << strict.error().message();

  // Two of three MedMCQA answers out of range (cop 5 with answer base 1):
  // the commonest problem, with an example.
  write_text(dir / "m.jsonl",
             medmcqa("a", "5") + "\n" + medmcqa("b", "5") + "\n" + medmcqa("c", "1") + "\n");
  LoadOptions m = lenient();
  m.answer_base = 1;
  auto most = load_dataset(dir / "m.jsonl", m);
  ASSERT_TRUE(most.ok()) << most.error().message();
  EXPECT_TRUE(most->mostly_skipped());
  EXPECT_NE(most->diagnosis.find("most skipped records: answer out of range (2 of 3), e.g. "),
            std::string::npos)
      << most->diagnosis;
  // One of three skipped is no majority.
  write_text(dir / "few.jsonl",
             medmcqa("a", "5") + "\n" + medmcqa("b", "2") + "\n" + medmcqa("c", "1") + "\n");
  auto few = load_dataset(dir / "few.jsonl", m);
  ASSERT_TRUE(few.ok()) << few.error().message();
  EXPECT_FALSE(few->mostly_skipped());
  EXPECT_EQ(few->diagnosis, "");
}

}  // namespace
}  // namespace privqa
