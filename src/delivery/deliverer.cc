// The deliverer (include/privet/delivery.h): passes over the outbox and the webhook events.
#include <sodium.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "common/background_loop.h"
#include "common/mutex.h"
#include "common/unix_time.h"
#include "crypto/crypto.h"
#include "delivery/messages.h"
#include "delivery/smtp.h"
#include "delivery/webhook_post.h"
#include "privet/delivery.h"
#include "privet/vault.h"
#include "vault/vault_core.h"

namespace privet {
namespace {

using vault_internal::CoreOf;
using vault_internal::VaultCore;

constexpr std::string_view kSecretContext = "privet.webhook_secret";
constexpr std::string_view kMarketingTopic = "marketing";  // Vault::QueueMarketing

// Wipes a string that held personal data (a body, an address) before it is freed.
void Wipe(std::string& s) {
  if (!s.empty()) sodium_memzero(s.data(), s.size());
  s.clear();
}

// The policy's email category: the first that is an email identifier (its value is the
// address messages go to). Empty when the policy has none: email is then undeliverable.
std::string EmailCategory(const CompiledPolicy& policy) {
  for (const Category& c : policy.policy().categories) {
    if (c.identifier == "email") return c.id;
  }
  return "";
}

// Where privet's pages are, without a trailing slash; empty when unset or when it could break a
// header line (it is written into List-Unsubscribe).
std::string PublicUrl(std::string_view url) {
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == '<' || c == '>') return "";
  }
  return std::string(url);
}

// The reason code of a refusal ("opted_out"), or "refused".
std::string ReasonOf(const Status& s) {
  return s.reason() ? std::string(ReasonName(*s.reason())) : std::string("refused");
}

std::string_view StateName(store::OutboxState s) {
  return s == store::OutboxState::kDead ? "dead" : "undeliverable";
}

}  // namespace

class Deliverer::Impl {
 public:
  Impl(Vault& vault, DeliveryOptions options)
      : vault_(vault),
        core_(CoreOf(vault)),
        options_(std::move(options)),
        email_category_(EmailCategory(core_.policy())),
        public_url_(PublicUrl(options_.public_url)) {
    options_.max_attempts = std::max(options_.max_attempts, 1);
    options_.batch = std::max<size_t>(options_.batch, 1);
  }
  ~Impl() { loop_.Stop(); }

  StatusOr<CreatedWebhook> AddWebhook(const NewWebhook& w, const Principal& by) EXCLUDES(pass_mu_);
  StatusOr<std::vector<WebhookEndpoint>> Webhooks();
  Status RemoveWebhook(uint64_t id, const Principal& by) EXCLUDES(pass_mu_);
  StatusOr<std::vector<DeadLetter>> DeadLetters();
  Status Redeliver(const DeadLetter& letter, const Principal& by) EXCLUDES(pass_mu_);
  StatusOr<DeliveryReport> RunOnce() EXCLUDES(pass_mu_);
  DeliveryReport Totals() const EXCLUDES(pass_mu_) {
    MutexLock lock(&pass_mu_);
    return totals_;
  }

  bool SendsMarketing() const { return !public_url_.empty(); }

  void Start(std::chrono::milliseconds period) {
    loop_.Start(period, [this] { (void)RunOnce(); });
  }
  void Wake() { loop_.Wake(); }
  void Stop() { loop_.Stop(); }

 private:
  // The key a receiver deduplicates on: a keyed hash of what is sent (so stable across
  // retries, crashes and restarts, and unguessable), 32 hex characters.
  std::string IdempotencyKey(std::string_view kind, int64_t seq) const {
    const std::string hash =
        core_.CodeHash("privet.delivery", std::string(kind) + ":" + std::to_string(seq));
    std::string hex(33, '\0');
    sodium_bin2hex(hex.data(), hex.size(), reinterpret_cast<const unsigned char*>(hash.data()), 16);
    hex.pop_back();
    return hex;
  }
  // When attempt `attempts` + 1 may run: `first_retry` doubled per failed attempt, at most
  // `max_retry`, and a random point in its second half, so that what failed together does not
  // retry together.
  int64_t NextAttempt(int attempts, int64_t now) const {
    int64_t wait = options_.first_retry.count();
    for (int i = 1; i < attempts && wait < options_.max_retry.count(); ++i) wait *= 2;
    wait = std::max<int64_t>(1, std::min<int64_t>(wait, options_.max_retry.count()));
    const int64_t half = wait / 2;
    const int64_t jitter =
        half > 0 ? static_cast<int64_t>(core_.id_source().Next() % static_cast<uint64_t>(half + 1))
                 : 0;
    return now + (wait - half) + jitter;
  }

