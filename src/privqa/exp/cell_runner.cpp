#include "privqa/exp/cell_runner.h"

#include <fmt/format.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <utility>

#include "privqa/base/strings.h"
#include "privqa/dp/phrasedp.h"
#include "privqa/dp/rng.h"
#include "privqa/exp/answer_parser.h"
#include "privqa/exp/plan.h"
#include "privqa/exp/reconstruction_reply.h"
#include "privqa/exp/scenarios.h"

namespace privqa {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

// A cell records the tokens its calls used as the provider reported them,
// whether this run paid for them or found them in the cache, so a resumed
// run stores the same numbers as an uninterrupted one.
void add_usage(CellResult& cell, Role role, const Usage& usage) {
  (role == Role::kLocal ? cell.local_tokens_in : cell.remote_tokens_in) += usage.prompt_tokens;
  (role == Role::kLocal ? cell.local_tokens_out : cell.remote_tokens_out) +=
      usage.completion_tokens;
}

// The remote model sees this number, so it comes from a stream keyed by the
// run seed: the seed is not recoverable from it.
uint64_t request_seed(uint64_t run_seed, const std::string& question_id, CallPurpose purpose,
                      int repeat) {
  Rng rng(StreamKey()
              .add(run_seed)
              .add("request")
              .add(question_id)
              .add(call_purpose_name(purpose))
              .add(static_cast<uint64_t>(repeat)));
  return rng.next_u64() >> 1;  // non-negative as int64
}

}  // namespace

// What one chat call returned, for the cell's pipeline.
struct CellRunner::CallResult {
  bool ok = false;
  bool paused = false;  // the provider ran out of quota; the cell must be left unrun
  std::vector<std::string> choices;
  std::string error;
  Usage usage;  // as the provider reported it, also for answers from the cache
};

CellRunner::CellRunner(const RunConfig& config, ChatModel* local, ChatModel* remote,
                       std::map<std::string, ChatModel*> encoders, boost::asio::thread_pool& pool,
                       const asio::any_io_executor& executor)
    : config_(config),
      local_(local),
      remote_(remote),
      encoders_(std::move(encoders)),
      pool_(pool),
      mechanisms_ready_(executor),
      mechanisms_done_(!sanitizes(config)) {
  for (const auto& m : config.mechanisms) {
    if (is_phrasedp(m.kind) && first_phrasedp_.empty()) first_phrasedp_ = m.name;
    if (!is_dpprompt(m.kind)) continue;
    // Checked before the run starts (check_mechanisms).
    if (auto settings = dpprompt_settings(config, m)) dpprompt_[m.name] = *settings;
  }
}

void CellRunner::mechanisms_ready(std::unique_ptr<CellSanitizer> sanitizer) {
  sanitizer_ = std::move(sanitizer);
  mechanisms_done_ = true;
  mechanisms_ready_.notify();
}

asio::awaitable<CellRunner::CallResult> CellRunner::call(Role role, CallPurpose purpose,
                                                         std::string prompt, const Question& q,
                                                         const CellKey& key, CellResult& cell,
                                                         json& calls, int calls_after,
                                                         std::optional<int> n, int sample_offset) {
  ChatModel& c = model(role);
  CallResult out;
  if (paused_.count(c.config().name) != 0) {
    out.paused = true;
    co_return out;
  }
  ChatRequest request;
  if (!config_.prompts.system.empty())
    request.messages.push_back({"system", config_.prompts.system});
  request.messages.push_back({"user", std::move(prompt)});
  request.temperature = 0.0;
  if (purpose == CallPurpose::kParaphrase) {
    request.temperature = kParaphraseTemperature;
    request.top_p = kParaphraseTopP;
  } else if (purpose == CallPurpose::kPrivateParaphrase) {
    // Pure temperature sampling: the mechanism is the temperature.
    request.temperature = dpprompt_temperature(key.eps, dpprompt_.at(key.mechanism));
    request.top_p = 1.0;
  }
  request.max_tokens = max_tokens_of(purpose, config_);
  request.n = n;
  request.seed = static_cast<int64_t>(
      request_seed(config_.seed, q.id, purpose, key.repeat * 1000 + sample_offset));
  const auto start = Clock::now();
  ChatOutcome outcome =
      co_await c.chat(std::move(request), {.sample_index = key.repeat * 1000 + sample_offset,
                                           .cache = config_.cache,
                                           .calls_after = calls_after});
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const char* name = call_purpose_name(purpose);
  if (auto error = settle(c, name, outcome, seconds, cell, calls, out.paused)) {
    out.error = std::move(*error);
    co_return out;
  }
  const ChatResponse& response = *outcome.result;
  if (response.system_fingerprint == "privqa-sim") saw_simulator_ = true;
  out.usage = response.usage;
  if (response.choices.empty()) {
    out.error = fmt::format("{} ({}): the reply has no choices", name, c.config().name);
    co_return out;
  }
  for (const auto& choice : response.choices)
    out.choices.push_back(choice.content);
  out.ok = true;
  co_return out;
}

