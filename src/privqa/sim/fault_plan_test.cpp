#include "privqa/sim/fault_plan.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>

namespace privqa::sim {
namespace {

TEST(FaultPlan, ClassifyLaysRatesEndToEndInTheDocumentedOrder) {
  FaultRates r;
  r.rate_429 = 0.1;
  r.rate_500 = 0.1;
  r.rate_503 = 0.1;
  r.reset = 0.1;
  r.stall = 0.1;
  r.malformed = 0.1;
  const FaultPlan plan(r, 1);
  EXPECT_EQ(plan.classify(0.05), Fault::k429);
  EXPECT_EQ(plan.classify(0.15), Fault::k500);
  EXPECT_EQ(plan.classify(0.25), Fault::k503);
  EXPECT_EQ(plan.classify(0.35), Fault::kReset);
  EXPECT_EQ(plan.classify(0.45), Fault::kStall);
  EXPECT_EQ(plan.classify(0.55), Fault::kMalformed);
  EXPECT_EQ(plan.classify(0.65), Fault::kNone);
}

TEST(FaultPlan, ValidateRejectsBadRates) {
  FaultRates r;
  EXPECT_TRUE(validate(r).ok());
  r.rate_500 = -0.1;
  EXPECT_FALSE(validate(r).ok());
  r.rate_500 = 0.6;
  r.reset = 0.6;
  EXPECT_NE(validate(r).error().message().find("sum"), std::string::npos);
  r = {};
  r.stall_seconds = -1;
  EXPECT_FALSE(validate(r).ok());
}

// Each kind's count over N distinct bodies is Binomial(N, rate). Two-sided z
// test per kind at |z| < 4.42 (p = 1e-5 each; 7 kinds: false-failure < 1e-4).
// The seed is fixed, so the outcome is reproducible.
TEST(FaultPlan, EachFaultHappensAtItsRate) {
  FaultRates r;
  r.rate_429 = 0.05;
  r.rate_500 = 0.03;
  r.rate_503 = 0.02;
  r.reset = 0.04;
  r.stall = 0.01;
  r.malformed = 0.05;
  const std::map<Fault, double> expected = {
      {Fault::k429, 0.05},   {Fault::k500, 0.03},       {Fault::k503, 0.02}, {Fault::kReset, 0.04},
      {Fault::kStall, 0.01}, {Fault::kMalformed, 0.05}, {Fault::kNone, 0.80}};
  FaultPlan plan(r, 42);
  constexpr int kN = 20000;
  std::map<Fault, int> counts;
  for (int i = 0; i < kN; ++i) {
    counts[plan.next("/v1/chat/completions", "{\"i\":" + std::to_string(i) + "}")]++;
  }
  for (const auto& [fault, p] : expected) {
    const double z = (counts[fault] - kN * p) / std::sqrt(kN * p * (1 - p));
    EXPECT_LT(std::abs(z), 4.42) << fault_name(fault) << ": " << counts[fault];
  }
}

// A retry of a faulted body is a fresh draw: the share of repeats that fault
// again is Binomial(n, 0.3) / n, not 1. z test at |z| < 4.42 (false-failure 1e-5).
TEST(FaultPlan, RetriesOfTheSameBodyDrawAgain) {
  FaultRates r;
  r.rate_500 = 0.3;
  FaultPlan plan(r, 7);
  int first_faulted = 0;
  int faulted_again = 0;
  for (int i = 0; i < 4000; ++i) {
    const std::string body = "body " + std::to_string(i);
    if (plan.next("/p", body) == Fault::kNone) continue;
    ++first_faulted;
    faulted_again += plan.next("/p", body) != Fault::kNone;
  }
  const double z = (faulted_again - first_faulted * 0.3) / std::sqrt(first_faulted * 0.3 * 0.7);
  EXPECT_LT(std::abs(z), 4.42) << faulted_again << " of " << first_faulted;
}

TEST(FaultPlan, SameSeedSameSequence) {
  FaultRates r;
  r.reset = 0.5;
  FaultPlan a(r, 3), b(r, 3), c(r, 4);
  int differ_from_other_seed = 0;
  for (int i = 0; i < 200; ++i) {
    const std::string body = std::to_string(i % 50);  // repeats exercise the attempt counter
    const Fault fa = a.next("/p", body);
    EXPECT_EQ(fa, b.next("/p", body));
    differ_from_other_seed += fa != c.next("/p", body);
  }
  EXPECT_GT(differ_from_other_seed, 0);
}

}  // namespace
}  // namespace privqa::sim
