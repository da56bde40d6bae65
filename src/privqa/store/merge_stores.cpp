#include "privqa/store/merge_stores.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>

#include "privqa/store/open_store.h"
#include "privqa/store/postgres_url.h"
#include "privqa/store/shard.h"
#include "privqa/store/store_shared.h"

namespace privqa {

namespace {

// Whether two stored runs of one cell reached the same result; attempts,
// latency and details (per-call timings) differ from run to run.
bool same_outcome(const CellResult& a, const CellResult& b) {
  return a.sanitized == b.sanitized && a.cot == b.cot && a.raw_answer == b.raw_answer &&
         a.parsed == b.parsed && a.parse_method == b.parse_method && a.gold == b.gold;
}

// Meta keys that describe one store rather than the run: the merge drops them.
bool store_local_meta(const std::string& key) {
  return key == kShardMetaKey || key == store_shared::kWriterKey;
}

// What the merge reads from its inputs before it writes anything.
struct Gathered {
  RunRecord run;
  std::map<std::string, std::string> meta;
  std::vector<SessionRecord> sessions;
  std::map<std::string, CellResult> cells;  // by CellKey::str
  std::optional<uint32_t> shard_count;
  std::map<uint32_t, int64_t> planned_by_shard;  // the shards held, and their planned cells
  int64_t planned_whole = 0;                     // of inputs that hold the whole run
  size_t duplicates = 0;
};

Status gather(const std::string& input, bool first, Gathered& g) {
  auto store = open_store(input, /*read_only=*/true);
  if (!store) return store.error();
  auto run = (*store)->run();
  if (!run) return run.error();
  if (!*run) return Error(input + ": no run recorded; nothing to merge");
  auto meta = (*store)->meta();
  if (!meta) return meta.error();
  auto shard_text = meta->find(kShardMetaKey);
  std::optional<Shard> shard;
  if (shard_text != meta->end()) {
    auto parsed = parse_shard(shard_text->second);
    if (!parsed) return parsed.error().wrap(input + ": meta '" + kShardMetaKey + "'");
    shard = *parsed;
  }
  if (first) {
    g.run = std::move(**run);
  } else {
    if ((*run)->fingerprint != g.run.fingerprint) {
      return Error(fmt::format(
          "{}: the run of another config (fingerprint {}, the first input's is {}); only "
          "shards of one run merge",
          input, (*run)->fingerprint, g.run.fingerprint));
    }
    if ((*run)->secret_seed != g.run.secret_seed) {
      return Error(input + ": the run drew another seed than the first input's");
    }
    if (shard && g.shard_count && shard->count != *g.shard_count) {
      return Error(fmt::format("{}: holds shard {}, of a split into {}, not {}", input,
                               shard->str(), shard->count, *g.shard_count));
    }
  }
  if (shard) {
    g.shard_count = shard->count;
    g.planned_by_shard[shard->index] = (*run)->planned_cells;
  } else {
    g.planned_whole = std::max(g.planned_whole, (*run)->planned_cells);
  }
  for (const auto& [key, value] : *meta) {
    if (store_local_meta(key)) continue;
    const auto [it, inserted] = g.meta.emplace(key, value);
    if (inserted || it->second == value) continue;
    if (key == ResultStore::kDatasetHashKey) {
      return Error(
          fmt::format("{}: ran on another question file (content hash {}, the first input's is {})",
                      input, value, it->second));
    }
    return Error(fmt::format("{}: meta '{}' is '{}', another input's is '{}'", input, key, value,
                             it->second));
  }
  auto sessions = (*store)->sessions();
  if (!sessions) return sessions.error();
  g.sessions.insert(g.sessions.end(), sessions->begin(), sessions->end());
  auto cells = (*store)->cells();
  if (!cells) return cells.error();
  for (CellResult& cell : *cells) {
    const std::string key = cell.key.str();
    const auto [it, inserted] = g.cells.emplace(key, cell);
    if (inserted) continue;
    ++g.duplicates;
    CellResult& kept = it->second;
    if (cell.status == CellStatus::kOk && kept.status == CellStatus::kOk) {
      if (!same_outcome(cell, kept)) {
        return Error(fmt::format(
            "{}: cell {} is stored with another result in an earlier input; the inputs are "
            "not shards of one run",
            input, key));
      }
    } else if (cell.status == CellStatus::kOk) {
      kept = std::move(cell);
    }
  }
  return Status::Ok();
}

Status write_merged(const std::string& path, const Gathered& g) {
  auto store = open_sqlite_store(path);
  if (!store) return store.error();
  if (auto s = (*store)->bind_run(g.run); !s) return s;
  for (const auto& [key, value] : g.meta) {
    if (auto s = (*store)->set_meta(key, value); !s) return s;
  }
  for (const SessionRecord& session : g.sessions) {
    if (auto index = (*store)->append_session(session); !index) return index.error();
  }
  for (const auto& [key, cell] : g.cells) {
    if (auto put = (*store)->put(cell); !put) return put.error();
  }
  return Status::Ok();
}

}  // namespace

Result<MergeSummary> merge_stores(const std::string& out, const std::vector<std::string>& inputs) {
  if (inputs.empty()) return Error("merge: no input stores");
  if (is_postgres_url(out)) {
    return Error(out + ": the merged store must be a SQLite file (a new path)");
  }
  std::error_code ec;
  if (std::filesystem::exists(out, ec)) {
    return Error(out + ": exists already; the merge writes a new store");
  }
  Gathered g;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (auto s = gather(inputs[i], i == 0, g); !s) return s.error();
  }
  int64_t planned_shards = 0;
  for (const auto& [index, planned] : g.planned_by_shard)
    planned_shards += planned;
  g.run.planned_cells = std::max(g.planned_whole, planned_shards);
  const std::string temporary = fmt::format("{}.merging-{}", out, ::getpid());
  auto remove_temporary = [&] {
    for (const char* suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(temporary + suffix, ec);
  };
  if (auto s = write_merged(temporary, g); !s) {
    remove_temporary();
    return s.error();
  }
  std::filesystem::rename(temporary, out, ec);
  if (ec) {
    remove_temporary();
    return Error(fmt::format("{}: cannot rename {} to it: {}", out, temporary, ec.message()));
  }
  MergeSummary summary;
  summary.cells = g.cells.size();
  summary.duplicates = g.duplicates;
  if (g.shard_count) {
    for (uint32_t i = 0; i < *g.shard_count; ++i) {
      if (g.planned_by_shard.count(i) == 0)
        summary.missing_shards.push_back(Shard{i, *g.shard_count}.str());
    }
  }
  return summary;
}

}  // namespace privqa
