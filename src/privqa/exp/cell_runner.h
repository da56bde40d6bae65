// One cell from question to result: PhraseDP's candidates (shared by the
// cells of a question), the mechanism on the worker pool, then the steps of
// the cell's scenario (scenarios.h), CoT and answer. The runner feeds the
// cells and stores what they return.
//
// Threading: run() and the rest run on the run's event-loop thread; only the
// mechanisms' work goes to the pool.
#pragma once

// clang-format off
#include "privqa/base/asio.h"  // before any other Boost.Asio header: see asio.h
// clang-format on
#include <boost/asio/thread_pool.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "privqa/base/event.h"
#include "privqa/data/question.h"
#include "privqa/exp/cell_sanitizer.h"
#include "privqa/exp/dpprompt_paraphrase.h"
#include "privqa/exp/model.h"
#include "privqa/exp/phrasedp_candidates.h"
#include "privqa/exp/run_config.h"
#include "privqa/store/cell.h"

namespace privqa {

class CellRunner {
 public:
  // `config`, the models and `pool` must outlive the runner; a model is
  // nullptr when the run has no such provider (and no cell calls it).
  // `encoders` holds the model of each provider in encoder_providers(config).
  // S3 cells wait until the mechanisms are ready (mechanisms_ready).
  CellRunner(const RunConfig& config, ChatModel* local, ChatModel* remote,
             std::map<std::string, ChatModel*> encoders, boost::asio::thread_pool& pool,
             const asio::any_io_executor& executor);

  // The mechanisms, once built; nullptr when building them failed, and the
  // S3 cells are then left unrun.
  void mechanisms_ready(std::unique_ptr<CellSanitizer> sanitizer);

  // The cell's result, an error included; nullopt when it is left unrun: its
  // provider ran out of quota, or the mechanisms could not be built.
  asio::awaitable<std::optional<CellResult>> run(const Question& q, const CellKey& key);

  // Drops the shared candidates of a question whose cells have all finished.
  void forget(const std::string& question_id) { candidate_slots_.forget(question_id); }

  // Providers that ran out of quota, with the error they gave.
  const std::map<std::string, std::string>& paused() const { return paused_; }
  // True once a reply came from privqa's simulator: reports must say so.
  bool saw_simulator() const { return saw_simulator_; }
  // Cells under way that have yet to start their last two calls: each will
  // still make a call with another after it.
  size_t cells_before_last_calls() const { return cells_before_last_calls_; }

 private:
  struct CallResult;
  asio::awaitable<CallResult> call(Role role, CallPurpose purpose, std::string prompt,
                                   const Question& q, const CellKey& key, CellResult& cell,
                                   nlohmann::json& calls, int calls_after,
                                   std::optional<int> n = std::nullopt, int sample_offset = 0);
  asio::awaitable<CandidateSet> phrasedp_candidates(const Question& q, const CellKey& key,
                                                    CellResult& cell, nlohmann::json& calls);
  asio::awaitable<void> encode_candidates(const Question& q, CellResult& cell,
                                          nlohmann::json& calls, CandidateSet& set);
  template <class T>
  std::optional<std::string> settle(ChatModel& model, const char* purpose,
                                    const CallOutcome<T>& outcome, double seconds, CellResult& cell,
                                    nlohmann::json& calls, bool& paused);
  asio::awaitable<SanitizedCell> sanitize(const Question& q, const CellKey& key,
                                          CandidateSet phrase);
  ChatModel& model(Role role) { return role == Role::kLocal ? *local_ : *remote_; }

  const RunConfig& config_;
  ChatModel* local_;
  ChatModel* remote_;
  std::map<std::string, ChatModel*> encoders_;  // by provider name
  std::string first_phrasedp_;  // the PhraseDP mechanism whose cells count the candidates' tokens
  std::map<std::string, DpPromptSettings> dpprompt_;  // by mechanism label
  boost::asio::thread_pool& pool_;
  CandidateSlots candidate_slots_;
  Event mechanisms_ready_;
  bool mechanisms_done_ = false;
  std::unique_ptr<CellSanitizer> sanitizer_;
  std::map<std::string, std::string> paused_;
  bool saw_simulator_ = false;
  size_t cells_before_last_calls_ = 0;
};

}  // namespace privqa
