#include "store/memory/memory_store.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <tuple>
#include <utility>
#include <variant>

#include "common/mutex.h"

namespace privet::store {
namespace {

// Changes made inside one transaction, undone in reverse order unless it commits.
class UndoLog {
 public:
  void Add(std::function<void()> undo) { undo_.push_back(std::move(undo)); }
  void Rollback() {
    for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) (*it)();
    undo_.clear();
  }
  void Commit() { undo_.clear(); }

  // m[k] = v, undoably.
  template <class Map>
  void Assign(Map& m, const typename Map::key_type& k, typename Map::mapped_type v) {
    auto it = m.find(k);
    if (it == m.end()) {
      m.emplace(k, std::move(v));
      Add([&m, k] { m.erase(k); });
    } else {
      Add([&m, k, old = std::move(it->second)] { m.insert_or_assign(k, old); });
      it->second = std::move(v);
    }
  }
  // m.erase(k), undoably.
  template <class Map>
  void Erase(Map& m, const typename Map::key_type& k) {
    auto it = m.find(k);
    if (it == m.end()) return;
    Add([&m, k, old = std::move(it->second)] { m.emplace(k, old); });
    m.erase(it);
  }
  // Erases every entry of `m` whose key lies in [from, to], undoably.
  template <class Map>
  void EraseRange(Map& m, const typename Map::key_type& from, const typename Map::key_type& to) {
    std::vector<typename Map::key_type> keys;
    for (auto it = m.lower_bound(from); it != m.end() && !(to < it->first); ++it)
      keys.push_back(it->first);
    for (const auto& k : keys) Erase(m, k);
  }
  template <class T>
  void Set(T& slot, T value) {
    Add([&slot, old = slot] { slot = old; });
    slot = std::move(value);
  }

 private:
  std::vector<std::function<void()>> undo_;
};

constexpr int64_t kMaxSeq = std::numeric_limits<int64_t>::max();

class MemoryDataStore final : public DataStore {
 public:
  Status Apply(const WriteBatch& batch) override {
    MutexLock lock(&mu_);
    for (const WriteOp& o : batch.ops()) {
      Status applied = std::visit(
          [&](const auto& one) {
            mu_.AssertHeld();  // the visitor runs here, under the lock
            return ApplyOp(one);
          },
          o);
      if (!applied.ok()) {
        undo_.Rollback();
        return applied;
      }
    }
    undo_.Commit();
    return Status::Ok();
  }

