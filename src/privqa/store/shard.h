// Static sharding of a run's cells, for running one experiment as several
// independent processes without a shared database: `privqa run --shard I/N`
// runs the cells of shard I into a store of its own, and `privqa merge`
// (merge_stores.h) joins the N stores.
//
// A cell belongs to shard XXH64(CellKey::str(), seed 0) mod N. XXH64 is
// specified byte for byte, so the split is the same on every platform, in
// every process and in every version of privqa: shards started on different
// machines never overlap and together cover every cell.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "privqa/base/result.h"
#include "privqa/store/cell.h"
#include "privqa/store/result_store.h"

namespace privqa {

struct Shard {
  uint32_t index = 0;  // 0 .. count - 1
  uint32_t count = 1;

  bool contains(const CellKey& key) const;
  std::string str() const;  // "I/N", as parse_shard reads it
  bool operator==(const Shard&) const = default;
};

// Reads "I/N" (decimal, 0 <= I < N); anything else is an error saying what
// is wrong with it.
Result<Shard> parse_shard(std::string_view text);

// The meta key (ResultStore::set_meta) of the shard a store holds, "I/N";
// absent for a store of the whole run.
inline constexpr const char* kShardMetaKey = "shard";

// Records `shard` in a store that has run nothing yet (no session), and
// otherwise checks that the store holds that shard (nullopt: the whole
// run), so a store never mixes the cells of two splits. `location` names the
// store in the error.
Status bind_shard(ResultStore& store, const std::optional<Shard>& shard,
                  const std::string& location);

}  // namespace privqa
