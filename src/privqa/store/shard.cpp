#include "privqa/store/shard.h"

#include <fmt/format.h>
#include <xxhash.h>

#include <charconv>

namespace privqa {

bool Shard::contains(const CellKey& key) const {
  const std::string text = key.str();
  return XXH64(text.data(), text.size(), 0) % count == index;
}

std::string Shard::str() const {
  return fmt::format("{}/{}", index, count);
}

Result<Shard> parse_shard(std::string_view text) {
  const auto fail = [&](std::string_view why) {
    return Error(fmt::format("shard '{}': {} (give I/N with 0 <= I < N, e.g. 0/4)", text, why));
  };
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return fail("no '/'");
  auto number = [](std::string_view digits, uint32_t& out) {
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
    return !digits.empty() && ec == std::errc() && end == digits.data() + digits.size();
  };
  Shard shard;
  if (!number(text.substr(0, slash), shard.index)) return fail("I is not a whole number");
  if (!number(text.substr(slash + 1), shard.count)) return fail("N is not a whole number");
  if (shard.count == 0) return fail("N must be 1 or more");
  if (shard.index >= shard.count) return fail("I must be less than N");
  return shard;
}

Status bind_shard(ResultStore& store, const std::optional<Shard>& shard,
                  const std::string& location) {
  auto meta = store.meta();
  if (!meta) return meta.error();
  const auto it = meta->find(kShardMetaKey);
  const std::string held = it == meta->end() ? "" : it->second;
  const std::string wanted = shard ? shard->str() : "";
  if (held == wanted) return Status::Ok();
  auto sessions = store.sessions();
  if (!sessions) return sessions.error();
  if (held.empty() && sessions->empty()) return store.set_meta(kShardMetaKey, wanted);
  auto name = [](const std::string& s) { return s.empty() ? "the whole run" : "shard " + s; };
  return Error(fmt::format(
      "{}: this store holds {}, not {}; resume it as it was started ({}), or give this one a "
      "new output",
      location, name(held), name(wanted), held.empty() ? "without --shard" : "--shard " + held));
}

}  // namespace privqa