// Records a finished call with the cell. A failure returns its message and,
// when the provider is out of credit or down past give_up_after, pauses the
// provider: its cells wait for a later run instead of being stored as errors.
template <class T>
std::optional<std::string> CellRunner::settle(ChatModel& model, const char* purpose,
                                              const CallOutcome<T>& outcome, double seconds,
                                              CellResult& cell, json& calls, bool& paused) {
  calls.push_back({{"purpose", purpose},
                   {"provider", model.config().name},
                   {"seconds", seconds},
                   {"admission_seconds", outcome.admission_seconds},
                   {"provider_seconds", outcome.provider_seconds},
                   {"attempts", outcome.attempts},
                   {"cached", outcome.from_cache}});
  cell.attempts += outcome.attempts;
  if (outcome.result.ok()) return std::nullopt;
  if (outcome.failure == FailureKind::kQuota || outcome.failure == FailureKind::kDown) {
    paused_.emplace(model.config().name, outcome.result.error().message());
    paused = true;
  }
  return fmt::format("{} ({}): {}", purpose, model.config().name, outcome.result.error().message());
}

// Each provider encoder embeds the question and its usable candidates in one
// request: the vectors every PhraseDP cell of the question scores with.
asio::awaitable<void> CellRunner::encode_candidates(const Question& q, CellResult& cell,
                                                    json& calls, CandidateSet& set) {
  std::vector<std::string> lines;
  for (const auto& c : set.candidates)
    lines.push_back(c.text);
  std::vector<std::string> texts = {q.text};
  for (auto& line : usable_paraphrases(q.text, lines))
    texts.push_back(std::move(line.text));
  if (texts.size() == 1) co_return;  // nothing to score: the cells say so
  for (const auto& [name, model] : encoders_) {
    if (paused_.count(name) != 0) {
      set.paused = true;
      set.error = fmt::format("embed ({}): {}", name, paused_.at(name));
      co_return;
    }
    EmbeddingRequest request;
    request.inputs = texts;
    const auto start = Clock::now();
    // The vectors of a text are the same in every repeat: one cache entry.
    EmbeddingOutcome outcome = co_await model->embed(
        std::move(request), {.cache = config_.cache, .calls_after = kCallsAfterCandidates});
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (auto error = settle(*model, "embed", outcome, seconds, cell, calls, set.paused)) {
      set.error = std::move(*error);
      co_return;
    }
    EmbeddingResponse& response = *outcome.result;
    set.usage.prompt_tokens += response.usage.prompt_tokens;
    const size_t dims = response.vectors.front().size();
    set.encoders[name] =
        std::make_shared<const PrecomputedEncoder>(dims, texts, std::move(response.vectors));
  }
}

asio::awaitable<CandidateSet> CellRunner::phrasedp_candidates(const Question& q, const CellKey& key,
                                                              CellResult& cell, json& calls) {
  // Runs in the first cell of the question and repeat to ask; its calls are
  // recorded in that cell's details.
  auto fetch = [&]() -> asio::awaitable<CandidateSet> {
    CandidateSet set;
    for (const CandidateRequest& request : candidate_requests(config_, q)) {
      CallResult r =
          co_await call(Role::kLocal, CallPurpose::kParaphrase, request.prompt, q, key, cell, calls,
                        request.calls_after, request.n, request.sample_offset);
      if (!r.ok) {
        set.paused = r.paused;
        set.error = std::move(r.error);
        set.candidates.clear();
        co_return set;
      }
      set.usage.prompt_tokens += r.usage.prompt_tokens;
      set.usage.completion_tokens += r.usage.completion_tokens;
      append_candidates(r.choices, request.band, set.candidates);
    }
    if (!encoders_.empty()) co_await encode_candidates(q, cell, calls, set);
    set.ok = set.error.empty();
    if (!set.ok) set.candidates.clear();
    co_return set;
  };
  co_return co_await candidate_slots_.get(q.id, key.repeat, fetch);
}

// On the worker pool: the mechanisms' CPU work must not hold up the I/O.
asio::awaitable<SanitizedCell> CellRunner::sanitize(const Question& q, const CellKey& key,
                                                    CandidateSet phrase) {
  auto work = [this, &q, &key, phrase = std::move(phrase)]() -> asio::awaitable<SanitizedCell> {
    co_return sanitizer_->sanitize(q, key, phrase);
  };
  co_return co_await asio::co_spawn(pool_.get_executor(), std::move(work), asio::use_awaitable);
}

