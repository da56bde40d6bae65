#include "privqa/dp/registry.h"

#include <fmt/format.h>

#include "privqa/dp/custext.h"
#include "privqa/dp/dpprompt.h"
#include "privqa/dp/embedding_perturbation.h"
#include "privqa/dp/inferdpt.h"
#include "privqa/dp/phrasedp.h"
#include "privqa/dp/santext.h"
#include "privqa/dp/tem.h"

namespace privqa {
namespace {

ParamSpec oov_spec(const std::string& default_value, const std::string& other) {
  return {"oov",
          ParamType::kChoice,
          default_value,
          0,
          0,
          {default_value, other},
          "what happens to a word outside the mechanism's vocabulary"};
}

std::vector<MechanismInfo> build_catalog() {
  const ParamSpec sensitive_ratio{"sensitive_ratio",
                                  ParamType::kReal,
                                  "0.9",
                                  1e-9,
                                  1,
                                  {},
                                  "share w of the corpus vocabulary (least frequent) in S"};
  const ParamSpec vocab_size{"vocab_size",
                             ParamType::kInteger,
                             "20000",
                             2,
                             1e9,
                             {},
                             "number of most frequent single-word table rows that can be output"};
  const ParamSpec lambda{"lambda",
                         ParamType::kReal,
                         "0.75",
                         0,
                         1,
                         {},
                         "Σ_λ = λ Σ + (1 - λ) I: weight of the embeddings' covariance "
                         "(scaled to trace d) against the identity"};
  const ParamSpec p{
      "p", ParamType::kReal, "0.3", 0, 1, {}, "probability that a word outside S is replaced"};
  const std::vector<ParamSpec> custext_params = {
      {"top_k", ParamType::kInteger, "20", 1, 1000, {}, "size K of each output set"},
      {"pool_size",
       ParamType::kInteger,
       "20000",
       0,
       1e9,
       {},
       "most frequent table rows searched besides the corpus words (0: all)"},
      {"pool_rows",
       ParamType::kChoice,
       "words",
       0,
       0,
       {"words", "all"},
       "words: only table rows that are one word (no punctuation, fragments or numbers); "
       "all: every row, as the original"},
      oov_spec("keep", "replace")};
  return {
      {"santext",
       "SanText: every corpus word resampled, Pr ∝ exp(-eps d / 2)",
       {oov_spec("replace", "keep")},
       true,
       true},
      {"santext+",
       "SanText+: rare words and a share p of the others resampled into S",
       {sensitive_ratio, p, oov_spec("replace", "keep")},
       true,
       true},
      {"custext",
       "CusText: per-word sets of K nearest words, Pr ∝ exp(eps u / 2); stopwords sanitized too",
       custext_params, true, true},
      {"custext+",
       "CusText+: per-word sets of K nearest words, Pr ∝ exp(eps u / 2); stopwords kept",
       custext_params, true, true},
      {"inferdpt",
       "InferDPT RANTEXT: Laplace-noised radius, then Pr ∝ exp(eps/2 (r - d)/r)",
       {{"vocab_size",
         ParamType::kInteger,
         "11000",
         2,
         1e9,
         {},
         "number of most frequent table words that can be output"},
        {"noise",
         ParamType::kChoice,
         "inferdpt",
         0,
         0,
         {"inferdpt", "laplace"},
         "inferdpt: the original's fitted scale for eps >= 2; laplace: Δf / eps"},
        oov_spec("drop", "keep")},
       false,
       true},
      {"tem",
       "TEM: Gumbel-max over the words within gamma(eps, beta), else a uniform word beyond",
       {{"beta",
         ParamType::kReal,
         "0.001",
         1e-12,
         1 - 1e-12,
         {},
         "in (0, 1): a word stays within gamma of itself with probability >= 1 - beta"},
        oov_spec("replace", "keep")},
       true,
       true},
      {"cmp",
       "CMP: spherical noise ∝ exp(-eps |z|), nearest vocabulary word",
       {vocab_size, oov_spec("keep", "drop")},
       false,
       true},
      {"mahalanobis",
       "Mahalanobis: elliptical noise ∝ exp(-eps |z|_Σλ), nearest vocabulary word",
       {lambda, vocab_size, oov_spec("keep", "drop")},
       false,
       true},
      {"vickrey",
       "Vickrey: CMP or Mahalanobis noise, then the second nearest word with "
       "probability t d1 / (t d1 + (1 - t) d2)",
       {{"t", ParamType::kReal, "0.75", 0, 1, {}, "weight of the second nearest word"},
        {"noise",
         ParamType::kChoice,
         "cmp",
         0,
         0,
         {"cmp", "mahalanobis"},
         "cmp: spherical noise; mahalanobis: elliptical noise with lambda"},
        lambda,
        vocab_size,
        oov_spec("keep", "drop")},
       false,
       true},
      {"phrasedp", "PhraseDP: select one of the local model's paraphrases by similarity",
       phrasedp_param_specs(), false, false},
      {kDpPromptName,
       "DP-Prompt: the local model paraphrases at T = 2 (clip_high - clip_low) / eps",
       dpprompt_param_specs(), false, false},
  };
}

}  // namespace

const std::vector<MechanismInfo>& mechanism_catalog() {
  static const std::vector<MechanismInfo> catalog = build_catalog();
  return catalog;
}

Result<const MechanismInfo*> find_mechanism(const std::string& name) {
  std::vector<std::string> names;
  for (const auto& info : mechanism_catalog()) {
    if (info.name == name) return &info;
    names.push_back(info.name);
  }
  return Error(fmt::format("unknown mechanism '{}' (known: {})", name, fmt::join(names, ", ")));
}

Result<std::shared_ptr<const Mechanism>> create_mechanism(
    const std::string& name, const std::map<std::string, std::string>& params,
    const EmbeddingTable& table, const std::vector<std::string>& corpus, size_t cache_bytes) {
  auto info = find_mechanism(name);
  if (!info.ok()) return info.error();
  auto values = resolve_params(name, (*info)->params, params);
  if (!values.ok()) return values.error();
  const ParamValues& v = *values;
  auto share = [](auto built) -> Result<std::shared_ptr<const Mechanism>> {
    if (!built.ok()) return built.error();
    return std::shared_ptr<const Mechanism>(std::move(*built));
  };
  if (name == "santext" || name == "santext+") {
    SanTextOptions options;
    options.sensitive_ratio = name == "santext" ? 1.0 : v.real("sensitive_ratio");
    options.p = name == "santext" ? 1.0 : v.real("p");
    options.replace_oov = v.text("oov") == "replace";
    if (cache_bytes > 0) options.cache_bytes = cache_bytes;
    return share(SanText::build(name, v, table, corpus, options));
  }
  if (name == "custext" || name == "custext+") {
    CusTextOptions options;
    options.keep_stopwords = name == "custext+";
    options.top_k = static_cast<size_t>(v.integer("top_k"));
    options.pool_size = static_cast<size_t>(v.integer("pool_size"));
    options.word_rows_only = v.text("pool_rows") == "words";
    options.replace_oov = v.text("oov") == "replace";
    return share(CusText::build(name, v, table, corpus, options));
  }
  if (name == "inferdpt") {
    InferDptOptions options;
    options.vocab_size = static_cast<size_t>(v.integer("vocab_size"));
    options.noise =
        v.text("noise") == "laplace" ? InferDptNoise::kLaplace : InferDptNoise::kInferDpt;
    options.drop_oov = v.text("oov") == "drop";
    if (cache_bytes > 0) options.cache_bytes = cache_bytes;
    return share(InferDpt::build(name, v, table, options));
  }
  if (name == "tem") {
    TemOptions options;
    options.beta = v.real("beta");
    options.replace_oov = v.text("oov") == "replace";
    if (cache_bytes > 0) options.cache_bytes = cache_bytes;
    return share(Tem::build(name, v, table, corpus, options));
  }
  if (name == "cmp" || name == "mahalanobis" || name == "vickrey") {
    PerturbationOptions options;
    options.vocab_size = static_cast<size_t>(v.integer("vocab_size"));
    options.elliptical =
        name == "mahalanobis" || (name == "vickrey" && v.text("noise") == "mahalanobis");
    if (name != "cmp") options.lambda = v.real("lambda");
    if (name == "vickrey") options.t = v.real("t");
    options.drop_oov = v.text("oov") == "drop";
    return share(EmbeddingPerturbation::build(name, v, table, options));
  }
  return Error(name +
               ": works with paraphrases written by the local model; it runs inside an "
               "experiment (privqa run), not as a word-level sanitizer");
}

}  // namespace privqa
