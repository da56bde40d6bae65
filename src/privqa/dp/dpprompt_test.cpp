#include "privqa/dp/dpprompt.h"

#include <gtest/gtest.h>

#include "privqa/dp/registry.h"

namespace privqa {
namespace {

Result<DpPromptSettings> settings(const std::map<std::string, std::string>& given) {
  auto values = resolve_params(kDpPromptName, dpprompt_param_specs(), given);
  if (!values) return values.error();
  return dpprompt_settings(*values);
}

// T = 2 (b1 - b0) / eps, by hand: the defaults [0, 0.75] give 1.5 / eps.
TEST(DpPrompt, TemperatureFollowsFromEpsAndTheClippingRange) {
  auto defaults = settings({});
  ASSERT_TRUE(defaults.ok()) << defaults.error().message();
  EXPECT_DOUBLE_EQ(dpprompt_temperature(1, *defaults), 1.5);
  EXPECT_DOUBLE_EQ(dpprompt_temperature(2, *defaults), 0.75);
  EXPECT_DOUBLE_EQ(dpprompt_temperature(3, *defaults), 0.5);
  auto wide = settings({{"clip_low", "-2"}, {"clip_high", "3"}});
  ASSERT_TRUE(wide.ok()) << wide.error().message();
  EXPECT_DOUBLE_EQ(dpprompt_temperature(4, *wide), 2.5);  // 2 * 5 / 4
}

TEST(DpPrompt, AnEmptyOrInvertedClippingRangeIsRefused) {
  for (const auto& [low, high] : {std::pair{"1", "1"}, {"1", "0.5"}}) {
    auto bad = settings({{"clip_low", low}, {"clip_high", high}});
    ASSERT_FALSE(bad.ok()) << low << " " << high;
    EXPECT_NE(bad.error().message().find("'clip_high'"), std::string::npos);
  }
  EXPECT_FALSE(settings({{"clip_low", "x"}}).ok());
}

TEST(DpPrompt, IsInTheCatalogueAsAModelMechanism) {
  auto info = find_mechanism(kDpPromptName);
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE((*info)->word_level);
  EXPECT_FALSE((*info)->needs_corpus);
}

}  // namespace
}  // namespace privqa
