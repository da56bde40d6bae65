// The simulated provider without the network: maps one HTTP request (method,
// path, body) to the reply the simulated model gives and how long it takes.
// Faults and rate limits are applied by the server around it.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "privqa/base/result.h"
#include "privqa/data/question.h"
#include "privqa/sim/paraphraser.h"
#include "privqa/sim/profile.h"
#include "privqa/sim/prompt.h"
#include "privqa/sim/question_index.h"
#include "privqa/sim/sim_server.h"

namespace privqa::sim {

struct SimReply {
  unsigned status = 200;
  std::string body;                  // JSON
  double latency_seconds = 0;        // simulated time before the reply is sent
  const Profile* profile = nullptr;  // the profile the request's model selected, if any
  double tokens = 0;                 // prompt + completion tokens, for TPM limits
  nlohmann::json request;            // the parsed request body (null if none or unparsable)
};

// OpenAI-style error body {"error":{"message":..,"type":..,"code":..}}; an empty code is null.
std::string error_body(std::string_view message, std::string_view type, std::string_view code);

class Simulator {
 public:
  // Loads the profiles (built-in ones, plus or overridden by options.profiles_path).
  static Result<std::unique_ptr<Simulator>> create(const SimOptions& options);

  // `path` without the query string. Deterministic: equal arguments, equal
  // reply. `arrival` counts earlier arrivals of the same body (retries): it
  // changes only the simulated latency, as a real server's would vary.
  SimReply handle(std::string_view method, std::string_view path, std::string_view body,
                  uint64_t arrival = 0) const;

  const ProfileMap& profiles() const { return profiles_; }

 private:
  Simulator(const SimOptions& options, ProfileMap profiles);

  SimReply chat(const nlohmann::json& request, const Profile& profile, std::string_view body,
                uint64_t arrival) const;
  SimReply embeddings(const nlohmann::json& request, const Profile& profile, std::string_view body,
                      uint64_t arrival) const;
  std::vector<std::string> choice_texts(const PromptAnalysis& prompt, size_t n, double temperature,
                                        const Draw& draw, const Profile& profile) const;
  // `draw` identifies the request; `arrival` > 0 draws anew for a repeat.
  double latency(const Profile& profile, size_t output_tokens, Draw draw, uint64_t arrival) const;

  std::vector<Question> questions_;
  QuestionIndex index_;
  ProfileMap profiles_;
  Paraphraser paraphraser_;
  uint64_t seed_;
  double time_scale_;
};

}  // namespace privqa::sim