  StatusOr<std::optional<SubjectRecord>> GetSubject(uint64_t id) override {
    MutexLock lock(&mu_);
    auto it = subjects_.find(id);
    if (it == subjects_.end()) return std::optional<SubjectRecord>();
    return std::optional<SubjectRecord>(it->second);
  }
  StatusOr<std::vector<FieldRecord>> GetFields(uint64_t subject_id) override {
    MutexLock lock(&mu_);
    return OfSubject(fields_, subject_id);
  }
  StatusOr<std::vector<ConsentEventRecord>> GetConsentEvents(uint64_t subject_id) override {
    MutexLock lock(&mu_);
    return OfSubject(consents_, subject_id);
  }
  StatusOr<std::vector<DisclosureRecord>> GetDisclosures(uint64_t subject_id) override {
    MutexLock lock(&mu_);
    return OfSubject(disclosures_, subject_id);
  }
  StatusOr<std::optional<uint64_t>> FindByBlindIndex(std::string_view index,
                                                     std::string_view hash) override {
    MutexLock lock(&mu_);
    auto it = index_.find({std::string(index), std::string(hash)});
    if (it == index_.end()) return std::optional<uint64_t>();
    return std::optional<uint64_t>(it->second);
  }
  StatusOr<std::vector<uint64_t>> ListOrganizationMembers(uint64_t organization_id) override {
    MutexLock lock(&mu_);
    std::vector<uint64_t> out;
    for (const auto& [id, s] : subjects_) {
      if (s.organization_id == organization_id) out.push_back(id);
    }
    return out;
  }
  StatusOr<std::optional<RequestRecord>> GetRequest(uint64_t id) override {
    MutexLock lock(&mu_);
    auto it = requests_.find(id);
    if (it == requests_.end()) return std::optional<RequestRecord>();
    return std::optional<RequestRecord>(it->second);
  }
  StatusOr<std::vector<RequestRecord>> ListRequests(uint64_t subject_id) override {
    MutexLock lock(&mu_);
    std::vector<RequestRecord> out;
    for (const auto& [id, r] : requests_) {
      if (r.subject_id == subject_id) out.push_back(r);
    }
    return out;
  }
  StatusOr<std::vector<RequestRecord>> ListOpenRequests() override {
    MutexLock lock(&mu_);
    std::vector<RequestRecord> out;
    for (const auto& [id, r] : requests_) {
      if (r.open) out.push_back(r);
    }
    std::stable_sort(out.begin(), out.end(), [](const RequestRecord& a, const RequestRecord& b) {
      return a.due_at < b.due_at;
    });
    return out;
  }
  StatusOr<std::vector<SubjectRecord>> ListSubjects(uint64_t after, size_t limit) override {
    MutexLock lock(&mu_);
    // The order SQLite keeps: ids as int64 bit patterns. Subjects with the sign bit clear
    // (std::map order) come after those with it set.
    auto signed_less = [](uint64_t a, uint64_t b) {
      return static_cast<int64_t>(a) < static_cast<int64_t>(b);
    };
    std::vector<SubjectRecord> out;
    std::vector<uint64_t> ids;
    for (const auto& [id, s] : subjects_) {
      if (after == 0 || signed_less(after, id)) ids.push_back(id);
    }
    std::sort(ids.begin(), ids.end(), signed_less);
    for (uint64_t id : ids) {
      if (out.size() >= limit) break;
      out.push_back(subjects_.at(id));
    }
    return out;
  }
  StatusOr<std::vector<PolicyVersionRecord>> GetPolicyVersions() override {
    MutexLock lock(&mu_);
    std::vector<PolicyVersionRecord> out;
    for (const auto& [version, v] : policy_versions_) out.push_back(v);
    return out;
  }
  StatusOr<std::vector<BreachRecord>> GetBreaches() override {
    MutexLock lock(&mu_);
    std::vector<BreachRecord> out;
    for (const auto& [id, b] : breaches_) out.push_back(b);
    return out;
  }
  StatusOr<std::string> GetBreachAffected(uint64_t breach_id) override {
    MutexLock lock(&mu_);
    auto it = breach_affected_.find(breach_id);
    if (it == breach_affected_.end())
      return Status(StatusCode::kNotFound, "no affected subjects recorded for the breach");
    return it->second;
  }
  StatusOr<std::vector<OutboxRecord>> GetOutbox(bool unsent_only) override {
    MutexLock lock(&mu_);
    std::vector<OutboxRecord> out;
    for (const auto& [seq, m] : outbox_) {
      if (!unsent_only || m.state == OutboxState::kPending) out.push_back(m);
    }
    return out;
  }
  StatusOr<std::vector<OutboxRecord>> GetDueOutbox(int64_t now, size_t limit) override {
    MutexLock lock(&mu_);
    std::vector<OutboxRecord> out;
    std::set<uint64_t> waiting;  // subjects with an earlier pending message
    for (const auto& [seq, m] : outbox_) {
      if (out.size() == limit) break;
      if (m.state != OutboxState::kPending || m.organization_id != 0) continue;
      if (!waiting.insert(m.subject_id).second) continue;
      if (m.next_attempt_at <= now) out.push_back(m);
    }
    return out;
  }
  StatusOr<std::vector<OutboxRecord>> GetOutboxInState(OutboxState state) override {
    MutexLock lock(&mu_);
    std::vector<OutboxRecord> out;
    for (const auto& [seq, m] : outbox_) {
      if (m.state == state) out.push_back(m);
    }
    return out;
  }
  StatusOr<std::vector<WebhookEndpointRecord>> GetWebhookEndpoints() override {
    MutexLock lock(&mu_);
    std::vector<WebhookEndpointRecord> out;
    for (const auto& [id, e] : endpoints_) out.push_back(e);
    return out;
  }
  StatusOr<std::vector<WebhookEventRecord>> GetWebhookEvents(int64_t after_seq,
                                                             size_t limit) override {
    MutexLock lock(&mu_);
    std::vector<WebhookEventRecord> out;
    for (auto it = events_.upper_bound(after_seq); it != events_.end() && out.size() < limit;
         ++it) {
      out.push_back(it->second);
    }
    return out;
  }
  StatusOr<int64_t> LastWebhookEventSeq() override {
    MutexLock lock(&mu_);
    return next_event_seq_ - 1;
  }
  StatusOr<std::vector<WebhookDeadLetterRecord>> GetWebhookDeadLetters() override {
    MutexLock lock(&mu_);
    std::vector<WebhookDeadLetterRecord> out;
    for (const auto& [key, d] : dead_letters_) out.push_back(d);
    return out;
  }
  StatusOr<std::vector<LegalHoldRecord>> GetLegalHolds(uint64_t subject_id) override {
    MutexLock lock(&mu_);
    if (subject_id != 0) return OfSubject(holds_, subject_id);
    std::vector<LegalHoldRecord> out;
    for (const auto& [key, hold] : holds_) out.push_back(hold);
    return out;
  }
  StatusOr<std::vector<LifecycleEventRecord>> GetLifecycleEvents(uint64_t subject_id) override {
    MutexLock lock(&mu_);
    std::vector<LifecycleEventRecord> out;
    for (const auto& [key, at] : lifecycle_) {
      if (subject_id == 0 || key.first == subject_id) {
        out.push_back({.subject_id = key.first, .event = key.second, .at = at});
      }
    }
    return out;
  }
  StatusOr<std::vector<AggregateRecord>> GetAggregates() override {
    MutexLock lock(&mu_);
    std::vector<AggregateRecord> out;
    for (const auto& [key, n] : aggregates_) {
      out.push_back({.rule = std::get<0>(key),
                     .category = std::get<1>(key),
                     .day = std::get<2>(key),
                     .count = n.first,
                     .subjects = n.second});
    }
    return out;
  }
  Status ScanFieldMetadata(const std::function<bool(const FieldMetadata&)>& visit) override {
    std::vector<FieldMetadata> snapshot;
    {
      MutexLock lock(&mu_);
      snapshot.reserve(fields_.size());
      for (const auto& [key, f] : fields_) {
        snapshot.push_back({.id = f.id,
                            .subject_id = f.subject_id,
                            .subject_kind = subjects_.at(f.subject_id).kind,
                            .category = f.category,
                            .purposes = f.purposes,
                            .collected_at = f.collected_at,
                            .last_activity = f.last_activity});
      }
    }
    for (const FieldMetadata& m : snapshot) {
      if (!visit(m)) break;
    }
    return Status::Ok();
  }

