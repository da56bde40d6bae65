#include "privqa/exp/phrasedp_candidates.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/redirect_error.hpp>

namespace privqa {
namespace {

class CandidateRequests : public ::testing::Test {
 protected:
  CandidateRequests() {
    config_.prompts.paraphrase = "P|{question}";
    config_.prompts.paraphrase_medical = "PM|{question}";
    config_.prompts.paraphrase_band = "PB|{low}|{high}|{question}";
    q_.text = "Which nerve?";
  }
  RunConfig config_;
  Question q_;
};

TEST_F(CandidateRequests, OneRequestWithNChoices) {
  config_.phrasedp.use_n = true;
  config_.phrasedp.candidates = 7;
  const auto requests = candidate_requests(config_, q_);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].prompt, "P|Which nerve?");
  EXPECT_EQ(requests[0].n, 7);
  EXPECT_EQ(requests[0].band, std::nullopt);
  EXPECT_EQ(requests[0].sample_offset, 0);
  EXPECT_EQ(requests[0].calls_after, 2) << "the CoT and the answer follow";
}

TEST_F(CandidateRequests, OneRequestPerCandidateWithTheMedicalPrompt) {
  config_.phrasedp.use_n = false;
  config_.phrasedp.medical = true;
  config_.phrasedp.candidates = 3;
  const auto requests = candidate_requests(config_, q_);
  ASSERT_EQ(requests.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const auto& r = requests[static_cast<size_t>(i)];
    EXPECT_EQ(r.prompt, "PM|Which nerve?");
    EXPECT_EQ(r.n, std::nullopt);
    EXPECT_EQ(r.sample_offset, i) << "each request is its own sample";
    EXPECT_EQ(r.calls_after, 2 + (2 - i)) << "the later candidates and the CoT and answer";
  }
}

TEST_F(CandidateRequests, OneRequestPerBand) {
  config_.phrasedp.variant = PhraseVariant::kBands;
  const auto requests = candidate_requests(config_, q_);
  ASSERT_EQ(requests.size(), 10u);
  EXPECT_EQ(requests[0].prompt, "PB|0.0|0.1|Which nerve?");
  EXPECT_EQ(requests[3].prompt, "PB|0.3|0.4|Which nerve?");
  EXPECT_EQ(requests[9].prompt, "PB|0.9|1.0|Which nerve?");
  for (int b = 0; b < 10; ++b) {
    const auto& r = requests[static_cast<size_t>(b)];
    EXPECT_EQ(r.band, b);
    EXPECT_EQ(r.sample_offset, b);
    EXPECT_EQ(r.calls_after, 2 + (9 - b));
  }
}

TEST(Candidates, EveryLineOfEveryReplyIsACandidateOfItsBand) {
  std::vector<Candidate> out;
  append_candidates({"first line\nsecond line", "third"}, std::nullopt, out);
  append_candidates({"banded\n"}, 4, out);
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out[0].text, "first line");
  EXPECT_EQ(out[1].text, "second line");
  EXPECT_EQ(out[2].text, "third");
  EXPECT_EQ(out[2].band, std::nullopt);
  EXPECT_EQ(out[3].text, "banded");
  EXPECT_EQ(out[3].band, 4);
  EXPECT_EQ(out[4].text, "") << "an empty line is a candidate; the filter drops it";
  EXPECT_EQ(out[4].band, 4);
}

// Runs the loop until nothing is left to do, ready to run again.
void run_loop(asio::io_context& io) {
  io.run();
  io.restart();
}

TEST(CandidateSlots, TheFirstCellFetchesAndTheOthersShareItsResult) {
  asio::io_context io;
  CandidateSlots slots;
  int fetches = 0;
  asio::steady_timer release(io);  // holds the first fetch until all cells asked
  release.expires_at(asio::steady_timer::time_point::max());
  auto fetch = [&]() -> asio::awaitable<CandidateSet> {
    const int nth = ++fetches;
    boost::system::error_code ec;
    co_await release.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    CandidateSet set;
    set.ok = true;
    set.candidates = {{std::nullopt, "a paraphrase " + std::to_string(nth)}};
    co_return set;
  };
  std::vector<std::string> got;
  auto cell = [&](int repeat) -> asio::awaitable<void> {
    CandidateSet set = co_await slots.get("q1", repeat, fetch);
    got.push_back(std::to_string(repeat) + ":" + set.candidates.at(0).text);
  };
  for (int i = 0; i < 3; ++i)
    asio::co_spawn(io, cell(0), asio::detached);
  asio::co_spawn(io, cell(1), asio::detached);
  io.poll();  // every cell is waiting now
  EXPECT_EQ(fetches, 2) << "one fetch per question and repeat";
  EXPECT_TRUE(got.empty());
  release.cancel();
  run_loop(io);
  EXPECT_EQ(got.size(), 4u);
  EXPECT_EQ(std::count(got.begin(), got.end(), "0:a paraphrase 1"), 3);
  EXPECT_EQ(std::count(got.begin(), got.end(), "1:a paraphrase 2"), 1);

  // A later cell of the same question and repeat gets the result at once.
  asio::co_spawn(io, cell(0), asio::detached);
  run_loop(io);
  EXPECT_EQ(fetches, 2);
  EXPECT_EQ(got.back(), "0:a paraphrase 1");
  EXPECT_EQ(slots.size(), 2u);

  // Once the question is done its slots go; asking again fetches again.
  slots.forget("q1");
  EXPECT_EQ(slots.size(), 0u);
  release.expires_at(asio::steady_timer::time_point::min());  // no wait now
  asio::co_spawn(io, cell(0), asio::detached);
  run_loop(io);
  EXPECT_EQ(fetches, 3);
}

TEST(CandidateSlots, AFailureIsSharedToo) {
  asio::io_context io;
  CandidateSlots slots;
  int fetches = 0;
  auto fetch = [&]() -> asio::awaitable<CandidateSet> {
    ++fetches;
    co_await asio::post(io, asio::use_awaitable);
    CandidateSet set;
    set.error = "paraphrase (local): HTTP 500";
    co_return set;
  };
  int failed = 0;
  for (int i = 0; i < 3; ++i) {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          const CandidateSet set = co_await slots.get("q1", 0, fetch);
          failed += !set.ok && set.error == "paraphrase (local): HTTP 500";
        },
        asio::detached);
  }
  run_loop(io);
  EXPECT_EQ(fetches, 1);
  EXPECT_EQ(failed, 3);
}

}  // namespace
}  // namespace privqa
