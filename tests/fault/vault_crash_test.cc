// Crash safety: a writer process is killed with SIGKILL at random moments, many times over.
// Every write it acknowledged must be present afterwards, and no subject may be half-written.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "privet/audit.h"
#include "privet/vault.h"
#include "testing/policy_fixture.h"
#include "testing/temp_dir.h"

namespace privet {
namespace {

constexpr uint64_t kCrashOrganization = 424242;  // every subject of the test, so we can list them
constexpr int kFieldsPerWrite = 10;

// Letters only: a subject id spelled in digits can pass for a payment card number (CX02).
std::string ValueFor(uint64_t subject, int i) {
  std::string letters;
  for (; subject > 0; subject /= 26) letters += static_cast<char>('a' + subject % 26);
  return "v" + std::to_string(i) + "." + letters + "@example.com";
}

// The writer: creates subjects and writes kFieldsPerWrite fields to each in one write, telling
// the parent (one line per write on `ack_fd`) only after the vault acknowledged it. Never returns.
[[noreturn]] void RunWriter(const std::string& dir, std::shared_ptr<const CompiledPolicy> policy,
                            int ack_fd) {
  SystemClock clock;
  auto vault = Vault::Open({.data_dir = dir, .policy = std::move(policy), .clock = &clock});
  if (!vault.ok()) _exit(3);
  for (;;) {
    auto id = (*vault)->CreateSubject(
        {.kind = "customer", .age_years = 30, .organization_id = kCrashOrganization});
    if (!id.ok()) _exit(4);
    WriteRequest w{.subject_id = *id, .purposes = {"service"}};
    for (int i = 0; i < kFieldsPerWrite; ++i)
      w.fields.push_back(
          {.category = i % 2 ? "user.name" : "user.contact.email", .value = ValueFor(*id, i)});
    if (Status s = (*vault)->Write(w).status(); !s.ok()) {
      std::fprintf(stderr, "writer: %s\n", s.ToString().c_str());
      _exit(5);
    }
    const std::string line = std::to_string(*id) + "\n";
    if (::write(ack_fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(6);
  }
}

TEST(VaultCrash, AcknowledgedWritesSurviveSigkillAndNothingIsHalfWritten) {
  auto policy = testing::CompileFile("policies/starter.yaml");
  ASSERT_NE(policy, nullptr);
  testing::TempDir dir;
  std::mt19937 rng(20261122);
  std::set<uint64_t> acknowledged;
  constexpr int kRounds = 25;
  for (int round = 0; round < kRounds; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(fds[0]);
      RunWriter(dir.path(), policy, fds[1]);
    }
    ::close(fds[1]);
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(5, 120)(rng)));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "writer exited early with " << WEXITSTATUS(status);
    std::string acks;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) acks.append(buf, static_cast<size_t>(n));
    ::close(fds[0]);
    size_t start = 0;
    for (size_t nl; (nl = acks.find('\n', start)) != std::string::npos; start = nl + 1)
      acknowledged.insert(std::stoull(acks.substr(start, nl - start)));
  }

  ManualClock clock(CivilDayToTime({2024, 1, 1}));
  auto vault = Vault::Open({.data_dir = dir.path(), .policy = policy, .clock = &clock});
  ASSERT_TRUE(vault.ok()) << vault.status().ToString();
  auto subjects = (*vault)->OrganizationMembers(kCrashOrganization);
  ASSERT_TRUE(subjects.ok());
  std::set<uint64_t> present(subjects->begin(), subjects->end());
  EXPECT_GT(acknowledged.size(), 0u);
  for (uint64_t id : acknowledged) {
    ASSERT_TRUE(present.count(id)) << "acknowledged subject lost";
  }
  for (uint64_t id : present) {
    auto read = (*vault)->Read(Principal::Service(), id, "service");
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    ASSERT_TRUE(read->fields.empty() || read->fields.size() == kFieldsPerWrite)
        << "subject half-written: " << read->fields.size() << " fields";
    if (acknowledged.count(id)) {
      ASSERT_EQ(read->fields.size(), static_cast<size_t>(kFieldsPerWrite));
      std::set<std::string> values, expected;
      for (const auto& f : read->fields) values.insert(f.value);
      for (int i = 0; i < kFieldsPerWrite; ++i) expected.insert(ValueFor(id, i));
      EXPECT_EQ(values, expected);
    }
  }
  // The audit log survived too: every acknowledged write has its entries (creation + write),
  // and the log verifies, including a tree head signed after the restart.
  EXPECT_GE((*vault)->AuditSize(), 2 * acknowledged.size());
  ASSERT_TRUE((*vault)->SignTreeHead().ok());
  auto report = VerifyAuditLog({.data_dir = dir.path()}, std::nullopt);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->ok()) << report->problems.front();
  std::printf("crash test: %d kills, %zu acknowledged writes, %zu subjects present\n", kRounds,
              acknowledged.size(), present.size());
}

}  // namespace
}  // namespace privet
