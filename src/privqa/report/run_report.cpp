#include "privqa/report/run_report.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <algorithm>
#include <map>
#include <set>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "privqa/base/parallel_for.h"
#include "privqa/embed/embedding_table.h"
#include "privqa/embed/sif_encoder.h"
#include "privqa/report/accuracy.h"
#include "privqa/report/bootstrap.h"
#include "privqa/report/multiplicity.h"
#include "privqa/report/privacy_metrics.h"

namespace privqa::report {

namespace {

using nlohmann::json;

AccuracyStat to_stat(const AccuracyRow& row) {
  AccuracyStat s;
  s.scenario = row.scenario;
  s.mechanism = row.mechanism;
  s.eps = row.eps;
  s.n = row.n;
  s.correct = row.correct;
  s.unparsed = row.unparsed;
  s.errors = row.errors;
  s.accuracy = row.accuracy();
  s.ci = wilson_interval(row.correct, row.n);
  return s;
}

// Report order: S1, S2, S3 (mechanisms in the run's order, each by eps), S4, S5.
template <class Group>
void sort_in_report_order(std::vector<Group>& groups, const std::vector<std::string>& mechanisms) {
  const auto key = [&](const Group& g) {
    const int rank = g.scenario == Scenario::kLocal        ? 0
                     : g.scenario == Scenario::kRemoteCot  ? 1
                     : g.scenario == Scenario::kPrivateCot ? 2
                     : g.scenario == Scenario::kRemote     ? 3
                                                           : 4;
    const auto m =
        std::find(mechanisms.begin(), mechanisms.end(), g.mechanism) - mechanisms.begin();
    return std::tuple(rank, m, g.mechanism, g.eps);
  };
  std::sort(groups.begin(), groups.end(),
            [&](const Group& a, const Group& b) { return key(a) < key(b); });
}

std::vector<AccuracyStat> accuracy_stats(const std::vector<AccuracyRow>& rows,
                                         const std::vector<std::string>& mechanisms) {
  std::vector<AccuracyStat> out;
  for (const AccuracyRow& row : rows)
    out.push_back(to_stat(row));
  sort_in_report_order(out, mechanisms);
  return out;
}

Outcomes scored_outcomes(const std::vector<CellResult>& cells, const Group& g) {
  Outcomes out;
  for (const auto& c : cells) {
    if (c.key.scenario != g.scenario || c.key.mechanism != g.mechanism || c.key.eps != g.eps)
      continue;
    if (c.status != CellStatus::kOk || c.gold < 0) continue;
    out[{c.key.question_id, c.key.repeat}] = c.correct();
  }
  return out;
}

Group group_of(const AccuracyStat& a) {
  return {a.scenario, a.mechanism, a.eps};
}

std::string group_seed_text(const Group& g) {
  return fmt::format("{}|{}|{:g}", scenario_id(g.scenario), g.mechanism, g.eps);
}

uint64_t hash_seed(const std::string& key) {
  return XXH3_64bits(key.data(), key.size());
}

PairedComparison compare(const Group& condition, const Outcomes& condition_outcomes,
                         const Group& baseline, const Outcomes& baseline_outcomes, uint64_t seed,
                         int resamples) {
  PairedComparison p;
  p.condition = condition;
  p.baseline = baseline;
  std::vector<PairedOutcome> pairs;
  size_t b = 0, c = 0;
  for (const auto& [key, right] : condition_outcomes) {
    const auto it = baseline_outcomes.find(key);
    if (it == baseline_outcomes.end()) continue;
    pairs.push_back({it->second, right});
    b += it->second && !right;
    c += !it->second && right;
    p.baseline_accuracy += it->second;
    p.condition_accuracy += right;
  }
  p.pairs = pairs.size();
  if (!pairs.empty()) {
    p.baseline_accuracy /= static_cast<double>(pairs.size());
    p.condition_accuracy /= static_cast<double>(pairs.size());
  }
  p.test = mcnemar_test(b, c);
  p.difference = paired_bootstrap_difference(pairs, seed, resamples);
  return p;
}

// Holm and BH over every comparison of `family`.
void adjust_family(const std::vector<PairedComparison*>& family) {
  std::vector<double> p;
  for (const PairedComparison* c : family)
    p.push_back(c->test.p_value);
  const std::vector<double> holm = holm_adjust(p);
  const std::vector<double> bh = benjamini_hochberg(p);
  for (size_t i = 0; i < family.size(); ++i) {
    family[i]->holm_p = holm[i];
    family[i]->bh_q = bh[i];
    family[i]->family_size = family.size();
  }
}

// The comparisons of one run (RunReport::paired has the order).
std::vector<PairedComparison> paired_comparisons(const RunReport& report, int resamples) {
  const auto find = [&](Scenario s) -> const GroupOutcomes* {
    for (const auto& g : report.outcomes) {
      if (g.group.scenario == s) return &g;
    }
    return nullptr;
  };
  const GroupOutcomes* s1 = find(Scenario::kLocal);
  const GroupOutcomes* s2 = find(Scenario::kRemoteCot);
  const GroupOutcomes* s4 = find(Scenario::kRemote);
  const GroupOutcomes* s5 = find(Scenario::kLocalSelfCot);
  std::vector<std::pair<const GroupOutcomes*, const GroupOutcomes*>> plan = {
      {s2, s1}, {s5, s1}, {s4, s1}, {s4, s2}, {s4, s5}};
  for (const auto& g : report.outcomes) {
    if (g.group.scenario != Scenario::kPrivateCot) continue;
    for (const GroupOutcomes* baseline : {s1, s2, s4})
      plan.push_back({&g, baseline});
  }
  std::vector<PairedComparison> out;
  for (const auto& [condition, baseline] : plan) {
    if (condition == nullptr || baseline == nullptr) continue;
    const uint64_t seed =
        hash_seed(fmt::format("{}|{}|{}", report.seed.value_or(0),
                              group_seed_text(condition->group), group_seed_text(baseline->group)));
    out.push_back(compare(condition->group, condition->outcomes, baseline->group,
                          baseline->outcomes, seed, resamples));
  }
  std::vector<PairedComparison*> family;
  for (PairedComparison& p : out)
    family.push_back(&p);
  adjust_family(family);
  return out;
}

std::vector<SubjectStat> subject_stats(const RunData& run,
                                       const std::vector<std::string>& mechanisms,
                                       size_t min_questions) {
  std::unordered_map<std::string, std::string> subject_of;
  for (const auto& q : run.corpus)
    subject_of[q.id] = q.subject.empty() ? "(none)" : q.subject;
  struct Subject {
    AccuracyTally tally;
    std::unordered_set<std::string> questions;
  };
  std::map<std::string, Subject> by_subject;
  for (const auto& c : run.cells) {
    const auto it = subject_of.find(c.key.question_id);
    if (it == subject_of.end()) continue;
    Subject& subject = by_subject[it->second];
    subject.tally.add(c);
    subject.questions.insert(c.key.question_id);
  }
  std::vector<SubjectStat> out;
  AccuracyTally pooled;
  size_t pooled_subjects = 0, pooled_questions = 0;
  for (const auto& [name, subject] : by_subject) {
    const size_t n = subject.questions.size();
    if (n < min_questions) {
      pooled.merge(subject.tally);
      ++pooled_subjects;
      pooled_questions += n;
      continue;
    }
    for (const AccuracyStat& s : accuracy_stats(subject.tally.rows(), mechanisms))
      out.push_back({name, n, 1, s});
  }
  for (const AccuracyStat& s : accuracy_stats(pooled.rows(), mechanisms))
    out.push_back({kPooledSubjects, pooled_questions, pooled_subjects, s});
  return out;
}

// The embedding table and SIF encoder for the cosine metric, fitted like the
// run's own (the whole dataset as corpus).
struct Encoder {
  EmbeddingTable table;
  std::optional<SifEncoder> sif;
};

Result<std::unique_ptr<Encoder>> load_encoder(const RunData& run, const ReportOptions& options) {
  auto table = load_embeddings(run_embeddings(run, options.embeddings));
  if (!table) return table.error();
  auto encoder = std::make_unique<Encoder>();
  encoder->table = std::move(*table);
  std::vector<std::string> texts;
  texts.reserve(run.corpus.size());
  for (const auto& q : run.corpus)
    texts.push_back(q.text);
  auto sif = SifEncoder::build(encoder->table, texts);
  if (!sif) return sif.error();
  encoder->sif.emplace(std::move(*sif));
  return encoder;
}

struct PrivacyAccumulator {
  PrivacyStat stat;
  double words_changed_sum = 0, cosine_sum = 0, encoder_cosine_sum = 0;
  size_t cosine_n = 0, encoder_cosine_n = 0;

