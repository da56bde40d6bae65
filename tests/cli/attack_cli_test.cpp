// `privqa attack`: a small run of S3 against the simulator on the bundled
// sample (with its small embedding table), then the attacks on it; JSONL
// input from `privqa sanitize`; bad input; the same figures in `privqa
// report --offline-attacks`.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/cli_testing.h"
#include "testing.h"

namespace privqa {
namespace {

using nlohmann::json;
using testing::run_command;
using testing::write_text;

using cli_testing::kBinary;
using cli_testing::slurp;

class AttackCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    const auto data = testing::sample_engine_data();
    std::unique_ptr<testing::ChildProcess> sim;
    const std::string url = testing::start_sim_server(
        sim, kBinary,
        {"--dataset", data.questions.string(), "--seed", "5", "--time-scale", "0", "--profiles",
         (testing::fixtures_dir() / "sim" / "unlimited.toml").string()},
        *dir_ / "sim.out");
    ASSERT_FALSE(url.empty()) << slurp(*dir_ / "sim.out");
    std::string config = "[dataset]\npath = \"" + data.questions.string() +
                         "\"\nfirst = 20\n\n[experiment]\noutput = \"" +
                         (*dir_ / "run.db").string() + "\"\nembeddings = \"" +
                         data.embeddings.string() +
                         "\"\nseed = 3\nscenarios = [\"S3\"]\n"
                         "mechanisms = [\"santext+\", \"custext+\", \"tem\", \"inferdpt\"]\n"
                         "epsilons = [1.0, 8.0]\nlocal = \"local\"\nremote = \"remote\"\n";
    for (const char* name : {"local", "remote"}) {
      config += std::string("\n[providers.") + name +
                "]\nbase_url = \"${PRIVQA_SIM_URL}\"\nmodel = \"sim-" + name +
                "\"\nmax_in_flight = 64\ntimeout = 30\n";
    }
    write_text(*dir_ / "run.toml", config);
    const auto r = run_command("PRIVQA_SIM_URL=" + url + " " + kBinary + " run --quiet " +
                               (*dir_ / "run.toml").string());
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::filesystem::path store() { return *dir_ / "run.db"; }

  static inline testing::TempDir* dir_ = nullptr;
};

TEST_F(AttackCli, PrintsTheTableAndWritesCsvAndJson) {
  const auto out = *dir_ / "attack-out";
  const auto r = run_command(kBinary + " attack " + store().string() + " --out " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("recovery [95% CI]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("inferdpt"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no exact channel: inversion not computed"), std::string::npos) << r.out;

  const json j = json::parse(slurp(out / "attack.json"));
  ASSERT_EQ(j["groups"].size(), 8u);  // 4 mechanisms x 2 eps
  std::map<std::string, size_t> tokens;
  for (const auto& g : j["groups"]) {
    const std::string mechanism = g["mechanism"];
    EXPECT_EQ(g["texts"], 20) << mechanism;
    if (mechanism == "inferdpt") {
      EXPECT_FALSE(g["exact_channel"].get<bool>());
      continue;
    }
    ASSERT_TRUE(g["exact_channel"].get<bool>()) << mechanism;
    EXPECT_EQ(g["unaligned_texts"], 0) << mechanism;
    const auto& all = g["recovery"]["all"];
    ASSERT_GT(all["tokens"].get<size_t>(), 0u);
    const double rate = all["rate"];
    EXPECT_GE(rate, all["ci95"][0].get<double>());
    EXPECT_LE(rate, all["ci95"][1].get<double>());
    // The same originals at both eps: the same tokens under attack.
    auto [it, added] = tokens.emplace(mechanism, all["tokens"].get<size_t>());
    if (!added) {
      EXPECT_EQ(it->second, all["tokens"].get<size_t>()) << mechanism;
    }
    const auto& n_w = g["deniability"]["n_w"];
    EXPECT_LE(n_w["min"].get<double>(), n_w["median"].get<double>());
    EXPECT_LE(n_w["median"].get<double>(), n_w["max"].get<double>());
    EXPECT_LE(n_w["max"].get<double>(), 1.0);
    EXPECT_GE(g["deniability"]["s_w"]["min"].get<double>(), 1.0 - 1e-9);
  }
  EXPECT_EQ(tokens.size(), 3u);  // santext+, custext+ and tem have exact channels

  std::istringstream csv(slurp(out / "attack.csv"));
  std::string line;
  size_t rows = 0, columns = 0;
  while (std::getline(csv, line)) {
    const size_t fields = static_cast<size_t>(std::count(line.begin(), line.end(), ',')) + 1;
    if (rows++ == 0) columns = fields;
    EXPECT_EQ(fields, columns) << line;
  }
  EXPECT_EQ(rows, 9u);
}

// A CSV file as rows of named fields (no field of these files is quoted).
std::vector<std::map<std::string, std::string>> read_csv_rows(const std::filesystem::path& path) {
  std::istringstream in(slurp(path));
  std::vector<std::string> header;
  std::vector<std::map<std::string, std::string>> out;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> fields;
    std::istringstream cells(line);
    for (std::string field; std::getline(cells, field, ',');)
      fields.push_back(field);
    if (!line.empty() && line.back() == ',') fields.emplace_back();
    if (header.empty()) {
      header = fields;
      continue;
    }
    EXPECT_EQ(fields.size(), header.size()) << line;
    auto& row = out.emplace_back();
    for (size_t i = 0; i < std::min(fields.size(), header.size()); ++i)
      row[header[i]] = fields[i];
  }
  return out;
}

