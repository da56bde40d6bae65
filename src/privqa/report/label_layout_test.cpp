#include "privqa/report/label_layout.h"

#include <gtest/gtest.h>

namespace privqa::report {
namespace {

TEST(ChartLabels, TextWidthByCharacterClass) {
  // "eps 1": e p s 1 at 0.66 em, the space 0.4 em: 3.04 em of 10 px.
  EXPECT_DOUBLE_EQ(text_width("eps 1", 10), 30.4);
  // "W%" 2 em; "Ab" 0.8 + 0.66; "ε" (two bytes) one wide character.
  EXPECT_DOUBLE_EQ(text_width("W%", 12), 24);
  EXPECT_DOUBLE_EQ(text_width("Ab", 10), 14.6);
  EXPECT_DOUBLE_EQ(text_width("\xCE\xB5", 10), 10);
  EXPECT_DOUBLE_EQ(text_width("ab", 10, /*bold=*/true), 13.2 * 1.15);
}

TEST(ChartLabels, TextBoxFollowsTheAnchor) {
  const Box start = text_box("ab", 10, 100, 50);
  EXPECT_DOUBLE_EQ(start.left, 100);
  EXPECT_DOUBLE_EQ(start.right, 113.2);
  EXPECT_DOUBLE_EQ(start.top, 42);
  EXPECT_DOUBLE_EQ(start.bottom, 52.5);
  EXPECT_DOUBLE_EQ(text_box("ab", 10, 100, 50, Anchor::kMiddle).left, 93.4);
  EXPECT_DOUBLE_EQ(text_box("ab", 10, 100, 50, Anchor::kEnd).right, 100);
}

TEST(ChartLabels, BoxesThatTouchDoNotIntersect) {
  const Box a{0, 0, 10, 10};
  EXPECT_TRUE(a.intersects({9, 9, 20, 20}));
  EXPECT_FALSE(a.intersects({10, 0, 20, 10}));
  EXPECT_FALSE(a.intersects({0, 10, 10, 20}));
  EXPECT_TRUE(Box({1, 1, 9, 9}).inside(a));
  EXPECT_FALSE(Box({1, 1, 11, 9}).inside(a));
}

TEST(ChartLabels, SpreadApartKeepsWishesThatFitAndPushesTheOthers) {
  // Apart already: unchanged.
  EXPECT_EQ(spread_apart({100, 50}, 10, 0, 200), (std::vector<double>{100, 50}));
  // Three at 100: 100, 110, 120, in the order given.
  EXPECT_EQ(spread_apart({100, 100, 100}, 10, 0, 200), (std::vector<double>{100, 110, 120}));
  // Near the bottom (labels end by 200): pushed back up to 185 and 195.
  EXPECT_EQ(spread_apart({198, 199}, 10, 0, 200), (std::vector<double>{185, 195}));
  // Near the top: the first starts at 5 so that its label begins at 0.
  EXPECT_EQ(spread_apart({0, 1}, 10, 0, 200), (std::vector<double>{5, 15}));
  // Four of 10 px in 30 px: from the top down, past the bottom.
  EXPECT_EQ(spread_apart({20, 20, 20, 20}, 10, 0, 30), (std::vector<double>{5, 15, 25, 35}));
}

TEST(ChartLabels, PlacerTakesTheFirstFreePreferredPlaceThenTheNearestFree) {
  LabelPlacer placer({0, 0, 100, 100});
  placer.add_obstacle({40, 40, 60, 60});
  // The first preferred place hits the obstacle; the second is free.
  EXPECT_EQ(placer.place(10, 10, {{45, 45}, {0, 0}})->left, 0);
  // Both preferred places taken: the nearest free point of the 2-px grid to
  // (0, 0) that clears the box placed at (0, 0)-(10, 10).
  const auto next = placer.place(10, 10, {{0, 0}, {42, 42}});
  ASSERT_TRUE(next);
  EXPECT_DOUBLE_EQ(next->left + next->top, 10);
  // Soft obstacles are avoided while there is room elsewhere ...
  LabelPlacer tight({0, 0, 20, 10});
  tight.add_soft_obstacle({0, 0, 10, 10});
  EXPECT_DOUBLE_EQ(tight.place(10, 10, {{0, 0}})->left, 10);
  // ... and covered when there is not; a full area has no place.
  EXPECT_DOUBLE_EQ(tight.place(10, 10, {{0, 0}})->left, 0);
  EXPECT_FALSE(tight.place(10, 10, {{0, 0}}));
}

}  // namespace
}  // namespace privqa::report
