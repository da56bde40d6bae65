// Loading question files: the whole MedMCQA dev set (PRIVQA_DATA_DIR).
#include <benchmark/benchmark.h>

#include "privqa/base/paths.h"
#include "privqa/data/dataset.h"

namespace privqa {
namespace {

void BM_LoadMedMCQADev(benchmark::State& state) {
  const auto path = shared_data_dir() / "medmcqa/dev.json";
  if (!std::filesystem::exists(path)) {
    state.SkipWithError("medmcqa/dev.json not found: set PRIVQA_DATA_DIR");
    return;
  }
  size_t questions = 0;
  for (auto _ : state) {
    auto d = load_dataset(path);
    if (!d.ok()) {
      state.SkipWithError(d.error().message().c_str());
      return;
    }
    questions = d->questions.size();
    benchmark::DoNotOptimize(d->questions.data());
  }
  state.counters["questions"] = static_cast<double>(questions);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(std::filesystem::file_size(path)));
}
BENCHMARK(BM_LoadMedMCQADev)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace privqa
