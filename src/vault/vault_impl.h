// Vault::Impl: the vault's core (vault_core.h) and the parts built on it, one file each.
//
//   subjects.cc      creating and importing subjects, their profile, lookup, location exemptions
//   writes.cc        writing, rectifying and deleting fields (CU01, CT02, CU04, CX02, CX03)
//   reads.cc         reads and their decisions (stored by the ReadAuditor, read_auditor.*)
//   consent.cc       the consent ledger, cookies, the profile a withdrawal ends (CF15)
//   disclosures.cc   the disclosure register (CN08, CT05)
//   marketing.cc     marketing channels: their decision, queued emails, unsubscribe tokens (CN14)
//   announcements.cc telling subjects of a policy change before it reaches their data (CU06)
//   policy_versions.cc publishing policy versions and their notices (CN16, CF17, CX10, CU11)
//   breaches.cc      the breach register, who a breach affected, and their notices (CN15)
//   sign_in_codes.cc the one-time sign-in code's message
//   erasure.cc       crypto-shredding erasure and its Purger
//   holds.cc         retention anchors, legal holds, aggregates, organization removal
//   vault.cc         opening a vault, and the public API forwarded to the parts
//
// Private to src/vault/.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/mutex.h"
#include "privet/vault.h"
#include "vault/erasure.h"
#include "vault/read_auditor.h"
#include "vault/vault_core.h"

namespace privet {

struct TcString;  // privet/tcf.h

class Vault::Impl : public vault_internal::VaultCore {
 public:
  using CachedSubject = vault_internal::CachedSubject;

  Impl(vault_internal::VaultLock lock, VaultOptions options, crypto::SecretKey master,
       std::unique_ptr<store::DataStore> data, std::unique_ptr<store::KeyStore> keys,
       crypto::SecretKey index_root, std::unique_ptr<audit::AuditLog> audit)
      : VaultCore(std::move(lock), std::move(options), std::move(master), std::move(data),
                  std::move(keys), std::move(index_root), std::move(audit)),
        auditor_(*this),
        purger_(*this, *keys_) {}
  ~Impl() override {
    auditor_.Drain();  // the committer stores what it holds and answers its readers
    purger_.Stop();
  }

  // subjects.cc
  StatusOr<uint64_t> CreateSubject(const NewSubject& s);
  StatusOr<std::vector<uint64_t>> Import(const std::vector<ImportedSubject>& subjects);
  StatusOr<SubjectInfo> GetSubject(uint64_t id);
  StatusOr<std::optional<uint64_t>> FindSubject(Identifier kind, std::string_view value);
  StatusOr<std::vector<uint64_t>> OrganizationMembers(uint64_t org);
  // Grants (with a reference) or revokes (without) a location exemption. Takes write_mu_.
  Status ChangeLocationExemption(const Principal& by, uint64_t id, std::string_view exemption,
                                 std::optional<std::string_view> reference);

  // writes.cc
  StatusOr<std::vector<uint64_t>> Write(const WriteRequest& request);
  Status Rectify(const Principal& principal, uint64_t id, uint64_t field_id,
                 std::string_view value);
  Status DeleteField(const Principal& principal, uint64_t id, uint64_t field_id);
  Status MayDeleteField(const Principal& principal, uint64_t id, uint64_t field_id);

  // reads.cc
  StatusOr<ReadResult> Read(const Principal& principal, uint64_t id, std::string_view purpose,
                            bool located = false);
  void ReadThen(const Principal& principal, uint64_t id, std::string_view purpose,
                Vault::ReadDone done);
  void ReadThen(const Principal& principal, uint64_t id, std::string_view purpose,
                Vault::ReadPrepare prepare, Vault::PreparedDone done, bool located = false);
  // Records the location a subject's own read carries (CX03), as a write for the subject kind's
  // interaction feature.
  Status RecordReadLocation(const Principal& principal, uint64_t id, const FieldInput& location);
  vault_internal::ReadAuditor& auditor() { return auditor_; }
  Status RecordRead(AuditEntry decision) override { return auditor_.Record(std::move(decision)); }

