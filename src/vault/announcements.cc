// Telling subjects of a policy change before it reaches their data (CU06): "you will be notified
// when your personal information may be shared with third parties or used for a purpose
// incompatible with the purpose(s) for which it was originally collected, and you will be able
// to prevent the sharing of this information by opting out."
//
// A purpose or recipient with `since_version` later than the version a subject's datum was
// collected under is new to that datum. The decision engine keeps such data from it until the
// subject was told and the policy's opt-out window has passed (decision.cc). Here privet tells
// them: one sealed outbox message per concerned subject, naming what is new and how to opt out,
// and the `notified` event that starts the window, in one commit.
#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "common/mutex.h"
#include "common/unix_time.h"
#include "vault/vault_impl.h"

namespace privet {
namespace {

using vault_internal::CollectedFor;

constexpr std::string_view kTopic = "policy_change";

// What is new to one subject's data: purposes and recipients, by index.
struct News {
  std::set<PurposeId> purposes;
  std::set<RecipientId> recipients;
  bool empty() const { return purposes.empty() && recipients.empty(); }
};

// What in the current policy is new to a datum of `category`, collected under `version` for
// `purposes`, of a subject created under `created_under`. The same tests as the decisions':
// a purpose is new to a datum collected before it (Decide); a recipient is new to a subject
// created before it (DecideDisclosure, from the subject's notified version), for data it may
// receive.
void AddNewsFor(const CompiledPolicy& policy, std::string_view category, int version,
                int created_under, const std::vector<std::string>& purposes, News& news) {
  std::optional<CategoryId> c = policy.FindCategory(category);
  if (!c) return;
  PurposeSet collected_for;
  for (const std::string& id : purposes)
    if (std::optional<PurposeId> p = policy.FindPurpose(id)) collected_for.Set(*p);
  auto serves = [&](int p) {
    return CollectedFor(policy.purpose(static_cast<PurposeId>(p)), collected_for);
  };
  for (int p = 0; p < policy.purpose_count(); ++p) {
    const CompiledPurpose& purpose = policy.purpose(static_cast<PurposeId>(p));
    if (purpose.since_version <= version || !purpose.categories.Test(*c)) continue;
    if (serves(p)) news.purposes.insert(static_cast<PurposeId>(p));
  }
  const std::vector<Recipient>& recipients = policy.policy().recipients;
  for (size_t r = 0; r < recipients.size(); ++r) {
    const CompiledRecipient& to = policy.recipient(static_cast<RecipientId>(r));
    if (to.since_version <= created_under || !to.categories.Test(*c)) continue;
    for (int p = 0; p < policy.purpose_count(); ++p) {
      if (to.purposes.Test(p) && serves(p)) {
        news.recipients.insert(static_cast<RecipientId>(r));
        break;
      }
    }
  }
}

// The latest version that declared something in `news`: a notice of it or later covers them all.
int LatestVersionOf(const CompiledPolicy& policy, const News& news) {
  int latest = 0;
  for (PurposeId p : news.purposes) latest = std::max(latest, policy.purpose(p).since_version);
  for (RecipientId r : news.recipients)
    latest = std::max(latest, policy.recipient(r).since_version);
  return latest;
}

}  // namespace

StatusOr<PolicyChangeAnnouncement> Vault::Impl::AnnouncePolicyChange(const Principal& by,
                                                                     const CompiledPolicy& policy) {
  // One announcement at a time: a subject is told once even if two are started together.
  MutexLock announcing(&announce_mu_);
  PolicyChangeAnnouncement result{.version = policy.version()};
  bool anything_new = false;
  for (int p = 0; p < policy.purpose_count(); ++p)
    anything_new |= policy.purpose(static_cast<PurposeId>(p)).since_version > 1;
  for (size_t r = 0; r < policy.policy().recipients.size(); ++r)
    anything_new |= policy.recipient(static_cast<RecipientId>(r)).since_version > 1;
  if (!anything_new) return result;
  // The subjects holding any data at all; each is then looked at whole.
  std::set<uint64_t> candidates;
  PRIVET_RETURN_IF_ERROR(data_->ScanFieldMetadata([&](const store::FieldMetadata& f) {
    candidates.insert(f.subject_id);
    return true;
  }));

  const std::optional<Duration>& window = policy.policy().changes.opt_out_window;
  for (uint64_t id : candidates) {
    // One subject whose data cannot be read is reported and skipped, never stops the others.
    auto unreadable = [&](const Status& s) {
      if (s.code() != StatusCode::kDataLoss) return false;
      result.subjects_unreadable.push_back(id);
      return true;
    };
    // The stored record says when the subject was created; the subject is opened (its key
    // unwrapped) only to seal a notice, not for every subject that holds data.
    PRIVET_ASSIGN_OR_RETURN(std::optional<store::SubjectRecord> record, data_->GetSubject(id));
    if (!record) continue;  // erased meanwhile
    StatusOr<std::vector<store::FieldRecord>> fields = data_->GetFields(id);
    if (!fields.ok()) {
      if (unreadable(fields.status())) continue;
      return fields.status();
    }
    News news;
    for (const store::FieldRecord& f : *fields)
      AddNewsFor(policy, f.category, f.policy_version, record->policy_version, f.purposes, news);
    if (news.empty()) continue;
    PRIVET_ASSIGN_OR_RETURN(std::vector<store::ConsentEventRecord> events,
                            data_->GetConsentEvents(id));
    const int latest = LatestVersionOf(policy, news);
    const bool told = std::any_of(events.begin(), events.end(), [&](const auto& e) {
      return e.action == ConsentActionName(ConsentAction::kNotified) && e.policy_version >= latest;
    });
    if (told) {
      ++result.already_told;
      continue;
    }
    StatusOr<std::shared_ptr<const CachedSubject>> subject = Load(id);
    if (!subject.ok()) {
      if (subject.status().code() == StatusCode::kNotFound || unreadable(subject.status()))
        continue;  // erased meanwhile, or reported
      return subject.status();
    }
    const Time now = clock_.Now();
    nlohmann::json purposes = nlohmann::json::array();
    for (PurposeId p : news.purposes) {
      const Purpose& declared = policy.policy().purposes[p];
      purposes.push_back({{"id", declared.id}, {"description", declared.description}});
    }
    nlohmann::json recipients = nlohmann::json::array();
    for (RecipientId r : news.recipients) {
      const Recipient& declared = policy.policy().recipients[r];
      recipients.push_back({{"id", declared.id},
                            {"name", declared.name},
                            {"function", declared.function},
                            {"country", declared.country}});
    }
    const nlohmann::json body = {
        {"policy_version", policy.version()},
        {"effective", CivilDayToString(policy.policy().effective)},
        {"new_purposes", purposes},
        {"new_recipients", recipients},
        {"opt_out_window", window ? nlohmann::json(DurationToString(*window)) : nlohmann::json()},
        {"opt_out",
         "POST /v1/subjects/{id}/consents with {\"purpose\": <id>, \"action\": \"opt_out\"} or "
         "{\"recipient\": <id>, \"action\": \"opt_out\"}"}};
    store::WriteBatch batch;
    batch.AppendOutbox({.subject_id = id,
                        .topic = std::string(kTopic),
                        .sealed_body = SealFor(**subject, id, OutboxContext(kTopic), body.dump()),
                        .created_at = ToUnix(now)});
    batch.AppendConsent({.subject_id = id,
                         .action = std::string(ConsentActionName(ConsentAction::kNotified)),
                         .source = std::string(ConsentSourceName(ConsentSource::kApi)),
                         .at = ToUnix(now),
                         .policy_version = policy.version()});
    AuditEntry told_entry = Audit(AuditEvent::kConsent, by, id);
    told_entry.action = std::string(ConsentActionName(ConsentAction::kNotified));
    told_entry.detail = "policy_change:" + std::to_string(policy.version()) +
                        ";purposes:" + std::to_string(news.purposes.size()) +
                        ";recipients:" + std::to_string(news.recipients.size());
    if (Status committed = Commit(batch, {told_entry}); !committed.ok()) {
      // Erased between the look and the commit: nobody left to tell.
      StatusOr<std::optional<store::SubjectRecord>> still = data_->GetSubject(id);
      if (still.ok() && !still->has_value()) continue;
      return committed;
    }
    ++result.subjects_told;
  }
  return result;
}

}  // namespace privet
