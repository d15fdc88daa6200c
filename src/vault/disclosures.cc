// The disclosure register: what goes to a recipient, decided for the recipient (CN08, its
// function's categories; evidence) and for the subject (consent, opt-outs, objections,
// restriction), and recorded with what was withheld.
#include <algorithm>

#include "common/mutex.h"
#include "common/unix_time.h"
#include "vault/vault_impl.h"

namespace privet {
namespace {

using vault_internal::CollectedFor;

// Pieces of evidence on one disclosure.
constexpr size_t kMaxEvidence = 16;

}  // namespace

StatusOr<std::vector<FieldValue>> Vault::Impl::OpenFields(const CachedSubject& subject,
                                                          SubjectState state,
                                                          const CategorySet& categories,
                                                          PurposeId purpose, LegalBasis basis,
                                                          std::vector<WithheldField>& withheld) {
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::FieldRecord> fields,
                          data_->GetFields(subject.record.id));
  std::vector<FieldValue> out;
  for (store::FieldRecord& f : fields) {
    std::optional<CategoryId> c = policy_->FindCategory(f.category);
    if (!c || !categories.Test(*c) || !CollectedFor(*policy_, f.purposes, purpose)) continue;
    CategorySet one;
    one.Set(*c);
    state.collected_under_version = f.policy_version;
    if (Decision d = Decide(*policy_, Principal::Service(), Action::kDisclose, state, one, purpose);
        !d.allowed()) {
      withheld.push_back({f.category, d.reason});
      continue;
    }
    PRIVET_ASSIGN_OR_RETURN(
        std::string value,
        crypto::Open(subject.key, f.sealed_value,
                     crypto::FieldAssociatedData(subject.record.id, f.category, f.id)));
    out.push_back({.id = f.id,
                   .category = std::move(f.category),
                   .value = std::move(value),
                   .purposes = std::move(f.purposes),
                   .basis = basis,
                   .collected_at = FromUnix(f.collected_at),
                   .last_activity = FromUnix(f.last_activity),
                   .policy_version = f.policy_version});
  }
  return out;
}

