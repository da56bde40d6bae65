#include "privqa/exp/runner.h"

// clang-format off
#include "privqa/base/asio.h"
// clang-format on
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "privqa/base/event.h"
#include "privqa/base/paths.h"
#include "privqa/dp/rng.h"
#include "privqa/exp/cell_runner.h"
#include "privqa/exp/cell_sanitizer.h"
#include "privqa/exp/plan.h"
#include "privqa/exp/scenarios.h"
#include "privqa/llm/http_engine.h"
#include "privqa/store/open_store.h"
#include "privqa/store/shard.h"

namespace privqa {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

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
        all_done_(io_.get_executor()) {}
  ~Experiment() { pool_.join(); }

  Result<RunSummary> run();

 private:
  Status prepare();
  Status open_models();
  void start_building_states();
  asio::awaitable<void> feed();
  // The next question this run claimed from the queue, claiming a batch when
  // none is left; nullopt when there is no more work for it.
  asio::awaitable<std::optional<size_t>> next_question();
  // A question's cells under way: those left, and whether each so far was
  // stored (by this run or, for a late duplicate, another).
  struct QuestionProgress {
    size_t remaining = 0;
    bool stored = true;
  };
  asio::awaitable<void> run_and_store(size_t index, CellKey key,
                                      std::shared_ptr<QuestionProgress> progress);
  void fail(Error error);
  // Renews the queue's leases and takes this run's share of the providers'
  // rate limits among the live workers.
  void heartbeat();
  // Cells this run was to run that nobody has finished as far as it knows.
  size_t cells_not_run() const;
  asio::awaitable<void> report_progress();
  void print_progress(bool final_line);
  // Writes this session's record: appended at the start, rewritten every
  // second and at the end (`ended`), so a killed session's counts stay.
  Status save_session(bool ended);
  // save_session(false) once a second; a failure stops the run.
  void save_session_every_second();
  // Once no cell will start a new chain of calls (every question is fed and
  // every cell under way has started its last two calls, or ends) and no
  // provider holds back a call with calls after it, the calls to come finish
  // the chains under way: the models are told so (ChatModel::set_last_stretch),
  // and hedge the stragglers the run would otherwise end with early, whatever
  // their share of copies (at 500 questions of the high setting with 10%
  // faults, a local answer stalled three times in a row ended the run 2 s
  // after the others).
  void notice_last_stretch();

  std::filesystem::path embeddings_path() const {
    return config_.embeddings.empty() ? default_embeddings_path() : config_.embeddings;
  }

  RunConfig config_;  // a copy: prepare() sets a seed drawn from the OS
  RunOptions options_;
  asio::io_context io_;
  asio::thread_pool pool_;
  // Notified when a question of the window finishes, or the run stops.
  Event slot_freed_;
  // Notified when the feed is done and no cell is in flight: the progress
  // loop ends the run then, not at its next tick.
  Event all_done_;

  std::vector<Question> corpus_;  // the whole dataset: mechanisms' and encoder's corpus
  std::vector<size_t> selected_;  // the run's questions: indices into corpus_, after the filters
  const Question& question(size_t i) const { return corpus_[selected_[i]]; }
  std::unique_ptr<ResultStore> store_;
  std::unique_ptr<ResponseCache> cache_;
  std::unique_ptr<HttpEngine> engine_;
  std::vector<std::unique_ptr<ChatModel>> owned_models_;  // HTTP clients made by the run
  ChatModel* local_ = nullptr;
  ChatModel* remote_ = nullptr;
  std::map<std::string, ChatModel*> encoders_;  // PhraseDP's provider encoders, by name
  std::vector<ChatModel*> models_;              // each model once: local, remote, encoders
  std::optional<CellRunner> cells_;             // once the models are open
  std::unique_ptr<WorkQueue> queue_;
  std::deque<size_t> claimed_;                 // claimed questions not yet started
  std::unordered_set<std::string> finished_;   // ok cells of the claimed questions, at the claim
  std::vector<uint32_t> unfinished_at_start_;  // per question: cells not ok when the run began
  std::vector<bool> ever_claimed_;             // per question
  WorkerCount workers_;
  bool waiting_for_others_ = false;  // nothing to claim while others finish the last questions
  Clock::time_point last_heartbeat_;