  // The similarity a PhraseDP cell recorded for the candidate it selected.
  void add_recorded_similarity(const std::string& details) {
    const json d = json::parse(details, nullptr, /*allow_exceptions=*/false);
    if (!d.is_object()) return;
    const json m = d.value("mechanism", json::object());
    const json similarities = m.value("similarities", json::array());
    const size_t selected = m.value("selected", similarities.size());
    if (selected >= similarities.size() || !similarities[selected].is_number()) return;
    encoder_cosine_sum += similarities[selected].get<double>();
    ++encoder_cosine_n;
  }

  void add(const TextPrivacy& m) {
    ++stat.texts;
    words_changed_sum += m.words_changed;
    if (m.cosine) {
      cosine_sum += *m.cosine;
      ++cosine_n;
    }
    stat.rare_words += m.rare_words;
    stat.rare_words_kept += m.rare_words_kept;
    stat.reidentified += m.reidentified;
  }
  PrivacyStat finish() const {
    PrivacyStat s = stat;
    if (s.texts > 0) s.words_changed = words_changed_sum / static_cast<double>(s.texts);
    if (cosine_n > 0) s.cosine = cosine_sum / static_cast<double>(cosine_n);
    if (encoder_cosine_n > 0) {
      s.encoder_cosine = encoder_cosine_sum / static_cast<double>(encoder_cosine_n);
    }
    s.reidentified_ci = wilson_interval(s.reidentified, s.texts);
    return s;
  }
};

// The sentence encoder of a PhraseDP entry of the run's mechanisms, as the
// run recorded it ("sif" or a provider's name); nullopt for other kinds.
constexpr const char* kSifEncoder = "sif";
std::optional<std::string> phrasedp_encoder(const json& mechanism) {
  const std::string name = mechanism.value("name", std::string());
  if (mechanism.value("kind", name) != "phrasedp") return std::nullopt;
  return mechanism.value("params", json::object()).value("encoder", std::string(kSifEncoder));
}

// Calls `visit` with each whole experiment cell of the sampled questions
// (question_sample), or of all when `sample` is nullopt.
Status for_each_measured_cell(const RunData& run,
                              const std::optional<std::vector<std::string>>& sample,
                              const WholeCellVisitor& visit) {
  return sample ? for_each_whole_cell_of(run, *sample, visit) : for_each_whole_cell(run, visit);
}

Status add_privacy(const RunData& run, const std::optional<std::vector<std::string>>& sample,
                   const ReportOptions& options, RunReport& report) {
  if (run.corpus.empty()) {
    report.notes.push_back(
        "privacy metrics and per-subject accuracy left out: the dataset could "
        "not be reloaded (" +
        run.dataset_problem + ")");
    return Status::Ok();
  }
  auto encoder = load_encoder(run, options);
  if (!encoder) {
    report.notes.push_back("cosine similarity left out: " + encoder.error().message());
  }
  const SentenceEncoder* sif = encoder && (*encoder)->sif ? &*(*encoder)->sif : nullptr;
  const PrivacyMeter meter(run.corpus, sif);

  PrivacyAccumulator original;
  original.stat.mechanism = "original";
  std::set<std::string> seen;
  std::map<std::tuple<size_t, std::string, double>, PrivacyAccumulator> groups;
  size_t unknown = 0;
  std::set<std::string> provider_encoded;  // PhraseDP mechanisms scoring with a provider
  for (const auto& m : run.record.config.value("mechanisms", json::array())) {
    const auto scoring = phrasedp_encoder(m);
    if (scoring && *scoring != kSifEncoder) provider_encoded.insert(m.value("name", std::string()));
  }
  // The texts to measure, read first; measured on every core (a BM25
  // ranking scores the whole dataset), then added up in reading order, so
  // the sums do not depend on the threads.
  struct Measured {
    size_t question = 0;
    std::string text;
    PrivacyAccumulator* group = nullptr;  // null: the original question
    std::string details;                  // a provider-scored PhraseDP cell's
    TextPrivacy result;
  };
  std::vector<Measured> texts;
  Status read = for_each_measured_cell(run, sample, [&](const CellResult& c) {
    const auto question = meter.find(c.key.question_id);
    if (!question) {
      ++unknown;
      return Status::Ok();
    }
    if (seen.insert(c.key.question_id).second) {
      texts.push_back({.question = *question, .text = run.corpus[*question].text});
    }
    // A failed cell still sent its sanitized text if it has one.
    if (c.key.scenario != Scenario::kPrivateCot) return Status::Ok();
    if (c.status != CellStatus::kOk && c.sanitized.empty()) return Status::Ok();
    const auto order = static_cast<size_t>(
        std::find(report.mechanisms.begin(), report.mechanisms.end(), c.key.mechanism) -
        report.mechanisms.begin());
    PrivacyAccumulator& g = groups[{order, c.key.mechanism, c.key.eps}];
    g.stat.mechanism = c.key.mechanism;
    g.stat.eps = c.key.eps;
    texts.push_back({.question = *question,
                     .text = c.sanitized,
                     .group = &g,
                     .details = provider_encoded.count(c.key.mechanism) != 0 ? c.details : ""});
    return Status::Ok();
  });
  if (!read) return read;
  parallel_for(texts.size(), std::max(1u, std::thread::hardware_concurrency()), [&](size_t i) {
    texts[i].result = meter.measure(texts[i].question, texts[i].text);
  });
  for (const Measured& m : texts) {
    PrivacyAccumulator& g = m.group ? *m.group : original;
    g.add(m.result);
    if (!m.details.empty()) g.add_recorded_similarity(m.details);
  }
  if (unknown > 0) {
    report.notes.push_back(fmt::format(
        "{} cells name questions missing from the reloaded dataset; privacy metrics skip them",
        unknown));
  }
  report.privacy.push_back(original.finish());
  for (const auto& [key, g] : groups)
    report.privacy.push_back(g.finish());
  if (!run.attack_cells.empty()) {
    const ReconstructionScorer scorer(meter, run.corpus, sif);
    report.reconstruction =
        reconstruction_stats(run.attack_cells, meter, scorer, report.mechanisms);
    report.reconstruction_examples =
        reconstruction_examples(run.attack_cells, meter, run.corpus, report.mechanisms);
  }
  return Status::Ok();
}

Status add_budget(const RunData& run, const std::optional<std::vector<std::string>>& sample,
                  RunReport& report) {
  const std::set<std::string> non_dp = non_dp_mechanisms(run.record);
  struct Sums {
    BudgetStat stat;
    size_t sampled = 0;
    double eps = 0;
  };
  std::map<std::tuple<size_t, std::string, double>, Sums> groups;
  Status read = for_each_measured_cell(run, sample, [&](const CellResult& c) {
    if (c.key.scenario != Scenario::kPrivateCot || c.sanitized.empty()) return Status::Ok();
    const auto order = static_cast<size_t>(
        std::find(report.mechanisms.begin(), report.mechanisms.end(), c.key.mechanism) -
        report.mechanisms.begin());
    Sums& g = groups[{order, c.key.mechanism, c.key.eps}];
    const CellBudget b = cell_budget(c, non_dp);
    g.stat.mechanism = c.key.mechanism;
    g.stat.eps = c.key.eps;
    g.stat.dp = b.dp;
    ++g.stat.texts;
    if (!b.eps_spent) return Status::Ok();
    ++g.stat.recorded;
    g.stat.nominal = g.stat.nominal || b.nominal;
    g.eps += *b.eps_spent;
    g.sampled += b.sampled.value_or(0);
    if (b.eps_per_token) g.stat.eps_per_token = b.eps_per_token;
    return Status::Ok();
  });
  if (!read) return read;
  for (auto& [key, g] : groups) {
    if (g.stat.recorded > 0) {
      const auto n = static_cast<double>(g.stat.recorded);
      g.stat.eps_per_text = g.eps / n;
      g.stat.sampled_per_text = static_cast<double>(g.sampled) / n;
    }
    report.budget.push_back(g.stat);
  }
  return Status::Ok();
}

void add_usage(const RunData& run, RunReport& report) {
  for (const SessionRecord& session : run.sessions) {
    report.wall_seconds += session.wall_seconds;
    report.interrupted_sessions += session.interrupted;
    report.unended_sessions += !session.ended;
    ++report.sessions;
  }
  for (const auto& [name, totals] : provider_totals(run.sessions))
    report.providers.push_back({name, totals});

  const std::vector<double> costs = cell_costs(run);
  // Indices as cell_costs orders them: the experiment's cells, then the attacks'.
  const auto cell_at = [&](size_t i) -> const CellResult& {
    return i < run.cells.size() ? run.cells[i] : run.attack_cells[i - run.cells.size()];
  };
  std::map<std::tuple<int, std::string, double>, std::vector<size_t>> groups;  // cell indices
  for (size_t i = 0; i < costs.size(); ++i) {
    const CellKey& k = cell_at(i).key;
    groups[{static_cast<int>(k.scenario), k.mechanism, k.eps}].push_back(i);
  }
  for (const auto& [key, cells] : groups) {
    ScenarioUse u;
    const CellKey& first = cell_at(cells.front()).key;
    u.scenario = first.scenario;
    u.mechanism = first.mechanism;
    u.eps = first.eps;
    u.cells = cells.size();
    std::vector<double> latencies;
    for (const size_t i : cells) {
      const CellResult* c = &cell_at(i);
      u.allocated_cost += costs[i];
      u.attempts += c->attempts;
      latencies.push_back(c->latency);
      u.local_tokens_in += c->local_tokens_in;
      u.local_tokens_out += c->local_tokens_out;
      u.remote_tokens_in += c->remote_tokens_in;
      u.remote_tokens_out += c->remote_tokens_out;
    }
    std::sort(latencies.begin(), latencies.end());
    double sum = 0;
    for (double l : latencies)
      sum += l;
    u.mean_latency = sum / static_cast<double>(latencies.size());
    u.p95_latency =
        latencies[static_cast<size_t>(0.95 * static_cast<double>(latencies.size() - 1))];
    report.usage.push_back(u);
  }
  sort_in_report_order(report.usage, report.mechanisms);
}

}  // namespace

CostShares::CostShares(const RunData& run) {
  for (const auto& [name, totals] : provider_totals(run.sessions))
    (totals.role == ProviderRole::kLocal ? local_cost_ : remote_cost_) += totals.cost;
  for (const auto* cells : {&run.cells, &run.attack_cells}) {
    for (const auto& c : *cells) {
      local_tokens_ += c.local_tokens_in + c.local_tokens_out;
      remote_tokens_ += c.remote_tokens_in + c.remote_tokens_out;
    }
  }
}

double CostShares::of(const CellResult& c) const {
  const auto share = [](double cost, int64_t tokens, int64_t total) {
    return total > 0 ? cost * static_cast<double>(tokens) / static_cast<double>(total) : 0.0;
  };
  return share(local_cost_, c.local_tokens_in + c.local_tokens_out, local_tokens_) +
         share(remote_cost_, c.remote_tokens_in + c.remote_tokens_out, remote_tokens_);
}

std::vector<double> cell_costs(const RunData& run) {
  const CostShares shares(run);
  std::vector<double> out;
  out.reserve(run.cells.size() + run.attack_cells.size());
  for (const auto* cells : {&run.cells, &run.attack_cells}) {
    for (const auto& c : *cells)
      out.push_back(shares.of(c));
  }
  return out;
}

std::optional<std::vector<std::string>> question_sample(const std::set<std::string>& ids,
                                                        size_t limit) {
  if (limit == 0 || ids.size() <= limit) return std::nullopt;
  std::vector<std::pair<uint64_t, const std::string*>> hashed;
  hashed.reserve(ids.size());
  for (const std::string& id : ids)
    hashed.emplace_back(XXH3_64bits(id.data(), id.size()), &id);
  std::nth_element(hashed.begin(), hashed.begin() + static_cast<std::ptrdiff_t>(limit),
                   hashed.end());
  std::vector<std::string> sample;
  sample.reserve(limit);
  for (size_t i = 0; i < limit; ++i)
    sample.push_back(*hashed[i].second);
  return sample;
}

std::string group_name(const Group& g) {
  return g.scenario == Scenario::kPrivateCot ? fmt::format("S3 {} eps {:g}", g.mechanism, g.eps)
                                             : std::string(scenario_id(g.scenario));
}

std::vector<RunComparison> compare_runs(const std::vector<RunReport>& runs) {
  std::vector<RunComparison> out;
  for (size_t i = 1; i < runs.size(); ++i) {
    for (const GroupOutcomes& first : runs[0].outcomes) {
      for (const GroupOutcomes& later : runs[i].outcomes) {
        if (!(later.group == first.group)) continue;
        const uint64_t seed = hash_seed(
            fmt::format("{}|run {}|{}", runs[0].seed.value_or(0), i, group_seed_text(first.group)));
        out.push_back({i, compare(later.group, later.outcomes, first.group, first.outcomes, seed,
                                  runs[0].bootstrap_resamples)});
      }
    }
  }
  std::vector<PairedComparison*> family;
  for (RunComparison& c : out)
    family.push_back(&c.paired);
  adjust_family(family);
  return out;
}

std::string scenario_title(Scenario s) {
  switch (s) {
    case Scenario::kLocal:
      return "local (S1)";
    case Scenario::kRemoteCot:
      return "non-private CoT (S2)";
    case Scenario::kPrivateCot:
      return "private CoT (S3)";
    case Scenario::kRemote:
      return "remote (S4)";
    case Scenario::kLocalSelfCot:
      return "local self-CoT (S5)";
    case Scenario::kReconstruct:
      return "reconstruction attack (A1)";
    case Scenario::kReconstructAnswer:
      return "reconstruct-and-answer attack (A2)";
  }
  return "?";
}

Result<RunReport> build_report(const RunData& run, const ReportOptions& options) {
  RunReport r;
  r.label = run.label;
  r.store = run.store;
  r.simulated = run.simulated;
  r.title = fmt::format("{}privqa report: {}", run.simulated ? "SIMULATED " : "", run.label);
  r.created_at = run.record.created_at;
  r.fingerprint = run.record.fingerprint;
  r.dataset = run.record.config.value("dataset", json::object()).value("path", std::string());
  r.local_model = recorded_model(run.record, "local");
  r.remote_model = recorded_model(run.record, "remote");
  if (const auto seed = run.record.config.find("seed");
      seed != run.record.config.end() && seed->is_number_unsigned()) {
    r.seed = seed->get<uint64_t>();
  }
  const json encoders = run.record.config.value("encoders", json::object());
  for (const json& m : run.record.config.value("mechanisms", json::array())) {
    const std::string name = m.value("name", std::string());
    r.mechanisms.push_back(name);
    const auto encoder = phrasedp_encoder(m);
    if (!encoder) continue;
    r.encoders[name] =
        *encoder == kSifEncoder
            ? "SIF, the weighted mean of the embedding table's word vectors"
            : fmt::format("{} at provider {}",
                          encoders.value(*encoder, json::object()).value("model", std::string("?")),
                          *encoder);
  }
  for (const json& e : run.record.config.value("epsilons", json::array())) {
    if (e.is_number()) r.epsilons.push_back(e.get<double>());
  }
  std::set<std::string> questions;
  for (const auto& c : run.cells)
    questions.insert(c.key.question_id);
  r.questions = questions.size();

  r.accuracy = accuracy_stats(accuracy_table(run.cells), r.mechanisms);
  for (const AccuracyStat& a : r.accuracy)
    r.outcomes.push_back({group_of(a), scored_outcomes(run.cells, group_of(a))});
  r.bootstrap_resamples = options.bootstrap_resamples;
  r.paired = paired_comparisons(r, options.bootstrap_resamples);
  r.min_subject_questions = options.min_subject_questions;
  r.subjects = subject_stats(run, r.mechanisms, options.min_subject_questions);
  // The texts of a sample stay in the store until these read them.
  const auto sample = question_sample(questions, options.privacy_questions);
  if (sample) {
    r.notes.push_back(fmt::format(
        "privacy metrics and the privacy budget over a sample of {} of the run's {} questions "
        "(those whose ids hash lowest: the same questions for every mechanism and eps); "
        "--privacy-questions 0 measures every text",
        sample->size(), r.questions));
  }
  if (options.privacy) {
    if (Status s = add_privacy(run, sample, options, r); !s) return s.error();
  }
  if (Status s = add_budget(run, sample, r); !s) return s.error();
  add_usage(run, r);
  if (run.sessions.empty()) r.notes.push_back("the store records no session: no cost or wall time");
  return r;
}

}  // namespace privqa::report
