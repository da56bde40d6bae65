#include "privqa/llm/retry_policy.h"

#include <gtest/gtest.h>

#include <array>

namespace privqa {
namespace {

using std::chrono::milliseconds;

TEST(ClassifyStatus, RetriesOnlyTransientStatuses) {
  const ProviderError none;
  EXPECT_EQ(classify_status(200, none), FailureKind::kNone);
  EXPECT_EQ(classify_status(429, none), FailureKind::kRateLimited);
  for (long s : {408L, 409L, 500L, 502L, 503L, 504L}) {
    EXPECT_EQ(classify_status(s, none), FailureKind::kServer) << s;
  }
  for (long s : {400L, 401L, 403L, 404L, 422L}) {
    EXPECT_EQ(classify_status(s, none), FailureKind::kClient) << s;
  }
  EXPECT_TRUE(is_retryable(FailureKind::kRateLimited));
  EXPECT_TRUE(is_retryable(FailureKind::kServer));
  EXPECT_TRUE(is_retryable(FailureKind::kTimeout));
  EXPECT_TRUE(is_retryable(FailureKind::kTransport));
  EXPECT_TRUE(is_retryable(FailureKind::kDecode));
  EXPECT_FALSE(is_retryable(FailureKind::kClient));
  EXPECT_FALSE(is_retryable(FailureKind::kQuota));
  EXPECT_FALSE(is_retryable(FailureKind::kTls));
  EXPECT_FALSE(is_retryable(FailureKind::kInvalidRequest));
}

TEST(ClassifyStatus, QuotaErrorsAreTheirOwnKind) {
  EXPECT_EQ(classify_status(402, ProviderError{}), FailureKind::kQuota);
  ProviderError quota{"You exceeded your current quota", "insufficient_quota",
                      "insufficient_quota"};
  EXPECT_EQ(classify_status(429, quota), FailureKind::kQuota);
  ProviderError busy{"Rate limit reached", "requests", "rate_limit_exceeded"};
  EXPECT_EQ(classify_status(429, busy), FailureKind::kRateLimited);
}

TEST(ClassifyTransport, TlsAndInvalidRequestsAreNotRetried) {
  EXPECT_EQ(classify_transport(TransportError::kTimeout), FailureKind::kTimeout);
  EXPECT_EQ(classify_transport(TransportError::kDns), FailureKind::kTransport);
  EXPECT_EQ(classify_transport(TransportError::kConnect), FailureKind::kTransport);
  EXPECT_EQ(classify_transport(TransportError::kNetwork), FailureKind::kTransport);
  EXPECT_EQ(classify_transport(TransportError::kTls), FailureKind::kTls);
  EXPECT_EQ(classify_transport(TransportError::kInvalidRequest), FailureKind::kInvalidRequest);
}

TEST(BackoffDelay, GrowsExponentiallyAndStopsAtTheCap) {
  std::mt19937_64 rng(7);
  const milliseconds base(100), cap(1'000);
  for (int failures = 1; failures <= 12; ++failures) {
    const int64_t ceiling = std::min<int64_t>(1'000, 100LL << (failures - 1));
    for (int i = 0; i < 200; ++i) {
      const milliseconds d = backoff_delay(failures, base, cap, rng);
      ASSERT_GE(d.count(), 0);
      ASSERT_LE(d.count(), ceiling) << "failures " << failures;
    }
  }
}

TEST(BackoffDelay, IsUniformOverItsRange) {
  // Full jitter: after 3 failures with base 100 ms the delay is uniform on
  // [0, 400) ms. Chi-square over 10 equal bins of 10,000 draws; the critical
  // value 27.88 (9 degrees of freedom) is exceeded by chance with probability
  // 0.001, the false-failure rate of this test for an arbitrary seed.
  std::mt19937_64 rng(12345);
  constexpr int kDraws = 10'000;
  std::array<int, 10> bins{};
  for (int i = 0; i < kDraws; ++i) {
    const auto d = backoff_delay(3, milliseconds(100), milliseconds(60'000), rng).count();
    ASSERT_LT(d, 400);
    ++bins[static_cast<std::size_t>(d / 40)];
  }
  double chi2 = 0;
  const double expected = kDraws / 10.0;
  for (int count : bins)
    chi2 += (count - expected) * (count - expected) / expected;
  EXPECT_LT(chi2, 27.88);
}

}  // namespace
}  // namespace privqa
