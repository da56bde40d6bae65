// The report's figures: each mechanism's style, the Pareto set, what the
// frontier and the accuracy figure draw, and on crowded runs (many
// mechanisms with nearly equal values) no two texts overlapping.
#include "privqa/report/figures.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "report/svg_texts.h"

namespace privqa::report {
namespace {

AccuracyStat stat(Scenario s, const std::string& mechanism, double eps, double accuracy) {
  AccuracyStat a;
  a.scenario = s;
  a.mechanism = mechanism;
  a.eps = eps;
  a.n = 200;
  a.correct = static_cast<size_t>(accuracy * 200);
  a.accuracy = accuracy;
  a.ci = {accuracy - 0.06, accuracy + 0.06};
  return a;
}

// Twelve mechanisms a hair apart at every eps, and the four references
// within a point of each other and of the mechanisms.
RunReport crowded_run() {
  RunReport r;
  r.label = "crowded";
  r.simulated = true;
  r.epsilons = {1, 2, 3, 4, 5};
  for (const char* name : {"phrasedp", "inferdpt", "santext", "santext+", "custext+",
                           "phrasedp-minilm", "phrasedp-sif", "santext+-p0.5", "custext+-k5",
                           "inferdpt-big", "my mechanism", "W&M <test>"})
    r.mechanisms.push_back(name);
  r.accuracy.push_back(stat(Scenario::kLocal, "", 0, 0.600));
  r.accuracy.push_back(stat(Scenario::kRemoteCot, "", 0, 0.605));
  r.accuracy.push_back(stat(Scenario::kRemote, "", 0, 0.610));
  r.accuracy.push_back(stat(Scenario::kLocalSelfCot, "", 0, 0.603));
  PrivacyStat original;
  original.mechanism = "original";
  original.texts = 200;
  original.reidentified = 200;
  r.privacy.push_back(original);
  for (size_t m = 0; m < r.mechanisms.size(); ++m) {
    for (double eps : r.epsilons) {
      const double jitter = 0.001 * static_cast<double>(m);
      r.accuracy.push_back(stat(Scenario::kPrivateCot, r.mechanisms[m], eps, 0.6 + jitter));
      PrivacyStat p;
      p.mechanism = r.mechanisms[m];
      p.eps = eps;
      p.texts = 200;
      p.reidentified = 100 + m;
      p.reidentified_ci = {0.45, 0.55};
      r.privacy.push_back(p);
    }
  }
  return r;
}

TEST(Figures, CrowdedAccuracyFigureHasNoOverlappingTexts) {
  const std::string svg = render_svg(accuracy_figure(crowded_run()));
  expect_no_overlap_and_inside(svg);
  // Every mechanism and every reference is labelled, with the band's interval.
  for (const std::string& m : crowded_run().mechanisms)
    EXPECT_NE(svg.find(fmt::format(">{}</text>", escape_xml(m))), std::string::npos) << m;
  EXPECT_NE(svg.find(">local (S1) 60.0% [54.0%, 66.0%]</text>"), std::string::npos);
}

TEST(Figures, CrowdedFrontierHasNoOverlappingTexts) {
  const std::string svg = render_svg(frontier_figure(crowded_run()));
  expect_no_overlap_and_inside(svg);
  // All 60 eps labels and S1, S2 are written (in the plot, or in the column
  // when the plot has no room left).
  size_t eps_labels = 0;
  for (const SvgText& t : texts_of(svg))
    eps_labels += t.text.find("eps ") != std::string::npos;
  EXPECT_EQ(eps_labels, 60u);
  EXPECT_NE(svg.find(">S1</text>"), std::string::npos);
  EXPECT_NE(svg.find(">S2</text>"), std::string::npos);
}

TEST(Figures, KnownMechanismsHaveFixedDistinctStyles) {
  const std::map<std::string, std::pair<std::string, Marker>> expected = {
      {"phrasedp", {"#0072B2", Marker::kCircle}},
      {"inferdpt", {"#D55E00", Marker::kSquare}},
      {"santext", {"#009E73", Marker::kTriangleUp}},
      {"santext+", {"#CC79A7", Marker::kDiamond}},
      {"custext+", {"#E69F00", Marker::kTriangleDown}}};
  std::set<std::string> dashes;
  for (const auto& [kind, look] : expected) {
    const SeriesStyle style = mechanism_style(kind);
    EXPECT_EQ(style.color, look.first) << kind;
    EXPECT_EQ(style.marker, look.second) << kind;
    dashes.insert(style.dash);
  }
  EXPECT_EQ(dashes.size(), expected.size());  // told apart in grey too
}

// Paul Tol's "muted" palette without its teal: the colours of other labels.
const std::set<std::string> kOtherColors = {"#CC6677", "#332288", "#DDCC77", "#117733",
                                            "#88CCEE", "#882255", "#999933", "#AA4499"};

TEST(Figures, OtherLabelsTakeAStableColourFromTheirName) {
  std::set<std::string> colors;
  std::set<Marker> markers;
  for (int i = 0; i < 50; ++i) {
    const std::string label = "mechanism-" + std::to_string(i);
    const SeriesStyle style = mechanism_style(label);
    EXPECT_EQ(kOtherColors.count(style.color), 1u) << label << " " << style.color;
    EXPECT_EQ(mechanism_style(label).color, style.color);
    colors.insert(style.color);
    markers.insert(style.marker);
  }
  // A hash that spreads: 50 labels fall on most of the 8 colours and 5 markers.
  EXPECT_GE(colors.size(), 6u);
  EXPECT_GE(markers.size(), 4u);
}

RunReport run_with(const std::vector<std::string>& mechanisms) {
  RunReport r;
  r.mechanisms = mechanisms;
  for (const std::string& m : mechanisms)
    r.accuracy.push_back(stat(Scenario::kPrivateCot, m, 1, 0.5));
  return r;
}

TEST(Figures, AMechanismLooksTheSameWhateverElseTheRunHas) {
  const Chart a = accuracy_figure(run_with({"santext+", "phrasedp-minilm"}));
  const Chart b =
      accuracy_figure(run_with({"inferdpt", "phrasedp-minilm", "custext+", "santext+"}));
  const auto look = [](const Chart& c, const std::string& name) {
    for (const ChartSeries& s : c.series) {
      if (s.name == name) return s.style.color + " " + s.style.dash;
    }
    return std::string("absent");
  };
  EXPECT_EQ(look(a, "santext+"), "#CC79A7 8 3 2 3");
  EXPECT_EQ(look(b, "santext+"), "#CC79A7 8 3 2 3");
  EXPECT_NE(look(a, "phrasedp-minilm"), "absent");
  EXPECT_EQ(look(a, "phrasedp-minilm"), look(b, "phrasedp-minilm"));
}

TEST(Figures, ParetoSetMaximisesAccuracyAndMinimisesTheRateWithTies) {
  const std::vector<FrontierPoint> points = {
      {0.0, 0.50},  // 0: the most private: in
      {0.2, 0.60},  // 1: in
      {0.2, 0.55},  // 2: the rate of 1, less accurate: out
      {0.3, 0.60},  // 3: the accuracy of 1, less private: out
      {0.5, 0.70},  // 4: in
      {0.5, 0.70},  // 5: equal to 4: both in
      {0.6, 0.65},  // 6: 4 is more private and more accurate: out
      {1.0, 0.80},  // 7: the most accurate: in
      {0.9, 0.40},  // 8: out
  };
  EXPECT_EQ(pareto_set(points),
            (std::vector<bool>{true, true, false, false, true, true, false, true, false}));
  EXPECT_EQ(pareto_set({}), std::vector<bool>{});
  EXPECT_EQ(pareto_set({{0.4, 0.4}}), std::vector<bool>{true});
}

// The accuracies of the frontier tests: S1 0.50, S2 0.80, santext+ 0.55 at
// eps 1 and 0.52 at eps 2, inferdpt 0.45 at eps 1.
RunReport frontier_run() {
  RunReport r;
  r.mechanisms = {"santext+", "inferdpt"};
  r.accuracy = {stat(Scenario::kLocal, "", 0, 0.50), stat(Scenario::kRemoteCot, "", 0, 0.80),
                stat(Scenario::kPrivateCot, "santext+", 1, 0.55),
                stat(Scenario::kPrivateCot, "santext+", 2, 0.52),
                stat(Scenario::kPrivateCot, "inferdpt", 1, 0.45)};
  return r;
}

// S1 0.50 at rate 0; S2 0.80 at the originals' rate 1; santext+ eps 1 (0.2,
// 0.55) in the set, eps 2 (0.4, 0.52) dominated by eps 1; inferdpt eps 1
// (0.1, 0.45) dominated by S1.
TEST(Figures, FrontierFillsTheParetoSetAndJoinsItAsAStaircase) {
  RunReport r = frontier_run();
  const auto privacy = [](const std::string& m, double eps, size_t reidentified) {
    PrivacyStat p;
    p.mechanism = m;
    p.eps = eps;
    p.texts = 100;
    p.reidentified = reidentified;
    return p;
  };
  r.privacy = {privacy("original", 0, 100), privacy("santext+", 1, 20), privacy("santext+", 2, 40),
               privacy("inferdpt", 1, 10)};
  const Chart c = frontier_figure(r);
  ASSERT_EQ(c.series.size(), 4u);
  const ChartSeries& front = c.series[0];
  EXPECT_EQ(front.name, "Pareto frontier");
  EXPECT_EQ(front.connect, Connect::kSteps);
  ASSERT_EQ(front.points.size(), 3u);
  const std::vector<std::pair<double, double>> stairs = {{0, 0.50}, {0.2, 0.55}, {1.0, 0.80}};
  for (size_t i = 0; i < stairs.size(); ++i) {
    EXPECT_DOUBLE_EQ(front.points[i].x, stairs[i].first) << i;
    EXPECT_DOUBLE_EQ(front.points[i].y, stairs[i].second) << i;
  }
  std::map<std::string, bool> hollow;
  for (const ChartSeries& s : c.series) {
    for (const ChartPoint& p : s.points)
      hollow[s.name.substr(0, 2) + " " + p.label] = p.hollow;
  }
  EXPECT_FALSE(hollow.at("sa eps 1"));
  EXPECT_TRUE(hollow.at("sa eps 2"));
  EXPECT_TRUE(hollow.at("in eps 1"));
  EXPECT_FALSE(hollow.at("S1 S1"));
  EXPECT_FALSE(hollow.at("S1 S2"));
  EXPECT_FALSE(c.notes.empty());
}

// The inversion axis: each mechanism x eps at its token recovery with the
// recovery's interval as its x bar; S1 at 0 and S2 at 1 (the original words
// themselves); a mechanism without an exact channel has no point.
TEST(Figures, InversionFrontierPlotsAccuracyAgainstTokenRecovery) {
  RunReport r = frontier_run();
  const auto attack = [](const std::string& m, double eps, size_t recovered, Interval ci) {
    OfflineAttackStat a;
    a.mechanism = m;
    a.eps = eps;
    a.texts = 10;
    a.exact_channel = true;
    a.recovery = {recovered, 200, ci};
    return a;
  };
  OfflineAttackStat no_channel;
  no_channel.mechanism = "inferdpt";
  no_channel.eps = 1;
  r.offline_attacks = {attack("santext+", 1, 60, {0.25, 0.35}),
                       attack("santext+", 2, 150, {0.7, 0.8}), no_channel};
  const Chart c = frontier_figure(r, PrivacyAxis::kInversion);
  EXPECT_NE(c.x_label.find("inversion"), std::string::npos) << c.x_label;
  EXPECT_TRUE(c.percent_x);
  std::map<std::string, const ChartPoint*> points;
  std::set<std::string> series;
  for (const ChartSeries& s : c.series) {
    series.insert(s.name);
    for (const ChartPoint& p : s.points)
      points[s.name.substr(0, 2) + " " + p.label] = &p;
  }
  EXPECT_EQ(series.count("inferdpt"), 0u);
  ASSERT_TRUE(points.count("sa eps 1"));
  EXPECT_DOUBLE_EQ(points["sa eps 1"]->x, 0.30);
  EXPECT_DOUBLE_EQ(points["sa eps 1"]->y, 0.55);
  EXPECT_DOUBLE_EQ(*points["sa eps 1"]->x_low, 0.25);
  EXPECT_DOUBLE_EQ(*points["sa eps 1"]->x_high, 0.35);
  ASSERT_TRUE(points.count("sa eps 2"));
  EXPECT_DOUBLE_EQ(points["sa eps 2"]->x, 0.75);
  EXPECT_DOUBLE_EQ(points.at("S1 S1")->x, 0.0);
  EXPECT_DOUBLE_EQ(points.at("S1 S2")->x, 1.0);
  EXPECT_DOUBLE_EQ(points.at("S1 S2")->y, 0.80);
  // Without offline attacks the axis has no point but S1's.
  r.offline_attacks.clear();
  size_t drawn = 0;
  for (const ChartSeries& s : frontier_figure(r, PrivacyAxis::kInversion).series) {
    if (s.name != "Pareto frontier") drawn += s.points.size();
  }
  EXPECT_EQ(drawn, 1u);
}

TEST(Figures, ReferencesAreBandsOfTheirWilsonIntervals) {
  RunReport r = run_with({"santext+"});
  r.accuracy.push_back(stat(Scenario::kLocal, "", 0, 0.5));
  r.accuracy.push_back(stat(Scenario::kRemote, "", 0, 0.7));
  const Chart c = accuracy_figure(r);
  ASSERT_EQ(c.bands.size(), 2u);
  EXPECT_EQ(c.bands[0].name, "local (S1)");
  EXPECT_DOUBLE_EQ(c.bands[0].y, 0.5);
  EXPECT_DOUBLE_EQ(c.bands[0].low, 0.44);
  EXPECT_DOUBLE_EQ(c.bands[0].high, 0.56);
  EXPECT_EQ(c.bands[1].name, "remote (S4)");
  EXPECT_TRUE(c.label_line_ends);
  // S1's band in the 330-px plot from y = 50: its top (56%) at
  // 50 + (1 - 0.56) * 330 = 195.2, its height 0.12 * 330 = 39.6 px.
  const std::string svg = render_svg(c);
  EXPECT_NE(svg.find("<rect x=\"70.0\" y=\"195.2\" width=\"450.0\" height=\"39.6\" "
                     "fill=\"#333333\" fill-opacity=\"0.13\"/>"),
            std::string::npos)
      << svg;
  EXPECT_NE(svg.find(">local (S1) 50.0% [44.0%, 56.0%]</text>"), std::string::npos);
}

}  // namespace
}  // namespace privqa::report
