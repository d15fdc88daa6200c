// A write batch: the writes one DataStore::Apply commits together, as one ordered list of
// operations. Every store applies the operations in the order they were added, in one
// transaction: all of them or none.
//
//   store::WriteBatch batch;
//   batch.PutSubject(subject);            // the subject first: its rows refer to it
//   batch.PutField(field);
//   batch.AppendAudit({.index = n, .entry = bytes});
//   PRIVET_RETURN_IF_ERROR(data.Apply(batch));
//
// Because the order is the order of adding, a later operation sees what an earlier one did: a
// field put after the subject's PutSubject finds its subject, a blind-index entry deleted and
// then put again exists afterwards, and one put and then deleted does not. (Before issue 16 the
// stores applied a fixed order by kind; every caller already added its operations in an order
// that gives the same result, see src/store/README.md.)
//
// What each operation REQUIRES, and the error when it does not hold (nothing of the batch is
// applied then):
// - PutSubject: the id is new (AlreadyExists).
// - UpdateProfile, PutField, AppendConsent, AppendDisclosure, PutBlindIndex, AppendOutbox,
//   PutLegalHold: the subject exists at that point of the batch (FailedPrecondition).
// - PutBlindIndex: the (index, hash) does not name another subject (AlreadyExists); naming the
//   same subject it is a no-op. That check comes before the subject's existence.
// - PutBreachAffected: none is recorded for the breach yet (AlreadyExists).
// - PutPolicyVersion: the version is new (AlreadyExists). SetPolicyNoticeProgress: the version
//   is recorded (FailedPrecondition).
// - AppendAudit: the entry's index is the log's size at that point, i.e. the entries extend the
//   log contiguously (an index already used: AlreadyExists; a gap: FailedPrecondition).
// The other operations cannot fail on their arguments: DeleteField, DeleteBlindIndex,
// MarkOutboxSent, UpdateOutboxDelivery, RemoveLegalHold, RemoveWebhookEndpoint,
// RemoveWebhookDeadLetter and PruneWebhookEvents change nothing when nothing matches;
// PurgeSubject of a missing subject is a no-op; PutRequest, PutTreeHead, PutWebhookEndpoint and
// PutWebhookDeadLetter insert or replace; AppendWebhookEvent always appends (an event may
// outlive its subject); PutLifecycleEvent keeps the later time; AddAggregate adds up.
//
// Readers of a batch (a store's Apply, the vault's caches) walk `ops()` with std::visit, or
// ForEach; `Overloaded` builds a visitor from lambdas. Not thread-safe: one thread builds a
// batch, then any number may read it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "store/records.h"