  Status PurgeSubject(uint64_t id) override {
    MutexLock lock(&mu_);
    Purge(id);
    undo_.Commit();
    return Status::Ok();
  }

  Status BackupTo(const std::string&) override {
    return FailedPrecondition("data store backup: the in-memory store has no file to copy");
  }

  StatusOr<std::vector<AuditRecord>> GetAuditEntries(uint64_t start, uint64_t limit) override {
    MutexLock lock(&mu_);
    std::vector<AuditRecord> out;
    for (uint64_t i = start; i < audit_.size() && i - start < limit; ++i) {
      out.push_back({.index = i, .entry = audit_[i]});
    }
    return out;
  }
  StatusOr<std::vector<TreeHeadRecord>> GetTreeHeads() override {
    MutexLock lock(&mu_);
    std::vector<TreeHeadRecord> out;
    for (const auto& [size, head] : heads_) out.push_back(head);
    return out;
  }
  void SetAuditOnlyDurability(AuditOnlyDurability) override {}

 private:
  // The values of `m`, keyed by (subject, x), that belong to `subject`, in key order.
  template <class Map>
  static std::vector<typename Map::mapped_type> OfSubject(const Map& m, uint64_t subject) {
    using Second = typename Map::key_type::second_type;
    std::vector<typename Map::mapped_type> out;
    for (auto it = m.lower_bound({subject, Second{}}); it != m.end() && it->first.first == subject;
         ++it) {
      out.push_back(it->second);
    }
    return out;
  }

