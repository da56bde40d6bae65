#include "privqa/store/cell.h"

#include <fmt/format.h>

namespace privqa {

const char* scenario_id(Scenario s) {
  switch (s) {
    case Scenario::kLocal:
      return "S1";
    case Scenario::kRemoteCot:
      return "S2";
    case Scenario::kPrivateCot:
      return "S3";
    case Scenario::kRemote:
      return "S4";
    case Scenario::kLocalSelfCot:
      return "S5";
    case Scenario::kReconstruct:
      return "A1";
    case Scenario::kReconstructAnswer:
      return "A2";
  }
  return "?";
}

const char* scenario_name(Scenario s) {
  switch (s) {
    case Scenario::kLocal:
      return "local";
    case Scenario::kRemoteCot:
      return "remote_cot";
    case Scenario::kPrivateCot:
      return "private_cot";
    case Scenario::kRemote:
      return "remote";
    case Scenario::kLocalSelfCot:
      return "local_cot";
    case Scenario::kReconstruct:
      return "reconstruct";
    case Scenario::kReconstructAnswer:
      return "reconstruct_answer";
  }
  return "?";
}

bool parse_scenario(const std::string& text, Scenario& out) {
  for (auto s : {Scenario::kLocal, Scenario::kRemoteCot, Scenario::kPrivateCot, Scenario::kRemote,
                 Scenario::kLocalSelfCot, Scenario::kReconstruct, Scenario::kReconstructAnswer}) {
    if (text == scenario_id(s) || text == scenario_name(s)) {
      out = s;
      return true;
    }
  }
  return false;
}

std::string CellKey::str() const {
  // {:g} prints 1, 2.5, 0.1: the shortest form that reads back the same eps
  // for the grid values people use.
  return fmt::format("{}|{}|{}|{:g}|{}", question_id, scenario_id(scenario), mechanism, eps,
                     repeat);
}

}  // namespace privqa
