// The mechanisms on real data: MedMCQA dev questions with the wink embeddings.
// Skipped (with the reason) when either file is absent.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <map>

#include "dp/stat_testing.h"
#include "privqa/data/dataset.h"
#include "privqa/dp/corpus_words.h"
#include "privqa/dp/registry.h"
#include "privqa/dp/santext.h"
#include "privqa/embed/embedding_table.h"
#include "testing.h"

namespace privqa {
namespace {

// Loaded once for the whole suite: the table and the questions.
struct RealData {
  EmbeddingTable table;
  std::vector<std::string> corpus;  // every dev question text
};

const RealData* real_data(const std::filesystem::path& wink, const std::filesystem::path& dev) {
  static const RealData* data = [&]() -> const RealData* {
    auto table = load_embeddings(wink);
    auto dataset = load_dataset(dev);
    if (!table.ok() || !dataset.ok()) {
      ADD_FAILURE() << (table.ok() ? dataset.error().message() : table.error().message());
      return nullptr;
    }
    auto* out = new RealData{std::move(*table), {}};
    for (const auto& q : dataset->questions)
      out->corpus.push_back(q.text);
    return out;
  }();
  return data;
}

// `var` names the variable it declares, so it takes no parentheses.
#define PRIVQA_REQUIRE_REAL_DATA(var)                                                            \
  PRIVQA_REQUIRE_WINK(wink_file);                                                                \
  PRIVQA_REQUIRE_SHARED_DATA(dev_file, "medmcqa/dev.json");                                      \
  const RealData* var = real_data(wink_file, dev_file); /* NOLINT(bugprone-macro-parentheses) */ \
  ASSERT_NE(var, nullptr)

const Mechanism& mechanism(const RealData& data, const std::string& name) {
  static std::map<std::string, std::shared_ptr<const Mechanism>> built;
  auto& slot = built[name];
  if (!slot) {
    auto made = create_mechanism(name, {}, data.table, data.corpus);
    EXPECT_TRUE(made.ok()) << made.error().message();
    slot = *made;
  }
  return *slot;
}

double distance(const EmbeddingTable& table, uint32_t a, uint32_t b) {
  double sum = 0;
  for (size_t j = 0; j < table.dims(); ++j) {
    const double diff = static_cast<double>(table.row(a)[j]) - table.row(b)[j];
    sum += diff * diff;
  }
  return std::sqrt(sum);
}

TEST(MedMcqa, SanTextPlusVocabularyComesFromTheCorpus) {
  PRIVQA_REQUIRE_REAL_DATA(data);
  const auto& santext = dynamic_cast<const SanText&>(mechanism(*data, "santext+"));
  const CorpusWords words = corpus_words(data->table, data->corpus);
  EXPECT_EQ(santext.vocabulary(), words.rows);
  EXPECT_GT(santext.vocabulary().size(), 5000u);
  // ceil(0.9 |V|) sensitive words.
  EXPECT_EQ(santext.sensitive().size(),
            static_cast<size_t>(std::ceil(0.9 * static_cast<double>(santext.vocabulary().size()))));
  for (const char* word : {"myelinated", "glomerular", "thyroid", "carcinoma", "anaesthesia"}) {
    const auto row = data->table.find(word);
    ASSERT_TRUE(row.has_value()) << word;
    EXPECT_TRUE(santext.in_vocabulary(*row)) << word;
  }
  EXPECT_TRUE(santext.is_sensitive(*data->table.find("glomerular")));
}

TEST(MedMcqa, SanTextPlusEpsChangesTheOutputDistribution) {
  // Regression test for a vocabulary frozen at start-up: the probability that
  // a rare medical word survives must follow eps, in the tables and in draws.
  PRIVQA_REQUIRE_REAL_DATA(data);
  const auto& santext = dynamic_cast<const SanText&>(mechanism(*data, "santext+"));
  const uint32_t x = *data->table.find("glomerular");
  const auto& s = santext.sensitive();
  const size_t self = std::find(s.begin(), s.end(), x) - s.begin();
  const double p1 = santext.replacement_probabilities(x, 1.0)[self];
  const double p3 = santext.replacement_probabilities(x, 3.0)[self];
  EXPECT_GT(p3, 5 * p1);
  for (double eps : {1.0, 3.0}) {
    const double p = eps == 1.0 ? p1 : p3;
    Rng rng = Rng::from_seed(71);
    std::vector<size_t> counts(2);
    for (int i = 0; i < 4000; ++i) {
      ++counts[santext.sanitize("glomerular", eps, rng)->text == "glomerular" ? 0 : 1];
    }
    EXPECT_FITS(counts, (std::vector<double>{p, 1 - p}));
  }
}

TEST(MedMcqa, SanTextMetricDpBoundHoldsOnSampledPairs) {
  PRIVQA_REQUIRE_REAL_DATA(data);
  const auto& santext = dynamic_cast<const SanText&>(mechanism(*data, "santext+"));
  const auto& v = santext.vocabulary();
  Rng pick = Rng::from_seed(72);
  for (int pair = 0; pair < 12; ++pair) {
    const uint32_t x = v[pick.below(v.size())], x2 = v[pick.below(v.size())];
    const double d = distance(data->table, x, x2);
    for (double eps : {1.0, 3.0}) {
      const auto px = santext.replacement_probabilities(x, eps);
      const auto px2 = santext.replacement_probabilities(x2, eps);
      double worst = 0;  // largest log(Pr(y|x) / Pr(y|x')) - eps d
      for (size_t y = 0; y < px.size(); ++y) {
        worst = std::max(worst, std::log(px[y] / px2[y]) - eps * d);
      }
      // Slack for float32 distances (relative 1e-5 of the ratio).
      EXPECT_LE(worst, 1e-5) << data->table.word(x) << " / " << data->table.word(x2);
    }
  }
}

// Share of word tokens kept and mean embedding distance from each word with
// a vector to its output (0 when kept; dropped words are left out).
struct Movement {
  double kept_share = 0;
  double mean_distance = 0;
  double distance_variance = 0;  // of one word's distance
  size_t words = 0;
  size_t measured = 0;
};

// Three standard errors of the difference of two means (distance) or shares (kept).
double distance_margin(const Movement& a, const Movement& b) {
  return 3 * std::sqrt(a.distance_variance / static_cast<double>(a.measured) +
                       b.distance_variance / static_cast<double>(b.measured));
}
double kept_margin(const Movement& a, const Movement& b) {
  return 3 * std::sqrt(a.kept_share * (1 - a.kept_share) / static_cast<double>(a.words) +
                       b.kept_share * (1 - b.kept_share) / static_cast<double>(b.words));
}

Movement movement(const RealData& data, const Mechanism& m, double eps) {
  Movement out;
  double total_distance = 0, total_squared = 0;
  size_t measured = 0, kept = 0;
  for (size_t q = 0; q < 120; ++q) {
    Rng rng = cell_rng(1, std::to_string(q), "S3", m.name(), eps, 0);
    const auto tokens = tokenize(data.corpus[q]);
    for (const auto& token : tokens) {
      if (token.kind != TokenKind::kWord) continue;
      const auto row = word_row(data.table, token.text);
      const auto result = m.sanitize(token.text, eps, rng);
      ++out.words;
      if (result->stats.kept == 1) ++kept;
      if (!row || result->text.empty()) continue;
      const auto out_row = word_row(data.table, result->text);
      if (!out_row) continue;
      const double d = distance(data.table, *row, *out_row);
      total_distance += d;
      total_squared += d * d;
      ++measured;
    }
  }
  out.kept_share = static_cast<double>(kept) / static_cast<double>(out.words);
  out.mean_distance = total_distance / static_cast<double>(measured);
  out.distance_variance =
      total_squared / static_cast<double>(measured) - out.mean_distance * out.mean_distance;
  out.measured = measured;
  return out;
}

TEST(MedMcqa, MoreEpsKeepsMoreAndMovesLess) {
  // Each step up in eps may not move words further or keep fewer (beyond
  // three standard errors), and eps 8 must keep clearly more and move clearly
  // less than eps 0.5. SanText+ and CusText+ must also improve at every step.
  // InferDPT is exempt from that last rule: below eps 2 its noise radius
  // dwarfs every distance, so its output is all but uniform over the
  // vocabulary at both 0.5 and 1 (expected distances differ by ~0.005, below
  // what 2,000 words resolve).
  PRIVQA_REQUIRE_REAL_DATA(data);
  const std::vector<double> grid = {0.5, 1, 2, 3, 8};
  for (const std::string name : {"santext+", "custext+", "inferdpt"}) {
    const Mechanism& m = mechanism(*data, name);
    std::vector<Movement> seen;
    for (double eps : grid) {
      seen.push_back(movement(*data, m, eps));
      std::cout << name << " eps " << eps << ": kept " << seen.back().kept_share
                << ", mean distance " << seen.back().mean_distance << "\n";
    }
    for (size_t i = 1; i < grid.size(); ++i) {
      const Movement& before = seen[i - 1];
      const Movement& after = seen[i];
      EXPECT_LT(after.mean_distance, before.mean_distance + distance_margin(before, after))
          << name << " eps " << grid[i];
      EXPECT_GE(after.kept_share, before.kept_share - kept_margin(before, after))
          << name << " eps " << grid[i];
      if (name != "inferdpt") {
        EXPECT_LT(after.mean_distance, before.mean_distance) << name << " eps " << grid[i];
      }
    }
    EXPECT_LT(seen.back().mean_distance,
              seen.front().mean_distance - distance_margin(seen.front(), seen.back()))
        << name;
    EXPECT_GT(seen.back().kept_share,
              seen.front().kept_share + kept_margin(seen.front(), seen.back()))
        << name;
  }
}

// Share of the word and number tokens of the first 200 dev questions that
// come out unchanged, each question sanitized whole (with its own stream).
struct KeptShare {
  double share = 0;
  size_t tokens = 0;
};
KeptShare kept_share(const RealData& data, const Mechanism& m, double eps) {
  size_t kept = 0, tokens = 0;
  for (size_t q = 0; q < 200; ++q) {
    Rng rng = cell_rng(2, std::to_string(q), "S3", m.name(), eps, 0);
    const auto out = m.sanitize(data.corpus[q], eps, rng);
    EXPECT_TRUE(out.ok());
    kept += out->stats.kept;
    tokens += out->stats.words + out->stats.numbers;
  }
  return {static_cast<double>(kept) / static_cast<double>(tokens), tokens};
}

TEST(MedMcqa, TemAndCusTextKeepMoreWordsAsEpsGrows) {
  // Kept share may not fall by more than three standard errors at any step
  // up in eps, and must rise by more than three from the first to the last.
  // TEM keeps a word with probability 1 / sum_y exp(-eps min(d, gamma) / 2),
  // which grows with eps; CusText keeps it with probability
  // exp(eps / 2) / sum_y exp(eps u / 2), likewise (u(x, x) = 1).
  PRIVQA_REQUIRE_REAL_DATA(data);
  const std::vector<double> grid = {0.5, 1, 2, 4, 8, 16};
  for (const std::string name : {"tem", "custext"}) {
    const Mechanism& m = mechanism(*data, name);
    std::vector<KeptShare> seen;
    for (double eps : grid) {
      seen.push_back(kept_share(*data, m, eps));
      std::cout << name << " eps " << eps << ": kept " << seen.back().share << " of "
                << seen.back().tokens << " tokens\n";
    }
    auto margin = [](const KeptShare& a, const KeptShare& b) {
      return 3 * std::sqrt(a.share * (1 - a.share) / static_cast<double>(a.tokens) +
                           b.share * (1 - b.share) / static_cast<double>(b.tokens));
    };
    for (size_t i = 1; i < grid.size(); ++i) {
      EXPECT_GE(seen[i].share, seen[i - 1].share - margin(seen[i - 1], seen[i]))
          << name << " eps " << grid[i];
    }
    EXPECT_GT(seen.back().share, seen.front().share + margin(seen.front(), seen.back())) << name;
  }
}

TEST(MedMcqa, NoisyEmbeddingMechanismsKeepMoreWordsAsEpsRises) {
  // CMP, Mahalanobis and Vickrey over the first 200 questions, counting the
  // words that have a vector: the noise radius ~ Gamma(100, 1/eps) has mean
  // 100/eps, so the share of such words output unchanged must rise with eps
  // by more than three standard errors of the difference at each step (from
  // about 0 at eps 1 to about 0.87 at eps 64: words outside the output
  // vocabulary are never kept).
  PRIVQA_REQUIRE_REAL_DATA(data);
  const std::vector<double> grid = {1, 4, 16, 64};
  for (const std::string name : {"cmp", "mahalanobis", "vickrey"}) {
    const Mechanism& m = mechanism(*data, name);
    std::vector<double> share;
    std::vector<size_t> words;
    for (double eps : grid) {
      size_t kept = 0, seen = 0;
      for (size_t q = 0; q < 200; ++q) {
        Rng rng = cell_rng(2, std::to_string(q), "S3", name, eps, 0);
        const auto out = m.sanitize(data->corpus[q], eps, rng);
        ASSERT_TRUE(out.ok());
        // Numbers and words without a vector are always kept.
        kept += out->stats.kept - out->stats.numbers - out->stats.oov;
        seen += out->stats.words - out->stats.oov;
      }
      share.push_back(static_cast<double>(kept) / static_cast<double>(seen));
      words.push_back(seen);
      std::cout << name << " eps " << eps << ": kept " << share.back() << "\n";
    }
    for (size_t i = 1; i < grid.size(); ++i) {
      const double margin =
          3 * std::sqrt(share[i] * (1 - share[i]) / static_cast<double>(words[i]) +
                        share[i - 1] * (1 - share[i - 1]) / static_cast<double>(words[i - 1]));
      EXPECT_GT(share[i], share[i - 1] + margin) << name << " eps " << grid[i];
    }
  }
}

}  // namespace
}  // namespace privqa
