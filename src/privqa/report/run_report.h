// The numbers of one run's report, computed once and rendered by every
// output format (report/render.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "privqa/base/result.h"
#include "privqa/report/mcnemar.h"
#include "privqa/report/reconstruction_scores.h"
#include "privqa/report/run_data.h"
#include "privqa/report/wilson.h"
#include "privqa/store/cell.h"
#include "privqa/store/records.h"

namespace privqa::report {

// One scenario (x mechanism x eps for S3). Errors are excluded from n; an
// unparsed answer counts in n as wrong.
struct AccuracyStat {
  Scenario scenario = Scenario::kLocal;
  std::string mechanism;  // S3 only
  double eps = 0;         // S3 only
  size_t n = 0, correct = 0, unparsed = 0, errors = 0;
  double accuracy = 0;
  Interval ci;  // Wilson 95%
};

// One group of cells: a scenario, and for S3 its mechanism and eps.
struct Group {
  Scenario scenario = Scenario::kLocal;
  std::string mechanism;  // S3 only
  double eps = 0;         // S3 only
  bool operator==(const Group&) const = default;
};

// "S1", ..., "S3 santext+ eps 2".
std::string group_name(const Group& g);

// The scored trials of one group: correct or not, by (question id, repeat).
using Outcomes = std::map<std::pair<std::string, int>, bool>;

struct GroupOutcomes {
  Group group;
  Outcomes outcomes;
};

// One group against a baseline group on the trials (question, repeat) both
// answered without error: within a run, or one group in two runs.
struct PairedComparison {
  Group condition, baseline;
  size_t pairs = 0;
  double baseline_accuracy = 0, condition_accuracy = 0;
  McNemarResult test;   // b = baseline right and condition wrong, c = the reverse
  Interval difference;  // paired bootstrap 95% interval of condition - baseline
  // McNemar's p (test.p_value) adjusted over the family of tests it is
  // reported with (docs/reports.md, "Multiple comparisons").
  double holm_p = 1, bh_q = 1;
  size_t family_size = 0;
};

// A subject with at least ReportOptions::min_subject_questions questions, or
// the pool of the subjects with fewer (subject kPooledSubjects).
struct SubjectStat {
  std::string subject;
  size_t questions = 0;  // distinct questions with a stored cell
  size_t subjects = 1;   // subjects pooled in this row
  AccuracyStat stat;
};
inline constexpr const char* kPooledSubjects = "(smaller subjects, pooled)";

// Privacy of the texts one mechanism at one eps sent to the remote model. The
// row with mechanism "original" measures the unsanitized question texts.
struct PrivacyStat {
  std::string mechanism;
  double eps = 0;
  size_t texts = 0;
  double words_changed = 0;      // mean share
  std::optional<double> cosine;  // SIF's, mean over texts where it is defined
  // A PhraseDP scoring with a provider's encoder: the mean similarity of the
  // selected candidate under that encoder, as its cells recorded it.
  std::optional<double> encoder_cosine;
  size_t rare_words = 0, rare_words_kept = 0;
  size_t reidentified = 0;
  Interval reidentified_ci;  // Wilson 95% of reidentified / texts
  double reidentification_rate() const {
    return texts == 0 ? 0.0 : static_cast<double>(reidentified) / static_cast<double>(texts);
  }
};

// The offline attacks (docs/privacy.md) on the texts one mechanism sent at
// one eps: the mechanism-aware inversion's recovery of the original word
// tokens, of the rare and of the sensitive ones, and the median plausible
// deniability statistics. The report does not compute them: `privqa report
// --offline-attacks` does, through the attack module
// (attack/report_stats.h), as `privqa attack` does.
struct OfflineAttackStat {
  std::string mechanism;
  double eps = 0;
  size_t texts = 0;
  bool exact_channel = false;  // false: no exact channel, nothing below computed
  Rate recovery, rare_recovery, sensitive_recovery;
  size_t words = 0;  // distinct original words of the deniability statistics
  double median_n_w = 0, median_s_w = 0;
};

// The privacy budget the texts of one mechanism at one nominal eps spent
// (docs/mechanisms.md, "Privacy accounting per text"), over the S3 cells
// that recorded it.
struct BudgetStat {
  std::string mechanism;
  double eps = 0;                       // the nominal eps of the cells
  bool dp = true;                       // false: PhraseDP, shown as kNotDp, never a number
  size_t texts = 0;                     // S3 cells with a sanitized text
  size_t recorded = 0;                  // of those, cells that recorded their spending
  double sampled_per_text = 0;          // mean tokens decided by the eps-calibrated step
  double eps_per_text = 0;              // mean eps spent per text (sum over its tokens)
  std::optional<double> eps_per_token;  // what one sampled token spends
  bool nominal = false;                 // some texts sampled from unclipped logits (DP-Prompt)
};

// A provider's use summed over every session of the run.
struct ProviderUse {
  std::string name;
  ProviderTotals totals;
};

// Stored cells of one scenario (x mechanism x eps). Cost is the providers'
// cost split by this group's share of each provider's tokens.
struct ScenarioUse {
  Scenario scenario = Scenario::kLocal;
  std::string mechanism;
  double eps = 0;
  size_t cells = 0;
  int64_t attempts = 0;
  double mean_latency = 0, p95_latency = 0;
  int64_t local_tokens_in = 0, local_tokens_out = 0, remote_tokens_in = 0, remote_tokens_out = 0;
  double allocated_cost = 0;
};

struct RunReport {
  std::string label;
  std::string store;  // the store's path or URL
  bool simulated = false;
  std::string title;  // starts with "SIMULATED" for a simulated run
  std::string created_at, fingerprint, dataset, local_model, remote_model;
  // The config's seed; none when it was drawn from the OS, a secret the
  // report leaves in the store.
  std::optional<uint64_t> seed;
  size_t questions = 0;                 // distinct questions with a stored cell
  std::vector<std::string> mechanisms;  // in the run's S3 order
  // PhraseDP mechanism -> the sentence encoder that scored its selections.
  std::map<std::string, std::string> encoders;
  std::vector<double> epsilons;

