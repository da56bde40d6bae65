#include "privqa/attack/attack_tables.h"

#include <fmt/format.h>

#include "privqa/attack/report_stats.h"

namespace privqa::attack {
namespace {

constexpr const char* kNoChannel = "no exact channel: inversion not computed";

std::string rate(const Recovery& r) {
  if (r.tokens == 0) return "-";
  const auto v = recovery_rate(r);
  return fmt::format("{:.1f}% [{:.1f}, {:.1f}]", 100 * v.value(), 100 * v.ci.low, 100 * v.ci.high);
}

nlohmann::ordered_json recovery_json(const Recovery& r) {
  nlohmann::ordered_json j;
  j["tokens"] = r.tokens;
  j["recovered"] = r.recovered;
  if (r.tokens > 0) {
    const auto v = recovery_rate(r);
    j["rate"] = v.value();
    j["ci95"] = {v.ci.low, v.ci.high};
  } else {
    j["rate"] = nullptr;
    j["ci95"] = nullptr;
  }
  return j;
}

nlohmann::ordered_json quantiles_json(const Quantiles& q) {
  return {{"n", q.n},     {"min", q.min}, {"p5", q.p5},   {"p25", q.p25},  {"median", q.median},
          {"p75", q.p75}, {"p95", q.p95}, {"max", q.max}, {"mean", q.mean}};
}

const char* const kQuantileNames[] = {"min", "p5", "p25", "median", "p75", "p95", "max", "mean"};

std::vector<double> quantile_values(const Quantiles& q) {
  return {q.min, q.p5, q.p25, q.median, q.p75, q.p95, q.max, q.mean};
}

}  // namespace

std::string attack_table(const std::vector<GroupResult>& results) {
  std::string out = fmt::format(
      "{:<12} {:>6} {:>6} {:>7}  {:<22} {:>6}  {:<22} {:>6}  {:<22} "
      "{:>8} {:>8}\n",
      "mechanism", "eps", "texts", "tokens", "recovery [95% CI]", "rare", "rare recovery", "sens.",
      "sensitive recovery", "N_w med", "S_w med");
  for (const GroupResult& r : results) {
    if (!r.exact_channel) {
      out += fmt::format("{:<12} {:>6g} {:>6}  {}\n", r.mechanism, r.eps, r.texts, kNoChannel);
      continue;
    }
    const InversionResult& v = r.inversion;
    out += fmt::format(
        "{:<12} {:>6g} {:>6} {:>7}  {:<22} {:>6}  {:<22} {:>6}  {:<22} {:>8.3f} "
        "{:>8.1f}\n",
        r.mechanism, r.eps, r.texts, v.all.tokens, rate(v.all), v.rare.tokens, rate(v.rare),
        v.sensitive.tokens, rate(v.sensitive), r.deniability.n_w.median, r.deniability.s_w.median);
  }
  return out;
}

std::string attack_csv(const std::vector<GroupResult>& results) {
  std::string header = "mechanism,kind,eps,texts,exact_channel,unaligned_texts,uncovered_tokens";
  for (const char* c : {"all", "rare", "sensitive"}) {
    header += fmt::format(",{0}_tokens,{0}_recovered,{0}_rate,{0}_ci_low,{0}_ci_high", c);
  }
  header += ",words";
  for (const char* s : {"n_w", "s_w", "effective_support"}) {
    for (const char* q : kQuantileNames)
      header += fmt::format(",{}_{}", s, q);
  }
  std::string out = header + "\r\n";
  for (const GroupResult& r : results) {
    std::string line = fmt::format("{},{},{},{},{}", r.mechanism, r.kind, r.eps, r.texts,
                                   r.exact_channel ? "true" : "false");
    if (!r.exact_channel) {
      // Empty fields: nothing was computed.
      const size_t rest = 2 + 3 * 5 + 1 + 3 * 8;
      out += line + std::string(rest, ',') + "\r\n";
      continue;
    }
    const InversionResult& v = r.inversion;
    line += fmt::format(",{},{}", v.unaligned_texts, v.uncovered_tokens);
    for (const Recovery* c : {&v.all, &v.rare, &v.sensitive}) {
      if (c->tokens == 0) {
        line += fmt::format(",0,0,,,");
        continue;
      }
      const auto share = recovery_rate(*c);
      line += fmt::format(",{},{},{},{},{}", c->tokens, c->recovered, share.value(), share.ci.low,
                          share.ci.high);
    }
    line += fmt::format(",{}", r.words);
    for (const Quantiles* q :
         {&r.deniability.n_w, &r.deniability.s_w, &r.deniability.effective_support}) {
      for (double value : quantile_values(*q))
        line += fmt::format(",{}", value);
    }
    out += line + "\r\n";
  }
  return out;
}

nlohmann::ordered_json attack_json(const std::vector<GroupResult>& results,
                                   const AttackOptions& options) {
  nlohmann::ordered_json j;
  j["draws"] = options.draws;
  j["sensitive_ratio"] = options.sensitive_ratio;
  j["groups"] = nlohmann::ordered_json::array();
  for (const GroupResult& r : results) {
    nlohmann::ordered_json g;
    g["mechanism"] = r.mechanism;
    g["kind"] = r.kind;
    g["eps"] = r.eps;
    g["texts"] = r.texts;
    g["exact_channel"] = r.exact_channel;
    if (!r.exact_channel) {
      g["note"] = kNoChannel;
      j["groups"].push_back(std::move(g));
      continue;
    }
    g["unaligned_texts"] = r.inversion.unaligned_texts;
    g["uncovered_tokens"] = r.inversion.uncovered_tokens;
    g["recovery"] = {{"all", recovery_json(r.inversion.all)},
                     {"rare", recovery_json(r.inversion.rare)},
                     {"sensitive", recovery_json(r.inversion.sensitive)}};
    g["deniability"] = {{"words", r.words},
                        {"n_w", quantiles_json(r.deniability.n_w)},
                        {"s_w", quantiles_json(r.deniability.s_w)},
                        {"effective_support", quantiles_json(r.deniability.effective_support)}};
    j["groups"].push_back(std::move(g));
  }
  return j;
}

}  // namespace privqa::attack
