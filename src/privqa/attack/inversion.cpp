#include "privqa/attack/inversion.h"

#include <algorithm>
#include <functional>
#include <map>
#include <numeric>
#include <set>

#include "privqa/dp/corpus_words.h"
#include "privqa/text/tokenizer.h"

namespace privqa::attack {
namespace {

// Outputs whose channel columns are computed together.
constexpr size_t kColumnBatch = 64;

bool is_word_or_number(const Token& token) {
  return token.kind == TokenKind::kWord || token.kind == TokenKind::kNumber;
}

// Splits `sanitized` at the original's separators (the text between its
// word and number tokens, which the mechanisms keep): one piece per word or
// number token of the original, each piece one word or number token. Found
// by a search over where each separator occurs (a replacement may contain a
// separator's characters, "non-communicable" for "-"), with failed states
// remembered, so it stays polynomial. nullopt when no split exists.
std::optional<std::vector<std::string>> split_like(std::string_view original,
                                                   std::string_view sanitized) {
  std::vector<std::string> separators(1);  // [0]: before the first word; [k + 1]: after word k
  for (const Token& token : tokenize(original)) {
    if (is_word_or_number(token)) {
      separators.emplace_back();
    } else {
      separators.back() += token.text;
    }
  }
  const size_t words = separators.size() - 1;
  if (!sanitized.starts_with(separators[0])) return std::nullopt;
  std::vector<std::string> pieces(words);
  std::set<std::pair<size_t, size_t>> failed;  // (piece, start) with no split of the rest
  const auto one_token = [](std::string_view piece) {
    const auto tokens = tokenize(piece);
    return tokens.size() == 1 && is_word_or_number(tokens[0]);
  };
  // Piece k starts at p.
  std::function<bool(size_t, size_t)> split = [&](size_t k, size_t p) {
    if (k == words) return p == sanitized.size();
    if (failed.count({k, p}) != 0) return false;
    const std::string& after = separators[k + 1];
    for (size_t q = p + 1; q <= sanitized.size(); ++q) {
      if (sanitized.compare(q, after.size(), after) != 0) continue;
      if (k + 1 == words && q + after.size() != sanitized.size()) continue;
      const std::string_view piece = sanitized.substr(p, q - p);
      if (!one_token(piece)) continue;
      if (split(k + 1, q + after.size())) {
        pieces[k] = std::string(piece);
        return true;
      }
    }
    failed.insert({k, p});
    return false;
  };
  if (!split(0, separators[0].size())) return std::nullopt;
  return pieces;
}

// One original word token to guess.
struct Target {
  size_t input;                        // its position among the channel inputs
  std::optional<size_t> corpus_index;  // prior text left out
};

// Better: a larger weight, or an equal weight at an earlier input.
bool better(double weight, size_t input, double best_weight, size_t best_input) {
  return weight > best_weight || (weight == best_weight && input < best_input);
}

}  // namespace

std::vector<double> posterior(const WordChannel& channel, const WordPrior& prior, uint32_t y,
                              double eps, std::optional<size_t> left_out) {
  std::vector<double> out(prior.size());
  channel.channel_columns(std::span(&y, 1), eps, out);
  double total = 0;
  for (size_t i = 0; i < out.size(); ++i)
    total += out[i] *= left_out ? prior.weight(i, *left_out) : prior.weight(i);
  if (total > 0) {
    for (double& p : out)
      p /= total;
  }
  return out;
}

InversionResult invert(const WordChannel& channel, const EmbeddingTable& table,
                       const WordPrior& prior, double eps, const std::vector<AttackText>& texts,
                       const WordClasses& classes) {
  InversionResult result;
  std::map<uint32_t, std::vector<Target>> by_output;  // ordered: a deterministic schedule
  std::vector<Target> unexplained;                    // outputs that are no table row
  // A text's own words can outrank the best word outside it only by being
  // among the top (its distinct words + 1) of the whole-corpus weights.
  size_t top = 1;
  for (const AttackText& text : texts) {
    ++result.texts;
    std::vector<Token> original;
    for (Token& token : tokenize(text.original)) {
      if (is_word_or_number(token)) original.push_back(std::move(token));
    }
    const auto sanitized = split_like(text.original, text.sanitized);
    if (!sanitized) {
      ++result.unaligned_texts;
      continue;
    }
    if (text.corpus_index) top = std::max(top, prior.text_counts(*text.corpus_index).size() + 1);
    for (size_t i = 0; i < original.size(); ++i) {
      if (original[i].kind != TokenKind::kWord) continue;
      const auto x = word_row(table, original[i].text);
      const auto input = x ? prior.input_of(*x) : std::nullopt;
      if (!input) {
        ++result.uncovered_tokens;
        continue;
      }
      const Target target{*input, text.corpus_index};
      if (const auto y = word_row(table, (*sanitized)[i])) {
        by_output[*y].push_back(target);
      } else {
        unexplained.push_back(target);
      }
    }
  }

  const auto& inputs = channel.channel_inputs();
  auto count = [&](const Target& target, bool recovered) {
    const uint32_t row = inputs[target.input];
    for (auto [recovery, member] :
         {std::pair{&result.all, true}, std::pair{&result.rare, classes.rare.count(row) > 0},
          std::pair{&result.sensitive, classes.sensitive.count(row) > 0}}) {
      if (!member) continue;
      ++recovery->tokens;
      if (recovered) ++recovery->recovered;
    }
  };
  for (const Target& target : unexplained)
    count(target, false);

  const size_t n = prior.size();
  std::vector<uint32_t> ys;
  std::vector<double> columns;
  std::vector<size_t> order(n);
  std::vector<double> weight(n);
  for (auto it = by_output.begin(); it != by_output.end();) {
    ys.clear();
    auto batch_end = it;
    for (; batch_end != by_output.end() && ys.size() < kColumnBatch; ++batch_end)
      ys.push_back(batch_end->first);
    columns.resize(ys.size() * n);
    channel.channel_columns(ys, eps, columns);
    for (size_t j = 0; it != batch_end; ++it, ++j) {
      const std::span<const double> likelihood(columns.data() + j * n, n);
      // The best inputs by whole-corpus weight, best first.
      for (size_t i = 0; i < n; ++i)
        weight[i] = prior.weight(i) * likelihood[i];
      const size_t k = std::min(top, n);
      std::iota(order.begin(), order.end(), size_t{0});
      const auto by_weight = [&](size_t a, size_t b) { return better(weight[a], a, weight[b], b); };
      const auto kth = order.begin() + static_cast<ptrdiff_t>(k);
      std::nth_element(order.begin(), kth - 1, order.end(), by_weight);
      std::sort(order.begin(), kth, by_weight);
      for (const Target& target : it->second) {
        size_t guess = order[0];
        if (target.corpus_index) {
          const auto& own = prior.text_counts(*target.corpus_index);
          auto in_text = [&](size_t input) {
            return std::binary_search(
                own.begin(), own.end(), std::make_pair(static_cast<uint32_t>(input), 0u),
                [](const auto& a, const auto& b) { return a.first < b.first; });
          };
          double best = -1;
          for (size_t r = 0; r < k; ++r) {  // the best input outside the text
            if (!in_text(order[r])) {
              guess = order[r];
              best = weight[guess];
              break;
            }
          }
          for (const auto& [input, unused] : own) {  // the text's own words, left out
            const double w = prior.weight(input, *target.corpus_index) * likelihood[input];
            if (better(w, input, best, guess)) {
              best = w;
              guess = input;
            }
          }
        }
        count(target, likelihood[guess] > 0 && guess == target.input);
      }
    }
  }
  return result;
}

}  // namespace privqa::attack