  bool HasSubject(uint64_t id) const REQUIRES(mu_) { return subjects_.contains(id); }
  static Status NoSubject(std::string_view what) {
    return FailedPrecondition(std::string("data store apply: ") + std::string(what) +
                              ": no such subject");
  }

  Status ApplyOp(const op::PutSubject& o) REQUIRES(mu_) {
    if (HasSubject(o.subject.id)) {
      return Status(StatusCode::kAlreadyExists, "data store apply: subject already exists");
    }
    undo_.Assign(subjects_, o.subject.id, o.subject);
    return Status::Ok();
  }
  Status ApplyOp(const op::UpdateProfile& o) REQUIRES(mu_) {
    auto it = subjects_.find(o.subject_id);
    if (it == subjects_.end()) return NoSubject("update profile");
    SubjectRecord updated = it->second;
    updated.sealed_profile = o.sealed_profile;
    undo_.Assign(subjects_, o.subject_id, std::move(updated));
    return Status::Ok();
  }
  Status ApplyOp(const op::PutField& o) REQUIRES(mu_) {
    const FieldRecord& f = o.field;
    if (!HasSubject(f.subject_id)) return NoSubject("put field");
    // A field id is unique across subjects: the field of that id goes, whoever held it.
    if (auto owner = field_owner_.find(f.id); owner != field_owner_.end()) {
      undo_.Erase(fields_, {owner->second, f.id});
    }
    undo_.Assign(field_owner_, f.id, f.subject_id);
    undo_.Assign(fields_, {f.subject_id, f.id}, f);
    return Status::Ok();
  }
  Status ApplyOp(const op::DeleteField& o) REQUIRES(mu_) {
    auto owner = field_owner_.find(o.field_id);
    if (owner == field_owner_.end() || owner->second != o.subject_id) return Status::Ok();
    undo_.Erase(fields_, {o.subject_id, o.field_id});
    undo_.Erase(field_owner_, o.field_id);
    return Status::Ok();
  }
  Status ApplyOp(const op::AppendConsent& o) REQUIRES(mu_) {
    if (!HasSubject(o.event.subject_id)) return NoSubject("append consent");
    ConsentEventRecord e = o.event;
    e.seq = next_consent_seq_;
    undo_.Set(next_consent_seq_, next_consent_seq_ + 1);
    const std::pair<uint64_t, int64_t> key{e.subject_id, e.seq};  // before e is moved
    undo_.Assign(consents_, key, std::move(e));
    return Status::Ok();
  }
  Status ApplyOp(const op::AppendDisclosure& o) REQUIRES(mu_) {
    if (!HasSubject(o.disclosure.subject_id)) return NoSubject("record disclosure");
    DisclosureRecord d = o.disclosure;
    d.seq = next_disclosure_seq_;
    undo_.Set(next_disclosure_seq_, next_disclosure_seq_ + 1);
    const std::pair<uint64_t, int64_t> key{d.subject_id, d.seq};  // before d is moved
    undo_.Assign(disclosures_, key, std::move(d));
    return Status::Ok();
  }
  Status ApplyOp(const op::PurgeSubject& o) REQUIRES(mu_) {
    Purge(o.subject_id);
    return Status::Ok();
  }
  Status ApplyOp(const op::PutBlindIndex& o) REQUIRES(mu_) {
    const BlindIndexRecord& b = o.entry;
    auto it = index_.find({b.index, b.hash});
    if (it != index_.end()) {
      if (it->second == b.subject_id) return Status::Ok();
      return Status(StatusCode::kAlreadyExists,
                    "data store apply: blind index entry belongs to another subject");
    }
    if (!HasSubject(b.subject_id)) return NoSubject("put blind index");
    undo_.Assign(index_, {b.index, b.hash}, b.subject_id);
    return Status::Ok();
  }
  Status ApplyOp(const op::DeleteBlindIndex& o) REQUIRES(mu_) {
    const BlindIndexRecord& b = o.entry;
    auto it = index_.find({b.index, b.hash});
    if (it != index_.end() && it->second == b.subject_id) undo_.Erase(index_, it->first);
    return Status::Ok();
  }
  Status ApplyOp(const op::AppendAudit& o) REQUIRES(mu_) {
    if (o.entry.index < audit_.size()) {
      return Status(StatusCode::kAlreadyExists, "data store apply: audit entry index already used");
    }
    if (o.entry.index > audit_.size()) {
      return FailedPrecondition("data store apply: audit entry index leaves a gap in the log");
    }
    audit_.push_back(o.entry.entry);
    undo_.Add([this] {
      mu_.AssertHeld();  // undone by Apply, under the lock
      audit_.pop_back();
    });
    return Status::Ok();
  }
  Status ApplyOp(const op::PutTreeHead& o) REQUIRES(mu_) {
    undo_.Assign(heads_, o.head.tree_size, o.head);
    return Status::Ok();
  }
  Status ApplyOp(const op::PutRequest& o) REQUIRES(mu_) {
    undo_.Assign(requests_, o.request.id, o.request);
    return Status::Ok();
  }
  Status ApplyOp(const op::AppendOutbox& o) REQUIRES(mu_) {
    if (!HasSubject(o.message.subject_id)) return NoSubject("append outbox message");
    OutboxRecord m = o.message;
    m.seq = next_outbox_seq_;
    m.sent_at = 0;
    m.state = OutboxState::kPending;
    m.attempts = 0;
    m.next_attempt_at = 0;
    m.last_error.clear();
    undo_.Set(next_outbox_seq_, next_outbox_seq_ + 1);
    const int64_t seq = m.seq;  // before m is moved
    undo_.Assign(outbox_, seq, std::move(m));
    return Status::Ok();
  }
  Status ApplyOp(const op::MarkOutboxSent& o) REQUIRES(mu_) {
    auto it = outbox_.find(o.seq);
    if (it == outbox_.end() || it->second.sent_at != 0) return Status::Ok();
    OutboxRecord sent = it->second;
    sent.sent_at = o.sent_at;
    sent.state = OutboxState::kSent;
    undo_.Assign(outbox_, o.seq, std::move(sent));
    return Status::Ok();
  }
  Status ApplyOp(const op::UpdateOutboxDelivery& o) REQUIRES(mu_) {
    auto it = outbox_.find(o.seq);
    if (it == outbox_.end()) return Status::Ok();
    OutboxRecord m = it->second;
    m.state = o.state;
    m.attempts = o.attempts;
    m.next_attempt_at = o.next_attempt_at;
    m.last_error = o.last_error;
    m.sent_at = o.sent_at;
    undo_.Assign(outbox_, o.seq, std::move(m));
    return Status::Ok();
  }
  Status ApplyOp(const op::AppendWebhookEvent& o) REQUIRES(mu_) {
    WebhookEventRecord e = o.event;
    e.seq = next_event_seq_;
    undo_.Set(next_event_seq_, next_event_seq_ + 1);
    const int64_t seq = e.seq;  // before e is moved
    undo_.Assign(events_, seq, std::move(e));
    return Status::Ok();
  }
  Status ApplyOp(const op::PutWebhookEndpoint& o) REQUIRES(mu_) {
    undo_.Assign(endpoints_, o.endpoint.id, o.endpoint);
    return Status::Ok();
  }
  Status ApplyOp(const op::RemoveWebhookEndpoint& o) REQUIRES(mu_) {
    undo_.Erase(endpoints_, o.id);
    undo_.EraseRange(dead_letters_, {o.id, std::numeric_limits<int64_t>::min()}, {o.id, kMaxSeq});
    return Status::Ok();
  }
  Status ApplyOp(const op::PutWebhookDeadLetter& o) REQUIRES(mu_) {
    undo_.Assign(dead_letters_, {o.letter.endpoint_id, o.letter.event_seq}, o.letter);
    return Status::Ok();
  }
  Status ApplyOp(const op::RemoveWebhookDeadLetter& o) REQUIRES(mu_) {
    undo_.Erase(dead_letters_, {o.endpoint_id, o.event_seq});
    return Status::Ok();
  }
  Status ApplyOp(const op::PruneWebhookEvents& o) REQUIRES(mu_) {
    std::set<int64_t> kept;
    for (const auto& [key, d] : dead_letters_) kept.insert(d.event_seq);
    std::vector<int64_t> gone;
    for (auto it = events_.begin(); it != events_.end() && it->first <= o.through_seq; ++it) {
      if (!kept.contains(it->first)) gone.push_back(it->first);
    }
    for (int64_t seq : gone) undo_.Erase(events_, seq);
    return Status::Ok();
  }
  Status ApplyOp(const op::PutLegalHold& o) REQUIRES(mu_) {
    if (!HasSubject(o.hold.subject_id)) return NoSubject("put legal hold");
    undo_.Assign(holds_, {o.hold.subject_id, o.hold.rule}, o.hold);
    return Status::Ok();
  }
  Status ApplyOp(const op::RemoveLegalHold& o) REQUIRES(mu_) {
    undo_.Erase(holds_, {o.subject_id, o.rule});
    return Status::Ok();
  }
  Status ApplyOp(const op::PutLifecycleEvent& o) REQUIRES(mu_) {
    const std::pair<uint64_t, std::string> key{o.event.subject_id, o.event.event};
    auto it = lifecycle_.find(key);
    if (it == lifecycle_.end() || it->second < o.event.at)
      undo_.Assign(lifecycle_, key, o.event.at);
    return Status::Ok();
  }
  Status ApplyOp(const op::PutPolicyVersion& o) REQUIRES(mu_) {
    if (policy_versions_.count(o.version.version)) {
      return Status(StatusCode::kAlreadyExists,
                    "data store apply: policy version already recorded");
    }
    undo_.Assign(policy_versions_, o.version.version, o.version);
    return Status::Ok();
  }
  Status ApplyOp(const op::SetPolicyNoticeProgress& o) REQUIRES(mu_) {
    auto it = policy_versions_.find(o.version);
    if (it == policy_versions_.end()) {
      return Status(StatusCode::kFailedPrecondition,
                    "data store apply: policy version not recorded");
    }
    PolicyVersionRecord v = it->second;
    v.notices_through = o.notices_through;
    v.notices_pending = o.notices_pending;
    undo_.Assign(policy_versions_, o.version, std::move(v));
    return Status::Ok();
  }
  Status ApplyOp(const op::PutBreach& o) REQUIRES(mu_) {
    undo_.Assign(breaches_, o.breach.id, o.breach);
    return Status::Ok();
  }
  Status ApplyOp(const op::PutBreachAffected& o) REQUIRES(mu_) {
    if (breach_affected_.count(o.breach_id))
      return Status(StatusCode::kAlreadyExists, "data store apply: breach affected recorded");
    undo_.Assign(breach_affected_, o.breach_id, o.affected);
    return Status::Ok();
  }
  Status ApplyOp(const op::AddAggregate& o) REQUIRES(mu_) {
    const auto key = std::make_tuple(o.aggregate.rule, o.aggregate.category, o.aggregate.day);
    auto it = aggregates_.find(key);
    std::pair<int64_t, int64_t> n =
        it == aggregates_.end() ? std::pair<int64_t, int64_t>{} : it->second;
    n.first += o.aggregate.count;
    n.second += o.aggregate.subjects;
    undo_.Assign(aggregates_, key, n);
    return Status::Ok();
  }