  // consent.cc
  Status RecordConsent(uint64_t id, const ConsentChange& change);
  Status CookiesCleared(uint64_t id, const std::vector<std::string>& cookie_ids);
  StatusOr<std::vector<ConsentEvent>> RecordCookieChoices(uint64_t id,
                                                          const CookieChoices& choices);
  StatusOr<std::vector<ConsentEvent>> RecordConsentString(uint64_t id, ConsentStringFormat format,
                                                          std::string_view text);
  StatusOr<std::vector<ConsentEvent>> ConsentHistory(uint64_t id);
  StatusOr<SubjectState> State(uint64_t id);

  // disclosures.cc
  StatusOr<DisclosureResult> Disclose(const Disclosure& d);
  StatusOr<std::vector<DisclosureEntry>> Disclosures(uint64_t id);

  // marketing.cc
  StatusOr<Decision> DecideMarketing(uint64_t id, std::string_view channel);
  Status QueueMarketing(const MarketingMessage& message);
  // sign_in_codes.cc
  Status QueueSignInCode(uint64_t id, std::string_view code, Time expires_at);
  StatusOr<std::string> UnsubscribeToken(uint64_t id, std::string_view channel);
  StatusOr<std::string> UnsubscribeChannel(std::string_view token);
  StatusOr<std::string> Unsubscribe(std::string_view token);

  // announcements.cc: tells the subjects what `policy` (the policy in force, or a version just
  // published) declares anew for their data.
  StatusOr<PolicyChangeAnnouncement> AnnouncePolicyChange(const Principal& by) {
    return AnnouncePolicyChange(by, *policy_);
  }
  StatusOr<PolicyChangeAnnouncement> AnnouncePolicyChange(const Principal& by,
                                                          const CompiledPolicy& policy);

  // policy_versions.cc
  StatusOr<PolicyVersion> PublishPolicy(const PolicyPublication& publication);
  StatusOr<std::vector<PolicyVersion>> PolicyVersions();
  // On open: records the opening policy as the first version of a vault that has none, and
  // finishes the notices of a version a crash interrupted.
  Status StartPolicyHistory();

  // breaches.cc
  StatusOr<Breach> RecordBreach(const BreachReport& report);
  StatusOr<std::vector<Breach>> Breaches();
  StatusOr<Breach> RecordAuthorityNotified(uint64_t id, Time at, const Principal& by);
  // On open: finishes the notices of a breach a crash interrupted.
  Status ResumeBreachNotices();

  // erasure.cc
  Status Erase(uint64_t id);
  void StartPurger() { purger_.Start(); }
  // For a reopen under another policy version (Opener::Reopen): stops the background work and
  // gives up the stores. FailedPrecondition, taking nothing, while decisions wait unstored (their
  // last commit failed): the vault must then be closed and opened in full.
  StatusOr<vault_internal::VaultCore::Stores> HandOver() {
    auditor_.Drain();
    if (!decisions().empty())
      return FailedPrecondition("read decisions are waiting for a commit that failed");
    purger_.Stop();
    return TakeStores();
  }

 private:
  friend class Vault;  // holds.cc: its retention and organization calls

  // subjects.cc: CreateSubject's checks; returns the profile to seal.
  StatusOr<std::string> CheckNewSubject(const NewSubject& s);