  std::vector<AccuracyStat> accuracy;  // S1, S2, S3 by mechanism and eps, S4, S5
  // S2 vs S1, S5 vs S1, S4 vs S1, S2 and S5, then each S3 group vs S1, S2
  // and S4, for the scenarios the run has; one family for Holm and BH.
  std::vector<PairedComparison> paired;
  size_t min_subject_questions = 0;
  std::vector<SubjectStat> subjects;  // by subject, then scenario order; the pool last
  std::vector<PrivacyStat> privacy;   // "original" first, then mechanism x eps
  std::vector<BudgetStat> budget;     // mechanism x eps, in the run's S3 order
  // The reconstruction attacks (A1, A2) by scenario, mechanism and eps, and
  // a few of their texts side by side; empty without attack cells.
  std::vector<ReconstructionStat> reconstruction;
  std::vector<ReconstructionExample> reconstruction_examples;
  // The offline attacks by mechanism and eps, in the run's S3 order; empty
  // unless the caller computed them (build_report does not).
  std::vector<OfflineAttackStat> offline_attacks;
  std::vector<ProviderUse> providers;
  std::vector<ScenarioUse> usage;
  double wall_seconds = 0;
  size_t sessions = 0, interrupted_sessions = 0;
  // Sessions whose record never got its end: killed (kill -9, a second
  // signal, a crash), or still running. Their counts are those of their
  // last second.
  size_t unended_sessions = 0;
  std::vector<std::string> notes;       // what could not be computed, and why
  std::vector<GroupOutcomes> outcomes;  // each accuracy group's trials, for compare_runs
  int bootstrap_resamples = 2000;
};

struct ReportOptions {
  std::filesystem::path embeddings;  // empty: the table the run recorded (or the default)
  bool privacy = true;               // compute the privacy metrics
  int bootstrap_resamples = 2000;
  // Subjects with fewer questions are pooled in one row of the per-subject
  // table: their accuracies are too noisy to read one by one.
  size_t min_subject_questions = 30;
  // The privacy metrics and the budget table measure the texts of at most
  // this many questions (0: all): question_sample, in a run with more (a
  // note says so). A text's BM25 ranking costs time in proportion to the
  // corpus, and the texts of a run of millions of cells stay in its store,
  // so a run over 180,000 questions would otherwise spend minutes on
  // intervals already narrower than 1%.
  size_t privacy_questions = 10'000;
};

Result<RunReport> build_report(const RunData& run, const ReportOptions& options = {});

// A cell's cost. The store records cost per provider, not per call: a
// provider's cost over every session is split among the run's cells by
// their shares of its tokens (cached answers count, as their tokens are
// stored with the cell).
class CostShares {
 public:
  explicit CostShares(const RunData& run);
  double of(const CellResult& c) const;

 private:
  double local_cost_ = 0, remote_cost_ = 0;
  int64_t local_tokens_ = 0, remote_tokens_ = 0;
};
// Each cell's cost, in the order of run.cells, then run.attack_cells.
std::vector<double> cell_costs(const RunData& run);

// The questions whose texts the privacy metrics and the budget table
// measure: all of `ids` (nullopt), or when there are more than `limit`
// (> 0), the `limit` whose ids hash lowest (XXH3): a uniform sample that
// needs no random state and keeps a question in or out of it for every
// mechanism and eps, and in every report.
std::optional<std::vector<std::string>> question_sample(const std::set<std::string>& ids,
                                                        size_t limit);

// Each later run against the first: every group both have, paired on the
// trials (question, repeat) both answered; condition = the later run,
// baseline = run 1. One family for Holm and BH.
struct RunComparison {
  size_t run = 0;  // index into the runs, >= 1
  PairedComparison paired;
};
std::vector<RunComparison> compare_runs(const std::vector<RunReport>& runs);

// "local (S1)", "non-private CoT (S2)", "private CoT (S3)", "remote (S4)", "local self-CoT (S5)".
std::string scenario_title(Scenario s);

}  // namespace privqa::report
