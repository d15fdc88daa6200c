// delivery_bench: how fast privet delivers its outbox and webhook events, against plain
// libcurl loops sending the same messages to the same receivers in the same run.
//
//   delivery_bench [--messages=2000] [--dir=PATH]
//
// In one run, in a fresh temporary directory (removed at the end):
//  1. Setup (untimed): a vault on policies/starter.yaml with `messages` subjects, each with an
//     email address and an access request filed (one identity_code message each in the outbox),
//     and one analytics opt-out each (one consent.withdrawn event each), and a webhook endpoint
//     for consent.withdrawn.
//  2. Email, baseline: a real SMTP server on loopback (Debian's aiosmtpd, tests/testing/
//     smtp_sink.py) receives `messages` messages from one reused libcurl easy handle, each the
//     MIME text privet composes for such a message (same size, same headers), one SMTP
//     transaction each, no database. Then privet: Deliverer::RunOnce until the outbox is empty
//     (open the sealed body, open the address, render, send, record the attempt and the audit
//     entry, one durable commit per batch of 64). Rate = messages / second; ratio = privet /
//     baseline.
//  3. Webhooks, likewise: a Beast HTTP receiver on loopback (tests/testing/http_receiver.h,
//     Connection: close) receives `messages` signed JSON POSTs from a reused libcurl handle
//     (baseline), then the endpoint's events from the Deliverer (open, sign, post, advance the
//     endpoint's cursor in one commit per batch).
//
// scripts/bench-delivery.sh builds and runs it; docs/performance.md has the figures.
#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "bench_util.h"
#include "delivery/messages.h"
#include "delivery/smtp.h"
#include "delivery/webhook_post.h"
#include "privet/delivery.h"
#include "privet/policy.h"
#include "privet/rights.h"
#include "privet/vault.h"
#include "testing/http_receiver.h"
#include "testing/smtp_sink.h"

namespace privet::bench {
namespace {

struct Options {
  int messages = 2000;
  std::string dir;
};

struct Upload {
  const std::string* data;
  size_t at = 0;
};

size_t ReadUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* up = static_cast<Upload*>(user);
  const size_t n = std::min(size * count, up->data->size() - up->at);
  std::copy_n(up->data->data() + up->at, n, buffer);
  up->at += n;
  return n;
}

size_t Discard(char*, size_t size, size_t count, void*) { return size * count; }

// The baseline: one libcurl handle, one SMTP transaction per message, nothing else.
double PlainSmtp(const std::string& url, const std::vector<std::string>& messages) {
  CURL* c = curl_easy_init();
  curl_slist* rcpt = curl_slist_append(nullptr, "<someone@example.com>");
  const auto start = SteadyClock::now();
  for (const std::string& m : messages) {
    Upload up{&m};
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, "<privacy@example.com>");
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadUpload);
    curl_easy_setopt(c, CURLOPT_READDATA, &up);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(m.size()));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (curl_easy_perform(c) != CURLE_OK) Die("baseline smtp", Internal("send failed"));
  }
  const double seconds = Seconds(SteadyClock::now() - start);
  curl_slist_free_all(rcpt);
  curl_easy_cleanup(c);
  return seconds;
}

double PlainPost(const std::string& url, const std::vector<std::string>& bodies) {
  CURL* c = curl_easy_init();
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Expect:");
  const auto start = SteadyClock::now();
  for (const std::string& b : bodies) {
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, b.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(b.size()));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Discard);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (curl_easy_perform(c) != CURLE_OK) Die("baseline post", Internal("post failed"));
  }
  const double seconds = Seconds(SteadyClock::now() - start);
  curl_slist_free_all(headers);
  curl_easy_cleanup(c);
  return seconds;
}

