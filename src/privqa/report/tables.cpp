#include "privqa/report/tables.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "privqa/report/explorer.h"
#include "privqa/report/figures.h"

namespace privqa::report {

namespace {

using nlohmann::json;

std::string pct(double x) {
  return fmt::format("{:.1f}%", 100 * x);
}
std::string with_ci(double x, const Interval& ci) {
  return fmt::format("{:.1f}% [{:.1f}, {:.1f}]", 100 * x, 100 * ci.low, 100 * ci.high);
}
std::string signed_points(double x) {
  return fmt::format("{:+.1f} pp", 100 * x);
}
std::string eps_text(const AccuracyStat& a) {
  return a.scenario == Scenario::kPrivateCot ? fmt::format("{:g}", a.eps) : "-";
}
std::string p_text(double p) {
  return p < 1e-4 ? fmt::format("{:.1e}", p) : fmt::format("{:.4f}", p);
}

const AccuracyStat* find_stat(const std::vector<AccuracyStat>& stats, Scenario s,
                              const std::string& mechanism = "", double eps = 0) {
  for (const auto& a : stats) {
    if (a.scenario == s && a.mechanism == mechanism && a.eps == eps) return &a;
  }
  return nullptr;
}

bool has_scenario(const RunReport& r, Scenario s) {
  return std::any_of(r.accuracy.begin(), r.accuracy.end(),
                     [&](const AccuracyStat& a) { return a.scenario == s; });
}

std::vector<double> s3_epsilons(const RunReport& r) {
  std::set<double> eps;
  for (const auto& a : r.accuracy) {
    if (a.scenario == Scenario::kPrivateCot) eps.insert(a.eps);
  }
  return {eps.begin(), eps.end()};
}

// Scenarios that do not depend on eps, in the study's column order.
const Scenario kBefore[] = {Scenario::kLocal, Scenario::kRemoteCot};
const Scenario kAfter[] = {Scenario::kRemote, Scenario::kLocalSelfCot};

DisplayTable main_table(const RunReport& r) {
  DisplayTable t;
  t.title = "Accuracy by privacy budget (95% Wilson intervals)";
  t.columns.push_back("eps");
  std::vector<const AccuracyStat*> before, after;
  for (Scenario s : kBefore) {
    if (has_scenario(r, s)) {
      t.columns.push_back(scenario_title(s));
      before.push_back(find_stat(r.accuracy, s));
    }
  }
  for (const auto& m : r.mechanisms)
    t.columns.push_back(m);
  for (Scenario s : kAfter) {
    if (has_scenario(r, s)) {
      t.columns.push_back(scenario_title(s));
      after.push_back(find_stat(r.accuracy, s));
    }
  }
  const auto cell = [](const AccuracyStat* a) {
    return a == nullptr || a->n == 0 ? std::string("-") : with_ci(a->accuracy, a->ci);
  };
  std::vector<double> eps = s3_epsilons(r);
  const bool no_s3 = eps.empty();
  if (no_s3) eps.push_back(0);
  for (double e : eps) {
    std::vector<std::string> row{no_s3 ? "-" : fmt::format("{:g}", e)};
    for (const auto* a : before)
      row.push_back(cell(a));
    for (const auto& m : r.mechanisms)
      row.push_back(cell(find_stat(r.accuracy, Scenario::kPrivateCot, m, e)));
    for (const auto* a : after)
      row.push_back(cell(a));
    t.rows.push_back(std::move(row));
  }
  t.note =
      "Scenarios other than the mechanisms do not depend on eps; their value repeats in "
      "every row, as in the original study's table.";
  return t;
}

DisplayTable long_table(const RunReport& r) {
  DisplayTable t{
      "Accuracy, long form",
      {"scenario", "mechanism", "eps", "n", "correct", "accuracy", "95% CI", "unparsed", "errors"},
      {},
      "n counts answered cells with a gold answer; errors are excluded from n; an "
      "unparsed answer counts as wrong."};
  for (const auto& a : r.accuracy) {
    t.rows.push_back({scenario_title(a.scenario), a.mechanism.empty() ? "-" : a.mechanism,
                      eps_text(a), std::to_string(a.n), std::to_string(a.correct), pct(a.accuracy),
                      fmt::format("[{:.1f}, {:.1f}]", 100 * a.ci.low, 100 * a.ci.high),
                      std::to_string(a.unparsed), std::to_string(a.errors)});
  }
  return t;
}

// "santext+ eps 1 (S3)", or the scenario's title.
std::string group_title(const Group& g) {
  return g.scenario == Scenario::kPrivateCot ? fmt::format("{} eps {:g} (S3)", g.mechanism, g.eps)
                                             : scenario_title(g.scenario);
}

// The columns every paired comparison shows, after those naming it.
const std::vector<std::string> kPairedColumns = {"pairs",
                                                 "baseline accuracy",
                                                 "condition accuracy",
                                                 "difference",
                                                 "bootstrap 95% CI",
                                                 "b",
                                                 "c",
                                                 "test",
                                                 "statistic",
                                                 "p",
                                                 "mid-p",
                                                 "Holm p",
                                                 "BH q"};

std::vector<std::string> paired_cells(const PairedComparison& p) {
  return {std::to_string(p.pairs),
          pct(p.baseline_accuracy),
          pct(p.condition_accuracy),
          signed_points(p.condition_accuracy - p.baseline_accuracy),
          fmt::format("[{:+.1f}, {:+.1f}]", 100 * p.difference.low, 100 * p.difference.high),
          std::to_string(p.test.b),
          std::to_string(p.test.c),
          mcnemar_method_name(p.test.method),
          fmt::format("{:.3f}", p.test.statistic),
          p_text(p.test.p_value),
          p_text(p.test.mid_p),
          p_text(p.holm_p),
          p_text(p.bh_q)};
}

std::string paired_note(size_t family_size) {
  return fmt::format(
      "b: baseline right and condition wrong; c: the reverse. p: McNemar, exact binomial when "
      "b + c < 25, else chi-square with continuity correction; mid-p: the exact binomial "
      "mid-p. Holm p (family-wise error) and BH q (Benjamini-Hochberg, false discovery rate) "
      "adjust p over the m = {} tests of this table. The difference is condition minus "
      "baseline on the same questions; its interval is a paired percentile bootstrap (2,000 "
      "resamples, seeded by the run).",
      family_size);
}

// The links of a paired table's row: b and c open their questions in the
// explorer (`first` is the index of the row's first paired column).
std::vector<std::string> paired_links(size_t first, const std::string& b, const std::string& c) {
  std::vector<std::string> links(first + kPairedColumns.size());
  const auto column = [&](const char* name) {
    return first +
           static_cast<size_t>(std::find(kPairedColumns.begin(), kPairedColumns.end(), name) -
                               kPairedColumns.begin());
  };
  links[column("b")] = b;
  links[column("c")] = c;
  return links;
}

// `run`: the run's index among the report's runs (the explorer's too).
DisplayTable paired_table(const RunReport& r, size_t run) {
  DisplayTable t{"Paired tests", {"condition", "against"}, {}, paired_note(r.paired.size())};
  t.columns.insert(t.columns.end(), kPairedColumns.begin(), kPairedColumns.end());
  for (const auto& p : r.paired) {
    std::vector<std::string> row{group_title(p.condition), group_title(p.baseline)};
    for (auto& cell : paired_cells(p))
      row.push_back(std::move(cell));
    t.rows.push_back(std::move(row));
    t.links.push_back(paired_links(2, explorer_paired_link(run, p.condition, p.baseline, 'b'),
                                   explorer_paired_link(run, p.condition, p.baseline, 'c')));
  }
  return t;
}

DisplayTable subject_table(const RunReport& r) {
  DisplayTable t;
  t.title = "Accuracy by subject";
  t.columns.push_back("subject");
  // Columns: the eps-free scenarios and each mechanism at the largest eps.
  struct Column {
    Scenario scenario;
    std::string mechanism;
    double eps;
  };
  std::vector<Column> columns;
  const std::vector<double> eps = s3_epsilons(r);
  for (Scenario s : kBefore) {
    if (has_scenario(r, s)) columns.push_back({s, "", 0});
  }
  if (!eps.empty()) {
    for (const auto& m : r.mechanisms)
      columns.push_back({Scenario::kPrivateCot, m, eps.back()});
  }
  for (Scenario s : kAfter) {
    if (has_scenario(r, s)) columns.push_back({s, "", 0});
  }
  for (const auto& c : columns) {
    t.columns.push_back(c.scenario == Scenario::kPrivateCot
                            ? fmt::format("{} eps {:g}", c.mechanism, c.eps)
                            : scenario_title(c.scenario));
  }
  // Subjects in the report's order (the pool last), each with its stats.
  std::vector<std::pair<const SubjectStat*, std::vector<AccuracyStat>>> by_subject;
  for (const auto& s : r.subjects) {
    if (by_subject.empty() || by_subject.back().first->subject != s.subject)
      by_subject.push_back({&s, {}});
    by_subject.back().second.push_back(s.stat);
  }
  for (const auto& [subject, stats] : by_subject) {
    std::vector<std::string> row{
        subject->subject == kPooledSubjects
            ? fmt::format("other subjects ({}, {} questions)", subject->subjects,
                          subject->questions)
            : fmt::format("{} ({} questions)", subject->subject, subject->questions)};
    for (const auto& c : columns) {
      const AccuracyStat* a = find_stat(stats, c.scenario, c.mechanism, c.eps);
      row.push_back(a == nullptr || a->n == 0 ? "-"
                                              : fmt::format("{} (n={})", pct(a->accuracy), a->n));
    }
    t.rows.push_back(std::move(row));
  }
  t.note = fmt::format(
      "Subjects with at least {} questions in the run, one row each; the subjects with fewer "
      "are pooled in the row \"other subjects\". subjects.csv has the same rows for every "
      "scenario, mechanism and eps.",
      r.min_subject_questions);
  return t;
}

std::string cosine_text(const PrivacyStat& p) {
  return p.cosine ? fmt::format("{:.3f}", *p.cosine) : "-";
}
std::string rare_text(const PrivacyStat& p) {
  return p.rare_words == 0
             ? "-"
             : fmt::format(
                   "{} ({}/{})",
                   pct(static_cast<double>(p.rare_words_kept) / static_cast<double>(p.rare_words)),
                   p.rare_words_kept, p.rare_words);
}

DisplayTable privacy_table(const RunReport& r) {
  DisplayTable t{"Privacy of the texts sent to the remote model",
                 {"mechanism", "eps", "texts", "words changed", "cosine (SIF)",
                  "cosine (own encoder)", "rare words kept", "re-identified", "95% CI"},
                 {},
                 "\"original\" is the unsanitized question text (what S2 sends). Cosine (own "
                 "encoder): a PhraseDP's selected text as its provider's encoder scored it. "
                 "Re-identified: BM25 with the text as query ranks its own question first among "
                 "all questions of the dataset. Rare words: in at most 1 in 1,000 of the "
                 "dataset's questions."};
  for (const auto& p : r.privacy) {
    t.rows.push_back(
        {p.mechanism, p.mechanism == "original" ? "-" : fmt::format("{:g}", p.eps),
         std::to_string(p.texts), pct(p.words_changed), cosine_text(p),
         p.encoder_cosine ? fmt::format("{:.3f}", *p.encoder_cosine) : "-", rare_text(p),
         fmt::format("{} ({}/{})", pct(p.reidentification_rate()), p.reidentified, p.texts),
         fmt::format("[{:.1f}, {:.1f}]", 100 * p.reidentified_ci.low,
                     100 * p.reidentified_ci.high)});
  }
  return t;
}

std::string rate_text(const Rate& rate) {
  return rate.trials == 0 ? "-"
                          : fmt::format("{} ({}/{})", with_ci(rate.value(), rate.ci),
                                        rate.successes, rate.trials);
}

DisplayTable reconstruction_table(const RunReport& r) {
  DisplayTable t{"Reconstruction attacks: what the remote model recovers from the texts it saw",
                 {"attack", "mechanism", "eps", "texts", "re-identified top-1 (BM25)",
                  "top-5 (BM25)", "top-1 (SIF cosine)", "top-5 (SIF cosine)", "rare words recalled",
                  "ROUGE-L", "attacker's accuracy"},
                 {},
                 "The remote model is sent S3's sanitized text and asked for the original "
                 "question (A1), or for the question and its answer (A2). Re-identified: the "
                 "reconstruction, as a query against every question of the dataset, ranks its "
                 "original first (top-1) or among the first five. Rare words: the originals' "
                 "words in at most 1 in 1,000 questions. ROUGE-L: LCS F-measure against the "
                 "original (mean). Rates with 95% Wilson intervals."};
  for (const auto& s : r.reconstruction) {
    t.rows.push_back({scenario_id(s.scenario), s.mechanism, fmt::format("{:g}", s.eps),
                      std::to_string(s.texts), rate_text(s.bm25_top1), rate_text(s.bm25_top5),
                      rate_text(s.embedding_top1), rate_text(s.embedding_top5),
                      rate_text(s.rare_recall), fmt::format("{:.3f}", s.rouge_l),
                      rate_text(s.answer_accuracy)});
  }
  return t;
}

// The first cells of a row about one mechanism's texts at one eps.
std::vector<std::string> group_cells(const std::string& mechanism, double eps, size_t texts) {
  return {mechanism, fmt::format("{:g}", eps), std::to_string(texts)};
}

DisplayTable offline_attack_table(const RunReport& r) {
  DisplayTable t{"Offline attacks: what the sent words give away, word by word",
                 {"mechanism", "eps", "texts", "word tokens recovered", "rare words recovered",
                  "sensitive words recovered", "median N_w", "median S_w"},
                 {},
                 "An adversary who knows the mechanism and its eps guesses each original word "
                 "from the word sent in its place, by maximum a posteriori over the mechanism's "
                 "exact output distribution, with the dataset's other questions as prior. Rare "
                 "words: in at most 1 in 1,000 questions; sensitive words: SanText+'s. N_w: the "
                 "chance a word comes out unchanged; S_w: the distinct words its outputs are "
                 "expected to take in K draws (medians over the distinct original words). Rates "
                 "with 95% Wilson intervals; docs/privacy.md defines them."};
  for (const auto& a : r.offline_attacks) {
    auto row = group_cells(a.mechanism, a.eps, a.texts);
    if (!a.exact_channel) {
      row.insert(row.end(), {"no exact channel: not computed", "-", "-", "-", "-"});
    } else {
      row.insert(row.end(), {rate_text(a.recovery), rate_text(a.rare_recovery),
                             rate_text(a.sensitive_recovery), fmt::format("{:.3f}", a.median_n_w),
                             fmt::format("{:.1f}", a.median_s_w)});
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

DisplayTable reconstruction_examples_table(const RunReport& r) {
  DisplayTable t{
      "Reconstruction examples",
      {"question", "attack", "mechanism", "eps", "original", "sent (sanitized)", "reconstructed"},
      {},
      "The first questions of the run by id; the original never left the machine."};
  for (const auto& e : r.reconstruction_examples) {
    t.rows.push_back({e.question_id, scenario_id(e.scenario), e.mechanism,
                      fmt::format("{:g}", e.eps), e.original, e.sanitized, e.reconstruction});
  }
  return t;
}

DisplayTable budget_table(const RunReport& r) {
  DisplayTable t{"Privacy budget spent per text",
                 {"mechanism", "nominal eps", "texts", "sampled tokens per text",
                  "eps per sampled token", "mean eps per text"},
                 {},
                 "Each sampled token (decided by the mechanism's eps-calibrated step) spends "
                 "the eps per token; a text spends their sum (sequential composition). Tokens "
                 "kept or drawn by a rule that ignores eps spend 0. For SanText and TEM the "
                 "guarantee per token is metric DP, eps d(x, x'). PhraseDP has no DP "
                 "guarantee: its candidates are written from the private text. DP-Prompt's "
                 "eps is nominal where marked: the provider sampled from unclipped logits, and "
                 "the guarantee needs clipped ones."};
  for (const auto& b : r.budget) {
    auto row = group_cells(b.mechanism, b.eps, b.texts);
    if (!b.dp) {
      row.insert(row.end(), {"-", kNotDp, kNotDp});
    } else if (b.recorded == 0) {
      row.insert(row.end(), {"not recorded", "not recorded", "not recorded"});
    } else {
      row.insert(
          row.end(),
          {fmt::format("{:.1f}", b.sampled_per_text),
           b.eps_per_token ? fmt::format("{:g}", *b.eps_per_token) : "-",
           fmt::format(
               "{:.4g}{}{}", b.eps_per_text, b.nominal ? " (nominal: logits not clipped)" : "",
               b.recorded < b.texts ? fmt::format(" ({} of {} texts recorded)", b.recorded, b.texts)
                                    : "")});
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

DisplayTable provider_table(const RunReport& r) {
  DisplayTable t{
      "Providers (all sessions)",
      {"provider", "role", "model", "calls", "requests", "cache hits", "retries", "hedges",
       "rate-limited (429)", "failures", "cache errors", "tokens in", "tokens out", "cost"},
      {},
      "Requests include the hedge copies sent for slow attempts. Cache errors: "
      "response cache reads or writes that failed (the call went on without it)."};
  for (const auto& p : r.providers) {
    const ProviderTotals& k = p.totals;
    t.rows.push_back({p.name, provider_role_name(k.role), k.model, std::to_string(k.calls),
                      std::to_string(k.requests), std::to_string(k.cache_hits),
                      std::to_string(k.retries), std::to_string(k.hedges),
                      std::to_string(k.rate_limited), std::to_string(k.failures),
                      std::to_string(k.cache_errors), std::to_string(k.tokens_in),
                      std::to_string(k.tokens_out), fmt::format("${:.4f}", k.cost)});
  }
  return t;
}

DisplayTable usage_table(const RunReport& r) {
  DisplayTable t{"Tokens, latency and cost by scenario",
                 {"scenario", "mechanism", "eps", "cells", "attempts", "mean latency",
                  "p95 latency", "local tokens in/out", "remote tokens in/out", "cost (allocated)"},
                 {},
                 "Cost is each provider's cost split by the scenario's share of that provider's "
                 "tokens."};
  for (const auto& u : r.usage) {
    t.rows.push_back({scenario_title(u.scenario), u.mechanism.empty() ? "-" : u.mechanism,
                      u.mechanism.empty() ? "-" : fmt::format("{:g}", u.eps),
                      std::to_string(u.cells), std::to_string(u.attempts),
                      fmt::format("{:.2f} s", u.mean_latency),
                      fmt::format("{:.2f} s", u.p95_latency),
                      fmt::format("{} / {}", u.local_tokens_in, u.local_tokens_out),
                      fmt::format("{} / {}", u.remote_tokens_in, u.remote_tokens_out),
                      fmt::format("${:.4f}", u.allocated_cost)});
  }
  return t;
}

double total_cost(const RunReport& r) {
  double cost = 0;
  for (const auto& p : r.providers)
    cost += p.totals.cost;
  return cost;
}

std::vector<std::string> run_paragraphs(const RunReport& r) {
  std::vector<std::string> out;
  if (r.simulated) {
    out.push_back(
        "SIMULATED: this run used privqa's simulated provider. Its numbers exercise the "
        "engine; they say nothing about real models.");
  }
  out.push_back(fmt::format(
      "Store {} (run {}, created {}). Dataset {}: {} questions. Local model "
      "{}, remote model {}. Seed {}.",
      r.store, r.fingerprint.substr(0, 12), r.created_at, r.dataset, r.questions,
      r.local_model.empty() ? "-" : r.local_model, r.remote_model.empty() ? "-" : r.remote_model,
      r.seed ? fmt::format("{}", *r.seed) : "drawn from the OS (kept secret)"));
  if (!r.encoders.empty()) {
    std::vector<std::string> parts;
    for (const auto& [mechanism, encoder] : r.encoders)
      parts.push_back(fmt::format("{}: {}", mechanism, encoder));
    out.push_back(fmt::format(
        "PhraseDP's similarities (its selection) were scored by {}. The privacy table's "
        "cosine (SIF) measures every mechanism with one ruler; cosine (own encoder) is a "
        "PhraseDP's under the provider encoder it selected with.",
        fmt::join(parts, "; ")));
  }
  out.push_back(fmt::format(
      "Wall time {:.1f} s over {} session(s) ({} interrupted{}); total cost ${:.4f}.",
      r.wall_seconds, r.sessions, r.interrupted_sessions,
      r.unended_sessions == 0
          ? ""
          : fmt::format(", {} ended abnormally (killed, or still running: their counts are "
                        "those of their last second)",
                        r.unended_sessions),
      total_cost(r)));
  int64_t estimated = 0;
  for (const auto& p : r.providers)
    estimated += p.totals.estimated_usage;
  if (estimated > 0) {
    out.push_back(fmt::format(
        "Tokens and cost of {} call(s) are estimated: their replies reported no usage, so "
        "the texts were counted at four bytes a token.",
        estimated));
  }
  for (const auto& note : r.notes)
    out.push_back("Note: " + note);
  return out;
}

std::vector<Section> run_sections(const RunReport& r, size_t run, const std::string& file_prefix,
                                  const std::string& heading_prefix) {
  std::vector<Section> out;
  out.push_back({heading_prefix + "Run", run_paragraphs(r), {}, {}});
  out.push_back({heading_prefix + "Accuracy",
                 {},
                 {{file_prefix + "accuracy_vs_eps.svg", accuracy_figure(r)}},
                 {main_table(r), long_table(r)}});
  if (!r.paired.empty())
    out.push_back({heading_prefix + "Paired tests", {}, {}, {paired_table(r, run)}});
  if (!r.subjects.empty()) {
    out.push_back({heading_prefix + "Per subject", {}, {}, {subject_table(r)}});
  }
  if (!r.privacy.empty()) {
    out.push_back({heading_prefix + "Privacy",
                   {},
                   {{file_prefix + "frontier.svg", frontier_figure(r)}},
                   {privacy_table(r)}});
  }
  // The frontier against nominal eps goes with the first attack section.
  const auto eps_frontier = [&] {
    return Figure{file_prefix + "frontier_eps.svg", frontier_figure(r, PrivacyAxis::kEps)};
  };
  if (!r.offline_attacks.empty()) {
    out.push_back(
        {heading_prefix + "Offline attacks",
         {},
         {{file_prefix + "frontier_inversion.svg", frontier_figure(r, PrivacyAxis::kInversion)},
          eps_frontier()},
         {offline_attack_table(r)}});
  }
  if (!r.reconstruction.empty()) {
    std::vector<Figure> figures{{file_prefix + "frontier_reconstruction.svg",
                                 frontier_figure(r, PrivacyAxis::kReconstruction)}};
    if (r.offline_attacks.empty()) figures.push_back(eps_frontier());
    out.push_back({heading_prefix + "Reconstruction attacks",
                   {},
                   std::move(figures),
                   {reconstruction_table(r), reconstruction_examples_table(r)}});
  }
  if (!r.budget.empty()) {
    out.push_back({heading_prefix + "Privacy budget", {}, {}, {budget_table(r)}});
  }
  out.push_back({heading_prefix + "Cost and time", {}, {}, {provider_table(r), usage_table(r)}});
  return out;
}

// Each later run against the first: accuracy, privacy and totals side by side.
Section comparison_section(const std::vector<RunReport>& runs) {
  Section s;
  s.heading = "Comparison";
  s.paragraphs.push_back(fmt::format("Differences are each run minus run 1 ({}).", runs[0].label));
  for (size_t i = 0; i < runs.size(); ++i) {
    s.paragraphs.push_back(fmt::format("Run {}: {}{} ({}).", i + 1, runs[i].label,
                                       runs[i].simulated ? " [SIMULATED]" : "", runs[i].store));
  }
  DisplayTable acc{"Accuracy side by side", {"scenario", "mechanism", "eps"}, {}, ""};
  DisplayTable priv{"Re-identification and cosine side by side", {"mechanism", "eps"}, {}, ""};
  DisplayTable totals{"Totals side by side", {"run", "questions", "wall time", "cost"}, {}, ""};
  for (size_t i = 0; i < runs.size(); ++i) {
    acc.columns.push_back(fmt::format("run {}", i + 1));
    priv.columns.push_back(fmt::format("run {} re-identified", i + 1));
    priv.columns.push_back(fmt::format("run {} cosine", i + 1));
  }
  for (size_t i = 1; i < runs.size(); ++i) {
    acc.columns.push_back(fmt::format("run {} - run 1", i + 1));
    priv.columns.push_back(fmt::format("re-identified run {} - run 1", i + 1));
  }
  // Rows: the union of every run's groups, in the first run's order, then new ones.
  std::vector<const AccuracyStat*> keys;
  for (const auto& r : runs) {
    for (const auto& a : r.accuracy) {
      if (std::none_of(keys.begin(), keys.end(), [&](const AccuracyStat* k) {
            return k->scenario == a.scenario && k->mechanism == a.mechanism && k->eps == a.eps;
          })) {
        keys.push_back(&a);
      }
    }
  }
  for (const AccuracyStat* k : keys) {
    std::vector<std::string> row{scenario_title(k->scenario),
                                 k->mechanism.empty() ? "-" : k->mechanism, eps_text(*k)};
    std::vector<const AccuracyStat*> found;
    for (const auto& r : runs) {
      found.push_back(find_stat(r.accuracy, k->scenario, k->mechanism, k->eps));
      row.push_back(found.back() && found.back()->n > 0
                        ? with_ci(found.back()->accuracy, found.back()->ci)
                        : "-");
    }
    for (size_t i = 1; i < runs.size(); ++i) {
      row.push_back(found[0] && found[i] && found[0]->n > 0 && found[i]->n > 0
                        ? signed_points(found[i]->accuracy - found[0]->accuracy)
                        : "-");
    }
    acc.rows.push_back(std::move(row));
  }
  std::vector<std::pair<std::string, double>> privacy_keys;
  for (const auto& r : runs) {
    for (const auto& p : r.privacy) {
      if (std::find(privacy_keys.begin(), privacy_keys.end(), std::pair{p.mechanism, p.eps}) ==
          privacy_keys.end()) {
        privacy_keys.push_back({p.mechanism, p.eps});
      }
    }
  }
  for (const auto& key : privacy_keys) {
    // Plain variables: clang 14 cannot capture a structured binding in a lambda.
    const std::string& mechanism = key.first;
    const double eps = key.second;
    std::vector<std::string> row{mechanism,
                                 mechanism == "original" ? "-" : fmt::format("{:g}", eps)};
    std::vector<const PrivacyStat*> found;
    for (const auto& r : runs) {
      const auto it = std::find_if(r.privacy.begin(), r.privacy.end(), [&](const PrivacyStat& p) {
        return p.mechanism == mechanism && p.eps == eps;
      });
      found.push_back(it == r.privacy.end() ? nullptr : &*it);
      row.push_back(found.back() ? pct(found.back()->reidentification_rate()) : "-");
      row.push_back(found.back() ? cosine_text(*found.back()) : "-");
    }
    for (size_t i = 1; i < runs.size(); ++i) {
      row.push_back(found[0] && found[i] ? signed_points(found[i]->reidentification_rate() -
                                                         found[0]->reidentification_rate())
                                         : "-");
    }
    priv.rows.push_back(std::move(row));
  }
  for (size_t i = 0; i < runs.size(); ++i) {
    totals.rows.push_back({fmt::format("run {}: {}", i + 1, runs[i].label),
                           std::to_string(runs[i].questions),
                           fmt::format("{:.1f} s", runs[i].wall_seconds),
                           fmt::format("${:.4f}", total_cost(runs[i]))});
  }
  const std::vector<RunComparison> paired = compare_runs(runs);
  DisplayTable tests{
      "Paired differences against run 1, on the questions both answered",
      {"run", "group"},
      {},
      paired_note(paired.size()) + " Here the baseline is run 1 and the condition the later run."};
  tests.columns.insert(tests.columns.end(), kPairedColumns.begin(), kPairedColumns.end());
  for (const RunComparison& c : paired) {
    std::vector<std::string> row{fmt::format("run {}", c.run + 1), group_title(c.paired.baseline)};
    for (auto& cell : paired_cells(c.paired))
      row.push_back(std::move(cell));
    tests.rows.push_back(std::move(row));
    tests.links.push_back(paired_links(2, explorer_difference_link(c.run, c.paired.baseline, 'b'),
                                       explorer_difference_link(c.run, c.paired.baseline, 'c')));
  }
  s.tables = {acc, tests};
  if (!priv.rows.empty()) s.tables.push_back(priv);
  s.tables.push_back(totals);
  return s;
}

json optional_number(const std::optional<double>& v) {
  return v ? json(*v) : json(nullptr);
}
json eps_value(Scenario s, double eps) {
  return s == Scenario::kPrivateCot || is_attack(s) ? json(eps) : json(nullptr);
}

// A rate's value and 95% interval; over no trials it has none (nulls).
void add_rate(std::vector<json>& row, const Rate& v) {
  if (v.trials == 0) {
    row.insert(row.end(), {json(nullptr), json(nullptr), json(nullptr)});
  } else {
    row.insert(row.end(), {json(v.value()), json(v.ci.low), json(v.ci.high)});
  }
}

// The values of the data tables' paired columns, in their order.
std::vector<json> paired_values(const PairedComparison& p) {
  return {p.pairs,
          p.baseline_accuracy,
          p.condition_accuracy,
          p.condition_accuracy - p.baseline_accuracy,
          p.difference.low,
          p.difference.high,
          p.test.b,
          p.test.c,
          mcnemar_method_name(p.test.method),
          p.test.statistic,
          p.test.p_value,
          p.test.mid_p,
          p.holm_p,
          p.bh_q,
          p.family_size};
}

}  // namespace

std::string report_title(const std::vector<RunReport>& runs) {
  const bool simulated =
      std::any_of(runs.begin(), runs.end(), [](const RunReport& r) { return r.simulated; });
  std::string title = simulated ? "SIMULATED privqa " : "privqa ";
  if (runs.size() == 1) return title + "report: " + runs[0].label;
  title += "comparison:";
  for (size_t i = 0; i < runs.size(); ++i)
    title += (i == 0 ? " " : " vs ") + runs[i].label;
  return title;
}

std::vector<Section> report_sections(const std::vector<RunReport>& runs) {
  std::vector<Section> out;
  if (runs.size() == 1) return run_sections(runs[0], 0, "", "");
  out.push_back(comparison_section(runs));
  for (size_t i = 0; i < runs.size(); ++i) {
    auto sections = run_sections(runs[i], i, fmt::format("run{}_", i + 1),
                                 fmt::format("Run {} ({}): ", i + 1, runs[i].label));
    out.insert(out.end(), sections.begin(), sections.end());
  }
  return out;
}

std::vector<DataTable> data_tables(const std::vector<RunReport>& runs) {
  DataTable accuracy{"accuracy",
                     {"run", "simulated", "scenario", "mechanism", "eps", "n", "correct",
                      "accuracy", "ci_low", "ci_high", "unparsed", "errors"},
                     {}};
  const std::vector<std::string> paired_columns = {"pairs",
                                                   "baseline_accuracy",
                                                   "accuracy",
                                                   "difference",
                                                   "difference_ci_low",
                                                   "difference_ci_high",
                                                   "b",
                                                   "c",
                                                   "test",
                                                   "statistic",
                                                   "p_value",
                                                   "mid_p",
                                                   "holm_p",
                                                   "bh_q",
                                                   "family_size"};
  DataTable paired{"paired_tests",
                   {"run", "simulated", "scenario", "mechanism", "eps", "baseline",
                    "baseline_mechanism", "baseline_eps"},
                   {}};
  paired.columns.insert(paired.columns.end(), paired_columns.begin(), paired_columns.end());
  DataTable comparison{
      "run_comparison", {"run", "simulated", "baseline_run", "scenario", "mechanism", "eps"}, {}};
  comparison.columns.insert(comparison.columns.end(), paired_columns.begin(), paired_columns.end());
  DataTable subjects{
      "subjects",
      {"run", "simulated", "subject", "questions", "subjects", "scenario", "mechanism", "eps", "n",
       "correct", "accuracy", "ci_low", "ci_high", "unparsed", "errors"},
      {}};
  DataTable privacy{"privacy",
                    {"run", "simulated", "mechanism", "eps", "texts", "words_changed", "cosine",
                     "encoder_cosine", "rare_words", "rare_words_kept", "reidentified",
                     "reidentification_rate", "ci_low", "ci_high"},
                    {}};
  DataTable reconstruction{"reconstruction",
                           {"run",
                            "simulated",
                            "scenario",
                            "mechanism",
                            "eps",
                            "texts",
                            "bm25_top1",
                            "bm25_top1_low",
                            "bm25_top1_high",
                            "bm25_top5",
                            "bm25_top5_low",
                            "bm25_top5_high",
                            "embedding_top1",
                            "embedding_top1_low",
                            "embedding_top1_high",
                            "embedding_top5",
                            "embedding_top5_low",
                            "embedding_top5_high",
                            "rare_words",
                            "rare_words_recalled",
                            "rare_recall",
                            "rare_recall_low",
                            "rare_recall_high",
                            "rouge_l",
                            "answered",
                            "attacker_accuracy",
                            "attacker_accuracy_low",
                            "attacker_accuracy_high"},
                           {}};
  // The columns `privqa attack` writes in attack.csv, under the same names.
  DataTable offline{
      "offline_attacks", {"run", "simulated", "mechanism", "eps", "texts", "exact_channel"}, {}};
  for (const char* c : {"all", "rare", "sensitive"}) {
    for (const char* field : {"tokens", "recovered", "rate", "ci_low", "ci_high"})
      offline.columns.push_back(fmt::format("{}_{}", c, field));
  }
  offline.columns.insert(offline.columns.end(), {"words", "n_w_median", "s_w_median"});
  DataTable budget{"privacy_budget",
                   {"run", "simulated", "mechanism", "eps", "texts", "recorded", "sampled_per_text",
                    "eps_per_token", "eps_per_text"},
                   {}};
  DataTable providers{"providers",
                      {"run", "simulated", "provider", "role", "model", "calls", "requests",
                       "cache_hits", "retries", "hedges", "rate_limited", "failures",
                       "cache_errors", "tokens_in", "tokens_out", "estimated_usage", "cost"},
                      {}};
  DataTable usage{"usage",
                  {"run", "simulated", "scenario", "mechanism", "eps", "cells", "attempts",
                   "mean_latency_s", "p95_latency_s", "local_tokens_in", "local_tokens_out",
                   "remote_tokens_in", "remote_tokens_out", "allocated_cost"},
                  {}};
  for (const auto& r : runs) {
    const json run = r.label;
    const json simulated = r.simulated;
    const auto accuracy_values = [&](const AccuracyStat& a) {
      return std::vector<json>{scenario_id(a.scenario),
                               a.mechanism,
                               eps_value(a.scenario, a.eps),
                               a.n,
                               a.correct,
                               a.accuracy,
                               a.ci.low,
                               a.ci.high,
                               a.unparsed,
                               a.errors};
    };
    for (const auto& a : r.accuracy) {
      std::vector<json> row{run, simulated};
      for (auto& v : accuracy_values(a))
        row.push_back(std::move(v));
      accuracy.rows.push_back(std::move(row));
    }
    for (const auto& s : r.subjects) {
      std::vector<json> row{run, simulated, s.subject, s.questions, s.subjects};
      for (auto& v : accuracy_values(s.stat))
        row.push_back(std::move(v));
      subjects.rows.push_back(std::move(row));
    }
    for (const auto& p : r.paired) {
      std::vector<json> row{run,
                            simulated,
                            scenario_id(p.condition.scenario),
                            p.condition.mechanism,
                            eps_value(p.condition.scenario, p.condition.eps),
                            scenario_id(p.baseline.scenario),
                            p.baseline.mechanism,
                            eps_value(p.baseline.scenario, p.baseline.eps)};
      for (auto& v : paired_values(p))
        row.push_back(std::move(v));
      paired.rows.push_back(std::move(row));
    }
    for (const auto& p : r.privacy) {
      privacy.rows.push_back(
          {run, simulated, p.mechanism, p.mechanism == "original" ? json(nullptr) : json(p.eps),
           p.texts, p.words_changed, optional_number(p.cosine), optional_number(p.encoder_cosine),
           p.rare_words, p.rare_words_kept, p.reidentified, p.reidentification_rate(),
           p.reidentified_ci.low, p.reidentified_ci.high});
    }
    for (const auto& x : r.reconstruction) {
      std::vector<json> row{run, simulated, scenario_id(x.scenario), x.mechanism, x.eps, x.texts};
      for (const Rate* v : {&x.bm25_top1, &x.bm25_top5, &x.embedding_top1, &x.embedding_top5})
        add_rate(row, *v);
      row.insert(row.end(), {json(x.rare_recall.trials), json(x.rare_recall.successes)});
      add_rate(row, x.rare_recall);
      row.push_back(x.rouge_l);
      row.push_back(x.answer_accuracy.trials);
      add_rate(row, x.answer_accuracy);
      reconstruction.rows.push_back(std::move(row));
    }
    for (const auto& a : r.offline_attacks) {
      std::vector<json> row{run, simulated, a.mechanism, a.eps, a.texts, a.exact_channel};
      if (!a.exact_channel) {
        row.resize(offline.columns.size(), json(nullptr));
        offline.rows.push_back(std::move(row));
        continue;
      }
      for (const Rate* v : {&a.recovery, &a.rare_recovery, &a.sensitive_recovery}) {
        row.insert(row.end(), {json(v->trials), json(v->successes)});
        add_rate(row, *v);
      }
      row.insert(row.end(), {json(a.words), json(a.median_n_w), json(a.median_s_w)});
      offline.rows.push_back(std::move(row));
    }
    for (const auto& b : r.budget) {
      // PhraseDP's budget is the text kNotDp, never a number; unrecorded ones are null.
      const auto number = [&](double v) {
        return !b.dp ? json(kNotDp) : b.recorded == 0 ? json(nullptr) : json(v);
      };
      budget.rows.push_back({run, simulated, b.mechanism, b.eps, b.texts, b.recorded,
                             b.dp && b.recorded > 0 ? json(b.sampled_per_text) : json(nullptr),
                             b.eps_per_token && b.dp ? json(*b.eps_per_token) : number(0),
                             number(b.eps_per_text)});
    }
    for (const auto& p : r.providers) {
      const ProviderTotals& k = p.totals;
      providers.rows.push_back({run, simulated, p.name, provider_role_name(k.role), k.model,
                                k.calls, k.requests, k.cache_hits, k.retries, k.hedges,
                                k.rate_limited, k.failures, k.cache_errors, k.tokens_in,
                                k.tokens_out, k.estimated_usage, k.cost});
    }
    for (const auto& u : r.usage) {
      usage.rows.push_back({run, simulated, scenario_id(u.scenario), u.mechanism,
                            eps_value(u.scenario, u.eps), u.cells, u.attempts, u.mean_latency,
                            u.p95_latency, u.local_tokens_in, u.local_tokens_out,
                            u.remote_tokens_in, u.remote_tokens_out, u.allocated_cost});
    }
  }
  std::vector<DataTable> out{accuracy, paired, subjects, privacy, budget, providers, usage};
  if (!reconstruction.rows.empty()) out.push_back(std::move(reconstruction));
  if (!offline.rows.empty()) out.push_back(std::move(offline));
  if (runs.size() < 2) return out;
  for (const RunComparison& c : compare_runs(runs)) {
    const Group& g = c.paired.baseline;
    std::vector<json> row{runs[c.run].label, runs[0].simulated || runs[c.run].simulated,
                          runs[0].label,     scenario_id(g.scenario),
                          g.mechanism,       eps_value(g.scenario, g.eps)};
    for (auto& v : paired_values(c.paired))
      row.push_back(std::move(v));
    comparison.rows.push_back(std::move(row));
  }
  out.push_back(std::move(comparison));
  return out;
}

}  // namespace privqa::report
