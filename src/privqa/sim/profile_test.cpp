#include "privqa/sim/profile.h"

#include <gtest/gtest.h>

#include "testing.h"

namespace privqa::sim {
namespace {

TEST(Profiles, BuiltInsAreAWeakLocalAndAStrongLimitedRemote) {
  const ProfileMap p = builtin_profiles();
  ASSERT_EQ(p.count("sim-local"), 1u);
  ASSERT_EQ(p.count("sim-remote"), 1u);
  EXPECT_LT(p.at("sim-local").skill, p.at("sim-remote").skill);
  EXPECT_GT(p.at("sim-remote").rpm, 0);
}

TEST(Profiles, LoadsTomlTablesKeepingDefaultsForOmittedFields) {
  testing::TempDir dir;
  testing::write_text(dir / "p.toml",
                      "[profile.tiny]\nskill = 0.25\nrpm = 60\n\n[profile.big]\nfollow_rate = 1\n");
  auto loaded = load_profiles(dir / "p.toml");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message();
  EXPECT_EQ(loaded->at("tiny").skill, 0.25);
  EXPECT_EQ(loaded->at("tiny").rpm, 60);
  EXPECT_EQ(loaded->at("tiny").follow_rate, Profile().follow_rate);
  EXPECT_EQ(loaded->at("big").follow_rate, 1.0);
  EXPECT_EQ(loaded->at("big").name, "big");
}

TEST(Profiles, ErrorsNameFileLineAndKey) {
  testing::TempDir dir;
  const auto path = dir / "bad.toml";
  testing::write_text(path, "[profile.a]\nskill = 0.5\nskil = 0.4\n");
  auto unknown = load_profiles(path);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message().find("bad.toml:3"), std::string::npos)
      << unknown.error().message();
  EXPECT_NE(unknown.error().message().find("skil"), std::string::npos);

  testing::write_text(path, "[profile.a]\nskill = 1.5\n");
  auto range = load_profiles(path);
  ASSERT_FALSE(range.ok());
  EXPECT_NE(range.error().message().find("bad.toml:2"), std::string::npos);
  EXPECT_NE(range.error().message().find("skill"), std::string::npos);

  testing::write_text(path, "[profile.a]\nrpm = \"fast\"\n");
  EXPECT_FALSE(load_profiles(path).ok());
  testing::write_text(path, "[profile.a\n");
  EXPECT_FALSE(load_profiles(path).ok());
  EXPECT_FALSE(load_profiles(dir / "missing.toml").ok());
}

}  // namespace
}  // namespace privqa::sim
