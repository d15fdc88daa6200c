// The consent ledger: consent, opt-outs, objections, restriction and notices as events, folded
// into each subject's state; cookies cleared (CT10); the profile a withdrawal ends (CF15).
#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/mutex.h"
#include "common/unix_time.h"
#include "privet/webhook_events.h"
#include "vault/consent_state.h"
#include "vault/vault_impl.h"

namespace privet {

using vault_internal::EndsParticipation;

Status Vault::Impl::RecordConsent(uint64_t id, const ConsentChange& change) {
  return CommitConsents(id, std::span(&change, 1));
}

// The purpose a consent change is about ("" for events about the subject as a whole), or why the
// change is not one the policy knows.
StatusOr<std::string> Vault::Impl::ConsentPurpose(const ConsentChange& change) const {
  const CompiledPolicy& policy = *policy_;
  std::string purpose = change.purpose;
  // An opt-out from one recipient (CU06: "prevent the sharing ... by opting out"), or taking one
  // back: about that recipient only, never a purpose or channel.
  if (!change.recipient.empty()) {
    if (!policy.FindRecipient(change.recipient))
      return InvalidArgument("not a recipient of the policy", "recipient");
    if (change.action != ConsentAction::kOptOut && change.action != ConsentAction::kUndoOptOut)
      return InvalidArgument("a recipient takes opt_out or undo_opt_out only", "action");
    if (!purpose.empty() || !change.channel.empty())
      return InvalidArgument("an opt-out from a recipient names no purpose or channel",
                             "recipient");
    return std::string();
  }
  if (!change.channel.empty()) {
    const MarketingChannel* ch = FindMarketingChannel(policy.policy(), change.channel);
    if (!ch) return InvalidArgument("not a marketing channel of the policy", "channel");
    if (!purpose.empty() && purpose != ch->purpose)
      return InvalidArgument(
          "channel '" + change.channel + "' serves purpose '" + ch->purpose + "'", "purpose");
    purpose = ch->purpose;
  }
  // Events about the subject as a whole carry no purpose.
  const bool about_subject = change.action == ConsentAction::kRestrict ||
                             change.action == ConsentAction::kLiftRestriction ||
                             change.action == ConsentAction::kNotified ||
                             change.action == ConsentAction::kRemovedFromOrganization ||
                             change.action == ConsentAction::kLimitSensitiveUse ||
                             change.action == ConsentAction::kAllowSensitiveUse;
  const bool limit = change.action == ConsentAction::kLimitSensitiveUse ||
                     change.action == ConsentAction::kAllowSensitiveUse;
  const std::vector<Right>& offered = policy.policy().rights.offered;
  if (limit &&
      std::find(offered.begin(), offered.end(), Right::kLimitSensitiveUse) == offered.end())
    return InvalidArgument("the policy does not offer limit_sensitive_use", "action");
  if (about_subject) return std::string();
  if (!policy.FindPurpose(purpose))
    return InvalidArgument("a purpose the policy does not declare", "purpose");
  return purpose;
}

// Appends `changes` to the ledger in one commit: all of them or, if one is invalid, none.
Status Vault::Impl::CommitConsents(uint64_t id, std::span<const ConsentChange> changes,
                                   const ConsentEvidence& evidence) {
  const CompiledPolicy& policy = *policy_;
  std::vector<std::string> purposes;
  for (const ConsentChange& change : changes) {
    PRIVET_ASSIGN_OR_RETURN(std::string purpose, ConsentPurpose(change));
    purposes.push_back(std::move(purpose));
  }
  PRIVET_RETURN_IF_ERROR(Load(id).status());  // a live subject, and its state cached for the update

  store::WriteBatch batch;
  std::vector<AuditEntry> entries;
  PurposeSet ended;  // the purposes the subject leaves
  for (size_t i = 0; i < changes.size(); ++i) {
    const ConsentChange& change = changes[i];
    batch.AppendConsent({.subject_id = id,
                         .purpose = purposes[i],
                         .channel = change.channel,
                         .recipient = change.recipient,
                         .action = std::string(ConsentActionName(change.action)),
                         .source = std::string(ConsentSourceName(change.source)),
                         .at = ToUnix(clock_.Now()),
                         .policy_version = policy.version(),
                         .string_created = evidence.created ? ToUnix(*evidence.created) : 0,
                         .string_updated = evidence.updated ? ToUnix(*evidence.updated) : 0,
                         .text_hash = evidence.text_hash});
    AuditEntry& consent =
        entries.emplace_back(Audit(AuditEvent::kConsent, Principal::Subject(id), id));
    consent.principal =
        std::string(ConsentSourceName(change.source));  // who spoke: form, gpc, staff, ...
    consent.action = std::string(ConsentActionName(change.action));
    consent.purpose = purposes[i];
    consent.detail = !change.channel.empty()     ? "channel:" + change.channel
                     : !change.recipient.empty() ? "recipient:" + change.recipient
                                                 : "";
    if (!purposes[i].empty() && EndsParticipation(change.action))
      ended |= policy.purpose(*policy.FindPurpose(purposes[i])).self_and_descendants;
    // Downstream systems that act on the subject's data must stop too.
    if (EndsParticipation(change.action)) {
      const nlohmann::json data = {
          {"subject_id", std::to_string(id)}, {"action", consent.action},
          {"purpose", purposes[i]},           {"channel", change.channel},
          {"recipient", change.recipient},    {"source", consent.principal}};
      AddWebhookEvent(batch, webhook_event::kConsentWithdrawn, id, data.dump());
    }
  }
  // The commit also folds the events into the cached state (AfterCommit), under the write lock:
  // ledger order == cache order.
  MutexLock write_lock(&write_mu_);
  // Leaving a profiling purpose ends the profile built for it, in the same commit (CF15).
  PRIVET_RETURN_IF_ERROR(DeleteProfileInto(id, ended, batch, entries));
  return ApplyAudited(batch, std::move(entries));
}

StatusOr<std::vector<ConsentEvent>> Vault::Impl::CommitConsentEvents(
    uint64_t id, std::span<const ConsentChange> changes, const ConsentEvidence& evidence) {
  std::vector<ConsentEvent> recorded;
  if (changes.empty()) return recorded;
  const Time now = clock_.Now();
  PRIVET_RETURN_IF_ERROR(CommitConsents(id, changes, evidence));
  for (const ConsentChange& c : changes) {
    recorded.push_back({.purpose = c.purpose,
                        .action = c.action,
                        .source = c.source,
                        .at = now,
                        .policy_version = policy_->version(),
                        .string_created = evidence.created,
                        .string_updated = evidence.updated,
                        .text_hash = evidence.text_hash});
  }
  return recorded;
}

// Clearing or blocking cookies withdraws the choices they carry (CT10): each named cookie's
// purpose (every non-essential cookie's when none is named) is withdrawn, or opted out of if it
// is an opt-out purpose, in one commit. Essential cookies carry no choice.
Status Vault::Impl::CookiesCleared(uint64_t id, const std::vector<std::string>& cookie_ids) {
  const CompiledPolicy& policy = *policy_;
  const std::vector<Cookie>& cookies = policy.policy().cookies;
  for (const std::string& named : cookie_ids) {
    if (FindCookie(policy.policy(), named) == nullptr)
      return InvalidArgument("not a cookie of the policy", "cookies");
  }
  std::vector<ConsentChange> changes;
  for (const Cookie& c : cookies) {
    if (c.essential) continue;
    if (!cookie_ids.empty() &&
        std::find(cookie_ids.begin(), cookie_ids.end(), c.id) == cookie_ids.end())
      continue;
    const bool opt_out =
        policy.purpose(*policy.FindPurpose(c.purpose)).consent == ConsentMode::kOptOut;
    changes.push_back({.purpose = c.purpose,
                       .action = opt_out ? ConsentAction::kOptOut : ConsentAction::kWithdraw,
                       .source = ConsentSource::kCookieBanner});
  }
  return CommitConsents(id, changes);
}

namespace {

bool IsLowerHexSha256(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

Status CheckCookieChoices(const CompiledPolicy& policy, const CookieChoices& choices) {
  if (!IsLowerHexSha256(choices.text_hash))
    return InvalidArgument("the banner text's SHA-256, as 64 lowercase hex digits", "text_hash");
  if (choices.cookies.empty()) return InvalidArgument("no cookie chosen", "cookies");
  for (size_t i = 0; i < choices.cookies.size(); ++i) {
    const auto& [id, allowed] = choices.cookies[i];
    const Cookie* cookie = FindCookie(policy.policy(), id);
    if (cookie == nullptr) return InvalidArgument("not a cookie of the policy", "cookies");
    for (size_t j = 0; j < i; ++j) {
      if (choices.cookies[j].first == id)
        return InvalidArgument("a cookie chosen twice", "cookies");
    }
    if (cookie->essential && !allowed)
      return InvalidArgument("an essential cookie cannot be declined: the site needs it",
                             "cookies");
    // One purpose, one choice: cookies that serve it are allowed or declined together.
    for (size_t j = 0; j < i; ++j) {
      const auto& [other, other_allowed] = choices.cookies[j];
      if (other_allowed != allowed &&
          FindCookie(policy.policy(), other)->purpose == cookie->purpose)
        return InvalidArgument("cookies '" + other + "' and '" + id +
                                   "' serve one purpose: allow or decline them together",
                               "cookies");
    }
  }
  return Status::Ok();
}

// A choice in the consent banner (CT10): each named cookie's purpose granted or withdrawn, with
// the text it was chosen on. Checked whole before anything is recorded.
StatusOr<std::vector<ConsentEvent>> Vault::Impl::RecordCookieChoices(uint64_t id,
                                                                     const CookieChoices& choices) {
  const CompiledPolicy& policy = *policy_;
  PRIVET_RETURN_IF_ERROR(CheckCookieChoices(policy, choices));
  std::vector<ConsentChange> changes;
  for (const auto& [cookie_id, allowed] : choices.cookies) {
    const Cookie& cookie = *FindCookie(policy.policy(), cookie_id);
    if (cookie.essential) continue;  // no choice to record
    if (std::any_of(changes.begin(), changes.end(),
                    [&](const ConsentChange& c) { return c.purpose == cookie.purpose; }))
      continue;  // another cookie of the same purpose (chosen alike: checked above)
    const bool opt_out =
        policy.purpose(*policy.FindPurpose(cookie.purpose)).consent == ConsentMode::kOptOut;
    const ConsentAction action =
        opt_out ? (allowed ? ConsentAction::kUndoOptOut : ConsentAction::kOptOut)
                : (allowed ? ConsentAction::kGrant : ConsentAction::kWithdraw);
    changes.push_back(
        {.purpose = cookie.purpose, .action = action, .source = ConsentSource::kCookieBanner});
  }
  // Essential cookies only: nothing to choose, nothing recorded.
  return CommitConsentEvents(id, changes, {.text_hash = choices.text_hash});
}

// The subject's profile within `ended`, the purposes the subject has just left: of those that
// build a profile (`profiling`, itself or an ancestor), the fields derived for one (source
// `derived`) and the fields held for nothing else. Their deletion joins `batch`, recorded as one
// "profile_deleted" audit entry. Fields also held for another purpose stay.
Status Vault::Impl::DeleteProfileInto(uint64_t id, const PurposeSet& ended,
                                      store::WriteBatch& batch, std::vector<AuditEntry>& entries) {
  const CompiledPolicy& policy = *policy_;
  PurposeSet profiling;
  for (int p = 0; p < policy.purpose_count(); ++p) {
    if (ended.Test(static_cast<PurposeId>(p)) &&
        policy.purpose(static_cast<PurposeId>(p)).profiling)
      profiling.Set(static_cast<PurposeId>(p));
  }
  if (profiling.None()) return Status::Ok();
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::FieldRecord> fields, data_->GetFields(id));
  std::vector<store::FieldRecord> profile;
  std::vector<std::string> categories;
  for (store::FieldRecord& f : fields) {
    auto for_profiling = [&](const std::string& p) {
      std::optional<PurposeId> pid = policy.FindPurpose(p);
      return pid && profiling.Test(*pid);
    };
    const bool derived = f.source == DataSourceName(DataSource::kDerived);
    const bool in_profile =
        derived ? std::any_of(f.purposes.begin(), f.purposes.end(), for_profiling)
                : !f.purposes.empty() &&
                      std::all_of(f.purposes.begin(), f.purposes.end(), for_profiling);
    if (!in_profile) continue;
    if (std::find(categories.begin(), categories.end(), f.category) == categories.end())
      categories.push_back(f.category);
    profile.push_back(std::move(f));
  }
  if (profile.empty()) return Status::Ok();
  PRIVET_RETURN_IF_ERROR(DeleteFieldsInto(id, profile, batch));
  AuditEntry deleted = Audit(AuditEvent::kFieldDeletion, Principal::Subject(id), id);
  deleted.action = "profile_deleted";
  deleted.categories = std::move(categories);
  deleted.detail = "fields:" + std::to_string(profile.size());
  entries.push_back(std::move(deleted));
  return Status::Ok();
}

StatusOr<std::vector<ConsentEvent>> Vault::Impl::ConsentHistory(uint64_t id) {
  PRIVET_ASSIGN_OR_RETURN(std::shared_ptr<const CachedSubject> subject, Load(id));
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::ConsentEventRecord> records,
                          data_->GetConsentEvents(id));
  std::vector<ConsentEvent> events;
  for (const auto& r : records) {
    ConsentEvent e{.purpose = r.purpose,
                   .channel = r.channel,
                   .recipient = r.recipient,
                   .at = FromUnix(r.at),
                   .policy_version = r.policy_version};
    if (auto a = ParseConsentActionName(r.action)) e.action = *a;
    if (auto s = ParseConsentSourceName(r.source)) e.source = *s;
    if (r.string_created != 0) e.string_created = FromUnix(r.string_created);
    if (r.string_updated != 0) e.string_updated = FromUnix(r.string_updated);
    e.text_hash = r.text_hash;
    events.push_back(std::move(e));
  }
  return events;
}

StatusOr<SubjectState> Vault::Impl::State(uint64_t id) {
  PRIVET_ASSIGN_OR_RETURN(std::shared_ptr<const CachedSubject> subject, Load(id));
  return subject->state;
}

StatusOr<int> Vault::Impl::NotifiedVersion(const CachedSubject& subject) {
  int version = subject.record.policy_version;
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::ConsentEventRecord> events,
                          data_->GetConsentEvents(subject.record.id));
  const std::optional<Duration>& window = policy_->policy().changes.opt_out_window;
  const Time now = clock_.Now();
  for (const auto& e : events) {
    if (e.action != ConsentActionName(ConsentAction::kNotified)) continue;
    Time usable_from = FromUnix(e.at);
    if (window) {
      switch (window->unit) {
        case TimeUnit::kHours:
          usable_from += std::chrono::hours(window->count);
          break;
        case TimeUnit::kDays:
        case TimeUnit::kBusinessDays:
          usable_from += std::chrono::days(window->count);
          break;
        case TimeUnit::kWeeks:
          usable_from += std::chrono::weeks(window->count);
          break;
        case TimeUnit::kMonths:
          usable_from += std::chrono::months(window->count);
          break;
        case TimeUnit::kYears:
          usable_from += std::chrono::years(window->count);
          break;
      }
    }
    if (usable_from <= now) version = std::max(version, e.policy_version);
  }
  return version;
}

}  // namespace privet
