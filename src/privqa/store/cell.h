// A cell: one question under one scenario (and, for S3, one mechanism and
// eps), one repeat. Cells are independent; everything a cell does happens in
// its own pipeline (sanitize -> remote CoT -> local answer).
#pragma once

#include <cstdint>
#include <string>

namespace privqa {

// The scenarios of the experiment (README.md, "Running real experiments").
enum class Scenario {
  kLocal,         // S1: local answers alone
  kRemoteCot,     // S2: remote writes a CoT on the question text; local answers
  kPrivateCot,    // S3: as S2 on the text sanitized by a mechanism at eps
  kRemote,        // S4: remote answers alone
  kLocalSelfCot,  // S5: local writes its own CoT, then answers
  // The reconstruction attacks (docs/privacy.md): the remote model gets S3's
  // sanitized text and is asked for the original question (A1), or for the
  // original question and its answer (A2).
  kReconstruct,        // A1
  kReconstructAnswer,  // A2
};
const char* scenario_id(Scenario s);  // "S1" ... "S5", "A1", "A2"
// "local", "remote_cot", "private_cot", "remote", "local_cot", "reconstruct",
// "reconstruct_answer"
const char* scenario_name(Scenario s);
bool parse_scenario(const std::string& text, Scenario& out);  // accepts the id or the name
// Whether `s` is a reconstruction attack (A1, A2): its cells measure privacy,
// not accuracy of the split pipeline.
constexpr bool is_attack(Scenario s) {
  return s == Scenario::kReconstruct || s == Scenario::kReconstructAnswer;
}

struct CellKey {
  std::string question_id;
  Scenario scenario = Scenario::kLocal;
  std::string mechanism;  // S3, A1, A2 only; "" otherwise
  double eps = 0;         // S3, A1, A2 only; 0 otherwise
  int repeat = 0;

  // Stable text form used as the store's primary key and in RNG derivation,
  // e.g. "q17|S3|santext+|2|0".
  std::string str() const;
};

enum class CellStatus { kOk, kError };

struct CellResult {
  CellKey key;
  CellStatus status = CellStatus::kOk;
  std::string sanitized;   // S3, A1, A2: the text the remote model saw
  std::string cot;         // S2/S3/S5: the chain of thought given to the local model
  std::string raw_answer;  // the answering model's reply
  int parsed = -1;         // option index, -1 = unparsed (or error)
  std::string parse_method;
  int gold = -1;       // the question's answer index (-1 = unlabelled)
  int attempts = 0;    // HTTP attempts over all calls of the cell
  double latency = 0;  // seconds from the cell's start to its end
  int64_t local_tokens_in = 0, local_tokens_out = 0;
  int64_t remote_tokens_in = 0, remote_tokens_out = 0;
  std::string error;    // status kError: the final error
  std::string details;  // JSON: mechanism stats, PhraseDP candidates, per-call latencies

  bool correct() const { return status == CellStatus::kOk && parsed >= 0 && parsed == gold; }
};

}  // namespace privqa