  // One outbox message: sends it and adds its new state (and, once sent, the audit entry of
  // the address read to send it) to `batch`. Sets `unreachable` when the server could not be
  // reached (nothing more is tried this pass).
  void DeliverEmail(delivery::SmtpClient& smtp, const store::OutboxRecord& row, int64_t now,
                    store::WriteBatch& batch, std::vector<AuditEntry>& entries,
                    DeliveryReport& report, bool& unreachable) REQUIRES(pass_mu_);
  Status DeliverEmails(DeliveryReport& report) REQUIRES(pass_mu_);
  // A marketing email's unsubscribe URL, once the decision for its channel is taken again now:
  // PermissionDenied with the reason when the subject opted out since it was queued (recorded in
  // `entries`), FailedPrecondition with the code to record when it can never go.
  StatusOr<std::string> MarketingUnsubscribeUrl(const store::OutboxRecord& row,
                                                const nlohmann::json& fields,
                                                std::vector<AuditEntry>& entries)
      REQUIRES(pass_mu_);
  // An endpoint's due events, in order, until one fails or none is left; commits its cursor.
  Status DeliverToEndpoint(delivery::WebhookClient& client, store::WebhookEndpointRecord& e,
                           DeliveryReport& report) REQUIRES(pass_mu_);
  Status DeliverWebhooks(DeliveryReport& report) REQUIRES(pass_mu_);
  // The event as the endpoint receives it, signed; nullopt when it cannot be opened.
  struct SignedEvent {
    std::string body;
    std::string signature;
    std::string key;
  };
  std::optional<SignedEvent> SignEvent(const store::WebhookEventRecord& ev, std::string_view secret,
                                       int64_t now) const;

  Vault& vault_;
  VaultCore& core_;
  DeliveryOptions options_;
  const std::string email_category_;
  const std::string public_url_;  // for unsubscribe links: no trailing slash
  mutable Mutex pass_mu_;         // one pass, or change of the endpoints, at a time
  int64_t pruned_through_ GUARDED_BY(pass_mu_) = 0;
  DeliveryReport totals_ GUARDED_BY(pass_mu_);  // every pass's, added up
  BackgroundLoop loop_;
};

// --- Email --------------------------------------------------------------------------------------

