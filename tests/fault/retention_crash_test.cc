// Crash safety of retention sweeps: a sweep process is killed with SIGKILL mid-way, several
// times over, and restarted; the last sweep runs to completion. Afterwards exactly the expired
// fields are gone (with the blind-index entries of deleted identifiers), every field that was
// not due is still there with its value, the anonymized fields were counted in the aggregates
// exactly once (no batch counted twice across the crashes), and the audit log verifies.
//
// The policy is connact's: `request_logs` anonymizes user.device and user.behavior 90 days after
// collection; `accounts` deletes a user's name, email and account 12 months after the contract
// ended (a lifecycle event).
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
#include <utility>
#include <vector>

#include "privet/audit.h"
#include "privet/clock.h"
#include "privet/retention.h"
#include "privet/vault.h"
#include "testing/policy_fixture.h"
#include "testing/temp_dir.h"

namespace privet {
namespace {

constexpr int kOldSubjects = 2000;   // imported on kCollectedOld: their request logs expire
constexpr int kFreshSubjects = 500;  // imported on kCollectedFresh: nothing of theirs is due
constexpr int kContractEnded = 200;  // old subjects whose contract ended over 12 months ago
constexpr int kLaterWrites = 200;    // old subjects with one more request-log field, fresh
constexpr size_t kBatchSize = 50;    // fields per sweep transaction: many commits to kill
constexpr int kKillRounds = 16;

const CivilDay kContractEnd{2023, 1, 16};     // + 12 months = 2024-01-16, before the sweep
const CivilDay kCollectedOld{2024, 1, 2};     // + 90 days = 2024-04-01, before the sweep
const CivilDay kCollectedFresh{2024, 3, 20};  // + 90 days = 2024-06-18, after the sweep
const CivilDay kSweepDay{2024, 4, 20};

// Letters only: digits could pass for a payment card number (CX02).
std::string Letters(uint64_t n) {
  std::string out;
  do {
    out += static_cast<char>('a' + n % 26);
    n /= 26;
  } while (n > 0);
  return out;
}

struct Expected {
  std::map<std::string, std::string> kept;  // category → value, present after the sweeps
  std::map<std::string, std::string> gone;  // category → value, due and removed
  std::string email;
  bool email_kept = true;
};

// The request-log fields of subject `i` (categories under user.device and user.behavior).
std::vector<FieldInput> RequestLog(int i, const char* tag) {
  return {
      {.category = "user.device.ip_address", .value = std::string("ip-") + tag + Letters(i)},
      {.category = "user.device.browser", .value = std::string("browser-") + tag + Letters(i)},
      {.category = "user.behavior.browsing", .value = std::string("pages-") + tag + Letters(i)}};
}

ImportedSubject Account(int i, const char* tag) {
  ImportedSubject s{.subject = {.kind = "user", .age_years = 30, .jurisdiction = "EU"},
                    .write = {.purposes = {"service", "abuse_detection"}}};
  s.write.fields = {
      {.category = "user.name", .value = std::string("Name ") + tag + Letters(i)},
      {.category = "user.contact.email", .value = std::string(tag) + Letters(i) + "@example.com"}};
  for (FieldInput& f : RequestLog(i, tag)) s.write.fields.push_back(std::move(f));
  return s;
}

// The sweeper: one retention sweep, telling the parent (a line on `progress_fd`) after each
// committed batch, then "finished". Never returns.
[[noreturn]] void RunSweeper(const std::string& dir, std::shared_ptr<const CompiledPolicy> policy,
                             int progress_fd) {
  ManualClock clock(CivilDayToTime(kSweepDay));
  auto vault = Vault::Open({.data_dir = dir, .policy = std::move(policy), .clock = &clock});
  if (!vault.ok()) {
    std::fprintf(stderr, "sweeper: %s\n", vault.status().ToString().c_str());
    _exit(3);
  }
  auto tell = [&](const std::string& line) {
    if (::write(progress_fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
      _exit(6);
  };
  SweepOptions options{.batch_size = kBatchSize};
  options.progress = [&](uint64_t done, uint64_t total) {
    tell("batch " + std::to_string(done) + " " + std::to_string(total) + "\n");
  };
  auto report = RunRetention(**vault, options);
  if (!report.ok()) {
    std::fprintf(stderr, "sweeper: %s\n", report.status().ToString().c_str());
    _exit(4);
  }
  vault->reset();
  tell("finished " + std::to_string(report->fields_deleted) + "\n");
  _exit(0);
}

TEST(RetentionCrash, KilledSweepsLeaveExactlyTheExpiredDataGoneAndCountedOnce) {
  auto policy = testing::CompileFile("policies/connact.yaml");
  ASSERT_NE(policy, nullptr);
  testing::TempDir dir;
  std::map<uint64_t, Expected> expected;
  uint64_t anonymized = 0;  // request-log fields due: each must be counted once in the aggregates
  uint64_t due = 0;

  // --- Set-up: old and fresh subjects, a few contract ends, some later request logs. ---------
  {
    ManualClock clock(CivilDayToTime(kCollectedOld) + std::chrono::hours(9));
    auto vault = Vault::Open({.data_dir = dir.path(), .policy = policy, .clock = &clock});
    ASSERT_TRUE(vault.ok()) << vault.status().ToString();
    std::vector<ImportedSubject> old;
    for (int i = 0; i < kOldSubjects; ++i) old.push_back(Account(i, "o"));
    auto old_ids = (*vault)->Import(old);
    ASSERT_TRUE(old_ids.ok()) << old_ids.status().ToString();
    for (int i = 0; i < kOldSubjects; ++i) {
      Expected& e = expected[(*old_ids)[i]];
      for (const FieldInput& f : old[i].write.fields) {
        const bool request_log =
            f.category.rfind("user.device", 0) == 0 || f.category.rfind("user.behavior", 0) == 0;
        (request_log ? e.gone : e.kept)[f.category] = f.value;
        if (request_log) ++anonymized;
        if (f.category == "user.contact.email") e.email = f.value;
      }
    }
    for (int i = 0; i < kContractEnded; ++i) {
      const uint64_t id = (*old_ids)[static_cast<size_t>(i) * (kOldSubjects / kContractEnded)];
      ASSERT_TRUE(
          (*vault)
              ->RecordLifecycleEvent(id, AnchorEvent::kContractEnd, CivilDayToTime(kContractEnd))
              .ok());
      Expected& e = expected[id];
      e.gone.merge(e.kept);  // name and email go too (delete, not anonymize)
      e.email_kept = false;
    }

    clock.Set(CivilDayToTime(kCollectedFresh) + std::chrono::hours(15));
    std::vector<ImportedSubject> fresh;
    for (int i = 0; i < kFreshSubjects; ++i) fresh.push_back(Account(i, "f"));
    auto fresh_ids = (*vault)->Import(fresh);
    ASSERT_TRUE(fresh_ids.ok()) << fresh_ids.status().ToString();
    for (int i = 0; i < kFreshSubjects; ++i) {
      Expected& e = expected[(*fresh_ids)[i]];
      for (const FieldInput& f : fresh[i].write.fields) e.kept[f.category] = f.value;
      e.email = fresh[i].write.fields[1].value;
    }
    for (int i = 0; i < kLaterWrites; ++i) {
      // One old subject in ten, half of them with their contract ended: a fresh request-log field.
      const size_t at = static_cast<size_t>(i) * (kOldSubjects / kLaterWrites) + (i % 2 ? 5 : 0);
      const uint64_t id = (*old_ids)[at];
      const std::string value = "lang-" + Letters(static_cast<uint64_t>(i));
      auto w = (*vault)->Write({.subject_id = id,
                                .purposes = {"abuse_detection"},
                                .fields = {{.category = "user.device.language", .value = value}}});
      ASSERT_TRUE(w.ok()) << w.status().ToString();
      expected[id].kept["user.device.language"] = value;
    }
    for (const auto& [id, e] : expected) due += e.gone.size();

    // What a sweep on the sweep day would remove: exactly the fields we expect gone.
    clock.Set(CivilDayToTime(kSweepDay));
    auto dry = RunRetention(**vault, {.dry_run = true});
    ASSERT_TRUE(dry.ok()) << dry.status().ToString();
    ASSERT_EQ(dry->fields_due, due);
    ASSERT_EQ(dry->subjects_erased, 0u);
  }
  ASSERT_EQ(due, anonymized + size_t{2} * kContractEnded);

  // --- Sweeps killed mid-way. ----------------------------------------------------------------
  std::mt19937 rng(20261124);
  int kills = 0, kills_mid_batch = 0;
  uint64_t batches_seen = 0;
  bool finished = false;
  for (int round = 0; round < kKillRounds && !finished; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(fds[0]);
      RunSweeper(dir.path(), policy, fds[1]);
    }
    ::close(fds[1]);
    // Most rounds: let a random number of batches commit, then kill at a random moment in the
    // next ones. Every third round: kill at a random time, perhaps before any batch (open, scan).
    const bool by_time = round % 3 == 2;
    const int batches_before_kill = std::uniform_int_distribution<int>(1, 6)(rng);
    std::string lines;
    int batches = 0;
    char buf[4096];
    if (by_time) {
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::uniform_int_distribution<int>(2, 80)(rng)));
    } else {
      while (batches < batches_before_kill && !finished) {
        const ssize_t n = ::read(fds[0], buf, sizeof buf);
        if (n <= 0) break;  // the child is gone
        lines.append(buf, static_cast<size_t>(n));
        batches = 0;
        for (size_t at = 0; (at = lines.find("batch ", at)) != std::string::npos; ++at) ++batches;
        finished = lines.find("finished") != std::string::npos;
      }
      std::this_thread::sleep_for(
          std::chrono::microseconds(std::uniform_int_distribution<int>(0, 3000)(rng)));
    }
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) lines.append(buf, static_cast<size_t>(n));
    ::close(fds[0]);
    batches = 0;
    for (size_t at = 0; (at = lines.find("batch ", at)) != std::string::npos; ++at) ++batches;
    batches_seen += static_cast<uint64_t>(batches);
    finished = lines.find("finished") != std::string::npos;
    if (WIFSIGNALED(status)) {
      ++kills;
      if (batches > 0) ++kills_mid_batch;
    } else {
      ASSERT_TRUE(finished) << "sweeper exited with " << WEXITSTATUS(status) << ": " << lines;
    }
  }
  EXPECT_GE(kills, 3);
  EXPECT_GE(kills_mid_batch, 2);

