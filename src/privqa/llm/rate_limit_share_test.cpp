#include "privqa/llm/rate_limit_share.h"

#include <gtest/gtest.h>

namespace privqa {
namespace {

TEST(RateLimitShare, CountsOnlyTheLastWindowOfReplies) {
  RateLimitShare share(4);
  EXPECT_DOUBLE_EQ(share.share(), 0.0);
  share.record(true);
  EXPECT_DOUBLE_EQ(share.share(), 0.25);  // over the window, not over one reply
  share.record(true);
  share.record(false);
  share.record(false);
  EXPECT_DOUBLE_EQ(share.share(), 0.5);
  share.record(false);  // pushes out the first 429
  EXPECT_DOUBLE_EQ(share.share(), 0.25);
  share.record(false);  // and the second
  EXPECT_DOUBLE_EQ(share.share(), 0.0);
}

TEST(RateLimitShare, AllRateLimitedIsOne) {
  RateLimitShare share(3);
  for (int i = 0; i < 10; ++i)
    share.record(true);
  EXPECT_DOUBLE_EQ(share.share(), 1.0);
}

}  // namespace
}  // namespace privqa
