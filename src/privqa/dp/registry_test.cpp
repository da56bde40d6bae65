#include "privqa/dp/registry.h"

#include <gtest/gtest.h>

#include <cmath>

#include "privqa/dp/phrasedp.h"

namespace privqa {
namespace {

EmbeddingTable small_table() {
  auto table = EmbeddingTable::from_rows({"heart", "lung", "liver", "kidney", "café"},
                                         {0, 1, 1, 0, 1, 1, 2, 0, 0, 2}, 2);
  EXPECT_TRUE(table.ok());
  return std::move(*table);
}

const std::vector<std::string> kRegistryCorpus = {"heart lung liver kidney café heart"};

TEST(Params, UnknownParameterIsNamed) {
  const auto table = small_table();
  const auto made =
      create_mechanism("santext+", {{"sensitivity_ratio", "0.5"}}, table, kRegistryCorpus);
  ASSERT_FALSE(made.ok());
  EXPECT_NE(made.error().message().find("unknown parameter 'sensitivity_ratio'"), std::string::npos)
      << made.error().message();
  EXPECT_NE(made.error().message().find("sensitive_ratio"), std::string::npos);
}

TEST(Params, BadValuesAreRejectedWithTheirName) {
  const auto table = small_table();
  for (const auto& [name, key, value] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"santext+", "p", "1.5"},
           {"santext+", "p", "abc"},
           {"santext+", "sensitive_ratio", "0"},
           {"custext+", "top_k", "2.5"},
           {"inferdpt", "noise", "gaussian"},
           {"inferdpt", "oov", "replace"},
           {"mahalanobis", "lambda", "1.5"},
           {"mahalanobis", "lambda", "-0.1"},
           {"vickrey", "lambda", "2"},
           {"vickrey", "t", "-0.5"},
           {"vickrey", "t", "1.01"},
           {"vickrey", "noise", "laplace"},
           {"cmp", "lambda", "0.5"}}) {
    const auto made = create_mechanism(name, {{key, value}}, table, kRegistryCorpus);
    ASSERT_FALSE(made.ok()) << name << " " << key << "=" << value;
    EXPECT_NE(made.error().message().find("'" + key + "'"), std::string::npos)
        << made.error().message();
  }
}

TEST(Params, DefaultsAreResolved) {
  const auto table = small_table();
  const auto made = create_mechanism("santext+", {}, table, kRegistryCorpus);
  ASSERT_TRUE(made.ok());
  EXPECT_EQ((*made)->params().real("p"), 0.3);
  EXPECT_EQ((*made)->params().real("sensitive_ratio"), 0.9);
  EXPECT_EQ((*made)->params().text("oov"), "replace");
}

TEST(Params, TextParametersTakeAnyNonEmptyValue) {
  const auto& specs = phrasedp_param_specs();
  const auto defaulted = resolve_params("phrasedp", specs, {});
  ASSERT_TRUE(defaulted.ok());
  EXPECT_EQ(defaulted->text("encoder"), "sif");
  const auto named = resolve_params("phrasedp", specs, {{"encoder", "minilm"}});
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->text("encoder"), "minilm");
  const auto empty = resolve_params("phrasedp", specs, {{"encoder", ""}});
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message().find("'encoder' must not be empty"), std::string::npos)
      << empty.error().message();
}

TEST(Params, AssignmentsParse) {
  const auto ok = parse_param_assignments({"p=0.5", "oov=keep"});
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->at("p"), "0.5");
  EXPECT_FALSE(parse_param_assignments({"p"}).ok());
  EXPECT_FALSE(parse_param_assignments({"p=1", "p=2"}).ok());
}

TEST(Registry, UnknownMechanismListsTheKnownOnes) {
  const auto table = small_table();
  const auto made = create_mechanism("santext++", {}, table, kRegistryCorpus);
  ASSERT_FALSE(made.ok());
  EXPECT_NE(made.error().message().find("custext+"), std::string::npos);
  EXPECT_FALSE(create_mechanism("phrasedp", {}, table, kRegistryCorpus).ok());
}

TEST(Mechanisms, RejectInvalidEpsilon) {
  const auto table = small_table();
  for (const char* name :
       {"santext", "santext+", "custext+", "inferdpt", "cmp", "mahalanobis", "vickrey"}) {
    const auto made = create_mechanism(name, {}, table, kRegistryCorpus);
    ASSERT_TRUE(made.ok()) << made.error().message();
    Rng rng = Rng::from_seed(1);
    for (double eps : {0.0, -1.0, double(NAN), double(INFINITY), -double(INFINITY)}) {
      const auto out = (*made)->sanitize("heart", eps, rng);
      ASSERT_FALSE(out.ok()) << name << " eps " << eps;
      EXPECT_NE(out.error().message().find("eps"), std::string::npos);
      EXPECT_NE(out.error().message().find(name), std::string::npos);
    }
  }
}

TEST(Mechanisms, EdgeCaseTexts) {
  const auto table = small_table();
  for (const char* name :
       {"santext", "santext+", "custext+", "inferdpt", "cmp", "mahalanobis", "vickrey"}) {
    const auto made = create_mechanism(name, {}, table, kRegistryCorpus);
    ASSERT_TRUE(made.ok());
    const Mechanism& m = **made;
    Rng rng = Rng::from_seed(2);
    const auto empty = m.sanitize("", 1.0, rng);
    ASSERT_TRUE(empty.ok());
    EXPECT_EQ(empty->text, "");
    EXPECT_EQ(empty->stats.words, 0u);

    const auto punct = m.sanitize(" ... ?! ", 1.0, rng);
    EXPECT_EQ(punct->text, " ... ?! ");

    // All out of vocabulary: counted, and never a crash.
    const auto unknown = m.sanitize("zyx wvu", 1.0, rng);
    ASSERT_TRUE(unknown.ok());
    EXPECT_EQ(unknown->stats.words, 2u);
    EXPECT_EQ(unknown->stats.oov, 2u);
    EXPECT_EQ(unknown->stats.kept + unknown->stats.replaced + unknown->stats.dropped, 2u);

    // Non-ASCII: "Café" folds to "café", which has a vector; "Ωμέγα" does not.
    const auto accented = m.sanitize("Café Ωμέγα — ok", 1.0, rng);
    ASSERT_TRUE(accented.ok());
    EXPECT_EQ(accented->stats.words, 3u);
    EXPECT_NE(accented->text.find("—"), std::string::npos);

    const auto numbers = m.sanitize("7 and 3.5", 1.0, rng);
    EXPECT_EQ(numbers->stats.numbers, 2u);
  }
}

}  // namespace
}  // namespace privqa
