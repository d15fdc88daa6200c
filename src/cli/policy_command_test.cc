// Drives the real `privet` binary: exit codes and output of `policy check|render|diff`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "nlohmann/json.hpp"

namespace privet {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// What the command prints: standard output and error together, or standard output alone (a
// document that warnings on standard error must not spoil).
enum class Output { kBoth, kStdoutOnly };
RunResult RunPrivet(const std::string& args, Output output = Output::kBoth) {
  const std::string command = std::string(PRIVET_BINARY) + " " + args +
                              (output == Output::kBoth ? " 2>&1" : " 2>/dev/null");
  RunResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) result.output.append(buf.data(), n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string Policy(const std::string& name) {
  return std::string(PRIVET_SOURCE_DIR) + "/policies/" + name + ".yaml";
}

std::string WriteTemp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("privet_cli_test_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(path) << text;
  return path.string();
}

TEST(PolicyCli, CheckAcceptsEveryShippedPolicy) {
  for (const char* name :
       {"starter", "confitrek", "connact", "confect", "connectrex", "customertrackr"}) {
    RunResult r = RunPrivet("policy check " + Policy(name));
    EXPECT_EQ(r.exit_code, 0) << name << "\n" << r.output;
    EXPECT_THAT(r.output, HasSubstr(": ok (")) << name;
  }
}

TEST(PolicyCli, CheckRejectsInvalidPolicyWithLocatedErrors) {
  std::ifstream in(Policy("starter"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  text += "\nunknwon_key: 1\n";
  const std::string path = WriteTemp("invalid.yaml", text);
  RunResult r = RunPrivet("policy check " + path);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr(path + ":"));
  EXPECT_THAT(r.output, HasSubstr("error: unknown key 'unknwon_key'"));
  EXPECT_THAT(r.output, HasSubstr("invalid"));
}

TEST(PolicyCli, UsageErrorsExitTwo) {
  EXPECT_EQ(RunPrivet("policy check").exit_code, 2);
  EXPECT_EQ(RunPrivet("policy frobnicate x").exit_code, 2);
  EXPECT_EQ(RunPrivet("policy render " + Policy("starter") + " --format pdf").exit_code, 2);
  EXPECT_EQ(RunPrivet("").exit_code, 2);
}

TEST(PolicyCli, MissingFileIsInvalidNotACrash) {
  RunResult r = RunPrivet("policy check /nonexistent.yaml");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("cannot read the file"));
}

TEST(PolicyCli, RenderMarkdownHtmlAndRopa) {
  RunResult md = RunPrivet("policy render " + Policy("connact") + " --format md");
  ASSERT_EQ(md.exit_code, 0) << md.output;
  EXPECT_THAT(md.output, HasSubstr("CONNACT"));
  EXPECT_THAT(md.output, HasSubstr("2023-11-01"));

  RunResult html = RunPrivet("policy render " + Policy("connact") + " --format html");
  ASSERT_EQ(html.exit_code, 0) << html.output;
  EXPECT_THAT(html.output, HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(html.output, Not(HasSubstr("<script")));

  RunResult ropa =
      RunPrivet("policy render " + Policy("confect") + " --format ropa", Output::kStdoutOnly);
  ASSERT_EQ(ropa.exit_code, 0) << ropa.output;
  nlohmann::json record = nlohmann::json::parse(ropa.output, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(record.is_discarded()) << ropa.output.substr(0, 200);
  EXPECT_TRUE(record.contains("processing_activities"));
}

TEST(PolicyCli, DiffMarksMaterialChanges) {
  std::ifstream in(Policy("starter"));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string before = WriteTemp("before.yaml", text);
  // A new purpose is a material change.
  const size_t at = text.find("\npurposes:\n");
  ASSERT_NE(at, std::string::npos);
  text.insert(at + 11, "  - id: research\n    basis: consent\n    categories: [user]\n");
  const std::string after = WriteTemp("after.yaml", text);
  RunResult r = RunPrivet("policy diff " + before + " " + after);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("MATERIAL"));
  EXPECT_THAT(r.output, HasSubstr("research"));
  RunResult same = RunPrivet("policy diff " + before + " " + before);
  EXPECT_EQ(same.exit_code, 0);
  EXPECT_THAT(same.output, Not(HasSubstr("MATERIAL")));
}

}  // namespace
}  // namespace privet
