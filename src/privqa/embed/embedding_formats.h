// Parsers of the embedding file formats (internal to the embed module).
// Every error names the file and the line (or byte offset for binary data).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "privqa/base/result.h"
#include "privqa/embed/embedding_table.h"

namespace privqa {

// Words (possibly with duplicates) and their rows, in file order.
struct ParsedEmbeddings {
  std::vector<std::string> words;
  std::vector<float> values;  // words.size() * dims
  size_t dims = 0;
};

// Recognises a format from the first bytes of a file (a few kilobytes
// suffice): the cache magic, a JSON object, a "count dims" header followed by
// text (fastText .vec) or binary rows (word2vec), else GloVe text.
Result<EmbeddingFormat> detect_embedding_format(std::string_view head);

// `name` is the file name used in error messages.
Result<ParsedEmbeddings> parse_wink_json(std::string_view bytes, const std::string& name);
Result<ParsedEmbeddings> parse_text_vectors(std::string_view bytes, bool has_header,
                                            const std::string& name);
Result<ParsedEmbeddings> parse_word2vec_binary(std::string_view bytes, const std::string& name);

}  // namespace privqa