void Deliverer::Impl::DeliverEmail(delivery::SmtpClient& smtp, const store::OutboxRecord& row,
                                   int64_t now, store::WriteBatch& batch,
                                   std::vector<AuditEntry>& entries, DeliveryReport& report,
                                   bool& unreachable) {
  store::op::UpdateOutboxDelivery u{.seq = row.seq,
                                    .state = store::OutboxState::kPending,
                                    .attempts = row.attempts,
                                    .next_attempt_at = row.next_attempt_at,
                                    .last_error = row.last_error};
  auto finish = [&](store::OutboxState state, std::string error) {
    u.state = state;
    u.last_error = std::move(error);
    if (state == store::OutboxState::kDead) ++report.dead;
    if (state == store::OutboxState::kUndeliverable) ++report.undeliverable;
    if (state == store::OutboxState::kCancelled) ++report.cancelled;
    batch.UpdateOutboxDelivery(u);
  };
  StatusOr<std::string> body =
      core_.Open(row.subject_id, VaultCore::OutboxContext(row.topic), row.sealed_body);
  if (!body.ok()) {
    // An erased subject's messages are noise now, and stay unread.
    if (body.status().code() == StatusCode::kNotFound)
      return finish(store::OutboxState::kUndeliverable, "subject_erased");
    return finish(store::OutboxState::kDead, "unreadable");
  }
  nlohmann::json fields = nlohmann::json::parse(*body, nullptr, /*allow_exceptions=*/false);
  Wipe(*body);
  std::string unsubscribe_url;
  if (row.topic == kMarketingTopic) {
    StatusOr<std::string> url = MarketingUnsubscribeUrl(row, fields, entries);
    if (!url.ok()) {
      fields.clear();
      // Opted out (or objected, restricted) since it was queued: it never goes (CN14).
      if (url.status().code() == StatusCode::kPermissionDenied)
        return finish(store::OutboxState::kCancelled, ReasonOf(url.status()));
      return finish(store::OutboxState::kUndeliverable, url.status().message());
    }
    unsubscribe_url = std::move(*url);
  }
  StatusOr<std::string> address =
      email_category_.empty() ? StatusOr<std::string>(NotFound("the policy has no email category"))
                              : core_.OpenFieldOf(row.subject_id, email_category_);
  if (!address.ok()) {
    fields.clear();
    if (address.status().code() == StatusCode::kNotFound)
      return finish(store::OutboxState::kUndeliverable, "no_address");
    return finish(store::OutboxState::kDead, "unreadable");
  }
  if (!delivery::PlainAddress(*address)) {
    fields.clear();
    Wipe(*address);
    return finish(store::OutboxState::kUndeliverable, "bad_address");
  }
  delivery::Email email{
      .from = options_.smtp->from,
      .from_name = core_.policy().policy().organization,
      .to = std::move(*address),
      .idempotency_key = IdempotencyKey("email", row.seq),
      .date = FromUnix(now),
      .content =
          unsubscribe_url.empty()
              ? delivery::RenderMessage(core_.policy(), row.topic, fields, options_.public_url)
              : delivery::RenderMarketing(core_.policy(), fields, unsubscribe_url),
      .unsubscribe_url = unsubscribe_url};
  fields.clear();
  const delivery::SendResult sent = smtp.Send(email);
  Wipe(email.to);
  Wipe(email.content.text);
  Wipe(email.content.html);
  Wipe(email.content.subject);
  ++u.attempts;
  switch (sent.outcome) {
    case delivery::SendResult::kSent: {
      u.sent_at = now;
      u.next_attempt_at = 0;
      finish(store::OutboxState::kSent, "");
      ++report.emails_sent;
      // The address was read to send: a decision like any read, in the audit log.
      AuditEntry& e = entries.emplace_back(
          core_.Audit(AuditEvent::kDecision, Principal::Service(), row.subject_id));
      e.action = "deliver";
      e.categories = {email_category_};
      e.outcome = "allowed";
      e.detail = "email:" + row.topic;
      return;
    }
    case delivery::SendResult::kReject:
      return finish(store::OutboxState::kDead, sent.error);
    case delivery::SendResult::kUnreachable:
      unreachable = true;
      [[fallthrough]];
    case delivery::SendResult::kRetry:
      if (u.attempts >= options_.max_attempts) return finish(store::OutboxState::kDead, sent.error);
      u.next_attempt_at = NextAttempt(u.attempts, now);
      ++report.retries_scheduled;
      return finish(store::OutboxState::kPending, sent.error);
  }
}

StatusOr<std::string> Deliverer::Impl::MarketingUnsubscribeUrl(const store::OutboxRecord& row,
                                                               const nlohmann::json& fields,
                                                               std::vector<AuditEntry>& entries) {
  // A link without a host works in no mail client: no marketing without one.
  if (public_url_.empty()) return FailedPrecondition("no_public_url");
  const auto channel = fields.is_object() ? fields.find("channel") : fields.end();
  if (channel == fields.end() || !channel->is_string()) return FailedPrecondition("unreadable");
  StatusOr<Decision> decision = vault_.DecideMarketing(row.subject_id, channel->get<std::string>());
  if (!decision.ok()) {
    return FailedPrecondition(decision.status().code() == StatusCode::kNotFound
                                  ? "subject_erased"
                                  : "unknown_channel");  // the policy no longer declares it
  }
  if (!decision->allowed()) {
    // Decided like any use of the subject's data, so recorded like one.
    AuditEntry& e = entries.emplace_back(
        core_.Audit(AuditEvent::kDecision, Principal::Service(), row.subject_id));
    e.action = "deliver";
    e.outcome = std::string(ReasonName(decision->reason));
    e.detail = "email:" + row.topic;
    if (const MarketingChannel* m =
            FindMarketingChannel(core_.policy().policy(), channel->get<std::string>()))
      e.purpose = m->purpose;
    return PermissionDenied(decision->reason, "opted out since it was queued");
  }
  PRIVET_ASSIGN_OR_RETURN(std::string token,
                          vault_.UnsubscribeToken(row.subject_id, channel->get<std::string>()));
  return public_url_ + "/unsubscribe/" + token;
}