  size_t active_questions_ = 0;
  bool stopping_ = false;
  bool simulated_ = false;
  bool feeding_done_ = false;
  bool last_stretch_ = false;
  size_t cells_in_flight_ = 0;
  std::optional<Error> fatal_;
  RunSummary summary_;
  size_t cells_to_run_ = 0;
  Clock::time_point started_;
  Clock::time_point last_plain_line_;
  std::optional<size_t> session_index_;  // this session's record in the store
  Clock::time_point last_session_save_;
};

Status Experiment::prepare() {
  auto dataset = load_dataset(config_.dataset.path, config_.dataset.load);
  if (!dataset) return dataset.error();
  const std::string dataset_hash = dataset->content_hash;
  corpus_ = std::move(dataset->questions);
  auto selected = select_questions(corpus_, config_.dataset.filter);
  if (!selected) return selected.error().wrap(config_.source.string());
  selected_ = std::move(*selected);
  // No cell reads the other fields of a record (MedMCQA's explanations, most
  // of a question's memory); the filter has used them.
  for (Question& q : corpus_)
    q.meta.clear();

  // Everything a config can get wrong is checked before the store file is
  // created: a typo must not leave a store that refuses the corrected config.
  // (The mechanisms' states are built by start_building_states() while the
  // first requests are under way.)
  if (auto s = check_mechanisms(config_); !s) return s;
  if (sanitizes(config_)) {
    std::error_code ec;
    if (!std::filesystem::exists(embeddings_path(), ec)) {
      return Error(fmt::format("embeddings for the mechanisms: {} does not exist",
                               embeddings_path().string()));
    }
  }

  auto store = open_store(config_.output);
  if (!store) return store.error();
  store_ = std::move(*store);
  if (auto s = store_->claim_writer(); !s) return s;
  size_t planned = 0;
  for (size_t i = 0; i < selected_.size(); ++i)
    planned += cells_of(question(i), config_).size();
  RunRecord record;
  record.fingerprint = fingerprint(config_);
  record.config = json::parse(results_identity_json(config_));
  record.config_file = config_.source.string();
  record.planned_cells = static_cast<int64_t>(planned);
  record.local_provider = config_.local_provider;
  record.remote_provider = config_.remote_provider;
  if (config_.seed_from_os) {
    auto seed = os_entropy_seed();
    if (!seed) return seed.error();
    record.secret_seed = *seed;
  }
  if (auto s = store_->bind_run(record); !s) return s;
  if (config_.seed_from_os) {
    // The store's seed, drawn by whichever process created it.
    auto bound = store_->run();
    if (!bound) return bound.error();
    if (!*bound || !(*bound)->secret_seed) {
      return Error(config_.output + ": the run record holds no seed, though the " +
                   "config gives none; give the run a new output path");
    }
    config_.seed = *(*bound)->secret_seed;
  }
  // The stored cells answer the questions of the file as it was: a changed
  // file would mix old answers with new questions.
  auto meta = store_->meta();
  if (!meta) return meta.error();
  if (const auto it = meta->find(ResultStore::kDatasetHashKey); it == meta->end()) {
    if (auto s = store_->set_meta(ResultStore::kDatasetHashKey, dataset_hash); !s) return s;
  } else if (it->second != dataset_hash) {
    return Error(fmt::format(
        "{}: the question file {} has changed since this run started (content hash {} then, {} "
        "now); its stored cells answer the old questions. Restore the file, or give the run a "
        "new output",
        config_.output, config_.dataset.path.string(), it->second, dataset_hash));
  }
  if (auto s = bind_shard(*store_, config_.shard, config_.output); !s) return s;
  // Session records that cannot be read would make this run's own record
  // fail at the end; say so before any request is paid for.
  if (auto sessions = store_->sessions(); !sessions) return sessions.error();
  // The questions with unfinished cells go into the queue; a question a
  // worker finished meanwhile is found finished when claimed.
  auto counts = store_->cell_counts();
  if (!counts) return counts.error();
  std::vector<size_t> open;
  unfinished_at_start_.resize(selected_.size());
  ever_claimed_.resize(selected_.size());
  for (size_t i = 0; i < selected_.size(); ++i) {
    const size_t cells = cells_of(question(i), config_).size();
    const auto it = counts->find(question(i).id);
    const size_t ok = it == counts->end() ? 0 : std::min(it->second.ok, cells);
    unfinished_at_start_[i] = static_cast<uint32_t>(cells - ok);
    summary_.cells_already_done += ok;
    if (ok < cells) open.push_back(i);
  }
  cells_to_run_ = planned - summary_.cells_already_done;
  auto queue = open_work_queue(config_.output, config_.lease_seconds);
  if (!queue) return queue.error();
  queue_ = std::move(*queue);
  summary_.worker = queue_->worker_id();
  if (auto s = queue_->offer(open); !s) return s;
  summary_.cells_planned = planned;
  return Status::Ok();
}

