#include "privqa/dp/mechanism.h"

#include <fmt/format.h>

#include <cmath>
#include <vector>

namespace privqa {

Status check_epsilon(double eps) {
  if (std::isnan(eps)) return Error("eps is NaN; it must be a finite number > 0");
  if (std::isinf(eps)) return Error("eps is infinite; it must be a finite number > 0");
  if (eps <= 0) return Error(fmt::format("eps = {} must be > 0", eps));
  return Status::Ok();
}

void Mechanism::prepare(std::span<const Token>) const {}

void Mechanism::prepare_texts(std::span<const std::string_view> texts) const {
  std::vector<Token> tokens;
  for (std::string_view text : texts) {
    const std::vector<Token> more = tokenize(text);
    tokens.insert(tokens.end(), more.begin(), more.end());
  }
  prepare(tokens);
}

std::vector<Mechanism::Outcome> Mechanism::decide(std::span<const Token> tokens, double eps,
                                                  Rng& rng) const {
  std::vector<Outcome> out;
  for (const Token& token : tokens) {
    if (token.kind == TokenKind::kWord) out.push_back(sanitize_word(token, eps, rng));
    if (token.kind == TokenKind::kNumber) out.push_back(sanitize_number(token, eps, rng));
  }
  return out;
}

Result<SanitizedText> Mechanism::sanitize(std::string_view text, double eps, Rng& rng) const {
  if (Status ok = check_epsilon(eps); !ok) return ok.error().wrap(name_);
  SanitizedText out;
  auto& stats = out.stats;
  const std::vector<Token> tokens = tokenize(text);
  prepare(tokens);
  const std::vector<Outcome> outcomes = decide(tokens, eps, rng);
  size_t decided = 0;
  out.text.reserve(text.size() + 16);
  bool drop_next_space = false;  // a dropped word at the start of a line takes its space along
  for (const Token& token : tokens) {
    if (token.kind != TokenKind::kWord && token.kind != TokenKind::kNumber) {
      if (token.kind == TokenKind::kSpace && drop_next_space) {
        drop_next_space = false;
        continue;
      }
      drop_next_space = false;
      out.text += token.text;
      continue;
    }
    const bool is_word = token.kind == TokenKind::kWord;
    ++(is_word ? stats.words : stats.numbers);
    const Outcome& outcome = outcomes[decided++];
    if (outcome.oov) ++stats.oov;
    if (outcome.sampled) ++stats.sampled;
    switch (outcome.action) {
      case Action::kKeep:
        ++stats.kept;
        out.text += token.text;
        break;
      case Action::kReplace:
        ++(outcome.text == token.text ? stats.kept : stats.replaced);
        out.text += outcome.text;
        break;
      case Action::kDrop: {
        ++stats.dropped;
        // Remove one adjacent space run so no double space is left behind.
        const size_t kept_size = out.text.size();
        size_t cut = kept_size;
        while (cut > 0 && (out.text[cut - 1] == ' ' || out.text[cut - 1] == '\t'))
          --cut;
        if (cut < kept_size && cut > 0 && out.text[cut - 1] != '\n') {
          out.text.resize(cut);
        } else {
          drop_next_space = true;
        }
        break;
      }
    }
  }
  stats.eps_spent = static_cast<double>(stats.sampled) * eps_per_sampled_token(eps);
  return out;
}

}  // namespace privqa
