// The explorer's page: HTML, style and script, with the data (explorer.h)
// inline as JSON script elements the script reads. Nothing is fetched: the
// only files it may load are the chunk scripts beside it.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace privqa::report {

// `page_json` and each of `inline_chunks` must be JSON with no '<' outside
// an escape (explorer.cpp's script_safe), so no text ends its script element.
// With no inline chunks the page loads explorer_chunk_file(k) for chunk k
// when one of its questions is opened.
std::string explorer_page(const std::string& title, const std::string& page_json,
                          const std::vector<std::string>& inline_chunks);

// "explorer-data/chunk-K.js": a script calling privqaExplorerChunk(K, cells).
std::string explorer_chunk_file(size_t k);

}  // namespace privqa::report