// The models of the local and remote providers and of PhraseDP's encoders:
// those the options inject, else an LlmClient per provider, sharing one HTTP
// engine and the run's response cache. A provider named twice (an encoder
// that is the local provider) is one model.
Status Experiment::open_models() {
  auto open = [&](const std::string& name) -> Result<ChatModel*> {
    for (ChatModel* m : models_) {
      if (m->config().name == name) return m;
    }
    ChatModel* model = nullptr;
    if (const auto it = options_.models.find(name); it != options_.models.end()) {
      model = it->second;
    } else {
      if (config_.cache != CacheMode::kBypass && !cache_) {
        auto cache = store_->response_cache();
        if (!cache) return cache.error();
        cache_ = std::move(*cache);
      }
      if (!engine_) engine_ = std::make_unique<HttpEngine>(io_);
      auto client = LlmClient::create(*engine_, *config_.provider(name), cache_.get());
      if (!client) return client.error();
      owned_models_.push_back(client_model(std::move(*client)));
      model = owned_models_.back().get();
    }
    models_.push_back(model);
    return model;
  };
  for (Role role : {Role::kLocal, Role::kRemote}) {
    const std::string& name = provider_of(config_, role);
    if (config_.provider(name) == nullptr) continue;
    auto model = open(name);
    if (!model) return model.error();
    (role == Role::kLocal ? local_ : remote_) = *model;
  }
  if (sanitizes(config_)) {
    for (const std::string& name : encoder_providers(config_)) {
      auto model = open(name);
      if (!model) return model.error();
      encoders_[name] = *model;
    }
  }
  return Status::Ok();
}

// Building the mechanisms' corpus state and the encoder takes a noticeable
// fraction of a second; S1, S2, S4 and PhraseDP's candidate requests need
// none of it, so it runs on the worker pool while they are already sent.
void Experiment::start_building_states() {
  if (!sanitizes(config_)) return;
  asio::post(pool_, [this] {
    auto built = CellSanitizer::build(config_, embeddings_path(), corpus_);
    asio::post(io_, [this, built = std::move(built)]() mutable {
      if (built) {
        cells_->mechanisms_ready(std::move(*built));
        return;
      }
      fail(built.error());
      cells_->mechanisms_ready(nullptr);
    });
  });
}