  // Every row of the subject but its requests, undoably.
  void Purge(uint64_t id) REQUIRES(mu_) {
    std::vector<uint64_t> field_ids;
    for (auto it = fields_.lower_bound({id, 0}); it != fields_.end() && it->first.first == id;
         ++it) {
      field_ids.push_back(it->first.second);
    }
    for (uint64_t f : field_ids) {
      undo_.Erase(fields_, {id, f});
      undo_.Erase(field_owner_, f);
    }
    undo_.EraseRange(consents_, {id, std::numeric_limits<int64_t>::min()}, {id, kMaxSeq});
    undo_.EraseRange(disclosures_, {id, std::numeric_limits<int64_t>::min()}, {id, kMaxSeq});
    std::vector<std::pair<std::string, std::string>> entries;
    for (const auto& [key, subject] : index_) {
      if (subject == id) entries.push_back(key);
    }
    for (const auto& key : entries) undo_.Erase(index_, key);
    std::vector<int64_t> messages;
    for (const auto& [seq, m] : outbox_) {
      if (m.subject_id == id) messages.push_back(seq);
    }
    for (int64_t seq : messages) undo_.Erase(outbox_, seq);
    std::vector<std::pair<uint64_t, std::string>> holds;
    for (auto it = holds_.lower_bound({id, ""}); it != holds_.end() && it->first.first == id;
         ++it) {
      holds.push_back(it->first);
    }
    for (const auto& key : holds) undo_.Erase(holds_, key);
    std::vector<std::pair<uint64_t, std::string>> events;
    for (auto it = lifecycle_.lower_bound({id, ""});
         it != lifecycle_.end() && it->first.first == id; ++it) {
      events.push_back(it->first);
    }
    for (const auto& key : events) undo_.Erase(lifecycle_, key);
    undo_.Erase(subjects_, id);
  }