  // writes.cc: Write's checks for `request` on `subject_id`; adds the rows it writes to `batch`
  // and returns the new field ids. Nothing is stored. `held` says where the subject's stored
  // fields are (read only when the request names a feature).
  enum class HeldFields { kInStore, kNone };
  StatusOr<std::vector<uint64_t>> PrepareWrite(const WriteRequest& request, uint64_t subject_id,
                                               const CachedSubject& subject, HeldFields held,
                                               store::WriteBatch& batch);
  // `held`: the fields the subject already has (for CU04: never cookie ids beside named data).
  Status CheckWriteFields(const WriteRequest& request, const std::vector<store::FieldRecord>& held,
                          std::vector<CategoryId>& categories);
  // Allowed if `action` on the field's category is allowed for at least one of its purposes
  // (every one of them, when `all` is kAll); otherwise PermissionDenied with the reason.
  enum class Quantifier { kAny, kAll };
  Status CheckFieldAction(const Principal& principal, const CachedSubject& subject,
                          const store::FieldRecord& field, Action action, Quantifier quantifier);
  struct SuspendedFeature {
    const Feature* feature = nullptr;
    std::vector<std::string> missing;  // the required categories no longer held
  };
  std::vector<SuspendedFeature> FeaturesSuspendedBy(
      const CachedSubject& subject, std::string_view category,
      const std::vector<store::FieldRecord>& left) const;

  // reads.cc: a read without storing its decision: what Read returns, and in `decision` the
  // entry to store before any value is handed out. A refusal is recorded here already.
  // `located`: the read's location was recorded (RecordReadLocation), as a subject's own read
  // may need (CX03).
  StatusOr<ReadResult> ReadUnstored(const Principal& principal, uint64_t id,
                                    std::string_view purpose, AuditEntry& decision,
                                    bool located = false);

  // consent.cc
  StatusOr<std::string> ConsentPurpose(const ConsentChange& change) const;
  // What a set of changes was made on, recorded with each event: a consent string's own
  // timestamps, or the hash of the consent banner's text.
  struct ConsentEvidence {
    std::optional<Time> created;
    std::optional<Time> updated;
    std::string text_hash;
  };
  Status CommitConsents(uint64_t id, std::span<const ConsentChange> changes,
                        const ConsentEvidence& evidence = {});
  // The same, when there are changes, returning them as the ledger's events; none: nothing.
  StatusOr<std::vector<ConsentEvent>> CommitConsentEvents(uint64_t id,
                                                          std::span<const ConsentChange> changes,
                                                          const ConsentEvidence& evidence);
  // consent_strings.cc
  std::vector<ConsentChange> TcfChanges(const TcString& tc, const SubjectState& state,
                                        const std::vector<store::ConsentEventRecord>& ledger,
                                        ConsentSource source) const;
  Status DeleteProfileInto(uint64_t id, const PurposeSet& ended, store::WriteBatch& batch,
                           std::vector<AuditEntry>& entries);
  // The latest policy version the subject was notified of whose opt-out window has passed (the
  // version they signed up under counts as notified).
  StatusOr<int> NotifiedVersion(const CachedSubject& subject);

  // marketing.cc: the policy's channel `channel` (InvalidArgument otherwise); the decision for it
  // on `subject`'s state; the subject and channel of a token (NotFound, saying nothing more).
  StatusOr<const MarketingChannel*> FindChannel(std::string_view channel) const;
  Decision DecideChannel(const MarketingChannel& channel, const CachedSubject& subject) const;
  StatusOr<std::pair<uint64_t, const MarketingChannel*>> OpenToken(std::string_view token);

  // disclosures.cc: opens the subject's fields whose category is in `categories`, that were
  // collected for `purpose` or a purpose above it, and that the policy version they were
  // collected under lets `purpose` use (CN17, CU11, CU06), `state` being the subject's. The
  // fields the version rule keeps back are added to `withheld` with the reason.
  StatusOr<std::vector<FieldValue>> OpenFields(const CachedSubject& subject, SubjectState state,
                                               const CategorySet& categories, PurposeId purpose,
                                               LegalBasis basis,
                                               std::vector<WithheldField>& withheld);

