#include "privqa/base/environment.h"

#include <gtest/gtest.h>
#include <stdlib.h>

namespace privqa {
namespace {

class ExpandEnvironment : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("PRIVQA_TEST_HOST", "127.0.0.1", 1);
    ::setenv("PRIVQA_TEST_PORT", "8080", 1);
    ::setenv("PRIVQA_TEST_EMPTY", "", 1);
    ::unsetenv("PRIVQA_TEST_UNSET");
  }
  void TearDown() override {
    for (const char* name : {"PRIVQA_TEST_HOST", "PRIVQA_TEST_PORT", "PRIVQA_TEST_EMPTY"})
      ::unsetenv(name);
  }
};

TEST_F(ExpandEnvironment, ReplacesEachVariable) {
  auto url = expand_environment("http://${PRIVQA_TEST_HOST}:${PRIVQA_TEST_PORT}/v1");
  ASSERT_TRUE(url.ok()) << url.error().message();
  EXPECT_EQ(*url, "http://127.0.0.1:8080/v1");
  auto twice = expand_environment("${PRIVQA_TEST_PORT}${PRIVQA_TEST_PORT}");
  ASSERT_TRUE(twice.ok());
  EXPECT_EQ(*twice, "80808080");
}

TEST_F(ExpandEnvironment, LeavesOtherTextAlone) {
  for (const char* text : {"", "plain text", "$PRIVQA_TEST_HOST", "cost: $5 {braces}", "a}b"}) {
    auto out = expand_environment(text);
    ASSERT_TRUE(out.ok()) << text;
    EXPECT_EQ(*out, text);
  }
}

TEST_F(ExpandEnvironment, DoesNotExpandAValueAgain) {
  ::setenv("PRIVQA_TEST_HOST", "${PRIVQA_TEST_PORT}", 1);
  auto out = expand_environment("${PRIVQA_TEST_HOST}");
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "${PRIVQA_TEST_PORT}");
}

TEST_F(ExpandEnvironment, AnUnsetOrEmptyVariableIsAnErrorNamingIt) {
  auto unset = expand_environment("key ${PRIVQA_TEST_UNSET}");
  ASSERT_FALSE(unset.ok());
  EXPECT_EQ(unset.error().message(), "environment variable PRIVQA_TEST_UNSET is not set");
  auto empty = expand_environment("${PRIVQA_TEST_EMPTY}");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().message(), "environment variable PRIVQA_TEST_EMPTY is not set");
}

TEST_F(ExpandEnvironment, AnUnclosedReferenceIsAnErrorQuotingTheText) {
  auto out = expand_environment("http://${PRIVQA_TEST_HOST");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().message(), "unclosed ${ in 'http://${PRIVQA_TEST_HOST'");
}

}  // namespace
}  // namespace privqa
