// Crash safety of delivery: a process sending the outbox to a real SMTP server (Debian's
// aiosmtpd, slowed down) is killed with SIGKILL mid-way, several times, then restarted until
// the outbox is empty. Afterwards every message arrived at least once, none was lost, and each
// one received more than once carries the same Message-ID and the same text (so the receiver
// can deduplicate it), and no more were repeated than one pass's batch per kill.
#include <gtest/gtest.h>
#include <signal.h>
#include <sodium.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "privet/delivery.h"
#include "privet/rights.h"
#include "privet/vault.h"
#include "testing/policy_fixture.h"
#include "testing/smtp_sink.h"
#include "testing/temp_dir.h"

namespace privet {
namespace {

constexpr int kSubjects = 60;
constexpr int kKills = 3;
constexpr size_t kBatch = 8;

// The text part as received (still base64: equal bytes mean equal text).
std::string TextPart(const std::string& data) {
  const size_t at = data.find("Content-Type: text/plain");
  return at == std::string::npos ? "" : data.substr(at, data.find("\r\n--", at) - at);
}

DeliveryOptions Options(const testing::SmtpSink& sink) {
  return {.smtp = SmtpSettings{.url = sink.url(), .from = "privacy@example.com"},
          .first_retry = std::chrono::seconds(1),
          .batch = kBatch};
}

// The child: delivers until killed (or nothing is left), then exits.
[[noreturn]] void Deliver(const std::string& dir, std::shared_ptr<const CompiledPolicy> policy,
                          const testing::SmtpSink& sink) {
  SystemClock clock;
  auto vault = Vault::Open({.data_dir = dir, .policy = policy, .clock = &clock});
  if (!vault.ok()) _exit(3);
  Deliverer deliverer(**vault, Options(sink));
  for (int i = 0; i < 1000; ++i) {
    auto report = deliverer.RunOnce();
    if (!report.ok()) _exit(4);
  }
  _exit(0);
}

TEST(DeliveryCrash, KilledMidDeliveryLosesNothingAndRepeatsOnlyWhatTheReceiverCanDeduplicate) {
  testing::TempDir dir;
  auto policy = testing::CompileFile("policies/starter.yaml");
  ASSERT_NE(policy, nullptr);
  SystemClock clock;
  {
    auto vault = Vault::Open({.data_dir = dir.path(), .policy = policy, .clock = &clock});
    ASSERT_TRUE(vault.ok()) << vault.status().ToString();
    RequestDesk desk(**vault);
    for (int i = 0; i < kSubjects; ++i) {
      auto id =
          (*vault)->CreateSubject({.kind = "customer", .age_years = 30, .jurisdiction = "EU"});
      ASSERT_TRUE(id.ok());
      ASSERT_TRUE((*vault)
                      ->Write({.subject_id = *id,
                               .purposes = {"service"},
                               .fields = {{.category = "user.contact.email",
                                           .value = "s" + std::to_string(i) + "@example.com"}}})
                      .ok());
      ASSERT_TRUE(desk.File({.right = Right::kAccess, .subject_id = *id, .channel = "email"}).ok());
    }
  }
  testing::SmtpSink sink(dir.path(), {.delay_ms = 15});
  ASSERT_TRUE(sink.ok());

  int kills = 0;
  for (int round = 0; round < kKills; ++round) {
    const size_t before = sink.Received().size();
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) Deliver(dir.path(), policy, sink);
    // Kill once a few more messages arrived: mid-batch, between a send and its commit.
    sink.WaitFor(before + 3 + static_cast<size_t>(round), std::chrono::seconds(20));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    if (WIFSIGNALED(status)) ++kills;
  }
  EXPECT_EQ(kills, kKills);

  // Restarted: runs until the outbox is empty.
  {
    auto vault = Vault::Open({.data_dir = dir.path(), .policy = policy, .clock = &clock});
    ASSERT_TRUE(vault.ok()) << vault.status().ToString();
    Deliverer deliverer(**vault, Options(sink));
    RequestDesk desk(**vault);
    for (int i = 0; i < 200 && !desk.Outbox()->empty(); ++i) ASSERT_TRUE(deliverer.RunOnce().ok());
    EXPECT_TRUE(desk.Outbox()->empty());
    auto dead = deliverer.DeadLetters();
    ASSERT_TRUE(dead.ok());
    EXPECT_TRUE(dead->empty());
  }

  const std::vector<testing::ReceivedMail> mail = sink.Received();
  std::map<std::string, std::string> text_by_id;
  std::set<std::string> recipients;
  size_t repeats = 0;
  for (const testing::ReceivedMail& m : mail) {
    const std::string id = m.Header("Message-ID");
    ASSERT_FALSE(id.empty());
    recipients.insert(m.rcpt_to);
    auto [it, fresh] = text_by_id.emplace(id, TextPart(m.data));
    if (!fresh) {
      ++repeats;
      EXPECT_EQ(it->second, TextPart(m.data)) << "a repeat must be the same message";
    }
  }
  EXPECT_EQ(text_by_id.size(), static_cast<size_t>(kSubjects));  // none lost
  EXPECT_EQ(recipients.size(), static_cast<size_t>(kSubjects));
  RecordProperty("repeats", static_cast<int>(repeats));
  EXPECT_LE(repeats, kBatch * kKills);  // at most the uncommitted batch of each kill
}

}  // namespace
}  // namespace privet
