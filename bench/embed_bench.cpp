// Embedding tables and nearest neighbours on the real wink table
// (PRIVQA_EMBEDDINGS or the setup script's copy). Run:
//   build/release/privqa_bench --benchmark_filter='Embed' --benchmark_repetitions=5
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <numeric>
#include <string>

#include "privqa/base/paths.h"
#include "privqa/embed/embedding_table.h"
#include "privqa/embed/knn.h"

namespace privqa {
namespace {

constexpr size_t kNeighbours = 10;
constexpr size_t kSubsetWords = 20000;

// The wink table through its cache, loaded once; nullptr when absent.
const EmbeddingTable* wink_table() {
  static const std::unique_ptr<EmbeddingTable> table = [] {
    auto loaded = load_embeddings(default_embeddings_path());
    return loaded.ok() ? std::make_unique<EmbeddingTable>(std::move(*loaded)) : nullptr;
  }();
  return table.get();
}

// Queries: 64 mid-frequency words (ranks 1000..1063).
std::vector<std::span<const float>> queries(const EmbeddingTable& table, size_t count) {
  std::vector<std::span<const float>> out;
  for (uint32_t id = 1000; id < 1000 + count; ++id)
    out.push_back(table.row(id));
  return out;
}

std::vector<uint32_t> first_ids(size_t n) {
  std::vector<uint32_t> ids(n);
  std::iota(ids.begin(), ids.end(), 0u);
  return ids;
}

void BM_EmbedWinkJsonToCache(benchmark::State& state) {
  const auto source = default_embeddings_path();
  if (!std::filesystem::exists(source)) return state.SkipWithError("wink embeddings not found");
  const auto cache = std::filesystem::temp_directory_path() /
                     ("privqa-bench-" + std::to_string(::getpid()) + ".pqemb");
  EmbeddingLoadOptions options;
  options.cache_path = cache;
  for (auto _ : state) {
    state.PauseTiming();
    std::filesystem::remove(cache);
    state.ResumeTiming();
    auto table = load_embeddings(source, options);
    if (!table || table->origin().cache != CacheUse::kWritten) {
      return state.SkipWithError("conversion failed");
    }
    benchmark::DoNotOptimize(table->data());
  }
  std::filesystem::remove(cache);
}
BENCHMARK(BM_EmbedWinkJsonToCache)->Unit(benchmark::kMillisecond)->Iterations(1);

void BM_EmbedCacheLoad(benchmark::State& state) {
  if (!wink_table()) return state.SkipWithError("wink embeddings not found");  // writes the cache
  for (auto _ : state) {
    auto table = load_embeddings(default_embeddings_path());
    if (!table || table->origin().cache != CacheUse::kHit) return state.SkipWithError("no hit");
    benchmark::DoNotOptimize(table->data());
  }
}
BENCHMARK(BM_EmbedCacheLoad)->Unit(benchmark::kMillisecond)->Iterations(3);

// k-NN through VectorSet. Args: {set size (0 = full table), batch size, metric}.
void BM_EmbedKnnBlocked(benchmark::State& state) {
  const EmbeddingTable* table = wink_table();
  if (!table) return state.SkipWithError("wink embeddings not found");
  const size_t n = state.range(0) == 0 ? table->size() : static_cast<size_t>(state.range(0));
  const VectorSet set(*table, first_ids(n));
  const auto qs = queries(*table, static_cast<size_t>(state.range(1)));
  const Metric metric = state.range(2) == 0 ? Metric::kEuclidean : Metric::kCosine;
  for (auto _ : state) {
    if (qs.size() == 1) {
      benchmark::DoNotOptimize(set.nearest(qs[0], kNeighbours, metric));
    } else {
      benchmark::DoNotOptimize(set.nearest_batch(qs, kNeighbours, metric));
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * qs.size()));
  state.SetLabel(std::to_string(n) + " words, batch " + std::to_string(qs.size()) +
                 (metric == Metric::kEuclidean ? ", euclidean" : ", cosine"));
}
BENCHMARK(BM_EmbedKnnBlocked)
    ->Unit(benchmark::kMillisecond)
    ->Args({0, 1, 0})
    ->Args({0, 64, 0})
    ->Args({0, 64, 1})
    ->Args({kSubsetWords, 1, 0})
    ->Args({kSubsetWords, 64, 0})
    ->Args({kSubsetWords, 64, 1});

// The baseline: one scalar loop per member, then a partial sort.
void BM_EmbedKnnNaiveScalar(benchmark::State& state) {
  const EmbeddingTable* table = wink_table();
  if (!table) return state.SkipWithError("wink embeddings not found");
  const size_t n = state.range(0) == 0 ? table->size() : static_cast<size_t>(state.range(0));
  const size_t dims = table->dims();
  const auto qs = queries(*table, 8);
  std::vector<std::pair<float, uint32_t>> scored(n);
  for (auto _ : state) {
    for (const auto q : qs) {
      for (uint32_t id = 0; id < n; ++id) {
        const float* x = table->data() + static_cast<size_t>(id) * dims;
        float sum = 0;
        for (size_t j = 0; j < dims; ++j)
          sum += (q[j] - x[j]) * (q[j] - x[j]);
        scored[id] = {std::sqrt(sum), id};
      }
      std::partial_sort(scored.begin(), scored.begin() + kNeighbours, scored.end());
      benchmark::DoNotOptimize(scored.data());
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * qs.size()));
  state.SetLabel(std::to_string(n) + " words, euclidean");
}
BENCHMARK(BM_EmbedKnnNaiveScalar)->Unit(benchmark::kMillisecond)->Arg(0)->Arg(kSubsetWords);

}  // namespace
}  // namespace privqa
