#include "privqa/exp/runner.h"

// clang-format off
#include "privqa/base/asio.h"
// clang-format on
#include <fmt/format.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "privqa/base/event.h"
#include "privqa/base/paths.h"
#include "privqa/dp/phrasedp.h"
#include "privqa/dp/registry.h"
#include "privqa/dp/rng.h"
#include "privqa/embed/embedding_table.h"
#include "privqa/embed/sif_encoder.h"
#include "privqa/exp/answer_parser.h"
#include "privqa/exp/phrasedp_candidates.h"
#include "privqa/exp/plan.h"
#include "privqa/exp/scenarios.h"
#include "privqa/llm/http_engine.h"
#include "privqa/store/response_cache.h"
#include "privqa/store/result_store.h"

namespace privqa {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

// What one chat call returned, for the cell's pipeline.
struct CallResult {
  bool ok = false;
  bool paused = false;  // the provider ran out of quota; the cell must be left unrun
  std::vector<std::string> choices;
  std::string error;
  Usage usage;  // as the provider reported it, also for answers from the cache
};

// A cell records the tokens its calls used as the provider reported them,
// whether this run paid for them or found them in the cache, so a resumed
// run stores the same numbers as an uninterrupted one.
void add_usage(CellResult& cell, Role role, const Usage& usage) {
  (role == Role::kLocal ? cell.local_tokens_in : cell.remote_tokens_in) += usage.prompt_tokens;
  (role == Role::kLocal ? cell.local_tokens_out : cell.remote_tokens_out) +=
      usage.completion_tokens;
}

// Cache memory per mechanism in a run. A run sanitizes each question once
// per eps, so a word's cached state is reused far less than in batch
// sanitization; a small cache keeps the runner's memory low at the cost of
// recomputing some distances (a fraction of a millisecond per text).
constexpr size_t kMechanismCacheBytes = size_t{24} << 20;

// Result of CPU work done on the worker pool (default-constructible, as
// co_spawn requires).
struct PoolResult {
  bool ok = false;
  std::string text;
  std::string error;
  json details;
};

uint64_t request_seed(uint64_t run_seed, const std::string& question_id, CallPurpose purpose,
                      int repeat) {
  const std::string key =
      fmt::format("{}|{}|{}|{}", run_seed, question_id, call_purpose_name(purpose), repeat);
  return XXH3_64bits(key.data(), key.size()) >> 1;  // non-negative as int64
}

std::string format_duration(double seconds) {
  if (!(seconds >= 0) || seconds > 1e7) return "?";
  const auto s = std::lround(seconds);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, s / 60 % 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

class Experiment {
 public:
  Experiment(const RunConfig& config, const RunOptions& options)
      : config_(config),
        options_(options),
        pool_(config.workers > 0 ? static_cast<size_t>(config.workers)
                                 : std::max(1u, std::thread::hardware_concurrency())),
        slot_freed_(io_.get_executor()),
        states_ready_(io_.get_executor()) {}
  ~Experiment() { pool_.join(); }

  Result<RunSummary> run();

 private:
  Status prepare();
  Status open_models();
  void start_building_states();
  Status build_states();
  asio::awaitable<bool> wait_for_states();
  asio::awaitable<void> feed();
  asio::awaitable<void> run_and_store(size_t question, CellKey key,
                                      std::shared_ptr<size_t> remaining);
  asio::awaitable<std::optional<CellResult>> run_cell(const Question& q, const CellKey& key);
  asio::awaitable<CallResult> call(Role role, CallPurpose purpose, std::string prompt,
                                   const Question& q, const CellKey& key, CellResult& cell,
                                   json& calls, int calls_after,
                                   std::optional<int> n = std::nullopt, int sample_offset = 0);
  asio::awaitable<CandidateSet> phrasedp_candidates(const Question& q, const CellKey& key,
                                                    CellResult& cell, json& calls);
  asio::awaitable<PoolResult> sanitize(const Question& q, const CellKey& key,
                                       std::vector<Candidate> candidates);
  asio::awaitable<void> report_progress();
  void print_progress(bool final_line);
  Status record_session();

  ChatModel& model(Role role) { return role == Role::kLocal ? *local_ : *remote_; }
  std::filesystem::path embeddings_path() const {
    return config_.embeddings.empty() ? default_embeddings_path() : config_.embeddings;
  }

  const RunConfig& config_;
  RunOptions options_;
  asio::io_context io_;
  asio::thread_pool pool_;
  // Notified when a question of the window finishes, or the run stops.
  Event slot_freed_;
  // Notified once the mechanisms and the encoder are built (or failed to be).
  Event states_ready_;
  bool states_done_ = false;
  bool states_failed_ = false;

  std::vector<Question> corpus_;     // the whole dataset: mechanisms' and encoder's corpus
  std::vector<Question> questions_;  // after the filters
  std::unique_ptr<ResultStore> store_;
  std::unique_ptr<ResponseCache> cache_;
  std::unique_ptr<HttpEngine> engine_;
  std::vector<std::unique_ptr<ChatModel>> owned_models_;  // HTTP clients made by the run
  ChatModel* local_ = nullptr;
  ChatModel* remote_ = nullptr;
  std::optional<EmbeddingTable> table_;
  std::optional<SifEncoder> encoder_;
  std::map<std::string, std::shared_ptr<const Mechanism>> mechanisms_;
  PhraseScoring phrase_scoring_ = PhraseScoring::kOriginal;
  std::unordered_set<std::string> finished_;
  CandidateSlots candidate_slots_;

  size_t active_questions_ = 0;
  bool stopping_ = false;
  bool simulated_ = false;
  bool feeding_done_ = false;
  size_t cells_in_flight_ = 0;
  std::optional<Error> fatal_;
  RunSummary summary_;
  size_t cells_to_run_ = 0;
  Clock::time_point started_;
  Clock::time_point last_plain_line_;
};

Status Experiment::prepare() {
  auto dataset = load_dataset(config_.dataset.path, config_.dataset.load);
  if (!dataset) return dataset.error();
  corpus_ = std::move(dataset->questions);
  auto selected = apply_filter(corpus_, config_.dataset.filter);
  if (!selected) return selected.error().wrap(config_.source.string());
  questions_ = std::move(*selected);

  auto store = open_sqlite_store(config_.output);
  if (!store) return store.error();
  store_ = std::move(*store);
  size_t planned = 0;
  for (const auto& q : questions_)
    planned += cells_of(q, config_).size();
  RunRecord record;
  record.fingerprint = fingerprint(config_);
  record.config = json::parse(results_identity_json(config_));
  record.config_file = config_.source.string();
  record.planned_cells = static_cast<int64_t>(planned);
  record.local_provider = config_.local_provider;
  record.remote_provider = config_.remote_provider;
  if (auto s = store_->bind_run(record); !s) return s;
  // Session records that cannot be read would make this run's own record
  // fail at the end; say so before any request is paid for.
  if (auto sessions = store_->sessions(); !sessions) return sessions.error();
  auto finished = store_->finished_keys();
  if (!finished) return finished.error();
  finished_ = std::move(*finished);
  summary_.cells_planned = planned;

  // Parameters are checked now; the states themselves are built by
  // start_building_states() while the first requests are under way.
  for (const auto& m : config_.mechanisms) {
    if (is_phrasedp(m.name)) {
      auto params = resolve_params("phrasedp", phrasedp_param_specs(), m.params);
      if (!params) return params.error().wrap(config_.source.string());
      auto scoring = parse_phrase_scoring(params->text("scoring"));
      if (!scoring) return scoring.error();
      phrase_scoring_ = *scoring;
      continue;
    }
    auto info = find_mechanism(m.name);
    if (!info) return info.error().wrap(config_.source.string());
    if (auto params = resolve_params(m.name, (*info)->params, m.params); !params) {
      return params.error().wrap(config_.source.string());
    }
  }
  if (config_.has_scenario(Scenario::kPrivateCot)) {
    std::error_code ec;
    if (!std::filesystem::exists(embeddings_path(), ec)) {
      return Error(fmt::format("embeddings for the mechanisms: {} does not exist",
                               embeddings_path().string()));
    }
  }

  return Status::Ok();
}

// The local and remote models: those the options inject, else an LlmClient
// per provider, sharing one HTTP engine and the run's response cache.
Status Experiment::open_models() {
  if (config_.local_provider == config_.remote_provider &&
      config_.provider(config_.local_provider) != nullptr) {
    return Error(config_.source.string() + ": local and remote must be different providers");
  }
  for (Role role : {Role::kLocal, Role::kRemote}) {
    const ProviderConfig* p = config_.provider(provider_of(config_, role));
    if (p == nullptr) continue;
    ChatModel*& slot = role == Role::kLocal ? local_ : remote_;
    if (const auto it = options_.models.find(p->name); it != options_.models.end()) {
      slot = it->second;
      continue;
    }
    if (config_.cache != CacheMode::kBypass && !cache_) {
      auto cache = ResponseCache::open(config_.output);
      if (!cache) return cache.error();
      cache_ = std::move(*cache);
    }
    if (!engine_) engine_ = std::make_unique<HttpEngine>(io_);
    auto client = LlmClient::create(*engine_, *p, cache_.get());
    if (!client) return client.error();
    owned_models_.push_back(client_model(std::move(*client)));
    slot = owned_models_.back().get();
  }
  return Status::Ok();
}

// Building the mechanisms' corpus state and the encoder takes a noticeable
// fraction of a second; S1, S2, S4 and PhraseDP's candidate requests need
// none of it, so it runs on the worker pool while they are already sent.
void Experiment::start_building_states() {
  if (!config_.has_scenario(Scenario::kPrivateCot)) {
    states_done_ = true;
    return;
  }
  asio::post(pool_, [this] {
    Status built = build_states();
    asio::post(io_, [this, built = std::move(built)] {
      states_done_ = true;
      if (!built) {
        states_failed_ = true;
        if (!fatal_) fatal_ = built.error();
        stopping_ = true;
        slot_freed_.notify();
      }
      states_ready_.notify();
    });
  });
}

Status Experiment::build_states() {
  auto table = load_embeddings(embeddings_path());
  if (!table) return table.error().wrap("embeddings for the mechanisms");
  table_.emplace(std::move(*table));
  std::vector<std::string> texts;
  texts.reserve(corpus_.size());
  for (const auto& q : corpus_)
    texts.push_back(q.text);
  for (const auto& m : config_.mechanisms) {
    if (is_phrasedp(m.name)) {
      auto encoder = SifEncoder::build(*table_, texts);
      if (!encoder) return encoder.error();
      encoder_.emplace(std::move(*encoder));
      continue;
    }
    auto mechanism = create_mechanism(m.name, m.params, *table_, texts, kMechanismCacheBytes);
    if (!mechanism) return mechanism.error().wrap(config_.source.string());
    mechanisms_[m.name] = std::move(*mechanism);
  }
  return Status::Ok();
}

// False when the states could not be built: the cell is then left unrun.
asio::awaitable<bool> Experiment::wait_for_states() {
  while (!states_done_)
    co_await states_ready_.wait();
  co_return !states_failed_;
}

asio::awaitable<CallResult> Experiment::call(Role role, CallPurpose purpose, std::string prompt,
                                             const Question& q, const CellKey& key,
                                             CellResult& cell, json& calls, int calls_after,
                                             std::optional<int> n, int sample_offset) {
  ChatModel& c = model(role);
  CallResult out;
  if (summary_.paused.count(c.config().name) != 0) {
    out.paused = true;
    co_return out;
  }
  ChatRequest request;
  if (!config_.prompts.system.empty())
    request.messages.push_back({"system", config_.prompts.system});
  request.messages.push_back({"user", std::move(prompt)});
  const bool paraphrase = purpose == CallPurpose::kParaphrase;
  request.temperature = paraphrase ? kParaphraseTemperature : 0.0;
  if (paraphrase) request.top_p = kParaphraseTopP;
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
  calls.push_back({{"purpose", name},
                   {"provider", c.config().name},
                   {"seconds", seconds},
                   {"attempts", outcome.attempts},
                   {"cached", outcome.from_cache}});
  cell.attempts += outcome.attempts;
  if (!outcome.result.ok()) {
    if (outcome.failure == FailureKind::kQuota) {
      summary_.paused.emplace(c.config().name, outcome.result.error().message());
      out.paused = true;
    }
    out.error = fmt::format("{} ({}): {}", name, c.config().name, outcome.result.error().message());
    co_return out;
  }
  const ChatResponse& response = *outcome.result;
  if (response.system_fingerprint == "privqa-sim" && !simulated_) {
    // Reports of this run must say SIMULATED.
    simulated_ = true;
    if (auto s = store_->set_meta("simulated", "true"); !s) fatal_ = s.error();
  }
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

asio::awaitable<CandidateSet> Experiment::phrasedp_candidates(const Question& q, const CellKey& key,
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
    set.ok = true;
    co_return set;
  };
  co_return co_await candidate_slots_.get(q.id, key.repeat, fetch);
}

asio::awaitable<PoolResult> Experiment::sanitize(const Question& q, const CellKey& key,
                                                 std::vector<Candidate> candidates) {
  auto work = [this, &q, &key,
               candidates = std::move(candidates)]() -> asio::awaitable<PoolResult> {
    PoolResult out;
    Rng rng = cell_rng(config_.seed, q.id, scenario_id(key.scenario), key.mechanism, key.eps,
                       static_cast<uint64_t>(key.repeat));
    if (!is_phrasedp(key.mechanism)) {
      auto sanitized = mechanisms_.at(key.mechanism)->sanitize(q.text, key.eps, rng);
      if (!sanitized) {
        out.error = sanitized.error().message();
        co_return out;
      }
      const SanitizeStats& s = sanitized->stats;
      out.details = {{"words", s.words}, {"numbers", s.numbers}, {"replaced", s.replaced},
                     {"kept", s.kept},   {"dropped", s.dropped}, {"oov", s.oov}};
      out.text = std::move(sanitized->text);
      out.ok = true;
      co_return out;
    }
    // PhraseDP: filter, (bands: keep lines within their band), score, select.
    std::vector<std::string> lines;
    for (const auto& c : candidates)
      lines.push_back(c.text);
    std::vector<std::string> usable;
    const bool bands = config_.phrasedp.variant == PhraseVariant::kBands;
    std::vector<float> original;
    if (bands) {
      auto encoded = encoder_->encode(q.text);
      if (!encoded) {
        out.error = encoded.error().message();
        co_return out;
      }
      original = std::move(*encoded);
    }
    for (auto& line : usable_paraphrases(q.text, lines)) {
      if (bands) {
        const std::optional<int> band = candidates[line.index].band;
        auto v = encoder_->encode(line.text);
        if (!band || !v || !in_similarity_band(cosine_similarity(original, *v), *band)) continue;
      }
      usable.push_back(std::move(line.text));
    }
    if (usable.empty()) {
      out.error = fmt::format("phrasedp: none of the {} candidate lines is a usable paraphrase",
                              lines.size());
      co_return out;
    }
    auto selection = select_paraphrase(q.text, usable, *encoder_, key.eps, phrase_scoring_, rng);
    if (!selection) {
      out.error = selection.error().message();
      co_return out;
    }
    out.text = usable[selection->index];
    out.details = {{"candidates", usable.size()},
                   {"similarity", selection->similarities[selection->index]},
                   {"probability", selection->probabilities[selection->index]}};
    out.ok = true;
    co_return out;
  };
  co_return co_await asio::co_spawn(pool_.get_executor(), std::move(work), asio::use_awaitable);
}

asio::awaitable<std::optional<CellResult>> Experiment::run_cell(const Question& q,
                                                                const CellKey& key) {
  CellResult cell;
  cell.key = key;
  cell.gold = q.answer;
  json calls = json::array();
  json details = json::object();
  const auto start = Clock::now();
  // A failed step ends the cell as an error, or leaves it unrun when its
  // provider ran out of quota.
  bool abandoned = false;
  const auto fail = [&](bool paused, std::string error) {
    abandoned = paused;
    cell.status = CellStatus::kError;
    cell.error = std::move(error);
  };
  const auto finish = [&]() -> std::optional<CellResult> {
    if (abandoned) return std::nullopt;
    cell.latency = std::chrono::duration<double>(Clock::now() - start).count();
    details["calls"] = std::move(calls);
    cell.details = details.dump();
    return cell;
  };

  if (needs_sanitized_text(key.scenario)) {
    std::vector<Candidate> candidates;
    if (is_phrasedp(key.mechanism)) {
      CandidateSet set = co_await phrasedp_candidates(q, key, cell, calls);
      if (!set.ok) {
        fail(set.paused, std::move(set.error));
        co_return finish();
      }
      // The candidates serve every eps; their tokens count once, in the
      // cell of the first eps of the grid.
      if (key.eps == config_.epsilons.front()) add_usage(cell, Role::kLocal, set.usage);
      candidates = std::move(set.candidates);
    }
    if (!co_await wait_for_states()) co_return std::nullopt;
    PoolResult sanitized = co_await sanitize(q, key, std::move(candidates));
    details["mechanism"] = sanitized.details;
    if (!sanitized.ok) {
      fail(false, std::move(sanitized.error));
      co_return finish();
    }
    cell.sanitized = std::move(sanitized.text);
  }

  const auto steps = steps_of(key.scenario);
  for (size_t i = 0; i < steps.size(); ++i) {
    const ScenarioStep& step = steps[i];
    CallResult r = co_await call(step.model, step.purpose,
                                 step_prompt(step, config_, q, cell.sanitized, cell.cot), q, key,
                                 cell, calls, static_cast<int>(steps.size() - 1 - i));
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
    const ParsedAnswer parsed = parse_answer(cell.raw_answer, q.options);
    cell.parsed = parsed.index;
    cell.parse_method = parsed.method;
  }
  co_return finish();
}

asio::awaitable<void> Experiment::run_and_store(size_t question, CellKey key,
                                                std::shared_ptr<size_t> remaining) {
  std::optional<CellResult> cell;
  if (!stopping_) cell = co_await run_cell(questions_[question], key);
  if (!cell) {
    // Left for a later run: counted as not run at the end.
  } else if (auto s = store_->put(*cell); !s) {
    fatal_ = s.error();
    stopping_ = true;
  } else {
    ++(cell->status == CellStatus::kOk ? summary_.cells_ok : summary_.cells_error);
  }
  --cells_in_flight_;
  if (--*remaining == 0) {
    --active_questions_;
    candidate_slots_.forget(questions_[question].id);
    slot_freed_.notify();
  }
}

asio::awaitable<void> Experiment::feed() {
  for (size_t i = 0; i < questions_.size() && !stopping_; ++i) {
    std::vector<CellKey> cells;
    for (auto& key : cells_of(questions_[i], config_)) {
      if (finished_.count(key.str()) == 0) cells.push_back(std::move(key));
    }
    summary_.cells_already_done += cells_of(questions_[i], config_).size() - cells.size();
    if (cells.empty()) continue;
    while (active_questions_ >= static_cast<size_t>(config_.window) && !stopping_)
      co_await slot_freed_.wait();
    if (stopping_) break;
    ++active_questions_;
    auto remaining = std::make_shared<size_t>(cells.size());
    cells_in_flight_ += cells.size();  // counted now: the coroutines start later
    for (auto& key : cells) {
      asio::co_spawn(io_, run_and_store(i, std::move(key), remaining), asio::detached);
    }
  }
  feeding_done_ = true;
}

void Experiment::print_progress(bool final_line) {
  if (options_.progress == nullptr) return;
  const size_t done = summary_.cells_ok + summary_.cells_error;
  const double elapsed = std::chrono::duration<double>(Clock::now() - started_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
  const size_t todo = cells_to_run_ > done ? cells_to_run_ - done : 0;
  std::string line = fmt::format(
      "[{}/{}] {:.1f}% | {:.1f} cells/s | ETA {} | errors {}", done + summary_.cells_already_done,
      summary_.cells_planned,
      summary_.cells_planned ? 100.0 * static_cast<double>(done + summary_.cells_already_done) /
                                   static_cast<double>(summary_.cells_planned)
                             : 100.0,
      rate, rate > 0 ? format_duration(static_cast<double>(todo) / rate) : "?",
      summary_.cells_error);
  for (const ChatModel* c : {local_, remote_}) {
    if (c == nullptr) continue;
    const ProviderCounters k = c->counters();
    line += fmt::format(" | {}: {} req, {} retries, {} hedges, {} 429s, {:.1f}k tok, ${:.4f}",
                        c->config().name, k.requests, k.retries, k.hedges, k.rate_limited,
                        static_cast<double>(k.tokens_in + k.tokens_out) / 1000.0, k.cost);
  }
  if (options_.progress_is_terminal) {
    *options_.progress << "\r\033[K" << line << (final_line ? "\n" : "") << std::flush;
  } else {
    *options_.progress << line << "\n" << std::flush;
  }
}

asio::awaitable<void> Experiment::report_progress() {
  asio::steady_timer timer(io_);
  const auto interval =
      options_.progress_is_terminal ? std::chrono::seconds(1) : std::chrono::seconds(10);
  while (!(feeding_done_ && cells_in_flight_ == 0)) {
    timer.expires_after(std::chrono::milliseconds(200));
    co_await timer.async_wait(asio::use_awaitable);
    if (Clock::now() - last_plain_line_ >= interval) {
      last_plain_line_ = Clock::now();
      print_progress(false);
    }
  }
  print_progress(true);
}

Result<RunSummary> Experiment::run() {
  if (auto s = prepare(); !s) return s.error();
  if (auto s = open_models(); !s) return s.error();
  start_building_states();
  started_ = Clock::now();
  last_plain_line_ = started_;
  for (const auto& q : questions_) {
    for (const auto& key : cells_of(q, config_))
      cells_to_run_ += finished_.count(key.str()) == 0;
  }

  asio::signal_set signals(io_);
  // Declared here, not in the block below: the handler re-arms itself with it.
  std::function<void(const boost::system::error_code&, int)> on_signal;
  if (options_.handle_signals) {
    signals.add(SIGINT);
    signals.add(SIGTERM);
    on_signal = [&](const boost::system::error_code& ec, int) {
      if (ec) return;
      if (stopping_) {
        // Second signal: abandon the cells in flight. Every stored cell
        // is already committed, so exiting now leaves the store consistent.
        if (options_.progress) *options_.progress << "\nprivqa: abandoning cells in flight\n";
        std::_Exit(130);
      }
      stopping_ = true;
      summary_.interrupted = true;
      slot_freed_.notify();
      if (options_.progress) {
        *options_.progress << "\nprivqa: stopping: finishing the cells in flight (signal "
                              "again to abandon them)\n";
      }
      signals.async_wait(on_signal);
    };
    signals.async_wait(on_signal);
  }
  asio::co_spawn(io_, feed(), asio::detached);
  asio::co_spawn(
      io_,
      [&]() -> asio::awaitable<void> {
        co_await report_progress();
        signals.cancel();
      },
      asio::detached);
  io_.run();

  summary_.cells_not_run = cells_to_run_ - summary_.cells_ok - summary_.cells_error;
  summary_.wall_seconds = std::chrono::duration<double>(Clock::now() - started_).count();
  for (const ChatModel* c : {local_, remote_}) {
    if (c != nullptr) summary_.providers[c->config().name] = c->counters();
  }
  if (fatal_) return *fatal_;
  if (auto s = record_session(); !s) return s.error();
  return summary_;
}

// Appends this invocation's wall time and provider counters to the store's
// session records, which reports add up over resumed runs.
Status Experiment::record_session() {
  SessionRecord session;
  session.wall_seconds = summary_.wall_seconds;
  session.cells_ok = static_cast<int64_t>(summary_.cells_ok);
  session.cells_error = static_cast<int64_t>(summary_.cells_error);
  session.cells_not_run = static_cast<int64_t>(summary_.cells_not_run);
  session.interrupted = summary_.interrupted;
  for (const auto& [name, k] : summary_.providers) {
    const ProviderConfig* config = config_.provider(name);
    ProviderTotals& t = session.providers[name];
    t.model = config ? config->model : "";
    t.role = name == config_.local_provider ? ProviderRole::kLocal : ProviderRole::kRemote;
    t.calls = k.calls;
    t.requests = k.requests;
    t.retries = k.retries;
    t.hedges = k.hedges;
    t.rate_limited = k.rate_limited;
    t.failures = k.failures;
    t.cache_hits = k.cache_hits;
    t.cache_errors = k.cache_errors;
    t.tokens_in = k.tokens_in;
    t.tokens_out = k.tokens_out;
    t.cost = k.cost;
  }
  return store_->append_session(session);
}

}  // namespace

Result<RunSummary> run_experiment(const RunConfig& config, const RunOptions& options) {
  Experiment experiment(config, options);
  return experiment.run();
}

}  // namespace privqa
