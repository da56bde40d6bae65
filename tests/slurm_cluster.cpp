#include "slurm_cluster.h"

#include <fmt/format.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

namespace privqa::testing {

namespace {

constexpr const char* kMunged = "/usr/sbin/munged";
constexpr const char* kSlurmctld = "/usr/sbin/slurmctld";
constexpr const char* kSlurmd = "/usr/sbin/slurmd";

std::string short_hostname() {
  const std::string out = run_command("hostname -s").out;
  return out.substr(0, out.find('\n'));
}

std::string slurp_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// Whether process `pid` still runs (a zombie, ended but not reaped, does not).
bool running(int pid) {
  const std::string stat = slurp_file(fmt::format("/proc/{}/stat", pid));
  const size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

std::string user_name() {
  const passwd* pw = ::getpwuid(::geteuid());
  return pw != nullptr ? pw->pw_name : "";
}

// The cluster's slurm.conf: one node of 8 CPUs whatever the machine has
// (config_overrides; the tests' jobs mostly wait for the simulator),
// everything kept in `dir`.
std::string slurm_conf(const std::string& dir, const std::string& host, const std::string& user,
                       int controller_port, int node_port) {
  return fmt::format(
      "ClusterName=privqa-test\nSlurmctldHost={host}(127.0.0.1)\nSlurmUser={user}\n"
      "SlurmdUser={user}\nSlurmctldPort={ctl}\nSlurmdPort={node}\n"
      "AuthType=auth/munge\nAuthInfo=socket={dir}/munge.socket\nCredType=cred/munge\n"
      "StateSaveLocation={dir}/state\nSlurmdSpoolDir={dir}/spool\n"
      "SlurmctldPidFile={dir}/slurmctld.pid\nSlurmdPidFile={dir}/slurmd.pid\n"
      "SlurmctldLogFile={dir}/slurmctld.log\nSlurmdLogFile={dir}/slurmd.log\n"
      "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n"
      "SelectType=select/cons_tres\nSelectTypeParameters=CR_Core\n"
      "SlurmdParameters=config_overrides\nMpiDefault=none\nSwitchType=switch/none\n"
      "JobCompType=jobcomp/none\nAccountingStorageType=accounting_storage/none\n"
      "ReturnToService=2\nMinJobAge=600\n"
      "NodeName={host} NodeAddr=127.0.0.1 CPUs=8 RealMemory=1000 State=UNKNOWN\n"
      "PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP\n",
      fmt::arg("host", host), fmt::arg("user", user), fmt::arg("ctl", controller_port),
      fmt::arg("node", node_port), fmt::arg("dir", dir));
}

}  // namespace

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

std::unique_ptr<SlurmCluster> SlurmCluster::start(std::string& why_not) {
  for (const char* program : {kMunged, kSlurmctld, kSlurmd}) {
    if (!std::filesystem::exists(program)) {
      why_not = fmt::format("{} not found (install Debian's munge and slurm-wlm)", program);
      return nullptr;
    }
  }
  for (const char* program : {"sbatch", "scontrol"}) {
    if (run_command(fmt::format("command -v {}", program)).exit_code != 0) {
      why_not = fmt::format("{} not found on PATH (install Debian's slurm-wlm)", program);
      return nullptr;
    }
  }
  std::unique_ptr<SlurmCluster> cluster(new SlurmCluster);
  why_not = cluster->start_daemons();
  if (!why_not.empty()) return nullptr;  // the destructor stopped what started
  return cluster;
}

std::string SlurmCluster::start_daemons() {
  std::string dir =
      (std::filesystem::temp_directory_path() / fmt::format("privqa-slurm-{}-XXXXXX", ::getpid()))
          .string();
  if (::mkdtemp(dir.data()) == nullptr) return "cannot create a folder for the cluster";
  dir_ = dir;
  for (const char* sub : {"state", "spool"})
    std::filesystem::create_directories(dir_ + "/" + sub);
  // munged refuses a key others may read.
  const CommandResult key = run_command(fmt::format(
      "dd if=/dev/urandom of={0}/munge.key bs=1024 count=1 2>/dev/null && chmod 0400 {0}/munge.key",
      dir_));
  if (key.exit_code != 0) return "cannot make a munge key: " + key.err;
  const CommandResult munged = run_command(fmt::format(
      "{0} -f --key-file={1}/munge.key --socket={1}/munge.socket --pid-file={1}/munged.pid "
      "--log-file={1}/munged.log --seed-file={1}/munged.seed",
      kMunged, dir_));
  if (munged.exit_code != 0) return "munged did not start: " + munged.out + munged.err + logs();
  munged_ = true;

  const std::string host = short_hostname();
  if (host.empty()) return "hostname -s names no host";
  const std::string conf = dir_ + "/slurm.conf";
  write_text(conf, slurm_conf(dir_, host, user_name(), free_loopback_port(), free_loopback_port()));
  ::setenv("SLURM_CONF", conf.c_str(), 1);
  slurmctld_ = std::make_unique<ChildProcess>(std::vector<std::string>{kSlurmctld, "-D", "-i"},
                                              dir_ + "/slurmctld.out");
  slurmd_ =
      std::make_unique<ChildProcess>(std::vector<std::string>{kSlurmd, "-D"}, dir_ + "/slurmd.out");
  // The node registers within seconds; a daemon that exits early fails fast.
  for (int i = 0; i < 300; ++i) {
    const CommandResult node = run_command("scontrol show node " + host + " 2>&1");
    if (node.out.find("State=IDLE") != std::string::npos) return "";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return fmt::format(
      "node {} did not become idle in 30 s{}\n{}", host,
      ::geteuid() == 0 ? "" : " (not root: slurmd runs jobs only as root or its own user)", logs());
}

std::string SlurmCluster::wait_for(const std::string& id, int timeout_seconds) {
  static const std::regex kState("JobState=(\\S+)");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string shown = run_command("scontrol -o show job " + id).out;
    std::string states;
    bool ended = !shown.empty();
    for (auto it = std::sregex_iterator(shown.begin(), shown.end(), kState);
         it != std::sregex_iterator(); ++it) {
      const std::string state = (*it)[1];
      ended = ended && state != "PENDING" && state != "RUNNING" && state != "CONFIGURING" &&
              state != "COMPLETING";
      states += (states.empty() ? "" : " ") + state;
    }
    if (ended && !states.empty()) return states;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return "TIMEOUT waiting";
}

std::string SlurmCluster::logs() const {
  std::string out;
  for (const char* log :
       {"munged.log", "slurmctld.log", "slurmd.log", "slurmctld.out", "slurmd.out"}) {
    const CommandResult tail = run_command(fmt::format("tail -n 20 {}/{} 2>/dev/null", dir_, log));
    if (!tail.out.empty()) out += fmt::format("--- {}\n{}", log, tail.out);
  }
  return out;
}

void SlurmCluster::stop() {
  if (slurmctld_ || slurmd_) {
    (void)run_command("scontrol shutdown >/dev/null 2>&1");
    // Both daemons end within seconds of the shutdown; then the
    // ChildProcess destructors kill whichever did not.
    for (int i = 0; i < 100 && (running(slurmctld_->pid()) || running(slurmd_->pid())); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    slurmd_.reset();
    slurmctld_.reset();
  }
  if (munged_) {
    // munged removes its files as it exits: wait for it before removing the folder.
    const int pid = std::atoi(slurp_file(dir_ + "/munged.pid").c_str());
    if (pid > 0) ::kill(pid, SIGTERM);
    for (int i = 0; i < 100 && pid > 0 && running(pid); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    munged_ = false;
  }
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

SlurmCluster::~SlurmCluster() {
  stop();
}

}  // namespace privqa::testing
