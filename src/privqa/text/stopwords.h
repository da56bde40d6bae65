// English stopwords: function words (articles, pronouns, auxiliaries,
// prepositions, conjunctions, common adverbs) that carry no topic.
#pragma once

#include <string_view>

namespace privqa {

// True when `folded_word` (already passed through fold_case) is a stopword.
bool is_stopword(std::string_view folded_word);

}  // namespace privqa
