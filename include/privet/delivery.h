// Delivery: privet sends what it has to say — email to subjects over SMTP, and signed webhooks
// to the downstream systems that must act on an event.
//
// Messages to people (identity codes, request notices, policy changes, breach notices) are
// written to the outbox in the same transaction as the event that causes them, sealed under
// the subject's key. Events for systems (a subject erased, a request fulfilled, consent
// withdrawn, a breach recorded) are written the same way, without personal data, sealed under
// the vault's service key. A Deliverer sends both:
//
//   privet::Deliverer deliverer(*vault, {.smtp = privet::SmtpSettings{
//                                            .url = "smtp://127.0.0.1:2525",
//                                            .from = "privacy@example.com"}});
//   auto hook = deliverer.AddWebhook({.url = "https://crm.example.com/privet",
//                                     .events = {"subject.erased"}}, admin);
//   // hook->secret: the endpoint's signing secret, shown this once.
//   deliverer.Start(std::chrono::seconds(1));  // or RunOnce() from your own loop
//
// Guarantees. At least once: a message is marked sent only after the server accepted it, so a
// crash between the two sends it again, with the same idempotency key (the email's Message-ID,
// the webhook's `Privet-Idempotency-Key` header and event id) for the receiver to deduplicate.
// In order: a subject's messages go out one after the other (a later one waits while an earlier
// one is retried); each endpoint receives its events in the order they were recorded. Retries
// back off exponentially with jitter; after `max_attempts` a message is dead, visible to the
// admin (DeadLetters) and redeliverable. A message body is opened only to be sent; a message
// whose subject was erased, or who holds no address, is undeliverable and never opened again.
//
// Marketing email (outbox topic `marketing`, queued by Vault::QueueMarketing) is decided again
// when it is sent: if the subject has since opted out of its channel or the channel's purpose,
// objected, or is restricted (Vault::DecideMarketing), it is cancelled — never sent, never
// retried, counted in DeliveryReport::cancelled — and an erased subject's is undeliverable. It
// goes out only with a working unsubscribe (CN14, RFC 8058): the headers
// `List-Unsubscribe: <{public_url}/unsubscribe/{token}>` and
// `List-Unsubscribe-Post: List-Unsubscribe=One-Click`, and a footer naming the sender (the
// policy's organization), its contact details and the same link; without a `public_url` it is
// undeliverable (`no_public_url`), since a link without a host works in no mail client. Service
// messages (identity codes, request notices, policy changes, breach notices) are never affected
// by marketing choices.
//
// Webhook requests: POST, `Content-Type: application/json`, body
// {"id","type","created","data":{...}}, headers `Privet-Idempotency-Key: <id>` and
// `Privet-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the endpoint's
// secret>`. A 2xx answer acknowledges; anything else (or no answer within the timeout) is a
// failure retried later; the endpoint's later events wait behind it.
//
// Thread-safety: every method may be called from any thread; passes never overlap.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "privet/clock.h"
#include "privet/decision.h"
#include "privet/status.h"
#include "privet/webhook_events.h"

namespace privet {

class Vault;

struct SmtpSettings {
  // smtp://host:port (STARTTLS when the server offers it, or always with `require_tls`) or
  // smtps://host:port (TLS from the first byte).
  std::string url;
  std::string from;      // the envelope and From: address
  std::string username;  // empty: no authentication
  std::string password;
  bool require_tls = false;  // refuse to send in clear (STARTTLS required)
  std::string ca_file;       // PEM certificates to trust instead of the system's
  std::chrono::milliseconds timeout{10000};
};

struct DeliveryOptions {
  std::optional<SmtpSettings> smtp;  // none: email waits in the outbox (not failed)
  // Attempts before a message or event is dead; the waits between them double from
  // `first_retry` up to `max_retry`, each drawn at random between half and all of it (jitter).
  int max_attempts = 8;
  std::chrono::seconds first_retry{30};
  std::chrono::seconds max_retry{std::chrono::hours(6)};
  // Webhooks: the request timeout, and PEM certificates to trust instead of the system's.
  std::chrono::milliseconds webhook_timeout{10000};
  std::string webhook_ca_file;
  // Allow http:// endpoints on loopback addresses only (tests, a sidecar); https:// otherwise.
  bool allow_loopback_http = false;
  size_t batch = 64;  // messages taken per pass
  // Where privet's public pages are served, e.g. https://privacy.example.com: messages that
  // point to a page (the notice at /privacy) give its full address. Empty: the path alone, and
  // no marketing email (its unsubscribe link needs the full address).
  std::string public_url;
};

struct WebhookEndpoint {
  uint64_t id = 0;
  std::string url;
  std::vector<std::string> events;
  Time created_at;
  int64_t delivered_through = 0;  // the last event handled (delivered or dead)
  int attempts = 0;               // failed attempts at the next event
  std::string last_error;
};

struct NewWebhook {
  std::string url;                  // https:// (http:// on loopback when allowed)
  std::vector<std::string> events;  // from webhook_event::kAll; at least one
};

struct CreatedWebhook {
  WebhookEndpoint endpoint;
  std::string secret;  // the signing secret, 64 hex characters: shown once
};

// A message or event that exhausted its attempts (or, for email, is undeliverable).
struct DeadLetter {
  std::string channel;       // "email" or "webhook"
  int64_t seq = 0;           // outbox seq (email) or event seq (webhook)
  uint64_t endpoint_id = 0;  // webhook only
  std::string topic;         // the outbox topic, or the event type
  std::string state;         // "dead" or "undeliverable"
  int attempts = 0;
  std::string error;  // a code: smtp_5xx, http_503, timeout, no_address, subject_erased, ...
};

// What one pass did.
struct DeliveryReport {
  size_t emails_sent = 0;
  size_t webhooks_sent = 0;
  size_t retries_scheduled = 0;
  size_t dead = 0;
  size_t undeliverable = 0;
  size_t cancelled = 0;  // marketing email its subject opted out of before it went
};

class Deliverer {
 public:
  Deliverer(Vault& vault, DeliveryOptions options);
  ~Deliverer();  // stops the loop
  Deliverer(const Deliverer&) = delete;
  Deliverer& operator=(const Deliverer&) = delete;

  // Webhook endpoints (the admin's). Adding one is audited; it receives the events recorded
  // from then on. InvalidArgument for a bad URL or an unknown event type (nothing changes).
  StatusOr<CreatedWebhook> AddWebhook(const NewWebhook& webhook, const Principal& by);
  StatusOr<std::vector<WebhookEndpoint>> Webhooks();
  // NotFound for an unknown id. Its undelivered events are dropped with it.
  Status RemoveWebhook(uint64_t id, const Principal& by);

  // Dead and undeliverable messages, oldest first.
  StatusOr<std::vector<DeadLetter>> DeadLetters();
  // Gives a dead email (channel "email", seq) or webhook event (endpoint_id, seq) a new round
  // of attempts. NotFound when there is no such dead letter.
  Status Redeliver(const DeadLetter& letter, const Principal& by);

  // One pass: sends what is due now. Errors only when the store cannot be read.
  StatusOr<DeliveryReport> RunOnce();
  // True when marketing email can go: a public_url is set for its unsubscribe link.
  bool SendsMarketing() const;
  // Every pass's report added up since this Deliverer started (for /metrics).
  DeliveryReport Totals() const;
  // Runs passes every `period` on a thread of its own (and at once on Wake), until Stop.
  void Start(std::chrono::milliseconds period);
  void Wake();
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace privet
