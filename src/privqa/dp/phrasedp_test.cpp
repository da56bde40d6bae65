#include "privqa/dp/phrasedp.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "dp/stat_testing.h"

namespace privqa {
namespace {

// Each known text encodes to a fixed unit vector at an angle from the original.
class AngleEncoder : public SentenceEncoder {
 public:
  explicit AngleEncoder(std::map<std::string, double> degrees) : degrees_(std::move(degrees)) {}
  size_t dims() const override { return 2; }
  Result<std::vector<float>> encode(std::string_view text) const override {
    const auto it = degrees_.find(std::string(text));
    if (it == degrees_.end()) return Error("no vector for '" + std::string(text) + "'");
    const double r = it->second * M_PI / 180;
    return std::vector<float>{static_cast<float>(std::cos(r)), static_cast<float>(std::sin(r))};
  }

 private:
  std::map<std::string, double> degrees_;
};

const std::string kOriginal = "A 45-year-old man from Pune presents with chest pain.";

TEST(PhraseDp, FiltersCandidatesAsSpecified) {
  const std::vector<std::string> in = {
      "  A middle-aged man presents with chest pain.  ",
      "a middle-aged man presents with chest pain.",            // repeat, other case
      "A 45-YEAR-OLD MAN FROM PUNE PRESENTS WITH CHEST PAIN.",  // the original
      "Too short.",                                             // 10 characters
      "Here are ten paraphrases of the question:",
      "Sure! A patient has thoracic discomfort.",
      "This is a paraphrase that generalizes the text.",
      "An adult reports pain in the chest area.",
      ""};
  EXPECT_EQ(filter_paraphrase_candidates(kOriginal, in),
            (std::vector<std::string>{"A middle-aged man presents with chest pain.",
                                      "An adult reports pain in the chest area."}));
  // Each usable line knows the candidate it came from, also when trimmed.
  const auto usable = usable_paraphrases(kOriginal, in);
  ASSERT_EQ(usable.size(), 2u);
  EXPECT_EQ(usable[0].index, 0u);
  EXPECT_EQ(usable[0].text, "A middle-aged man presents with chest pain.");
  EXPECT_EQ(usable[1].index, 7u);
  EXPECT_EQ(usable[1].text, "An adult reports pain in the chest area.");
}

TEST(PhraseDp, ScoringRulesFollowTheirFormulas) {
  const std::vector<double> u = {0.9, 0.2, -0.4};
  const auto original = phrase_scores(u, 2.0, PhraseScoring::kOriginal);
  const auto em = phrase_scores(u, 2.0, PhraseScoring::kEm);
  for (size_t i = 0; i < u.size(); ++i) {
    EXPECT_DOUBLE_EQ(original[i], -2.0 * (1 - u[i]));
    EXPECT_DOUBLE_EQ(em[i], 2.0 * u[i] / 4);
  }
}

TEST(PhraseDp, SelectionFollowsTheExponentialMechanism) {
  const std::vector<std::string> candidates = {"near", "middle", "far", "opposite"};
  const std::vector<double> angles = {10, 60, 90, 170};
  AngleEncoder encoder(
      {{kOriginal, 0}, {"near", 10}, {"middle", 60}, {"far", 90}, {"opposite", 170}});
  for (auto scoring : {PhraseScoring::kOriginal, PhraseScoring::kEm}) {
    const double eps = 3;
    std::vector<double> probabilities;
    double total = 0;
    for (double a : angles) {
      const double u = std::cos(a * M_PI / 180);
      total += probabilities.emplace_back(
          std::exp(scoring == PhraseScoring::kOriginal ? -eps * (1 - u) : eps * u / 4));
    }
    for (double& p : probabilities)
      p /= total;
    Rng rng = Rng::from_seed(61);
    std::vector<size_t> counts(candidates.size());
    for (int i = 0; i < 20000; ++i) {
      const auto selection = select_paraphrase(kOriginal, candidates, encoder, eps, scoring, rng);
      ASSERT_TRUE(selection.ok()) << selection.error().message();
      ++counts[selection->index];
    }
    EXPECT_FITS(counts, probabilities);
  }
}

TEST(PhraseDp, ErrorsAreClear) {
  AngleEncoder encoder({{kOriginal, 0}});
  Rng rng = Rng::from_seed(62);
  EXPECT_FALSE(select_paraphrase(kOriginal, {}, encoder, 1, PhraseScoring::kOriginal, rng).ok());
  const auto unknown =
      select_paraphrase(kOriginal, {"unknown text"}, encoder, 1, PhraseScoring::kOriginal, rng);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message().find("candidate 1"), std::string::npos);
  const auto bad_eps =
      select_paraphrase(kOriginal, {"x"}, encoder, NAN, PhraseScoring::kOriginal, rng);
  ASSERT_FALSE(bad_eps.ok());
  EXPECT_NE(bad_eps.error().message().find("NaN"), std::string::npos);
  EXPECT_FALSE(parse_phrase_scoring("bands").ok());
}

TEST(PhraseDp, BandsAreWidenedByAMargin) {
  EXPECT_TRUE(in_similarity_band(0.35, 3));
  EXPECT_TRUE(in_similarity_band(0.26, 3));
  EXPECT_TRUE(in_similarity_band(0.44, 3));
  EXPECT_FALSE(in_similarity_band(0.24, 3));
  EXPECT_FALSE(in_similarity_band(0.46, 3));
}

TEST(PhraseDp, TenBandsOfWidthOneTenthCoverZeroToOne) {
  EXPECT_EQ(kSimilarityBands, 10);
  EXPECT_DOUBLE_EQ(similarity_band(0).low, 0.0);
  EXPECT_DOUBLE_EQ(similarity_band(3).low, 0.3);
  EXPECT_DOUBLE_EQ(similarity_band(3).high, 0.4);
  EXPECT_DOUBLE_EQ(similarity_band(kSimilarityBands - 1).high, 1.0);
  for (int b = 1; b < kSimilarityBands; ++b)
    EXPECT_DOUBLE_EQ(similarity_band(b).low, similarity_band(b - 1).high) << b;
}

}  // namespace
}  // namespace privqa