Status Deliverer::Impl::DeliverEmails(DeliveryReport& report) {
  if (!options_.smtp) return Status::Ok();  // email waits in the outbox
  delivery::SmtpClient smtp(*options_.smtp);
  for (;;) {
    const int64_t now = ToUnix(core_.clock().Now());
    PRIVET_ASSIGN_OR_RETURN(std::vector<store::OutboxRecord> rows,
                            core_.data().GetDueOutbox(now, options_.batch));
    if (rows.empty()) return Status::Ok();
    store::WriteBatch batch;
    std::vector<AuditEntry> entries;
    bool unreachable = false;
    size_t settled = 0;  // sent, dead or undeliverable: a subject's next message may go now
    for (const store::OutboxRecord& row : rows) {
      auto settled_so_far = [&] {
        return report.emails_sent + report.dead + report.undeliverable + report.cancelled;
      };
      const size_t before = settled_so_far();
      DeliverEmail(smtp, row, now, batch, entries, report, unreachable);
      settled += settled_so_far() - before;
      if (unreachable) break;
    }
    // One commit for the batch: a crash before it sends these again, with the same keys.
    PRIVET_RETURN_IF_ERROR(core_.Commit(batch, std::move(entries)));
    if (unreachable || settled == 0) return Status::Ok();
  }
}

// --- Webhooks -----------------------------------------------------------------------------------

std::optional<Deliverer::Impl::SignedEvent> Deliverer::Impl::SignEvent(
    const store::WebhookEventRecord& ev, std::string_view secret, int64_t now) const {
  StatusOr<std::string> data =
      core_.OpenService(VaultCore::WebhookEventContext(ev.type), ev.sealed_body);
  if (!data.ok()) return std::nullopt;
  nlohmann::json parsed = nlohmann::json::parse(*data, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return std::nullopt;
  SignedEvent out;
  out.key = IdempotencyKey("event", ev.seq);
  const nlohmann::json envelope = {{"id", out.key},
                                   {"type", ev.type},
                                   {"created", Rfc3339(FromUnix(ev.at))},
                                   {"data", std::move(parsed)}};
  out.body = envelope.dump();
  out.signature = delivery::WebhookSignature(secret, now, out.body);
  return out;
}

Status Deliverer::Impl::DeliverToEndpoint(delivery::WebhookClient& client,
                                          store::WebhookEndpointRecord& e, DeliveryReport& report) {
  const int64_t now = ToUnix(core_.clock().Now());
  if (e.next_attempt_at > now) return Status::Ok();
  const nlohmann::json events = nlohmann::json::parse(e.events, nullptr, false);
  std::set<std::string> wanted;
  if (events.is_array()) {
    for (const nlohmann::json& t : events)
      if (t.is_string()) wanted.insert(t.get<std::string>());
  }
  StatusOr<std::string> secret = core_.OpenService(kSecretContext, e.sealed_secret);
  if (!secret.ok()) return Status::Ok();  // reported in the endpoint list (last_error stays)
  bool waiting = false;
  while (!waiting) {
    PRIVET_ASSIGN_OR_RETURN(std::vector<store::WebhookEventRecord> batch_events,
                            core_.data().GetWebhookEvents(e.cursor, options_.batch));
    if (batch_events.empty()) break;
    store::WriteBatch batch;
    const int64_t cursor_before = e.cursor;
    for (const store::WebhookEventRecord& ev : batch_events) {
      if (!wanted.contains(ev.type)) {
        e.cursor = ev.seq;
        continue;
      }
      std::optional<SignedEvent> signed_event = SignEvent(ev, *secret, now);
      delivery::PostResult posted{false, "unreadable"};
      if (signed_event) {
        posted = client.Post(e.url, signed_event->body, signed_event->signature, signed_event->key);
      }
      if (posted.acknowledged) {
        e.cursor = ev.seq;
        e.attempts = 0;
        e.next_attempt_at = 0;
        e.last_error.clear();
        ++report.webhooks_sent;
        continue;
      }
      ++e.attempts;
      e.last_error = posted.error;
      if (!signed_event || e.attempts >= options_.max_attempts) {
        batch.PutWebhookDeadLetter({.endpoint_id = e.id,
                                    .event_seq = ev.seq,
                                    .at = now,
                                    .attempts = e.attempts,
                                    .error = posted.error});
        ++report.dead;
        e.cursor = ev.seq;
        e.attempts = 0;
        e.next_attempt_at = 0;
        continue;
      }
      e.next_attempt_at = NextAttempt(e.attempts, now);
      ++report.retries_scheduled;
      waiting = true;  // the endpoint's later events wait behind this one
      break;
    }
    batch.PutWebhookEndpoint(e);
    PRIVET_RETURN_IF_ERROR(core_.Commit(batch, {}));
    if (e.cursor == cursor_before) break;
  }
  Wipe(*secret);
  return Status::Ok();
}

Status Deliverer::Impl::DeliverWebhooks(DeliveryReport& report) {
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::WebhookEndpointRecord> endpoints,
                          core_.data().GetWebhookEndpoints());
  PRIVET_ASSIGN_OR_RETURN(int64_t lowest, core_.data().LastWebhookEventSeq());
  delivery::WebhookClient client(options_);
  for (store::WebhookEndpointRecord& e : endpoints) {
    PRIVET_RETURN_IF_ERROR(DeliverToEndpoint(client, e, report));
    lowest = std::min(lowest, e.cursor);
  }
  // Every endpoint is past these events (and those before any endpoint existed went to none):
  // they are no longer needed, except by dead letters, which the prune keeps.
  if (lowest > pruned_through_) {
    store::WriteBatch prune;
    prune.PruneWebhookEvents(lowest);
    PRIVET_RETURN_IF_ERROR(core_.Commit(prune, {}));
    pruned_through_ = lowest;
  }
  return Status::Ok();
}