TEST_F(AttackCli, ReportShowsTheFiguresOfTheAttackCommand) {
  // Two independent paths over one store: `privqa attack` writes attack.csv;
  // `privqa report --offline-attacks` computes the attacks through the
  // attack module and renders them. Every figure of one must be the other's.
  const auto attack_out = *dir_ / "report-attack";
  const auto a =
      run_command(kBinary + " attack " + store().string() + " --out " + attack_out.string());
  ASSERT_EQ(a.exit_code, 0) << a.out << a.err;
  const auto report_out = *dir_ / "report-out";
  const auto r = run_command(kBinary + " report " + store().string() +
                             " --offline-attacks --format md,csv --out " + report_out.string());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  const auto attacked = read_csv_rows(attack_out / "attack.csv");
  const auto reported = read_csv_rows(report_out / "offline_attacks.csv");
  ASSERT_EQ(attacked.size(), 8u);
  ASSERT_EQ(reported.size(), attacked.size());
  for (size_t i = 0; i < attacked.size(); ++i) {
    const auto& want = attacked[i];
    const auto& got = reported[i];
    const std::string group = want.at("mechanism") + " eps " + want.at("eps");
    EXPECT_EQ(got.at("run"), "run");
    EXPECT_EQ(got.at("simulated"), "true");
    EXPECT_EQ(got.at("mechanism"), want.at("mechanism"));
    EXPECT_EQ(std::stod(got.at("eps")), std::stod(want.at("eps")));
    EXPECT_EQ(got.at("texts"), want.at("texts")) << group;
    EXPECT_EQ(got.at("exact_channel"), want.at("exact_channel")) << group;
    if (want.at("exact_channel") != "true") {
      EXPECT_EQ(got.at("all_rate"), "") << group;
      continue;
    }
    for (const char* c : {"all", "rare", "sensitive"}) {
      for (const char* count : {"tokens", "recovered"}) {
        const std::string field = std::string(c) + "_" + count;
        EXPECT_EQ(got.at(field), want.at(field)) << group << " " << field;
      }
      for (const char* value : {"rate", "ci_low", "ci_high"}) {
        const std::string field = std::string(c) + "_" + value;
        ASSERT_EQ(got.at(field).empty(), want.at(field).empty()) << group << " " << field;
        if (want.at(field).empty()) continue;
        EXPECT_DOUBLE_EQ(std::stod(got.at(field)), std::stod(want.at(field)))
            << group << " " << field;
      }
    }
    EXPECT_EQ(got.at("words"), want.at("words")) << group;
    for (const char* field : {"n_w_median", "s_w_median"}) {
      EXPECT_DOUBLE_EQ(std::stod(got.at(field)), std::stod(want.at(field)))
          << group << " " << field;
    }
  }

  // The section, and the frontier with inversion recovery as its privacy axis.
  const std::string md = slurp(report_out / "report.md");
  EXPECT_NE(md.find("## Offline attacks"), std::string::npos);
  EXPECT_NE(md.find("no exact channel"), std::string::npos);  // inferdpt
  const std::string svg = slurp(report_out / "frontier_inversion.svg");
  EXPECT_NE(svg.find("inversion: word tokens recovered by MAP"), std::string::npos);
  for (const char* mechanism : {"santext+", "custext+", "tem"})
    EXPECT_NE(svg.find(fmt::format(">{}</text>", mechanism)), std::string::npos) << mechanism;
  EXPECT_EQ(svg.find("inferdpt"), std::string::npos);  // no exact channel: no point
  EXPECT_TRUE(std::filesystem::exists(report_out / "frontier_eps.svg"));

  // Without the option the report has neither.
  const auto plain_out = *dir_ / "report-plain";
  const auto plain = run_command(kBinary + " report " + store().string() +
                                 " --format md,csv --out " + plain_out.string());
  ASSERT_EQ(plain.exit_code, 0) << plain.out << plain.err;
  EXPECT_FALSE(std::filesystem::exists(plain_out / "offline_attacks.csv"));
  EXPECT_FALSE(std::filesystem::exists(plain_out / "frontier_inversion.svg"));
}