  Mutex mu_;
  UndoLog undo_ GUARDED_BY(mu_);  // of the Apply under way
  std::map<uint64_t, SubjectRecord> subjects_ GUARDED_BY(mu_);
  std::map<std::pair<uint64_t, uint64_t>, FieldRecord> fields_ GUARDED_BY(mu_);  // (subject, id)
  std::map<uint64_t, uint64_t> field_owner_ GUARDED_BY(mu_);  // field id → subject
  std::map<std::pair<uint64_t, int64_t>, ConsentEventRecord> consents_
      GUARDED_BY(mu_);  // (subject, seq)
  std::map<std::pair<uint64_t, int64_t>, DisclosureRecord> disclosures_
      GUARDED_BY(mu_);  // (subject, seq)
  std::map<std::pair<std::string, std::string>, uint64_t> index_
      GUARDED_BY(mu_);  // (index, hash) → subject
  std::vector<std::string> audit_ GUARDED_BY(mu_);
  std::map<uint64_t, TreeHeadRecord> heads_ GUARDED_BY(mu_);
  std::map<uint64_t, RequestRecord> requests_ GUARDED_BY(mu_);
  std::map<int64_t, OutboxRecord> outbox_ GUARDED_BY(mu_);
  std::map<std::pair<uint64_t, std::string>, LegalHoldRecord> holds_ GUARDED_BY(mu_);
  std::map<std::pair<uint64_t, std::string>, int64_t> lifecycle_ GUARDED_BY(mu_);
  std::map<std::tuple<std::string, std::string, int64_t>, std::pair<int64_t, int64_t>>
      aggregates_;  // → count, subjects
  int64_t next_consent_seq_ GUARDED_BY(mu_) = 1;
  int64_t next_disclosure_seq_ GUARDED_BY(mu_) = 1;
  int64_t next_outbox_seq_ GUARDED_BY(mu_) = 1;
  std::map<uint64_t, WebhookEndpointRecord> endpoints_ GUARDED_BY(mu_);
  std::map<int64_t, WebhookEventRecord> events_ GUARDED_BY(mu_);
  std::map<std::pair<uint64_t, int64_t>, WebhookDeadLetterRecord> dead_letters_ GUARDED_BY(mu_);
  int64_t next_event_seq_ GUARDED_BY(mu_) = 1;
  std::map<int, PolicyVersionRecord> policy_versions_ GUARDED_BY(mu_);
  std::map<uint64_t, BreachRecord> breaches_ GUARDED_BY(mu_);
  std::map<uint64_t, std::string> breach_affected_ GUARDED_BY(mu_);
};

class MemoryKeyStore final : public KeyStore {
 public:
  Status PutWrappedKey(uint64_t subject_id, std::string_view wrapped) override {
    MutexLock lock(&mu_);
    if (keys_.contains(subject_id)) return KeyExists();
    keys_.emplace(subject_id, std::string(wrapped));
    return Status::Ok();
  }
  Status PutWrappedKeys(const std::vector<std::pair<uint64_t, std::string>>& keys) override {
    MutexLock lock(&mu_);
    std::set<uint64_t> seen;
    for (const auto& [subject_id, wrapped] : keys) {
      if (keys_.contains(subject_id) || !seen.insert(subject_id).second) return KeyExists();
    }
    for (const auto& [subject_id, wrapped] : keys) keys_.emplace(subject_id, wrapped);
    return Status::Ok();
  }
  StatusOr<std::optional<std::string>> GetWrappedKey(uint64_t subject_id) override {
    MutexLock lock(&mu_);
    auto it = keys_.find(subject_id);
    if (it == keys_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  Status DestroyWrappedKey(uint64_t subject_id) override {
    MutexLock lock(&mu_);
    keys_.erase(subject_id);
    pending_purges_.insert(subject_id);
    return Status::Ok();
  }
  Status DestroyWrappedKeys(const std::vector<uint64_t>& subject_ids) override {
    MutexLock lock(&mu_);
    for (uint64_t id : subject_ids) keys_.erase(id);
    return Status::Ok();
  }
  StatusOr<std::vector<uint64_t>> PendingPurges() override {
    MutexLock lock(&mu_);
    return std::vector<uint64_t>(pending_purges_.begin(), pending_purges_.end());
  }
  Status PurgeDone(uint64_t subject_id) override {
    MutexLock lock(&mu_);
    pending_purges_.erase(subject_id);
    return Status::Ok();
  }
  StatusOr<std::optional<std::string>> GetMeta(std::string_view name) override {
    MutexLock lock(&mu_);
    auto it = meta_.find(std::string(name));
    if (it == meta_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  Status PutMeta(std::string_view name, std::string_view value) override {
    MutexLock lock(&mu_);
    meta_.insert_or_assign(std::string(name), std::string(value));
    return Status::Ok();
  }
  Status BackupTo(const std::string&) override {
    return FailedPrecondition("key store backup: the in-memory store has no file to copy");
  }
  // Every new value is computed before any is stored: a failing callback changes nothing.
  Status RewrapAll(const std::function<StatusOr<std::string>(uint64_t, std::string_view)>& rewrap,
                   const std::function<StatusOr<std::string>(std::string_view, std::string_view)>&
                       rewrap_meta) override {
    MutexLock lock(&mu_);
    std::map<uint64_t, std::string> keys;
    for (const auto& [id, wrapped] : keys_) {
      PRIVET_ASSIGN_OR_RETURN(std::string rewrapped, rewrap(id, wrapped));
      keys.emplace(id, std::move(rewrapped));
    }
    std::map<std::string, std::string> meta;
    for (const auto& [name, value] : meta_) {
      PRIVET_ASSIGN_OR_RETURN(std::string rewrapped, rewrap_meta(name, value));
      meta.emplace(name, std::move(rewrapped));
    }
    keys_.swap(keys);
    meta_.swap(meta);
    return Status::Ok();
  }

 private:
  static Status KeyExists() {
    return Status(StatusCode::kAlreadyExists, "key store: the subject already has a key");
  }

  Mutex mu_;
  std::map<uint64_t, std::string> keys_ GUARDED_BY(mu_);
  std::set<uint64_t> pending_purges_ GUARDED_BY(mu_);
  std::map<std::string, std::string> meta_ GUARDED_BY(mu_);
};

}  // namespace

std::unique_ptr<DataStore> NewMemoryDataStore() { return std::make_unique<MemoryDataStore>(); }
std::unique_ptr<KeyStore> NewMemoryKeyStore() { return std::make_unique<MemoryKeyStore>(); }

}  // namespace privet::store
