#include "privqa/attack/run_inputs.h"

#include <fmt/format.h>

namespace privqa::attack {

std::vector<AttackGroup> groups_in_order(
    const std::vector<std::string>& names,
    std::map<std::pair<std::string, double>, AttackGroup>&& groups) {
  std::vector<AttackGroup> out;
  for (const auto& name : names) {
    for (auto& [key, group] : groups) {
      if (key.first == name) out.push_back(std::move(group));
    }
  }
  return out;
}

Result<AttackInputs> run_attack_inputs(const report::RunData& run) {
  const std::string& store = run.store;
  if (run.corpus.empty()) {
    return Error(
        fmt::format("{}: the run's question file could not be reloaded ({}); the "
                    "originals are needed",
                    store, run.dataset_problem));
  }
  AttackInputs in;
  in.embeddings = report::run_embeddings(run);
  std::map<std::string, size_t> position;
  for (size_t i = 0; i < run.corpus.size(); ++i) {
    in.corpus.push_back(run.corpus[i].text);
    position.emplace(run.corpus[i].id, i);
  }
  std::map<std::string, std::pair<std::string, std::map<std::string, std::string>>> mechanisms;
  std::vector<std::string> names;
  for (const auto& m : run.record.config.value("mechanisms", nlohmann::json::array())) {
    const std::string name = m.value("name", std::string());
    std::map<std::string, std::string> params;
    const nlohmann::json given = m.value("params", nlohmann::json::object());
    for (const auto& [key, value] : given.items())
      params[key] = value.is_string() ? value.get<std::string>() : value.dump();
    mechanisms[name] = {m.value("kind", name), std::move(params)};
    names.push_back(name);
  }
  std::map<std::pair<std::string, double>, AttackGroup> groups;
  Status read = report::for_each_whole_cell(run, [&](const CellResult& c) -> Status {
    if (c.key.scenario != Scenario::kPrivateCot || c.status != CellStatus::kOk) return Status::Ok();
    const auto m = mechanisms.find(c.key.mechanism);
    const auto q = position.find(c.key.question_id);
    if (m == mechanisms.end() || q == position.end()) {
      return Error(fmt::format("{}: cell {} names a mechanism or question the run does not have",
                               store, c.key.str()));
    }
    AttackGroup& g = groups[{c.key.mechanism, c.key.eps}];
    g.mechanism = c.key.mechanism;
    g.kind = m->second.first;
    g.params = m->second.second;
    g.eps = c.key.eps;
    g.texts.push_back({in.corpus[q->second], c.sanitized, q->second});
    return Status::Ok();
  });
  if (!read) return read.error();
  if (groups.empty())
    return Error(store + ": the run has no completed S3 cells: nothing to attack");
  in.groups = groups_in_order(names, std::move(groups));
  return in;
}

}  // namespace privqa::attack