namespace privet::store {

// The operations of a batch, one struct each, named as WriteBatch's adding methods.
namespace op {
struct PutSubject {
  SubjectRecord subject;
};
// Replaces an existing subject's sealed profile.
struct UpdateProfile {
  uint64_t subject_id = 0;
  std::string sealed_profile;
};
// Inserts the field, or replaces the field of that id (also one that was another subject's).
struct PutField {
  FieldRecord field;
};
// Deletes field `field_id` of subject `subject_id` (nothing if the field is another subject's).
// The subject is named so that whoever applies the batch knows whose fields changed.
struct DeleteField {
  uint64_t subject_id = 0;
  uint64_t field_id = 0;
};
// Appends an event; the store assigns `seq` (the value given is ignored).
struct AppendConsent {
  ConsentEventRecord event;
};
// Appends a disclosure; the store assigns `seq`.
struct AppendDisclosure {
  DisclosureRecord disclosure;
};
// Removes every row of the subject, as DataStore::PurgeSubject.
struct PurgeSubject {
  uint64_t subject_id = 0;
};
struct PutBlindIndex {
  BlindIndexRecord entry;
};
// Removes the entry only where it names that subject.
struct DeleteBlindIndex {
  BlindIndexRecord entry;
};
struct AppendAudit {
  AuditRecord entry;
};
// Inserts or replaces the head of that tree size.
struct PutTreeHead {
  TreeHeadRecord head;
};
// Inserts or replaces the request of that id.
struct PutRequest {
  RequestRecord request;
};
// Appends a message; the store assigns `seq` and it starts unsent (sent_at is ignored).
struct AppendOutbox {
  OutboxRecord message;
};
// Marks message `seq` sent at `sent_at`, unless it was already marked.
struct MarkOutboxSent {
  int64_t seq = 0;
  int64_t sent_at = 0;
};
// Records a delivery attempt's outcome on message `seq`: its state, attempts, next attempt,
// error and (when sent) sent_at. Nothing when no such message is left (purged meanwhile).
struct UpdateOutboxDelivery {
  int64_t seq = 0;
  OutboxState state = OutboxState::kPending;
  int attempts = 0;
  int64_t next_attempt_at = 0;
  std::string last_error;
  int64_t sent_at = 0;
};
// Appends an event for the webhook endpoints; the store assigns `seq`.
struct AppendWebhookEvent {
  WebhookEventRecord event;
};
// Inserts or replaces the endpoint of that id (its cursor and retry state too).
struct PutWebhookEndpoint {
  WebhookEndpointRecord endpoint;
};
// Removes the endpoint and its dead letters. Nothing when there is no such endpoint.
struct RemoveWebhookEndpoint {
  uint64_t id = 0;
};
// Inserts or replaces the dead letter of (endpoint, event).
struct PutWebhookDeadLetter {
  WebhookDeadLetterRecord letter;
};
// Removes the dead letter of (endpoint, event) (redelivered). Nothing when there is none.
struct RemoveWebhookDeadLetter {
  uint64_t endpoint_id = 0;
  int64_t event_seq = 0;
};
// Deletes the events up to `through_seq` that no dead letter refers to (every endpoint is past
// them).
struct PruneWebhookEvents {
  int64_t through_seq = 0;
};
// Inserts or replaces the hold of (subject, rule).
struct PutLegalHold {
  LegalHoldRecord hold;
};
struct RemoveLegalHold {
  uint64_t subject_id = 0;
  std::string rule;
};
// Keeps the later of the stored and the new time of (subject, event).
struct PutLifecycleEvent {
  LifecycleEventRecord event;
};
// Adds `count` to the stored aggregate of (rule, category, day).
struct AddAggregate {
  AggregateRecord aggregate;
};
// Records a new published policy version.
struct PutPolicyVersion {
  PolicyVersionRecord version;
};
// Sets the notice progress of a recorded version (PolicyVersionRecord::notices_*).
struct SetPolicyNoticeProgress {
  int version = 0;
  uint64_t notices_through = 0;
  bool notices_pending = false;
};
// Records a breach, or replaces the record of the same id (its progress, the authority told).
struct PutBreach {
  BreachRecord breach;
};
// Records who a breach affected, once (the vault's own encoding: pseudonymous ids and category
// codes). A second one for the same breach: AlreadyExists.
struct PutBreachAffected {
  uint64_t breach_id = 0;
  std::string affected;
};
}  // namespace op

using WriteOp =
    std::variant<op::PutSubject, op::UpdateProfile, op::PutField, op::DeleteField,
                 op::AppendConsent, op::AppendDisclosure, op::PurgeSubject, op::PutBlindIndex,
                 op::DeleteBlindIndex, op::AppendAudit, op::PutTreeHead, op::PutRequest,
                 op::AppendOutbox, op::MarkOutboxSent, op::PutLegalHold, op::RemoveLegalHold,
                 op::PutLifecycleEvent, op::AddAggregate, op::UpdateOutboxDelivery,
                 op::AppendWebhookEvent, op::PutWebhookEndpoint, op::RemoveWebhookEndpoint,
                 op::PutWebhookDeadLetter, op::RemoveWebhookDeadLetter, op::PruneWebhookEvents,
                 op::PutPolicyVersion, op::SetPolicyNoticeProgress, op::PutBreach,
                 op::PutBreachAffected>;

// A visitor made of lambdas, for std::visit over a WriteOp:
//   std::visit(Overloaded{[](const op::PutField& p) {...}, [](const auto&) {}}, op);
template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

class WriteBatch {
 public:
  void PutSubject(SubjectRecord s) { Add(op::PutSubject{std::move(s)}); }
  void UpdateProfile(uint64_t subject_id, std::string sealed_profile) {
    Add(op::UpdateProfile{subject_id, std::move(sealed_profile)});
  }
  void PutField(FieldRecord f) { Add(op::PutField{std::move(f)}); }
  void DeleteField(uint64_t subject_id, uint64_t field_id) {
    Add(op::DeleteField{subject_id, field_id});
  }
  void AppendConsent(ConsentEventRecord e) { Add(op::AppendConsent{std::move(e)}); }
  void AppendDisclosure(DisclosureRecord d) { Add(op::AppendDisclosure{std::move(d)}); }
  void PurgeSubject(uint64_t subject_id) { Add(op::PurgeSubject{subject_id}); }
  void PutBlindIndex(BlindIndexRecord b) { Add(op::PutBlindIndex{std::move(b)}); }
  void DeleteBlindIndex(BlindIndexRecord b) { Add(op::DeleteBlindIndex{std::move(b)}); }
  void AppendAudit(AuditRecord a) {
    ops_.emplace_back(op::AppendAudit{std::move(a)});  // not counted in non_audit_
  }
  void PutTreeHead(TreeHeadRecord t) { Add(op::PutTreeHead{std::move(t)}); }
  void PutRequest(RequestRecord r) { Add(op::PutRequest{std::move(r)}); }
  void AppendOutbox(OutboxRecord m) { Add(op::AppendOutbox{std::move(m)}); }
  void MarkOutboxSent(int64_t seq, int64_t at) { Add(op::MarkOutboxSent{seq, at}); }
  void UpdateOutboxDelivery(op::UpdateOutboxDelivery u) { Add(std::move(u)); }
  void AppendWebhookEvent(WebhookEventRecord e) { Add(op::AppendWebhookEvent{std::move(e)}); }
  void PutWebhookEndpoint(WebhookEndpointRecord e) { Add(op::PutWebhookEndpoint{std::move(e)}); }
  void RemoveWebhookEndpoint(uint64_t id) { Add(op::RemoveWebhookEndpoint{id}); }
  void PutWebhookDeadLetter(WebhookDeadLetterRecord d) {
    Add(op::PutWebhookDeadLetter{std::move(d)});
  }
  void RemoveWebhookDeadLetter(uint64_t endpoint_id, int64_t event_seq) {
    Add(op::RemoveWebhookDeadLetter{endpoint_id, event_seq});
  }
  void PruneWebhookEvents(int64_t through_seq) { Add(op::PruneWebhookEvents{through_seq}); }
  void PutLegalHold(LegalHoldRecord h) { Add(op::PutLegalHold{std::move(h)}); }
  void RemoveLegalHold(uint64_t subject_id, std::string rule) {
    Add(op::RemoveLegalHold{subject_id, std::move(rule)});
  }
  void PutLifecycleEvent(LifecycleEventRecord e) { Add(op::PutLifecycleEvent{std::move(e)}); }
  void AddAggregate(AggregateRecord a) { Add(op::AddAggregate{std::move(a)}); }
  void PutPolicyVersion(PolicyVersionRecord v) { Add(op::PutPolicyVersion{std::move(v)}); }
  void SetPolicyNoticeProgress(int version, uint64_t notices_through, bool notices_pending) {
    Add(op::SetPolicyNoticeProgress{version, notices_through, notices_pending});
  }
  void PutBreach(BreachRecord b) { Add(op::PutBreach{std::move(b)}); }
  void PutBreachAffected(uint64_t breach_id, std::string affected) {
    Add(op::PutBreachAffected{breach_id, std::move(affected)});
  }
  // Moves every operation of `other` to the end of this batch, in order: a caller builds one
  // part apart and keeps it only if the part could be built whole.
  void Append(WriteBatch other) {
    for (WriteOp& o : other.ops_) ops_.push_back(std::move(o));
    non_audit_ += other.non_audit_;
    full_durability_ = full_durability_ || other.full_durability_;
  }

  // An audit-only batch that must survive power loss even when the store relaxes audit-only
  // commits (erasures, key events).
  void RequireFullDurability() { full_durability_ = true; }
  bool full_durability() const { return full_durability_; }

  // The operations, in the order they were added.
  const std::vector<WriteOp>& ops() const { return ops_; }
  // Calls `visit(op)` for each operation, in order, with the operation's own type.
  template <class F>
  void ForEach(F&& visit) const {
    for (const WriteOp& o : ops_) std::visit(visit, o);
  }
  size_t size() const { return ops_.size(); }
  // True when the batch holds nothing but audit entries (or nothing).
  bool audit_only() const { return non_audit_ == 0; }
  bool empty() const { return ops_.empty(); }

 private:
  template <class Op>
  void Add(Op o) {
    ops_.emplace_back(std::move(o));
    ++non_audit_;
  }

  std::vector<WriteOp> ops_;
  size_t non_audit_ = 0;  // operations other than AppendAudit
  bool full_durability_ = false;
};

}  // namespace privet::store
