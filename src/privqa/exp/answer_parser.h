// Extracting the chosen option from a model's free-text reply.
//
// Rules, in order; the first that yields exactly one valid letter wins:
//   1. explicit statements, the last one in the reply: "Answer: C", "the answer is (b)",
//      "correct option is D", "C is correct";
//   2. one distinct letter written as "(C)", "C)" or "option C";
//   3. a reply that is a lone letter ("c", "C.", "(C)");
//   4. a reply naming exactly one option's full text.
// Anything else ("A and C", a refusal, several letters with no statement) is
// unparsed: its own outcome, never scored as a guess.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace privqa {

struct ParsedAnswer {
  int index = -1;      // 0-based option index; -1 = unparsed
  std::string method;  // "statement", "marker", "letter", "option_text" or "unparsed"
  bool parsed() const { return index >= 0; }
};

ParsedAnswer parse_answer(std::string_view reply, const std::vector<std::string>& options);

}  // namespace privqa