StatusOr<DeliveryReport> Deliverer::Impl::RunOnce() {
  MutexLock lock(&pass_mu_);
  DeliveryReport report;
  // Breach notices a failure left pending are queued first, so that this pass sends them.
  (void)vault_.ResumeBreachNotices();
  const Status emails = DeliverEmails(report);
  const Status webhooks = DeliverWebhooks(report);
  totals_.emails_sent += report.emails_sent;
  totals_.webhooks_sent += report.webhooks_sent;
  totals_.retries_scheduled += report.retries_scheduled;
  totals_.dead += report.dead;
  totals_.undeliverable += report.undeliverable;
  totals_.cancelled += report.cancelled;
  PRIVET_RETURN_IF_ERROR(emails);
  PRIVET_RETURN_IF_ERROR(webhooks);
  return report;
}

// --- The admin's endpoints and dead letters -----------------------------------------------------

namespace {

WebhookEndpoint ToEndpoint(const store::WebhookEndpointRecord& r) {
  WebhookEndpoint e{.id = r.id,
                    .url = r.url,
                    .created_at = FromUnix(r.created_at),
                    .delivered_through = r.cursor,
                    .attempts = r.attempts,
                    .last_error = r.last_error};
  const nlohmann::json events = nlohmann::json::parse(r.events, nullptr, false);
  if (events.is_array()) {
    for (const nlohmann::json& t : events)
      if (t.is_string()) e.events.push_back(t.get<std::string>());
  }
  return e;
}

}  // namespace