asio::awaitable<void> Experiment::run_and_store(size_t index, CellKey key,
                                                std::shared_ptr<QuestionProgress> progress) {
  std::optional<CellResult> cell;
  if (!stopping_) cell = co_await cells_->run(question(index), key);
  if (cells_->saw_simulator() && !simulated_) {
    // Reports of this run must say SIMULATED: recorded before its first cell.
    simulated_ = true;
    if (auto s = store_->set_meta("simulated", "true"); !s) fail(s.error());
  }
  if (!cell) {
    // Left for a later run: counted as not run at the end.
    progress->stored = false;
  } else if (auto stored = store_->put(*cell); !stored) {
    progress->stored = false;
    fail(stored.error());
  } else if (!*stored) {
    ++summary_.late_duplicates;
  } else {
    ++(cell->status == CellStatus::kOk ? summary_.cells_ok : summary_.cells_error);
  }
  if (--cells_in_flight_ == 0 && feeding_done_) all_done_.notify();
  notice_last_stretch();
  if (--progress->remaining == 0) {
    --active_questions_;
    cells_->forget(question(index).id);
    // A question with cells left unrun stays claimed until the run ends,
    // which gives it back to the queue.
    if (progress->stored && !fatal_) {
      if (auto s = queue_->finish(index); !s) fail(s.error());
    }
    slot_freed_.notify();
  }
}

void Experiment::fail(Error error) {
  if (!fatal_) fatal_ = std::move(error);
  stopping_ = true;
  slot_freed_.notify();
}

asio::awaitable<std::optional<size_t>> Experiment::next_question() {
  asio::steady_timer timer(io_);
  while (claimed_.empty()) {
    // A paused provider stops the claims: its cells would only be given back.
    if (stopping_ || !cells_->paused().empty()) co_return std::nullopt;
    // Small batches: a worker holds few questions it has not started, so the
    // last ones spread over the workers.
    const size_t batch = std::clamp<size_t>(static_cast<size_t>(config_.window) / 8, 1, 64);
    auto claim = queue_->claim(batch);
    if (!claim) {
      fail(claim.error());
      co_return std::nullopt;
    }
    summary_.reclaimed += claim->reclaimed;
    if (claim->items.empty()) {
      if (claim->open == 0) {
        // Every question is finished: those this run never claimed, by others.
        for (size_t i = 0; i < selected_.size(); ++i)
          summary_.cells_by_others += ever_claimed_[i] ? 0 : unfinished_at_start_[i];
        co_return std::nullopt;
      }
      // Other workers hold the rest: wait for them to finish it, or for the
      // leases of a lost one to expire.
      waiting_for_others_ = true;
      timer.expires_after(std::chrono::seconds(1));
      co_await timer.async_wait(asio::use_awaitable);
      continue;
    }
    waiting_for_others_ = false;
    std::vector<std::string> ids;
    for (size_t i : claim->items)
      ids.push_back(question(i).id);
    auto finished = store_->finished_keys(ids);
    if (!finished) {
      fail(finished.error());
      co_return std::nullopt;
    }
    finished_ = std::move(*finished);
    claimed_.assign(claim->items.begin(), claim->items.end());
  }
  const size_t next = claimed_.front();
  claimed_.pop_front();
  co_return next;
}

asio::awaitable<void> Experiment::feed() {
  while (!stopping_) {
    while (active_questions_ >= static_cast<size_t>(config_.window) && !stopping_)
      co_await slot_freed_.wait();
    const std::optional<size_t> i = co_await next_question();
    if (!i) break;
    ever_claimed_[*i] = true;
    std::vector<CellKey> cells;
    for (auto& key : cells_of(question(*i), config_)) {
      if (finished_.count(key.str()) == 0) cells.push_back(std::move(key));
    }
    // Cells another worker finished since this run began.
    summary_.cells_by_others +=
        unfinished_at_start_[*i] - std::min<size_t>(unfinished_at_start_[*i], cells.size());
    if (cells.empty()) {
      if (auto s = queue_->finish(*i); !s) fail(s.error());
      continue;
    }
    ++active_questions_;
    auto progress = std::make_shared<QuestionProgress>();
    progress->remaining = cells.size();
    cells_in_flight_ += cells.size();  // counted now: the coroutines start later
    for (auto& key : cells) {
      asio::co_spawn(io_, run_and_store(*i, std::move(key), progress), asio::detached);
    }
  }
  feeding_done_ = true;
  if (cells_in_flight_ == 0) all_done_.notify();
}