int Run(Options o) {
  if (!PrepareScratchDir(o.dir, false, "delivery_bench")) return 1;
  PolicyLoadResult loaded =
      LoadPolicyFile(std::string(PRIVET_SOURCE_DIR) + "/policies/starter.yaml");
  if (!loaded.ok()) Die("policy", Internal("policies/starter.yaml does not load"));
  auto policy = Check(CompiledPolicy::Compile(std::move(*loaded.policy)), "compile policy");
  SystemClock clock;
  auto vault =
      Check(Vault::Open({.data_dir = o.dir + "/vault", .policy = policy, .clock = &clock}), "open");
  RequestDesk desk(*vault);
  for (int i = 0; i < o.messages; ++i) {
    const uint64_t id =
        Check(vault->CreateSubject({.kind = "customer", .age_years = 30, .jurisdiction = "EU"}),
              "subject");
    Check(vault
              ->Write({.subject_id = id,
                       .purposes = {"service"},
                       .fields = {{.category = "user.contact.email",
                                   .value = "s" + std::to_string(i) + "@example.com"}}})
              .status(),
          "write");
    Check(desk.File({.right = Right::kAccess, .subject_id = id, .channel = "email"}).status(),
          "file");
  }
  const std::vector<OutboxMessage> outbox = Check(desk.Outbox(), "outbox");
  testing::SmtpSink sink(o.dir);
  if (!sink.ok()) Die("smtp sink", Internal("aiosmtpd did not start (python3-aiosmtpd)"));
  std::printf("delivery_bench: %d messages, %d events\n", o.messages, o.messages);

  // --- Email. The same messages for the baseline: what privet composes for these topics.
  std::vector<std::string> mime;
  for (const OutboxMessage& m : outbox) {
    mime.push_back(delivery::ComposeMime(
        {.from = "privacy@example.com",
         .from_name = policy->policy().organization,
         .to = "someone@example.com",
         .idempotency_key = "0123456789abcdef0123456789abcdef",
         .date = clock.Now(),
         .content = delivery::RenderMessage(*policy, m.topic, nlohmann::json::parse(m.body))}));
  }
  const double smtp_plain = PlainSmtp(sink.url(), mime);
  double smtp_privet = 0;
  {
    Deliverer deliverer(*vault,
                        {.smtp = SmtpSettings{.url = sink.url(), .from = "privacy@example.com"}});
    size_t sent = 0;
    const auto start = SteadyClock::now();
    while (sent < outbox.size()) {
      const DeliveryReport r = Check(deliverer.RunOnce(), "deliver");
      if (r.emails_sent == 0) Die("email", Internal("a pass sent nothing"));
      sent += r.emails_sent;
    }
    smtp_privet = Seconds(SteadyClock::now() - start);
  }
  if (sink.Received().size() != 2 * outbox.size())
    Die("email", Internal("not every message arrived"));
  std::printf("email    plain libcurl %8.0f msg/s   privet %8.0f msg/s   ratio %.3f\n",
              o.messages / smtp_plain, o.messages / smtp_privet, smtp_plain / smtp_privet);

  // --- Webhooks: an endpoint, then one opt-out per subject (one event each).
  testing::HttpReceiver receiver;
  Deliverer deliverer(*vault, {.allow_loopback_http = true});
  Check(deliverer
            .AddWebhook({.url = receiver.url(), .events = {"consent.withdrawn"}},
                        Principal{.kind = PrincipalKind::kAdmin})
            .status(),
        "webhook");
  for (const OutboxMessage& m : outbox) {
    Check(vault->RecordConsent(m.subject_id,
                               {.purpose = "analytics", .action = ConsentAction::kOptOut}),
          "opt out");
  }
  const std::string body =
      R"({"id":"0123456789abcdef0123456789abcdef","type":"consent.withdrawn",)"
      R"("created":"2026-12-07T00:00:00Z","data":{"action":"opt_out","channel":"",)"
      R"("purpose":"analytics","recipient":"","source":"api","subject_id":)"
      R"("1234567890123456789"}})";
  const double post_plain =
      PlainPost(receiver.url(), std::vector<std::string>(outbox.size(), body));
  size_t posted = 0;
  const auto start = SteadyClock::now();
  while (posted < outbox.size()) {
    const DeliveryReport r = Check(deliverer.RunOnce(), "deliver");
    if (r.webhooks_sent == 0) Die("webhooks", Internal("a pass sent nothing"));
    posted += r.webhooks_sent;
  }
  const double post_privet = Seconds(SteadyClock::now() - start);
  if (receiver.Received().size() != 2 * outbox.size())
    Die("webhooks", Internal("not every event arrived"));
  std::printf("webhooks plain libcurl %8.0f req/s   privet %8.0f req/s   ratio %.3f\n",
              o.messages / post_plain, o.messages / post_privet, post_plain / post_privet);
  std::printf("peak memory %ld MiB\n", PeakRssMib());
  RemoveCleanupDir();
  return 0;
}

}  // namespace
}  // namespace privet::bench

int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape): dies on any error
  privet::bench::Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a.starts_with("--messages=")) o.messages = std::atoi(argv[i] + 11);
    if (a.starts_with("--dir=")) o.dir = std::string(a.substr(6));
  }
  return privet::bench::Run(o);
}