StatusOr<CreatedWebhook> Deliverer::Impl::AddWebhook(const NewWebhook& w, const Principal& by) {
  PRIVET_RETURN_IF_ERROR(delivery::CheckWebhookUrl(w.url, options_.allow_loopback_http));
  if (w.events.empty()) return InvalidArgument("name at least one event type", "events");
  std::set<std::string> events;
  for (const std::string& t : w.events) {
    if (std::find(webhook_event::kAll.begin(), webhook_event::kAll.end(), t) ==
        webhook_event::kAll.end()) {
      return InvalidArgument(
          "not an event type (subject.erased, request.fulfilled, "
          "consent.withdrawn, breach.recorded)",
          "events");
    }
    events.insert(t);
  }
  MutexLock lock(&pass_mu_);
  PRIVET_ASSIGN_OR_RETURN(int64_t last, core_.data().LastWebhookEventSeq());
  uint64_t id = 0;
  while (id == 0 || id > (uint64_t{1} << 53)) id = core_.id_source().Next() >> 11;  // JSON-safe
  CreatedWebhook created;
  created.secret = crypto::RandomHex(32);
  const store::WebhookEndpointRecord record{
      .id = id,
      .url = w.url,
      .events = nlohmann::json(std::vector<std::string>(events.begin(), events.end())).dump(),
      .sealed_secret = core_.SealService(kSecretContext, created.secret),
      .created_at = ToUnix(core_.clock().Now()),
      .cursor = last};
  store::WriteBatch batch;
  batch.PutWebhookEndpoint(record);
  AuditEntry e = core_.Audit(AuditEvent::kKeyEvent, by, 0);
  e.action = "add_webhook";
  e.detail = "webhook:" + std::to_string(id);
  PRIVET_RETURN_IF_ERROR(core_.Commit(batch, {std::move(e)}));
  created.endpoint = ToEndpoint(record);
  return created;
}

StatusOr<std::vector<WebhookEndpoint>> Deliverer::Impl::Webhooks() {
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::WebhookEndpointRecord> rows,
                          core_.data().GetWebhookEndpoints());
  std::vector<WebhookEndpoint> out;
  for (const store::WebhookEndpointRecord& r : rows) out.push_back(ToEndpoint(r));
  return out;
}

Status Deliverer::Impl::RemoveWebhook(uint64_t id, const Principal& by) {
  MutexLock lock(&pass_mu_);
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::WebhookEndpointRecord> rows,
                          core_.data().GetWebhookEndpoints());
  if (std::none_of(rows.begin(), rows.end(),
                   [&](const store::WebhookEndpointRecord& r) { return r.id == id; })) {
    return NotFound("no such webhook endpoint", "id");
  }
  store::WriteBatch batch;
  batch.RemoveWebhookEndpoint(id);
  AuditEntry e = core_.Audit(AuditEvent::kKeyEvent, by, 0);
  e.action = "remove_webhook";
  e.detail = "webhook:" + std::to_string(id);
  return core_.Commit(batch, {std::move(e)});
}

StatusOr<std::vector<DeadLetter>> Deliverer::Impl::DeadLetters() {
  std::vector<DeadLetter> out;
  for (store::OutboxState state : {store::OutboxState::kDead, store::OutboxState::kUndeliverable}) {
    PRIVET_ASSIGN_OR_RETURN(std::vector<store::OutboxRecord> rows,
                            core_.data().GetOutboxInState(state));
    for (const store::OutboxRecord& r : rows) {
      out.push_back({.channel = "email",
                     .seq = r.seq,
                     .topic = r.topic,
                     .state = std::string(StateName(state)),
                     .attempts = r.attempts,
                     .error = r.last_error});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const DeadLetter& a, const DeadLetter& b) { return a.seq < b.seq; });
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::WebhookDeadLetterRecord> letters,
                          core_.data().GetWebhookDeadLetters());
  for (const store::WebhookDeadLetterRecord& d : letters) {
    PRIVET_ASSIGN_OR_RETURN(std::vector<store::WebhookEventRecord> ev,
                            core_.data().GetWebhookEvents(d.event_seq - 1, 1));
    out.push_back({.channel = "webhook",
                   .seq = d.event_seq,
                   .endpoint_id = d.endpoint_id,
                   .topic = !ev.empty() && ev.front().seq == d.event_seq ? ev.front().type : "",
                   .state = "dead",
                   .attempts = d.attempts,
                   .error = d.error});
  }
  return out;
}

