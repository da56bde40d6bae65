// A throw-away single-node Slurm cluster for tests: Debian's munge and
// slurm-wlm (munged, slurmctld, slurmd) with every file in a temp folder,
// the daemons on free loopback ports, the node named by this machine's
// short hostname. Sets SLURM_CONF in this process's environment, so sbatch,
// scontrol and everything they start use the cluster. The destructor stops
// it (scontrol shutdown, then munged) however the test ended.
//
// The daemons run as the test's user (SlurmUser and SlurmdUser): as root,
// as CI runs, or as another user, whose own jobs are all a test submits.
// Tests that need it skip, saying why, when it cannot start, and fail
// instead when CI=true: PRIVQA_REQUIRE_SLURM.
#pragma once

#include <memory>
#include <string>

#include "testing.h"

namespace privqa::testing {

// Whether the environment says CI=true.
bool in_ci();

class SlurmCluster {
 public:
  // A running cluster whose node is idle; nullptr with the reason in
  // `why_not` when none can run here.
  static std::unique_ptr<SlurmCluster> start(std::string& why_not);
  ~SlurmCluster();
  SlurmCluster(const SlurmCluster&) = delete;
  SlurmCluster& operator=(const SlurmCluster&) = delete;

  // Waits up to `timeout_seconds` for job `id` (of an array: every task) to
  // end; returns its state as scontrol shows it ("COMPLETED", "FAILED",
  // "CANCELLED", ...; one per array task, space-separated), or "TIMEOUT
  // waiting" when it has not ended.
  std::string wait_for(const std::string& id, int timeout_seconds);

  // The daemons' logs, for messages of failed tests.
  std::string logs() const;

 private:
  SlurmCluster() = default;
  std::string start_daemons();  // "" when the node is idle, else why not
  void stop();

  std::string dir_;
  std::unique_ptr<ChildProcess> slurmctld_;
  std::unique_ptr<ChildProcess> slurmd_;
  bool munged_ = false;
};

}  // namespace privqa::testing

// Skips the test, saying why, when no Slurm cluster can run here, and fails
// it when the environment says CI=true: CI must run the Slurm tests.
// Otherwise `var` is a std::unique_ptr<SlurmCluster>.
// NOLINTBEGIN(bugprone-macro-parentheses): `var` names the variable declared.
#define PRIVQA_REQUIRE_SLURM(var)                                          \
  std::string var##_why_not;                                               \
  const auto var = ::privqa::testing::SlurmCluster::start(var##_why_not);  \
  if (!(var)) {                                                            \
    if (::privqa::testing::in_ci()) {                                      \
      FAIL() << "CI=true and no Slurm cluster can run: " << var##_why_not; \
    }                                                                      \
    GTEST_SKIP() << "no Slurm cluster for this test: " << var##_why_not;   \
  }
// NOLINTEND(bugprone-macro-parentheses)
