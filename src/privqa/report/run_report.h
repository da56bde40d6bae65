// The numbers of one run's report, computed once and rendered by every
// output format (report/render.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "privqa/base/result.h"
#include "privqa/report/mcnemar.h"
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

// One S3 cell against a baseline scenario on the questions (and repeats)
// both answered.
struct PairedComparison {
  std::string mechanism;
  double eps = 0;
  Scenario baseline = Scenario::kLocal;
  size_t pairs = 0;
  double baseline_accuracy = 0, private_accuracy = 0;
  McNemarResult test;   // b = baseline right and S3 wrong, c = the reverse
  Interval difference;  // paired bootstrap 95% interval of private - baseline
};

struct SubjectStat {
  std::string subject;
  AccuracyStat stat;
};

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
  std::filesystem::path store;
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
  std::vector<PairedComparison> paired;
  std::vector<SubjectStat> subjects;  // by subject, then scenario order
  std::vector<PrivacyStat> privacy;   // "original" first, then mechanism x eps
  std::vector<ProviderUse> providers;
  std::vector<ScenarioUse> usage;
  double wall_seconds = 0;
  size_t sessions = 0, interrupted_sessions = 0;
  // Sessions whose record never got its end: killed (kill -9, a second
  // signal, a crash), or still running. Their counts are those of their
  // last second.
  size_t unended_sessions = 0;
  std::vector<std::string> notes;  // what could not be computed, and why
};

struct ReportOptions {
  std::filesystem::path embeddings;  // empty: the table the run recorded (or the default)
  bool privacy = true;               // compute the privacy metrics
  int bootstrap_resamples = 2000;
};

Result<RunReport> build_report(const RunData& run, const ReportOptions& options = {});

// "local (S1)", "non-private CoT (S2)", "private CoT (S3)", "remote (S4)", "local self-CoT (S5)".
std::string scenario_title(Scenario s);

}  // namespace privqa::report
