// privqa embed convert | info | neighbors | similarity: word embedding tables.
#include <fmt/format.h>

#include <chrono>
#include <iostream>

#include "privqa/cli/commands.h"
#include "privqa/embed/embedding_table.h"
#include "privqa/embed/knn.h"
#include "privqa/embed/sif_encoder.h"

namespace privqa::cli {
namespace {

struct EmbedArgs {
  std::string file;
  std::string out;
  std::string word;
  size_t k = 10;
  std::string metric = "cosine";
  std::string text_a;
  std::string text_b;
  bool no_cache = false;
};

// Loads FILE (through its cache unless --no-cache); prints the error and
// returns nullopt on failure.
std::optional<EmbeddingTable> load_or_report(const EmbedArgs& a) {
  EmbeddingLoadOptions options;
  options.use_cache = !a.no_cache;
  auto table = load_embeddings(a.file, options);
  if (!table) {
    std::cerr << "privqa: " << table.error().message() << "\n";
    return std::nullopt;
  }
  const EmbeddingOrigin& origin = table->origin();
  if (origin.cache == CacheUse::kRebuilt || origin.cache == CacheUse::kWriteFailed) {
    std::cerr << "privqa: cache " << cache_use_name(origin.cache) << ": " << origin.cache_note
              << "\n";
  }
  return std::move(*table);
}

int run_convert(const EmbedArgs& a) {
  const auto start = std::chrono::steady_clock::now();
  EmbeddingLoadOptions options;
  options.cache_path = a.out;
  auto table = load_embeddings(a.file, options);
  if (!table) {
    std::cerr << "privqa: " << table.error().message() << "\n";
    return 2;
  }
  const EmbeddingOrigin& origin = table->origin();
  if (origin.format == EmbeddingFormat::kCache) {  // a cache to copy, e.g. under a new name
    if (Status st = save_embedding_cache(*table, a.out); !st) {
      std::cerr << "privqa: " << st.error().message() << "\n";
      return 1;
    }
  } else if (origin.cache == CacheUse::kWriteFailed) {
    std::cerr << "privqa: " << origin.cache_note << "\n";
    return 1;
  }
  std::cout << fmt::format("{}: {} words x {} dims from {} ({}), {:.2f} s\n", a.out, table->size(),
                           table->dims(), embedding_format_name(origin.format),
                           origin.cache == CacheUse::kHit ? "already up to date" : "written",
                           seconds_since(start));
  if (origin.duplicates_skipped > 0) {
    std::cout << fmt::format("skipped {} duplicate words (first occurrence kept)\n",
                             origin.duplicates_skipped);
  }
  return 0;
}

int run_info(const EmbedArgs& a) {
  const auto start = std::chrono::steady_clock::now();
  auto table = load_or_report(a);
  if (!table) return 2;
  const EmbeddingOrigin& origin = table->origin();
  std::cout << fmt::format("file        {}\n", a.file);
  std::cout << fmt::format("format      {}\n", embedding_format_name(origin.format));
  std::cout << fmt::format("words       {}\n", table->size());
  std::cout << fmt::format("dims        {}\n", table->dims());
  std::cout << fmt::format(
      "cache       {}{}\n", cache_use_name(origin.cache),
      origin.cache_path.empty() ? "" : " (" + origin.cache_path.string() + ")");
  std::cout << fmt::format("duplicates  {} skipped\n", origin.duplicates_skipped);
  std::string first;
  for (uint32_t id = 0; id < std::min<size_t>(10, table->size()); ++id) {
    first += (id == 0 ? "" : " ") + table->word(id);
  }
  std::cout << fmt::format("first rows  {}\n", first);
  std::cout << fmt::format("load time   {:.3f} s\n", seconds_since(start));
  return 0;
}

int run_neighbors(const EmbedArgs& a) {
  if (a.metric != "cosine" && a.metric != "euclidean") {
    std::cerr << "privqa: --metric must be cosine or euclidean\n";
    return 2;
  }
  auto table = load_or_report(a);
  if (!table) return 2;
  const auto id = table->lookup(a.word);
  if (!id) {
    std::cerr << fmt::format("privqa: '{}' is not in {}\n", a.word, a.file);
    return 2;
  }
  const Metric metric = a.metric == "cosine" ? Metric::kCosine : Metric::kEuclidean;
  const VectorSet all = VectorSet::all(*table);
  // One more than asked, since the word itself is its own nearest neighbour.
  size_t rank = 0;
  for (const Neighbor& n : all.nearest(table->row(*id), a.k + 1, metric)) {
    if (n.id == *id || rank == a.k) continue;
    std::cout << fmt::format("{:>3}  {:<24} {:.4f}\n", ++rank, table->word(n.id), n.distance);
  }
  return 0;
}

int run_similarity(const EmbedArgs& a) {
  auto table = load_or_report(a);
  if (!table) return 2;
  auto encoder = SifEncoder::build(*table, {});
  if (!encoder) {
    std::cerr << "privqa: " << encoder.error().message() << "\n";
    return 1;
  }
  auto va = encoder->encode(a.text_a);
  auto vb = encoder->encode(a.text_b);
  if (!va || !vb) {
    std::cerr << "privqa: " << (va ? vb : va).error().message() << "\n";
    return 1;
  }
  std::cout << fmt::format("{:.4f}\n", cosine_similarity(*va, *vb));
  return 0;
}

}  // namespace

void register_embed_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<EmbedArgs>();
  CLI::App* embed = app.add_subcommand("embed", "word embedding tables: convert, inspect, query");
  embed->require_subcommand(1);

  CLI::App* convert = embed->add_subcommand(
      "convert", "convert a GloVe, fastText .vec, word2vec or wink JSON table to a privqa cache");
  convert->add_option("SRC", args->file, "embedding file")->required();
  convert->add_option("OUT", args->out, "cache file to write")->required();
  convert->callback([args, &exit_code] { exit_code = run_convert(*args); });

  auto add_file = [&](CLI::App* cmd) {
    cmd->add_option("FILE", args->file, "embedding file (any supported format or a cache)")
        ->required();
    cmd->add_flag("--no-cache", args->no_cache, "neither read nor write FILE.pqemb");
  };

  CLI::App* info = embed->add_subcommand("info", "size, dimensions, format and cache state");
  add_file(info);
  info->callback([args, &exit_code] { exit_code = run_info(*args); });

  CLI::App* neighbors =
      embed->add_subcommand("neighbors", "nearest words of WORD (WORD itself excluded)");
  add_file(neighbors);
  neighbors->add_option("WORD", args->word, "word to look up (exact, else case-folded)")
      ->required();
  neighbors->add_option("-k", args->k, "number of neighbours")->capture_default_str();
  neighbors->add_option("--metric", args->metric, "cosine or euclidean")->capture_default_str();
  neighbors->callback([args, &exit_code] { exit_code = run_neighbors(*args); });

  CLI::App* similarity = embed->add_subcommand(
      "similarity", "cosine similarity of two texts' SIF sentence embeddings");
  add_file(similarity);
  similarity->add_option("TEXT_A", args->text_a, "first text")->required();
  similarity->add_option("TEXT_B", args->text_b, "second text")->required();
  similarity->callback([args, &exit_code] { exit_code = run_similarity(*args); });
}

}  // namespace privqa::cli
