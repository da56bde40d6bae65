#include "privqa/exp/cell_sanitizer.h"

#include <fmt/format.h>

#include <map>
#include <optional>

#include "privqa/dp/phrasedp.h"
#include "privqa/dp/registry.h"
#include "privqa/dp/rng.h"
#include "privqa/embed/embedding_table.h"
#include "privqa/embed/sif_encoder.h"
#include "privqa/exp/dpprompt_paraphrase.h"
#include "privqa/exp/scenarios.h"

namespace privqa {

namespace {

// Cache memory per mechanism in a run. A run sanitizes each question once
// per eps, so a word's cached state is reused far less than in batch
// sanitization; a small cache keeps the runner's memory low at the cost of
// recomputing some distances (a fraction of a millisecond per text).
constexpr size_t kMechanismCacheBytes = size_t{24} << 20;

// A PhraseDP mechanism's settings, checked.
struct PhraseSettings {
  PhraseScoring scoring = PhraseScoring::kOriginal;
  std::string encoder;  // kSifEncoder or a provider's name
};

Result<PhraseSettings> phrasedp_settings(const RunConfig& config, const MechanismConfig& m) {
  auto params = resolve_params(m.name, phrasedp_param_specs(), m.params);
  if (!params) return params.error().wrap(where_of(config, m));
  auto scoring = parse_phrase_scoring(params->text("scoring"));
  if (!scoring) return scoring.error().wrap(where_of(config, m));
  PhraseSettings out{.scoring = *scoring, .encoder = params->text("encoder")};
  if (out.encoder == kSifEncoder) return out;
  if (config.provider(out.encoder) == nullptr) {
    return Error(fmt::format(
        "{}: {}: encoder '{}' names no [providers.NAME] table (sif, or a provider whose model "
        "serves /v1/embeddings)",
        where_of(config, m), m.name, out.encoder));
  }
  if (out.encoder == config.remote_provider) {
    return Error(fmt::format(
        "{}: {}: encoder '{}' is the remote model; the encoder sees the original question, so "
        "it must be a provider the question may go to (e.g. one beside the local model)",
        where_of(config, m), m.name, out.encoder));
  }
  return out;
}

// How a PhraseDP cell's record names its encoder.
std::string encoder_label(const RunConfig& config, const std::string& encoder) {
  if (encoder == kSifEncoder) return encoder;
  return fmt::format("{} ({})", encoder, config.provider(encoder)->model);
}

nlohmann::json stats_json(const SanitizeStats& s, double eps_per_token) {
  return {{"words", s.words},     {"numbers", s.numbers},           {"replaced", s.replaced},
          {"kept", s.kept},       {"dropped", s.dropped},           {"oov", s.oov},
          {"sampled", s.sampled}, {"eps_per_token", eps_per_token}, {"eps_spent", s.eps_spent}};
}

class Sanitizer : public CellSanitizer {
 public:
  explicit Sanitizer(const RunConfig& config) : config_(config) {}

  Status build(const std::filesystem::path& embeddings, const std::vector<Question>& corpus);
  SanitizedCell sanitize(const Question& q, const CellKey& key,
                         const CandidateSet& phrase) const override;

 private:
  SanitizedCell select_paraphrase_of(const Question& q, const CellKey& key,
                                     const CandidateSet& phrase, Rng& rng) const;

