#include "privqa/exp/phrasedp_candidates.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <memory>

#include "privqa/base/event.h"
#include "privqa/dp/phrasedp.h"
#include "privqa/exp/prompts.h"

namespace privqa {

bool is_phrasedp(const std::string& kind) {
  return kind == "phrasedp";
}

bool is_phrasedp(const RunConfig& config, const std::string& name) {
  const MechanismConfig* m = config.mechanism(name);
  return m != nullptr && is_phrasedp(m->kind);
}

std::string phrasedp_encoder(const MechanismConfig& m) {
  const auto it = m.params.find("encoder");
  return it == m.params.end() ? std::string(kSifEncoder) : it->second;
}

std::vector<std::string> encoder_providers(const RunConfig& config) {
  std::vector<std::string> out;
  for (const auto& m : config.mechanisms) {
    if (!is_phrasedp(m.kind)) continue;
    const std::string encoder = phrasedp_encoder(m);
    if (encoder != kSifEncoder && std::find(out.begin(), out.end(), encoder) == out.end()) {
      out.push_back(encoder);
    }
  }
  return out;
}

std::vector<CandidateRequest> candidate_requests(const RunConfig& config, const Question& q) {
  const PhraseDpConfig& p = config.phrasedp;
  std::vector<CandidateRequest> out;
  if (p.variant == PhraseVariant::kBands) {
    for (int band = 0; band < kSimilarityBands; ++band) {
      const SimilarityBand bounds = similarity_band(band);
      out.push_back({.prompt = render_template(config.prompts.paraphrase_band,
                                               {{"question", q.text},
                                                {"low", fmt::format("{:.1f}", bounds.low)},
                                                {"high", fmt::format("{:.1f}", bounds.high)}}),
                     .band = band,
                     .sample_offset = band,
                     .calls_after = kSimilarityBands - 1 - band + kCallsAfterCandidates});
    }
    return out;
  }
  const std::string prompt =
      render_template(p.medical ? config.prompts.paraphrase_medical : config.prompts.paraphrase,
                      {{"question", q.text}});
  if (p.use_n) {
    out.push_back({.prompt = prompt, .n = p.candidates, .calls_after = kCallsAfterCandidates});
    return out;
  }
  for (int i = 0; i < p.candidates; ++i) {
    out.push_back({.prompt = prompt,
                   .sample_offset = i,
                   .calls_after = p.candidates - 1 - i + kCallsAfterCandidates});
  }
  return out;
}

void append_candidates(const std::vector<std::string>& replies, std::optional<int> band,
                       std::vector<Candidate>& out) {
  for (const auto& reply : replies) {
    size_t pos = 0;
    while (pos <= reply.size()) {
      size_t end = reply.find('\n', pos);
      if (end == std::string::npos) end = reply.size();
      out.push_back({band, reply.substr(pos, end - pos)});
      pos = end + 1;
    }
  }
}

struct CandidateSlots::Slot {
  explicit Slot(const asio::any_io_executor& executor) : ready(executor) {}
  bool done = false;
  CandidateSet result;
  Event ready;  // notified when `result` is set
};

asio::awaitable<CandidateSet> CandidateSlots::get(const std::string& question_id, int repeat,
                                                  Fetch fetch) {
  const auto key = std::make_pair(question_id, repeat);
  if (const auto it = slots_.find(key); it != slots_.end()) {
    // Held here: forget() may drop the entry while this cell waits.
    const std::shared_ptr<Slot> slot = it->second;
    while (!slot->done)
      co_await slot->ready.wait();
    co_return slot->result;
  }
  const auto slot = std::make_shared<Slot>(co_await asio::this_coro::executor);
  slots_[key] = slot;
  slot->result = co_await fetch();
  slot->done = true;
  slot->ready.notify();
  co_return slot->result;
}

void CandidateSlots::forget(const std::string& question_id) {
  slots_.erase(slots_.lower_bound({question_id, std::numeric_limits<int>::min()}),
               slots_.upper_bound({question_id, std::numeric_limits<int>::max()}));
}

}  // namespace privqa
