// render_svg, read back from the SVG it writes.
#include "privqa/report/svg_chart.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "privqa/report/figures.h"
#include "report/svg_texts.h"

namespace privqa::report {
namespace {

// Close ticks: a label that would overlap the one before it is left out.
TEST(SvgChart, TickLabelsThatWouldOverlapAreLeftOut) {
  Chart c;
  c.title = "ticks";
  c.x_max = 10;
  for (double x = 0; x <= 10; x += 0.25)
    c.x_ticks.push_back(x);
  c.y_ticks = {0, 0.5, 1};
  c.series.push_back({"one", {}, {{.x = 1, .y = 0.5}}, Connect::kLine});
  const std::string svg = render_svg(c);
  expect_no_overlap_and_inside(svg);
  // The ends are 450 px apart: "0" is written, and so is "10".
  EXPECT_NE(svg.find(">0</text>"), std::string::npos);
  EXPECT_NE(svg.find(">10</text>"), std::string::npos);
  EXPECT_EQ(svg.find(">0.25</text>"), std::string::npos);
}

TEST(SvgChart, ManyLegendEntriesMakeThePictureTaller) {
  Chart c;
  c.title = "legend";
  for (int i = 0; i < 40; ++i) {
    c.series.push_back({fmt::format("series {}", i),
                        mechanism_style(fmt::format("s{}", i)),
                        {{.x = 0.5, .y = 0.5}},
                        Connect::kNone});
  }
  const std::string svg = render_svg(c);
  expect_no_overlap_and_inside(svg);
  EXPECT_GT(size_of(svg).second, 40 * 18.0);
}

TEST(SvgChart, HollowPointsAreOutlinesAndStepsAreStairs) {
  Chart c;
  c.series.push_back({"front",
                      {"#222222", Marker::kNone, ""},
                      {{.x = 0, .y = 0}, {.x = 0.5, .y = 0.5}},
                      Connect::kSteps});
  c.series.push_back({"m",
                      {"#0072B2", Marker::kCircle, "8 4"},
                      {{.x = 0.5, .y = 0.5}, {.x = 1, .y = 0, .hollow = true}},
                      Connect::kNone});
  const std::string svg = render_svg(c);
  // Plot 450 x 330 px from (70, 50): (0, 0) -> (70, 380), (0.5, 0.5) -> (295, 215).
  EXPECT_NE(svg.find("d=\"M70.0,380.0 H295.0 V215.0\""), std::string::npos) << svg;
  EXPECT_NE(svg.find("<circle cx=\"295.0\" cy=\"215.0\" r=\"4.5\" fill=\"#0072B2\""),
            std::string::npos);
  EXPECT_NE(svg.find("<circle cx=\"520.0\" cy=\"380.0\" r=\"4.0\" fill=\"white\" "
                     "stroke=\"#0072B2\" stroke-width=\"1.5\" opacity=\"0.6\""),
            std::string::npos);
}

}  // namespace
}  // namespace privqa::report
