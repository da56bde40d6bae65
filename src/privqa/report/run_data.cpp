#include "privqa/report/run_data.h"

#include <fmt/format.h>

#include <unordered_set>

#include "privqa/base/paths.h"
#include "privqa/data/dataset.h"
#include "privqa/store/open_store.h"

namespace privqa::report {

namespace {

using nlohmann::json;

// The load options recorded in the run's identity, so the file is read
// exactly as the run read it.
Result<LoadOptions> recorded_load_options(const json& dataset) {
  LoadOptions options;
  auto format = parse_dataset_format(dataset.value("format", std::string("auto")));
  if (!format) return format.error();
  options.format = *format;
  const int base = dataset.value("answer_base", -1);
  if (base >= 0) options.answer_base = base;
  if (const std::string map = dataset.value("map", std::string()); !map.empty()) {
    auto mapping = parse_field_mapping(map);
    if (!mapping) return mapping.error();
    options.mapping = *mapping;
  }
  options.strict = !dataset.value("skip_bad_records", false);
  return options;
}

// `recorded_hash`: the file's content hash as the run read it ("" for a run
// from before hashes were recorded).
void reload_dataset(RunData& run, const std::string& recorded_hash,
                    const std::optional<LoadOptions>& given) {
  const json dataset = run.record.config.value("dataset", json::object());
  const std::string path = dataset.value("path", std::string());
  if (path.empty()) {
    run.dataset_problem = "the run records no dataset path";
    return;
  }
  auto options = given ? Result<LoadOptions>(*given) : recorded_load_options(dataset);
  if (!options) {
    run.dataset_problem = options.error().message();
    return;
  }
  auto loaded = load_dataset(path, *options);
  if (!loaded) {
    run.dataset_problem = loaded.error().message();
    return;
  }
  if (!recorded_hash.empty() && loaded->content_hash != recorded_hash) {
    run.dataset_problem = fmt::format(
        "the question file {} has changed since the run read it (content hash {} then, {} now)",
        path, recorded_hash, loaded->content_hash);
    return;
  }
  run.corpus = std::move(loaded->questions);
}

}  // namespace

std::string recorded_model(const RunRecord& record, const std::string& role) {
  const json models = record.config.value("models", json::object());
  return models.value(role, json::object()).value("model", std::string());
}

std::filesystem::path run_embeddings(const RunData& run, const std::filesystem::path& given) {
  if (!given.empty()) return given;
  const std::string recorded = run.record.config.value("embeddings", std::string());
  return recorded.empty() ? default_embeddings_path() : std::filesystem::path(recorded);
}

std::set<std::string> non_dp_mechanisms(const RunRecord& record) {
  std::set<std::string> out;
  for (const json& m : record.config.value("mechanisms", json::array())) {
    const std::string name = m.value("name", std::string());
    if (m.value("kind", name) == "phrasedp") out.insert(name);
  }
  return out;
}

CellBudget cell_budget(const CellResult& c, const std::set<std::string>& non_dp) {
  CellBudget out;
  out.dp = non_dp.count(c.key.mechanism) == 0;
  if (!out.dp || c.key.scenario != Scenario::kPrivateCot) return out;
  const json details = json::parse(c.details, nullptr, /*allow_exceptions=*/false);
  if (!details.is_object()) return out;
  const json m = details.value("mechanism", json::object());
  if (!m.is_object() || !m.contains("eps_spent") || !m["eps_spent"].is_number()) return out;
  out.eps_spent = m["eps_spent"].get<double>();
  if (m.contains("sampled") && m["sampled"].is_number_integer() &&
      m["sampled"].get<int64_t>() >= 0) {
    out.sampled = static_cast<size_t>(m["sampled"].get<int64_t>());
  }
  out.nominal = m.value("logits_clipped", true) == false;
  if (m.contains("eps_per_token") && m["eps_per_token"].is_number()) {
    out.eps_per_token = m["eps_per_token"].get<double>();
  }
  return out;
}

Result<RunData> load_run(const std::string& location, const std::optional<LoadOptions>& dataset,
                         CellTexts texts) {
  auto opened = open_store(location, true);
  if (!opened) return opened.error();
  std::shared_ptr<ResultStore> store = std::move(*opened);
  auto record = store->run();
  if (!record) return record.error();
  if (!*record) return Error(location + ": no run recorded in this store");

  RunData run;
  run.store = location;
  run.label = store_label(location);
  run.record = std::move(**record);
  run.texts = texts;
  const bool held = texts == CellTexts::kHeld;
  std::vector<std::string> attacked;  // questions with attack cells, to read whole
  auto cells =
      store->cells(held ? ResultStore::CellFields::kAll : ResultStore::CellFields::kOutcomes);
  if (!cells) return cells.error();
  // The experiment's cells stay, in order; the attacks' go apart.
  size_t kept = 0;
  for (CellResult& c : *cells) {
    if (!is_attack(c.key.scenario)) {
      if (&c != &(*cells)[kept]) (*cells)[kept] = std::move(c);  // never a move onto itself
      ++kept;
    } else if (held) {
      run.attack_cells.push_back(std::move(c));
    } else if (attacked.empty() || attacked.back() != c.key.question_id) {
      attacked.push_back(c.key.question_id);  // key order: a question's cells are together
    }
  }
  cells->resize(kept);
  run.cells = std::move(*cells);
  if (!attacked.empty()) {
    Status whole = store->for_each_cell_of(attacked, [&](CellResult& c) {
      if (is_attack(c.key.scenario)) run.attack_cells.push_back(std::move(c));
      return Status::Ok();
    });
    if (!whole) return whole.error();
  }
  auto sessions = store->sessions();
  if (!sessions) return sessions.error();
  auto meta = store->meta();
  if (!meta) return meta.error();
  run.sessions = std::move(*sessions);
  if (const auto it = meta->find("simulated"); it != meta->end()) {
    run.simulated = it->second == "true";
  }
  if (!held) run.source = std::move(store);
  const auto hash = meta->find(ResultStore::kDatasetHashKey);
  reload_dataset(run, hash == meta->end() ? std::string() : hash->second, dataset);
  return run;
}

Status for_each_whole_cell(const RunData& run, const WholeCellVisitor& visit) {
  if (run.texts == CellTexts::kHeld) {
    for (const CellResult& c : run.cells) {
      if (Status s = visit(c); !s) return s;
    }
    return Status::Ok();
  }
  return run.source->for_each_cell(
      [&](CellResult& c) { return is_attack(c.key.scenario) ? Status::Ok() : visit(c); });
}

Status for_each_whole_cell_of(const RunData& run, const std::vector<std::string>& ids,
                              const WholeCellVisitor& visit) {
  if (run.texts == CellTexts::kHeld) {
    const std::unordered_set<std::string> wanted(ids.begin(), ids.end());
    for (const CellResult& c : run.cells) {
      if (wanted.count(c.key.question_id) == 0) continue;
      if (Status s = visit(c); !s) return s;
    }
    return Status::Ok();
  }
  return run.source->for_each_cell_of(
      ids, [&](CellResult& c) { return is_attack(c.key.scenario) ? Status::Ok() : visit(c); });
}

}  // namespace privqa::report