StatusOr<DisclosureResult> Vault::Impl::Disclose(const Disclosure& d) {
  const CompiledPolicy& policy = *policy_;
  std::optional<RecipientId> recipient = policy.FindRecipient(d.recipient);
  if (!recipient) return InvalidArgument("not a recipient of the policy", "recipient");
  PRIVET_RETURN_IF_ERROR(Load(d.subject_id).status());
  StatusOr<CategorySet> categories = policy.Categories(d.categories);
  if (!categories.ok())
    return InvalidArgument("a category the policy does not declare", "categories");
  const CategorySet requested = *categories;
  if (d.evidence.size() > kMaxEvidence)
    return InvalidArgument("at most " + std::to_string(kMaxEvidence) + " pieces of evidence",
                           "evidence");
  std::vector<std::string> evidence_names;  // "court_order:REF" -> "court_order"
  for (size_t i = 0; i < d.evidence.size(); ++i) {
    PRIVET_RETURN_IF_ERROR(CheckReference(d.evidence[i], "evidence[" + std::to_string(i) + "]"));
    evidence_names.push_back(d.evidence[i].substr(0, d.evidence[i].find(':')));
  }
  auto refusal = [&](Reason reason, const std::string& why) {
    return PermissionDenied(reason, why, "recipient");
  };
  std::optional<PurposeId> purpose = policy.FindPurpose(d.purpose);
  if (!purpose) {
    Status refused = refusal(Reason::kUnknownPurpose, "a purpose the policy does not declare");
    AuditRefusal(AuditEvent::kDisclosure, Principal::Service(), d.subject_id, refused, d.purpose);
    return refused;
  }
  // CN08: only what the recipient's function needs goes; the rest is withheld.
  const CategorySet allowed = requested & policy.recipient(*recipient).categories;

  DisclosureResult result;
  store::WriteBatch batch;
  AuditEntry audited;
  std::unique_lock<Mutex> write_lock;
  Status decided =
      DecideThenLock(d.subject_id, write_lock, [&](const CachedSubject& subject) -> Status {
        result = DisclosureResult();
        batch = store::WriteBatch();
        for (int c = 0; c < policy.category_count(); ++c)
          if (requested.Test(c) && !allowed.Test(c))
            result.withheld.push_back(
                {policy.category(static_cast<CategoryId>(c)).id, Reason::kCategoryNotForRecipient});
        PRIVET_ASSIGN_OR_RETURN(int notified, NotifiedVersion(subject));
        Decision to_recipient =
            DecideDisclosure(policy, {.recipient = *recipient,
                                      .categories = allowed.Any() ? allowed : requested,
                                      .purpose = *purpose,
                                      .evidence = &evidence_names,
                                      .notified_version = notified,
                                      .opted_out = subject.state.recipient_opt_outs});
        if (!to_recipient.allowed())
          return refusal(to_recipient.reason,
                         "'" + d.recipient + "' may not receive this for '" + d.purpose + "'");
        // The subject's side: consent, opt-outs, objections, restriction, tenant scope.
        Decision for_subject = Decide(policy, Principal::Service(), Action::kDisclose,
                                      subject.state, allowed, *purpose);
        if (!for_subject.allowed())
          return refusal(for_subject.reason, "the subject's choices do not allow this disclosure");

        SubjectState state = subject.state;
        state.notified_version = notified;
        PRIVET_ASSIGN_OR_RETURN(result.released, OpenFields(subject, state, allowed, *purpose,
                                                            for_subject.basis, result.withheld));
        if (result.released.empty())
          return Status::Ok();  // nothing held for that purpose: nothing goes
        store::DisclosureRecord record{.subject_id = d.subject_id,
                                       .recipient = d.recipient,
                                       .purpose = d.purpose,
                                       .evidence = d.evidence,
                                       .at = ToUnix(clock_.Now()),
                                       .policy_version = policy.version()};
        for (const FieldValue& f : result.released) {
          if (std::find(record.categories.begin(), record.categories.end(), f.category) ==
              record.categories.end())
            record.categories.push_back(f.category);
        }
        audited = Audit(AuditEvent::kDisclosure, Principal::Service(), d.subject_id);
        audited.action = "disclose";
        audited.purpose = d.purpose;
        audited.detail = "recipient:" + d.recipient;
        audited.categories = record.categories;
        audited.basis = std::string(LegalBasisName(for_subject.basis));
        for (const WithheldField& w : result.withheld)
          audited.withheld.push_back(w.category + ":" + std::string(ReasonName(w.reason)));
        batch.AppendDisclosure(std::move(record));
        return Status::Ok();
      });
  if (!decided.ok()) {
    AuditRefusal(AuditEvent::kDisclosure, Principal::Service(), d.subject_id, decided, d.purpose);
    return decided;
  }
  write_mu_.AssertHeld();  // DecideThenLock said OK: write_lock holds it
  if (result.released.empty()) return result;
  PRIVET_RETURN_IF_ERROR(ApplyAudited(batch, {audited}));
  return result;
}

StatusOr<std::vector<DisclosureEntry>> Vault::Impl::Disclosures(uint64_t id) {
  PRIVET_ASSIGN_OR_RETURN(std::shared_ptr<const CachedSubject> subject, Load(id));
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::DisclosureRecord> records, data_->GetDisclosures(id));
  std::vector<DisclosureEntry> out;
  out.reserve(records.size());
  for (auto& r : records)
    out.push_back({.recipient = std::move(r.recipient),
                   .purpose = std::move(r.purpose),
                   .categories = std::move(r.categories),
                   .evidence = std::move(r.evidence),
                   .at = FromUnix(r.at),
                   .policy_version = r.policy_version});
  return out;
}

}  // namespace privet