size_t Experiment::cells_not_run() const {
  const size_t accounted = summary_.cells_ok + summary_.cells_error + summary_.late_duplicates +
                           summary_.cells_by_others;
  return cells_to_run_ - std::min(cells_to_run_, accounted);
}

void Experiment::print_progress(bool final_line) {
  if (options_.progress == nullptr) return;
  const size_t done = summary_.cells_ok + summary_.cells_error;
  const double elapsed = std::chrono::duration<double>(Clock::now() - started_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
  const size_t todo = cells_not_run();
  // Every cell known finished, by this run, earlier runs or other workers.
  const size_t known = summary_.cells_already_done + done + summary_.cells_by_others;
  // The other live workers are assumed to go as fast as this one.
  const double all_workers_rate = rate * static_cast<double>(workers_.live);
  std::string line = fmt::format(
      "[{}/{}] {:.1f}% | {:.1f} cells/s | ETA {} | errors {}", known, summary_.cells_planned,
      summary_.cells_planned
          ? 100.0 * static_cast<double>(known) / static_cast<double>(summary_.cells_planned)
          : 100.0,
      rate,
      all_workers_rate > 0 ? format_duration(static_cast<double>(todo) / all_workers_rate) : "?",
      summary_.cells_error);
  if (!queue_->worker_id().empty()) {
    line += fmt::format(" | workers {} live, {} lost", workers_.live, workers_.lost);
  }
  for (const ChatModel* c : models_) {
    const ProviderCounters k = c->counters();
    line += fmt::format(" | {}: {} req, {} retries, {} hedges, {} 429s, {:.1f}k tok, ${:.4f}",
                        c->config().name, k.requests, k.retries, k.hedges, k.rate_limited,
                        static_cast<double>(k.tokens_in + k.tokens_out) / 1000.0, k.cost);
    if (const std::string replicas = describe_replicas(k); !replicas.empty()) {
      line += " (" + replicas + ")";
    }
  }
  if (options_.progress_is_terminal) {
    *options_.progress << "\r\033[K" << line << (final_line ? "\n" : "") << std::flush;
  } else {
    *options_.progress << line << "\n" << std::flush;
  }
}

asio::awaitable<void> Experiment::report_progress() {
  const auto interval =
      options_.progress_is_terminal ? std::chrono::seconds(1) : std::chrono::seconds(10);
  while (!(feeding_done_ && cells_in_flight_ == 0)) {
    co_await all_done_.wait_until(Clock::now() + std::chrono::milliseconds(200));
    notice_last_stretch();
    heartbeat();
    save_session_every_second();
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
  cells_.emplace(config_, local_, remote_, encoders_, pool_, io_.get_executor());
  start_building_states();
  started_ = Clock::now();
  last_plain_line_ = started_;

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
        (void)save_session(false);  // the counts so far; it did not end as a session should
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
  if (auto s = save_session(false); !s) return s.error();
  heartbeat();  // a worker joining others takes its share before its first request
  asio::co_spawn(io_, feed(), asio::detached);
  asio::co_spawn(
      io_,
      [&]() -> asio::awaitable<void> {
        co_await report_progress();
        signals.cancel();
      },
      asio::detached);
  io_.run();

  // The questions claimed and not finished go back to the queue, for other
  // workers or a later run.
  if (auto s = queue_->release(); !s && !fatal_) fatal_ = s.error();
  summary_.cells_not_run = cells_not_run();
  // A stop asked for once every cell was under way leaves nothing to resume:
  // the run is complete, not interrupted.
  if (summary_.cells_not_run == 0) summary_.interrupted = false;
  summary_.paused = cells_->paused();
  summary_.wall_seconds = std::chrono::duration<double>(Clock::now() - started_).count();
  for (const ChatModel* c : models_)
    summary_.providers[c->config().name] = c->counters();
  if (fatal_) return *fatal_;
  if (auto s = save_session(true); !s) return s.error();
  return summary_;
}

// This invocation's wall time, cells and provider counters, as the store's
// session records keep them for reports to add up over resumed runs.
Status Experiment::save_session(bool ended) {
  const Clock::time_point now = Clock::now();
  last_session_save_ = now;
  SessionRecord session;
  session.wall_seconds =
      ended ? summary_.wall_seconds : std::chrono::duration<double>(now - started_).count();
  session.cells_ok = static_cast<int64_t>(summary_.cells_ok);
  session.cells_error = static_cast<int64_t>(summary_.cells_error);
  session.cells_not_run = static_cast<int64_t>(cells_not_run());
  session.worker = summary_.worker;
  session.reclaimed = static_cast<int64_t>(summary_.reclaimed);
  session.late_duplicates = static_cast<int64_t>(summary_.late_duplicates);
  session.interrupted = summary_.interrupted;
  session.ended = ended;
  for (const ChatModel* c : models_) {
    const std::string& name = c->config().name;
    const ProviderCounters k = c->counters();
    ProviderTotals& t = session.providers[name];
    t.model = c->config().model;
    // An encoder is on the local side: it sees the original question.
    t.role = name == config_.remote_provider ? ProviderRole::kRemote : ProviderRole::kLocal;
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
    t.estimated_usage = k.estimated_usage;
    t.cost = k.cost;
    if (k.replicas.size() > 1) {
      for (const ReplicaCounters& r : k.replicas)
        t.replicas[r.base_url] = {
            .requests = r.requests, .failed = r.failed, .taken_out = r.taken_out};
    }
  }
  if (session_index_) return store_->replace_session(*session_index_, session);
  auto index = store_->append_session(session);
  if (!index) return index.error();
  session_index_ = *index;
  return Status::Ok();
}

void Experiment::heartbeat() {
  // Five a second in a worker's first seconds, when workers started
  // together learn of each other; then once a second (or a third of the
  // lease).
  const bool starting = Clock::now() - started_ < std::chrono::seconds(5);
  const auto interval =
      std::chrono::duration<double>(starting ? 0.2 : std::min(1.0, config_.lease_seconds / 3));
  if (fatal_ || Clock::now() - last_heartbeat_ < interval) return;
  last_heartbeat_ = Clock::now();
  auto workers = queue_->heartbeat(!waiting_for_others_ || cells_in_flight_ > 0);
  if (!workers) return fail(workers.error());
  const bool same_share = workers->busy_others == workers_.busy_others;
  workers_ = *workers;
  if (same_share) return;
  // Each provider's rpm and tpm are an account's: the workers with questions
  // under way split them evenly; an idle one takes the share it will have
  // once it has work (docs/workers.md).
  for (ChatModel* model : models_)
    model->set_limit_share(1.0 / static_cast<double>(workers_.busy_others + 1));
}

void Experiment::notice_last_stretch() {
  if (last_stretch_ || !feeding_done_ || cells_->cells_before_last_calls() > 0) return;
  for (const ChatModel* model : models_) {
    if (model->longest_waiting_chain() > 0) return;
  }
  last_stretch_ = true;
  for (ChatModel* model : models_)
    model->set_last_stretch();
}

void Experiment::save_session_every_second() {
  if (fatal_ || Clock::now() - last_session_save_ < std::chrono::seconds(1)) return;
  if (auto s = save_session(false); !s) fail(s.error());
}

}  // namespace

Result<RunSummary> run_experiment(const RunConfig& config, const RunOptions& options) {
  Experiment experiment(config, options);
  return experiment.run();
}

}  // namespace privqa