  // --- The last sweep, to completion; then nothing is due. -----------------------------------
  ManualClock clock(CivilDayToTime(kSweepDay));
  auto vault = Vault::Open({.data_dir = dir.path(),
                            .policy = policy,
                            .clock = &clock,
                            .read_auditing = VaultOptions::ReadAuditing::kBatched});
  ASSERT_TRUE(vault.ok()) << vault.status().ToString();
  auto last = RunRetention(**vault, {.batch_size = kBatchSize});
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  EXPECT_EQ(last->fields_deleted, last->fields_due);
  EXPECT_LE(last->fields_due, due);
  auto again = RunRetention(**vault, {.dry_run = true});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->fields_due, 0u);

  // --- Exactly the expired fields are gone; everything else is there with its value. --------
  for (const auto& [id, e] : expected) {
    std::map<std::string, std::string> present;
    for (const char* purpose : {"service", "abuse_detection"}) {
      auto read = (*vault)->Read(Principal::Service(), id, purpose);
      ASSERT_TRUE(read.ok()) << read.status().ToString();
      for (const FieldValue& f : read->fields) {
        ASSERT_TRUE(present.emplace(f.category, f.value).second || present[f.category] == f.value)
            << "subject " << id << ": two values for " << f.category;
      }
    }
    ASSERT_EQ(present, e.kept) << "subject " << id;
    auto found = (*vault)->FindSubject(Vault::Identifier::kEmail, e.email);
    ASSERT_TRUE(found.ok()) << found.status().ToString();
    if (e.email_kept) {
      ASSERT_EQ(found->value_or(0), id) << "the email of subject " << id << " no longer finds it";
    } else {
      ASSERT_FALSE(found->has_value()) << "a deleted email's blind-index entry stayed";
    }
  }

  // --- The aggregates count each anonymized field once. --------------------------------------
  auto aggregates = (*vault)->Aggregates();
  ASSERT_TRUE(aggregates.ok()) << aggregates.status().ToString();
  std::map<std::string, int64_t> by_category;
  int64_t counted = 0;
  for (const RetentionAggregate& a : *aggregates) {
    EXPECT_EQ(a.rule, "request_logs");
    EXPECT_TRUE(a.first_day == kCollectedOld && a.last_day == kCollectedOld)
        << a.category << " counted from " << CivilDayToString(a.first_day) << " to "
        << CivilDayToString(a.last_day);
    by_category[a.category] += a.count;
    counted += a.count;
  }
  EXPECT_EQ(counted, static_cast<int64_t>(anonymized));
  const std::map<std::string, int64_t> per_category = {{"user.behavior.browsing", kOldSubjects},
                                                       {"user.device.browser", kOldSubjects},
                                                       {"user.device.ip_address", kOldSubjects}};
  EXPECT_EQ(by_category, per_category);

  // --- The audit log verifies, with a tree head signed after the crashes. -------------------
  ASSERT_TRUE((*vault)->SignTreeHead().ok());
  vault->reset();
  auto report = VerifyAuditLog({.data_dir = dir.path()}, std::nullopt);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->ok()) << report->problems.front();
  std::printf(
      "retention crash test: %d kills (%d after a committed batch), %llu batches reported before"
      " kills, %llu of %llu due fields left for the last sweep, %llu audit entries\n",
      kills, kills_mid_batch, static_cast<unsigned long long>(batches_seen),
      static_cast<unsigned long long>(last->fields_due), static_cast<unsigned long long>(due),
      static_cast<unsigned long long>(report->entries));
}

}  // namespace
}  // namespace privet
