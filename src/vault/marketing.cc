// Marketing channels (CN13, CN14, CT07): the decision for a channel, queueing a marketing email,
// and the one-click unsubscribe token that ends the channel (RFC 8058).
#include <nlohmann/json.hpp>

#include "common/unix_time.h"
#include "crypto/crypto.h"
#include "vault/vault_impl.h"

namespace privet {
namespace {

constexpr std::string_view kMarketingTopic = "marketing";
constexpr std::string_view kEmailChannel = "email";
constexpr size_t kMaxSubjectLine = 200;
constexpr size_t kMaxBody = size_t{256} * 1024;

// The policy's email category (the first whose identifier is email): what an email reads.
std::optional<CategoryId> EmailCategory(const CompiledPolicy& policy) {
  for (const Category& c : policy.policy().categories)
    if (c.identifier == "email") return policy.FindCategory(c.id);
  return std::nullopt;
}

Status CheckMessage(const MarketingMessage& m) {
  if (m.subject.empty() || m.subject.size() > kMaxSubjectLine)
    return InvalidArgument("a subject line of 1 to 200 bytes is required", "subject");
  if (m.subject.find_first_of("\r\n") != std::string::npos)
    return InvalidArgument("the subject line is one line", "subject");
  if (m.text.empty() || m.text.size() > kMaxBody)
    return InvalidArgument("a text of 1 byte to 256 KiB is required", "text");
  if (m.html.size() > kMaxBody) return InvalidArgument("the html is over 256 KiB", "html");
  return Status::Ok();
}

}  // namespace

StatusOr<const MarketingChannel*> Vault::Impl::FindChannel(std::string_view channel) const {
  const MarketingChannel* ch = FindMarketingChannel(policy_->policy(), channel);
  if (ch == nullptr) return InvalidArgument("not a marketing channel of the policy", "channel");
  return ch;
}

Decision Vault::Impl::DecideChannel(const MarketingChannel& channel,
                                    const CachedSubject& subject) const {
  const CompiledPolicy& policy = *policy_;
  const std::optional<PurposeId> purpose = policy.FindPurpose(channel.purpose);
  if (!purpose) return {.reason = Reason::kUnknownPurpose};  // the loader refuses this
  CategorySet categories;
  if (channel.id == kEmailChannel) {
    if (std::optional<CategoryId> email = EmailCategory(policy)) categories.Set(*email);
  }
  return Decide(policy, Principal::Service(), Action::kRead, subject.state, categories, *purpose);
}

StatusOr<Decision> Vault::Impl::DecideMarketing(uint64_t id, std::string_view channel) {
  PRIVET_ASSIGN_OR_RETURN(const MarketingChannel* ch, FindChannel(channel));
  PRIVET_ASSIGN_OR_RETURN(std::shared_ptr<const CachedSubject> subject, Load(id));
  return DecideChannel(*ch, *subject);
}

Status Vault::Impl::QueueMarketing(const MarketingMessage& m) {
  PRIVET_ASSIGN_OR_RETURN(const MarketingChannel* ch, FindChannel(m.channel));
  if (ch->id != kEmailChannel) {
    return FailedPrecondition("privet sends marketing by email only; ask for the decision on '" +
                                  ch->id + "' and send it yourself",
                              "channel");
  }
  PRIVET_RETURN_IF_ERROR(CheckMessage(m));
  const Contact& contact = policy_->policy().contact;
  if (contact.email.empty() && contact.address.empty() && contact.phone.empty() &&
      contact.web_form.empty()) {
    return FailedPrecondition(
        "the policy's contact gives no email, address, phone or web form for the footer every "
        "marketing email must carry (CN14)",
        "channel");
  }
  const nlohmann::json body = {
      {"channel", ch->id}, {"subject", m.subject}, {"text", m.text}, {"html", m.html}};
  store::WriteBatch batch;
  Decision allowed;
  std::unique_lock<Mutex> write_lock;
  // Decided under the write lock's protection: an opt-out committed meanwhile is seen.
  Status decided = DecideThenLock(m.subject_id, write_lock, [&](const CachedSubject& subject) {
    batch = store::WriteBatch();
    allowed = DecideChannel(*ch, subject);
    if (!allowed.allowed()) {
      return PermissionDenied(allowed.reason,
                              "marketing through '" + ch->id + "' may not reach this subject now",
                              "channel");
    }
    batch.AppendOutbox(
        {.subject_id = m.subject_id,
         .topic = std::string(kMarketingTopic),
         .sealed_body = SealFor(subject, m.subject_id, OutboxContext(kMarketingTopic), body.dump()),
         .created_at = ToUnix(clock_.Now())});
    return Status::Ok();
  });
  if (!decided.ok()) {
    AuditRefusal(AuditEvent::kDecision, m.by, m.subject_id, decided, ch->purpose);
    return decided;
  }
  write_mu_.AssertHeld();  // DecideThenLock said OK: write_lock holds it
  AuditEntry queued = Audit(AuditEvent::kDecision, m.by, m.subject_id);
  queued.action = "queue_marketing";
  queued.purpose = ch->purpose;
  queued.outcome = "allowed";
  queued.basis = std::string(LegalBasisName(allowed.basis));
  queued.detail = "channel:" + ch->id;
  return ApplyAudited(batch, {queued});
}

StatusOr<std::string> Vault::Impl::UnsubscribeToken(uint64_t id, std::string_view channel) {
  PRIVET_ASSIGN_OR_RETURN(const MarketingChannel* ch, FindChannel(channel));
  PRIVET_RETURN_IF_ERROR(Load(id).status());
  return crypto::SealUnsubscribeToken(unsubscribe_key_, id, ch->id);
}

// The subject and channel a token names, if both still exist; NotFound with one message for
// every other case, so that an answer tells nothing of whose the token was.
StatusOr<std::pair<uint64_t, const MarketingChannel*>> Vault::Impl::OpenToken(
    std::string_view token) {
  const Status unknown(StatusCode::kNotFound, "no such unsubscribe link");
  StatusOr<crypto::UnsubscribeTarget> target =
      crypto::OpenUnsubscribeToken(unsubscribe_key_, token);
  if (!target.ok()) return unknown;
  const MarketingChannel* ch = FindMarketingChannel(policy_->policy(), target->channel);
  if (ch == nullptr || !Load(target->subject_id).ok()) return unknown;
  return std::make_pair(target->subject_id, ch);
}

StatusOr<std::string> Vault::Impl::UnsubscribeChannel(std::string_view token) {
  PRIVET_ASSIGN_OR_RETURN(auto target, OpenToken(token));
  return target.second->id;
}

StatusOr<std::string> Vault::Impl::Unsubscribe(std::string_view token) {
  PRIVET_ASSIGN_OR_RETURN(auto target, OpenToken(token));
  const auto [id, ch] = target;
  PRIVET_ASSIGN_OR_RETURN(std::shared_ptr<const CachedSubject> subject, Load(id));
  const std::optional<PurposeId> purpose = policy_->FindPurpose(ch->purpose);
  if (purpose && subject->state.opt_outs.Test(*purpose)) return ch->id;  // already: idempotent
  PRIVET_RETURN_IF_ERROR(RecordConsent(id, {.channel = ch->id,
                                            .action = ConsentAction::kOptOut,
                                            .source = ConsentSource::kUnsubscribe}));
  return ch->id;
}

}  // namespace privet