Status Deliverer::Impl::Redeliver(const DeadLetter& letter, const Principal& by) {
  MutexLock lock(&pass_mu_);
  store::WriteBatch batch;
  AuditEntry e = core_.Audit(AuditEvent::kKeyEvent, by, 0);
  e.action = "redeliver";
  if (letter.channel == "email") {
    PRIVET_ASSIGN_OR_RETURN(std::vector<store::OutboxRecord> dead,
                            core_.data().GetOutboxInState(store::OutboxState::kDead));
    auto it = std::find_if(dead.begin(), dead.end(),
                           [&](const store::OutboxRecord& r) { return r.seq == letter.seq; });
    if (it == dead.end()) return NotFound("no such dead letter", "seq");
    batch.UpdateOutboxDelivery({.seq = letter.seq, .state = store::OutboxState::kPending});
    e.subject_id = it->subject_id;
    e.detail = "email:" + std::to_string(letter.seq);
    return core_.Commit(batch, {std::move(e)});
  }
  if (letter.channel != "webhook") return InvalidArgument("channel is email or webhook", "channel");
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::WebhookDeadLetterRecord> letters,
                          core_.data().GetWebhookDeadLetters());
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::WebhookEndpointRecord> endpoints,
                          core_.data().GetWebhookEndpoints());
  auto d = std::find_if(letters.begin(), letters.end(), [&](const auto& l) {
    return l.endpoint_id == letter.endpoint_id && l.event_seq == letter.seq;
  });
  auto endpoint = std::find_if(endpoints.begin(), endpoints.end(),
                               [&](const auto& r) { return r.id == letter.endpoint_id; });
  if (d == letters.end() || endpoint == endpoints.end())
    return NotFound("no such dead letter", "seq");
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::WebhookEventRecord> ev,
                          core_.data().GetWebhookEvents(letter.seq - 1, 1));
  if (ev.empty() || ev.front().seq != letter.seq) return NotFound("no such dead letter", "seq");
  PRIVET_ASSIGN_OR_RETURN(std::string secret,
                          core_.OpenService(kSecretContext, endpoint->sealed_secret));
  const int64_t now = ToUnix(core_.clock().Now());
  std::optional<SignedEvent> signed_event = SignEvent(ev.front(), secret, now);
  Wipe(secret);
  if (!signed_event) return Status(StatusCode::kDataLoss, "the event cannot be opened");
  delivery::WebhookClient client(options_);
  const delivery::PostResult posted =
      client.Post(endpoint->url, signed_event->body, signed_event->signature, signed_event->key);
  if (!posted.acknowledged)
    return Status(StatusCode::kUnavailable, "the endpoint did not acknowledge: " + posted.error);
  batch.RemoveWebhookDeadLetter(letter.endpoint_id, letter.seq);
  e.detail = "webhook:" + std::to_string(letter.endpoint_id) + ":" + std::to_string(letter.seq);
  return core_.Commit(batch, {std::move(e)});
}

// --- Deliverer ----------------------------------------------------------------------------------

Deliverer::Deliverer(Vault& vault, DeliveryOptions options)
    : impl_(std::make_unique<Impl>(vault, std::move(options))) {}
Deliverer::~Deliverer() = default;

StatusOr<CreatedWebhook> Deliverer::AddWebhook(const NewWebhook& webhook, const Principal& by) {
  return impl_->AddWebhook(webhook, by);
}
StatusOr<std::vector<WebhookEndpoint>> Deliverer::Webhooks() { return impl_->Webhooks(); }
Status Deliverer::RemoveWebhook(uint64_t id, const Principal& by) {
  return impl_->RemoveWebhook(id, by);
}
StatusOr<std::vector<DeadLetter>> Deliverer::DeadLetters() { return impl_->DeadLetters(); }
Status Deliverer::Redeliver(const DeadLetter& letter, const Principal& by) {
  return impl_->Redeliver(letter, by);
}
StatusOr<DeliveryReport> Deliverer::RunOnce() { return impl_->RunOnce(); }
DeliveryReport Deliverer::Totals() const { return impl_->Totals(); }
bool Deliverer::SendsMarketing() const { return impl_->SendsMarketing(); }
void Deliverer::Start(std::chrono::milliseconds period) { impl_->Start(period); }
void Deliverer::Wake() { impl_->Wake(); }
void Deliverer::Stop() { impl_->Stop(); }

}  // namespace privet