  // policy_versions.cc: FailedPrecondition ("policy") unless the policy the vault is opened with
  // (when it came with its text) is the published version in force today.
  Status CheckOpeningPolicy(const std::vector<store::PolicyVersionRecord>& versions);
  // policy_versions.cc: finishes the notices of every version in `versions` still pending.
  Status ResumePolicyNotices(const std::vector<store::PolicyVersionRecord>& versions,
                             const Principal& by) REQUIRES(publish_mu_);
  // policy_versions.cc: queues the notices of `v` (emails, then the CU06 announcement) from
  // where its progress says, in commits of kPolicyNoticeBatch subjects, then clears
  // notices_pending. AddPolicyNotices adds to `batch` the emails of the next page of subjects
  // after `after` (called only where a version's changes.notify lists email).
  Status QueuePolicyNotices(const store::PolicyVersionRecord& v, const CompiledPolicy& policy,
                            const Principal& by) REQUIRES(publish_mu_);
  struct NoticeStep {
    uint64_t through = 0;  // the last subject looked at
    bool done = false;     // no subject after it
  };
  StatusOr<NoticeStep> AddPolicyNotices(const store::PolicyVersionRecord& v,
                                        const CompiledPolicy& policy, uint64_t after,
                                        store::WriteBatch& batch);

  // breaches.cc: who `b` affected (ascending subject ids, with the categories concerned), from
  // the audit entries before `audit_end` and the fields collected by the end of the window.
  struct Affected {
    std::vector<std::pair<uint64_t, CategorySet>> subjects;
    uint64_t with_data = 0;
  };
  StatusOr<Affected> FindAffected(const Breach& b, uint64_t audit_end);
  // breaches.cc: who a breach affected as recorded with it (store::op::PutBreachAffected), so
  // that its notices resume from the record, whatever changed since: ascending subject ids, each
  // with an index into `combos`, the sets of category ids concerned.
  struct AffectedList {
    std::vector<std::pair<uint64_t, uint16_t>> subjects;
    std::vector<std::vector<std::string>> combos;
  };
  // breaches.cc: queues the notices of `b` to `affected` from its progress on, in commits of
  // kBreachNoticeBatch, then clears notices_pending.
  Status QueueBreachNotices(Breach& b, store::BreachRecord& record, const AffectedList& affected)
      REQUIRES(breach_mu_);
  // breaches.cc: finishes the notices of every breach still pending.
  Status ResumeBreachNoticesLocked() REQUIRES(breach_mu_);
  Mutex breach_mu_;  // breaches.cc: one breach change at a time
  // breaches.cc: the register as last read (the public notice and /metrics read it on every
  // request); reset by every change to it.
  Mutex breaches_mu_ ACQUIRED_AFTER(breach_mu_);
  std::optional<std::vector<Breach>> breaches_ GUARDED_BY(breaches_mu_);
  void ForgetBreaches() {
    MutexLock lock(&breaches_mu_);
    breaches_.reset();
  }

  Mutex announce_mu_;  // announcements.cc: one policy-change announcement at a time
  Mutex publish_mu_;   // policy_versions.cc: one publication (or notice run) at a time
  // policy_versions.cc: the published versions as last read (the public notice lists them on
  // every request); reset by every change to them.
  Mutex versions_mu_ ACQUIRED_AFTER(publish_mu_);
  std::optional<std::vector<PolicyVersion>> versions_ GUARDED_BY(versions_mu_);
  void ForgetPolicyVersions() {
    MutexLock lock(&versions_mu_);
    versions_.reset();
  }
  vault_internal::ReadAuditor auditor_;
  vault_internal::Purger purger_;  // declared last: stopped before anything it uses goes
};

namespace vault_internal {

// Purpose limitation: a field serves the purposes it was collected for and the narrower
// purposes beneath them. A legal obligation or a vital interest reaches any field its purpose
// covers, whatever it was collected for (GDPR Art. 6(1)(c), (d)).
// `field_purposes`: the declared purposes among those the field was collected for.
bool CollectedFor(const CompiledPurpose& purpose, const PurposeSet& field_purposes);
bool CollectedFor(const CompiledPolicy& policy, const std::vector<std::string>& field_purposes,
                  PurposeId purpose);

// "a,b,c"
std::string Joined(const std::vector<std::string>& items);

}  // namespace vault_internal
}  // namespace privet