asio::awaitable<std::optional<CellResult>> CellRunner::run(const Question& q, const CellKey& key) {
  CellResult cell;
  cell.key = key;
  cell.gold = q.answer;
  json calls = json::array();
  json details = json::object();
  const auto start = Clock::now();
  // Counted in cells_before_last_calls() until it starts its last two calls,
  // or ends.
  ++cells_before_last_calls_;
  bool last_calls_started = false;
  const auto start_last_calls = [&] {
    if (!std::exchange(last_calls_started, true)) --cells_before_last_calls_;
  };
  // A failed step ends the cell as an error, or leaves it unrun when its
  // provider ran out of quota.
  bool abandoned = false;
  const auto fail = [&](bool paused, std::string error) {
    abandoned = paused;
    cell.status = CellStatus::kError;
    cell.error = std::move(error);
  };
  const auto finish = [&]() -> std::optional<CellResult> {
    start_last_calls();
    if (abandoned) return std::nullopt;
    cell.latency = std::chrono::duration<double>(Clock::now() - start).count();
    details["calls"] = std::move(calls);
    cell.details = details.dump();
    return cell;
  };

  std::string sanitized_context;
  if (needs_sanitized_text(key.scenario) && dpprompt_.count(key.mechanism) != 0) {
    CallResult r =
        co_await call(Role::kLocal, CallPurpose::kPrivateParaphrase, dpprompt_prompt(config_, q), q,
                      key, cell, calls, calls_of(key.scenario));
    if (!r.ok) {
      fail(r.paused, std::move(r.error));
      co_return finish();
    }
    add_usage(cell, Role::kLocal, r.usage);
    details["mechanism"] =
        dpprompt_details(dpprompt_.at(key.mechanism), key.eps, r.usage.completion_tokens);
    cell.sanitized = std::string(trim(r.choices[0]));
    if (cell.sanitized.empty()) {
      fail(false, "dp_paraphrase: the local model's paraphrase is empty");
      co_return finish();
    }
  } else if (needs_sanitized_text(key.scenario)) {
    CandidateSet phrase;
    if (is_phrasedp(config_, key.mechanism)) {
      phrase = co_await phrasedp_candidates(q, key, cell, calls);
      if (!phrase.ok) {
        fail(phrase.paused, std::move(phrase.error));
        co_return finish();
      }
      // The candidates and their vectors serve every PhraseDP mechanism and
      // eps; their tokens count once, in the cell of the first of each
      // (trusted-side tokens: the local model's and the encoders').
      if (key.mechanism == first_phrasedp_ && key.eps == config_.epsilons.front()) {
        add_usage(cell, Role::kLocal, phrase.usage);
      }
    }
    while (!mechanisms_done_)
      co_await mechanisms_ready_.wait();
    if (!sanitizer_) {
      start_last_calls();
      co_return std::nullopt;
    }
    SanitizedCell sanitized = co_await sanitize(q, key, std::move(phrase));
    details["mechanism"] = sanitized.details;
    if (!sanitized.ok) {
      fail(false, std::move(sanitized.error));
      co_return finish();
    }
    cell.sanitized = std::move(sanitized.text);
    sanitized_context = std::move(sanitized.context);
  }

  const auto steps = steps_of(key.scenario);
  for (size_t i = 0; i < steps.size(); ++i) {
    const ScenarioStep& step = steps[i];
    if (steps.size() - i <= 2) start_last_calls();
    const StepInputs inputs{
        .sanitized = cell.sanitized, .sanitized_context = sanitized_context, .cot = cell.cot};
    CallResult r =
        co_await call(step.model, step.purpose, step_prompt(step, key.scenario, config_, q, inputs),
                      q, key, cell, calls, static_cast<int>(steps.size() - 1 - i));
    if (!r.ok) {
      fail(r.paused, std::move(r.error));
      co_return finish();
    }
    add_usage(cell, step.model, r.usage);
    if (step.purpose == CallPurpose::kCot) {
      cell.cot = r.choices[0];
      continue;
    }
    cell.status = CellStatus::kOk;
    cell.raw_answer = r.choices[0];
    if (step.purpose == CallPurpose::kReconstruct) {
      // The attacker's reply: its reconstruction in the details, and for A2
      // its answer parsed as an answer step's is.
      const ReconstructionReply reply = read_reconstruction_reply(cell.raw_answer);
      details["reconstruction"] = reply.question;
      if (key.scenario != Scenario::kReconstructAnswer) continue;
      const ParsedAnswer parsed = parse_answer(reply.answer, q.options);
      cell.parsed = parsed.index;
      cell.parse_method = parsed.method;
      continue;
    }
    const ParsedAnswer parsed = parse_answer(cell.raw_answer, q.options);
    cell.parsed = parsed.index;
    cell.parse_method = parsed.method;
  }
  co_return finish();
}

}  // namespace privqa