  const RunConfig& config_;
  std::unique_ptr<EmbeddingTable> table_;           // the encoder and the mechanisms point into it
  std::optional<SifEncoder> sif_;                   // when a PhraseDP mechanism uses it
  std::map<std::string, PhraseSettings> phrasedp_;  // by mechanism name
  std::map<std::string, std::shared_ptr<const Mechanism>> mechanisms_;
};

Status Sanitizer::build(const std::filesystem::path& embeddings,
                        const std::vector<Question>& corpus) {
  auto table = load_embeddings(embeddings);
  if (!table) return table.error().wrap("embeddings for the mechanisms");
  table_ = std::make_unique<EmbeddingTable>(std::move(*table));
  std::vector<std::string> texts;
  texts.reserve(corpus.size());
  for (const auto& q : corpus)
    texts.push_back(q.text);
  // A word-level mechanism's vocabulary comes from the texts it sanitizes.
  std::vector<std::string> with_passages;
  if (config_.remote_sees_context(Scenario::kPrivateCot)) {
    with_passages = texts;
    for (const auto& q : corpus) {
      if (!q.context.empty()) with_passages.push_back(q.context);
    }
  }
  const std::vector<std::string>& word_corpus = with_passages.empty() ? texts : with_passages;
  for (const auto& m : config_.mechanisms) {
    if (is_phrasedp(m.kind)) {
      auto settings = phrasedp_settings(config_, m);
      if (!settings) return settings.error();
      if (settings->encoder == kSifEncoder && !sif_) {
        auto sif = SifEncoder::build(*table_, texts);
        if (!sif) return sif.error();
        sif_.emplace(std::move(*sif));
      }
      phrasedp_[m.name] = std::move(*settings);
      continue;
    }
    if (is_dpprompt(m.kind)) continue;  // the cell runner asks the local model
    auto mechanism = create_mechanism(m.kind, m.params, *table_, word_corpus, kMechanismCacheBytes);
    if (!mechanism) return mechanism.error().wrap(where_of(config_, m));
    mechanisms_[m.name] = std::move(*mechanism);
  }
  return Status::Ok();
}

SanitizedCell Sanitizer::sanitize(const Question& q, const CellKey& key,
                                  const CandidateSet& phrase) const {
  // An attack cell draws S3's stream, so its remote model is shown exactly
  // the text S3's was.
  Rng rng = cell_rng(config_.seed, q.id, scenario_id(attacked_scenario(key.scenario)),
                     key.mechanism, key.eps, static_cast<uint64_t>(key.repeat));
  if (phrasedp_.count(key.mechanism) != 0) return select_paraphrase_of(q, key, phrase, rng);
  SanitizedCell out;
  const Mechanism& mechanism = *mechanisms_.at(key.mechanism);
  auto sanitized = mechanism.sanitize(q.text, key.eps, rng);
  if (!sanitized) {
    out.error = sanitized.error().message();
    return out;
  }
  const double eps_per_token = mechanism.eps_per_sampled_token(key.eps);
  out.details = stats_json(sanitized->stats, eps_per_token);
  out.text = std::move(sanitized->text);
  if (!q.context.empty() && config_.remote_sees_context(Scenario::kPrivateCot)) {
    // The same stream, after the question's draws: one cell, one stream.
    auto context = mechanism.sanitize(q.context, key.eps, rng);
    if (!context) {
      out.error = context.error().message();
      return out;
    }
    out.context = std::move(context->text);
    out.details["context"] = stats_json(context->stats, eps_per_token);
    out.details["context"]["text"] = out.context;
    // The eps of the cell is that of everything the remote model sees.
    out.details["sampled"] = sanitized->stats.sampled + context->stats.sampled;
    out.details["eps_spent"] = sanitized->stats.eps_spent + context->stats.eps_spent;
  }
  out.ok = true;
  return out;
}

// PhraseDP: filter, (bands: keep lines within their band), score, select.
SanitizedCell Sanitizer::select_paraphrase_of(const Question& q, const CellKey& key,
                                              const CandidateSet& phrase, Rng& rng) const {
  SanitizedCell out;
  const PhraseSettings& settings = phrasedp_.at(key.mechanism);
  const SentenceEncoder* encoder = nullptr;
  if (settings.encoder == kSifEncoder) {
    encoder = &*sif_;
  } else if (const auto it = phrase.encoders.find(settings.encoder); it != phrase.encoders.end()) {
    encoder = it->second.get();
  } else {
    out.error = fmt::format("{}: no vectors from encoder '{}'", key.mechanism, settings.encoder);
    return out;
  }
  const std::vector<Candidate>& candidates = phrase.candidates;
  std::vector<std::string> lines;
  for (const auto& c : candidates)
    lines.push_back(c.text);
  std::vector<std::string> usable;
  const bool bands = config_.phrasedp.variant == PhraseVariant::kBands;
  std::vector<float> original;
  if (bands) {
    auto encoded = encoder->encode(q.text);
    if (!encoded) {
      out.error = encoded.error().message();
      return out;
    }
    original = std::move(*encoded);
  }
  for (auto& line : usable_paraphrases(q.text, lines)) {
    if (bands) {
      const std::optional<int> band = candidates[line.index].band;
      auto v = encoder->encode(line.text);
      if (!band || !v || !in_similarity_band(cosine_similarity(original, *v), *band)) continue;
    }
    usable.push_back(std::move(line.text));
  }
  if (usable.empty()) {
    out.error = fmt::format("phrasedp: none of the {} candidate lines is a usable paraphrase",
                            lines.size());
    return out;
  }
  auto selection = select_paraphrase(q.text, usable, *encoder, key.eps, settings.scoring, rng);
  if (!selection) {
    out.error = selection.error().message();
    return out;
  }
  out.text = usable[selection->index];
  // The whole selection, so that it can be checked and recomputed.
  out.details = {{"encoder", encoder_label(config_, settings.encoder)},
                 {"candidates", usable},
                 {"similarities", selection->similarities},
                 {"probabilities", selection->probabilities},
                 {"selected", selection->index}};
  out.ok = true;
  return out;
}

}  // namespace

Status check_mechanisms(const RunConfig& config) {
  for (const auto& m : config.mechanisms) {
    const bool paraphrases = is_phrasedp(m.kind) || is_dpprompt(m.kind);
    if (paraphrases && config.has_passages() && sanitizes(config) &&
        config.remote_sees_context(Scenario::kPrivateCot)) {
      return Error(fmt::format("{} paraphrases questions only, so it cannot sanitize the "
                               "passages that remote_context shows the remote model in S3; "
                               "keep them local there (remote_context = {{ S3 = \"local\", "
                               "... }}) or use a word-level mechanism",
                               is_phrasedp(m.kind) ? "PhraseDP" : "DP-Prompt"))
          .wrap(where_of(config, m));
    }
    if (is_phrasedp(m.kind)) {
      if (auto settings = phrasedp_settings(config, m); !settings) return settings.error();
      continue;
    }
    if (is_dpprompt(m.kind)) {
      if (auto settings = dpprompt_settings(config, m); !settings) return settings.error();
      continue;
    }
    auto info = find_mechanism(m.kind);
    if (!info) {
      Error e = info.error();
      if (m.kind == m.name) {
        e = Error(e.message() + fmt::format("; a mechanism of a known kind under another name "
                                            "says which in its table: [mechanism.{}] "
                                            "mechanism = \"KIND\"",
                                            m.name));
      }
      return e.wrap(where_of(config, m));
    }
    if (auto params = resolve_params(m.name, (*info)->params, m.params); !params) {
      return params.error().wrap(where_of(config, m));
    }
  }
  return Status::Ok();
}

Result<std::unique_ptr<CellSanitizer>> CellSanitizer::build(const RunConfig& config,
                                                            const std::filesystem::path& embeddings,
                                                            const std::vector<Question>& corpus) {
  auto sanitizer = std::make_unique<Sanitizer>(config);
  if (auto s = sanitizer->build(embeddings, corpus); !s) return s.error();
  return std::unique_ptr<CellSanitizer>(std::move(sanitizer));
}

}  // namespace privqa