TEST_F(AttackCli, ReadsTheJsonlOfSanitize) {
  const auto data = testing::sample_engine_data();
  const auto jsonl = *dir_ / "sanitized.jsonl";
  const auto s = run_command(kBinary + " sanitize --dataset " + data.questions.string() +
                             " --embeddings " + data.embeddings.string() +
                             " --mech santext,custext+ --eps 2 --seed 4 --out " + jsonl.string());
  ASSERT_EQ(s.exit_code, 0) << s.err;
  const auto out = *dir_ / "jsonl-out";
  const auto r = run_command(kBinary + " attack " + jsonl.string() + " --embeddings " +
                             data.embeddings.string() + " --out " + out.string());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const json j = json::parse(slurp(out / "attack.json"));
  ASSERT_EQ(j["groups"].size(), 2u);
  EXPECT_EQ(j["groups"][0]["mechanism"], "santext");
  EXPECT_EQ(j["groups"][0]["texts"], data.available);
}

TEST_F(AttackCli, BadInputExitsWithTwoAndSaysWhy) {
  const auto missing = run_command(kBinary + " attack " + (*dir_ / "nothing.db").string());
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("nothing.db"), std::string::npos) << missing.err;

  const auto draws = run_command(kBinary + " attack " + store().string() + " --draws 0");
  EXPECT_EQ(draws.exit_code, 2);
  EXPECT_NE(draws.err.find("--draws"), std::string::npos) << draws.err;

  const auto ratio =
      run_command(kBinary + " attack " + store().string() + " --sensitive-ratio 1.5");
  EXPECT_EQ(ratio.exit_code, 2);
  EXPECT_NE(ratio.err.find("--sensitive-ratio"), std::string::npos) << ratio.err;

  write_text(*dir_ / "bad.jsonl", "{\"id\": \"q1\", \"mechanism\": \"santext\"}\n");
  const auto bad = run_command(kBinary + " attack " + (*dir_ / "bad.jsonl").string());
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("bad.jsonl:1"), std::string::npos) << bad.err;

  const auto param = run_command(kBinary + " attack " + store().string() + " --param p=0.5");
  EXPECT_EQ(param.exit_code, 2);
  EXPECT_NE(param.err.find("JSONL input only"), std::string::npos) << param.err;
}

}  // namespace
}  // namespace privqa
