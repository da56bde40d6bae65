// privqa sim-server: an OpenAI-compatible HTTP provider on loopback that
// simulates models answering the questions of a dataset (docs/sim.md), so runs,
// tests and load/fault benchmarks work offline. Results obtained against it
// are SIMULATED and must be labelled so.
//
// Endpoints: POST /v1/chat/completions, POST /v1/embeddings, GET /v1/models,
// GET /health. Model names select profiles (see profile.h); docs/sim.md states
// how prompts are recognised.
//
// Determinism: the reply to a request is a pure function of (seed, model,
// request body, choice index); faults are drawn from (seed, request body, how
// many times that identical body has been seen), so a retry can succeed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "privqa/base/result.h"
#include "privqa/data/question.h"

namespace privqa {

// Probability per POST request of each injected fault (their sum must not exceed 1).
struct FaultRates {
  double rate_429 = 0, rate_500 = 0, rate_503 = 0, reset = 0, stall = 0, malformed = 0;
  double stall_seconds = 30;       // a stalled request is held this long (past the client timeout)
  double retry_after_seconds = 1;  // the wait an injected 429 asks for
  // The first this many API calls are answered 429 (with retry_after_seconds),
  // as a provider answers a client's opening burst; later ones are not.
  int64_t opening_429s = 0;
};

struct SimOptions {
  std::vector<Question> questions;      // the dataset the run uses (gold answers known)
  std::filesystem::path profiles_path;  // empty: built-in profiles "sim-local", "sim-remote"
  FaultRates faults;
  uint64_t seed = 0;
  std::filesystem::path log_path;          // empty: no request log
  std::string bind_address = "127.0.0.1";  // loopback only unless allow_remote is set
  uint16_t port = 0;                       // 0: any free port
  double time_scale = 1.0;                 // multiplies every simulated latency (0 = instant)
  // Answers worked on at once, as a model server's batch slots (0: no
  // bound): an answer arriving while all are busy waits, first come first
  // served, for the earliest to finish, and that wait adds to its latency.
  int max_concurrency = 0;
  // Model -> requests it answers before its account is out of credit: every
  // later request gets 429 insufficient_quota, as a provider's does.
  std::map<std::string, int64_t> quota;
  bool allow_remote = false;  // permit a bind address that is not loopback
  // Non-empty: an API call without "Authorization: Bearer <api_key>" gets 401
  // invalid_api_key, its message quoting the key it was sent, as some
  // providers' do.
  std::string api_key;
  // Replies without "usage", as some OpenAI-compatible servers send them.
  bool omit_usage = false;
  // Every reply of a model with limits states them (x-ratelimit-limit-
  // requests and -tokens, per minute), as OpenAI's do; false: it does not.
  bool limit_headers = true;
};

class SimServer {
 public:
  // Validates the options, binds, and serves on its own thread. Fails (without
  // serving) on bad fault rates, a bad profiles file, a non-loopback bind
  // address without allow_remote, or a bind error.
  static Result<std::unique_ptr<SimServer>> start(SimOptions options);

  uint16_t port() const;
  void stop();  // idempotent; also done by the destructor
  ~SimServer();

  SimServer(const SimServer&) = delete;
  SimServer& operator=(const SimServer&) = delete;

  class Impl;

 private:
  explicit SimServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace privqa
