#include "privqa/embed/sentence_encoder.h"

#include <gtest/gtest.h>

namespace privqa {
namespace {

TEST(PrecomputedEncoder, LooksUpTheExactTextAndNamesAMissingOne) {
  const PrecomputedEncoder encoder(2, {"chest pain", "Chest pain", "chest pain"},
                                   {{1, 0}, {0, 1}, {0.6f, 0.8f}});
  EXPECT_EQ(encoder.dims(), 2u);
  // The exact text: case matters, and a repeated text keeps its last vector.
  auto lower = encoder.encode("chest pain");
  ASSERT_TRUE(lower.ok());
  EXPECT_EQ(*lower, (std::vector<float>{0.6f, 0.8f}));
  auto upper = encoder.encode("Chest pain");
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(*upper, (std::vector<float>{0, 1}));
  auto missing = encoder.encode("chest  pain");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("\"chest  pain\""), std::string::npos)
      << missing.error().message();
}

}  // namespace
}  // namespace privqa
