// Retention sweeps (include/privet/retention.h).
//
// One pass over every field's metadata (no values, on its own read connection), subject by
// subject, decides what is due; then the due fields go in batches, each batch one transaction
// holding the deletions, the aggregates of anonymized fields and one audit entry per subject and
// rule. Nothing is remembered between sweeps: a sweep killed half-way has committed whole
// batches only, and the next one recomputes exactly what is still due.
//
// A subject that goes whole is erased in two steps: its fields go like any others (so their
// aggregates are counted exactly once), with a `retention_erase` marker among its lifecycle
// events in the same transaction; then its key is destroyed. A sweep killed in between finds the
// marker next time (the subject has no fields left to scan) and finishes the erasure.
//
// One damaged subject does not stop retention for everyone: a subject whose data answers
// DATA_LOSS is skipped, whole (none of its fields go, so nothing is half done), and reported in
// `subjects_unreadable`; the sweep goes on with the others.
#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "common/unix_time.h"
#include "policy/retention_rules.h"
#include "privet/audit.h"
#include "privet/retention.h"
#include "privet/vault.h"
#include "vault/vault_core.h"

namespace privet {

using retention_internal::RuleSet;
using retention_internal::SubjectFacts;
using retention_internal::Verdict;
using vault_internal::CoreOf;

namespace {

// Among a subject's lifecycle events: its fields are gone and its key must go too.
constexpr std::string_view kEraseMarker = "retention_erase";

// A due field, compactly: a million of them fit in a few tens of megabytes.
struct Due {
  uint64_t subject_id;
  uint64_t field_id;
  int64_t collected_at;
  uint32_t category;  // index into Sweep::categories_
  // For an anonymized field: the subject's last field of its rule, category and collection day
  // that goes, with none of that category and day left behind. The subject then counts as one
  // person behind the day's aggregate, exactly once, even over sweeps or batches (CN02).
  bool person = false;
  const RetentionRule* rule;
};

// Unix seconds of the UTC day `at` falls in.
int64_t DayOf(int64_t at) { return at - ((at % 86400) + 86400) % 86400; }

class Sweep {
 public:
  Sweep(Vault& vault, const SweepOptions& options)
      : vault_(vault),
        options_(options),
        rules_(vault.policy()),
        now_(ToUnix(CoreOf(vault).clock().Now())) {}

  StatusOr<SweepReport> Run();

 private:
  Status LoadEvents();
  // Decides the fields of one subject (all of its fields, in `fields`).
  Status Decide(uint64_t subject_id, const std::string& kind,
                const std::vector<store::FieldMetadata>& fields);
  // Marks Due::person among the subject's due fields, due_[first..].
  void MarkPeople(const std::vector<store::FieldMetadata>& fields, size_t first);
  Status DeleteDue();
  Status EraseWhole();
  uint32_t Intern(const std::string& category);
  // True (and the subject skipped from here on) when `status` says its data cannot be read.
  bool Unreadable(uint64_t subject_id, const Status& status);

  Vault& vault_;
  const SweepOptions& options_;
  RuleSet rules_;
  const int64_t now_;
  bool needs_consents_ = false;
  std::unordered_map<uint64_t, std::map<std::string, int64_t>> events_;  // subject → event → latest
  std::map<std::string, int64_t> everyone_;                              // events for everyone
  std::unordered_map<uint64_t, std::vector<retention_internal::RetentionHold>> holds_;
  std::vector<std::string> categories_;
  std::unordered_map<std::string, uint32_t> category_index_;
  std::vector<Due> due_;
  std::unordered_set<uint64_t> erase_;  // subjects to erase whole (their fields are in due_)
  std::set<uint64_t> unreadable_;       // subjects skipped: their data answers DATA_LOSS
  SweepReport report_;
};

uint32_t Sweep::Intern(const std::string& category) {
  auto [it, inserted] =
      category_index_.try_emplace(category, static_cast<uint32_t>(categories_.size()));
  if (inserted) categories_.push_back(category);
  return it->second;
}

bool Sweep::Unreadable(uint64_t subject_id, const Status& status) {
  if (status.code() != StatusCode::kDataLoss) return false;
  unreadable_.insert(subject_id);
  return true;
}

Status Sweep::LoadEvents() {
  store::DataStore& data = CoreOf(vault_).data();
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::LifecycleEventRecord> events,
                          data.GetLifecycleEvents(0));
  for (store::LifecycleEventRecord& e : events) {
    int64_t& at = e.subject_id == 0 ? everyone_[e.event] : events_[e.subject_id][e.event];
    at = std::max(at, e.at);
  }
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::LegalHoldRecord> holds, data.GetLegalHolds(0));
  for (store::LegalHoldRecord& h : holds)
    holds_[h.subject_id].push_back({.rule = std::move(h.rule), .ground = std::move(h.ground)});
  for (const RetentionRule& r : vault_.policy().policy().retention)
    needs_consents_ |= !r.unless_consent.empty();
  return Status::Ok();
}

Status Sweep::Decide(uint64_t subject_id, const std::string& kind,
                     const std::vector<store::FieldMetadata>& fields) {
  SubjectFacts facts{.kind = kind, .events = everyone_};
  if (auto it = events_.find(subject_id); it != events_.end()) {
    for (const auto& [event, at] : it->second)
      facts.events[event] = std::max(facts.events[event], at);
  }
  if (auto it = facts.events.find("last_activity"); it != facts.events.end())
    facts.last_activity = it->second;
  for (const store::FieldMetadata& f : fields)
    facts.last_activity = std::max(facts.last_activity, f.last_activity);
  if (auto it = holds_.find(subject_id); it != holds_.end()) facts.holds = it->second;
  if (needs_consents_) {
    StatusOr<SubjectState> state = vault_.State(subject_id);
    if (state.status().code() == StatusCode::kNotFound)
      return Status::Ok();  // erased, not yet purged
    if (Unreadable(subject_id, state.status())) return Status::Ok();
    PRIVET_RETURN_IF_ERROR(state.status());
    facts.consents = state->consents;
  }
  size_t due_here = 0;
  bool whole = true;  // every field due under rules that cover the whole subject
  for (const store::FieldMetadata& f : fields) {
    Verdict v = rules_.Evaluate(f.category, f.purposes, f.collected_at, facts, now_);
    if (v.due == nullptr || v.kept()) {
      whole = false;
      if (v.due != nullptr) ++report_.fields_held;
      continue;
    }
    ++report_.fields_due;
    ++due_here;
    whole = whole && v.whole_due != nullptr;
    if (options_.dry_run) {
      report_.due.push_back({.subject_id = subject_id,
                             .field_id = f.id,
                             .category = f.category,
                             .rule = v.due->id,
                             .action = std::string(RetentionActionName(v.due->action))});
    }
    due_.push_back({subject_id, f.id, f.collected_at, Intern(f.category), false, v.due});
  }
  MarkPeople(fields, due_.size() - due_here);
  if (whole && due_here > 0 && due_here == fields.size())
    erase_.insert(subject_id);  // nothing may stay
  return Status::Ok();
}

void Sweep::MarkPeople(const std::vector<store::FieldMetadata>& fields, size_t first) {
  // A (category, day) of the subject stands behind an aggregate only when all of it goes anonymized
  // now.
  std::map<std::pair<std::string_view, int64_t>, size_t> held;  // fields the subject has
  for (const store::FieldMetadata& f : fields) ++held[{f.category, DayOf(f.collected_at)}];
  std::map<std::pair<std::string_view, int64_t>, size_t> going;
  std::map<std::tuple<const RetentionRule*, std::string_view, int64_t>, size_t>
      last;  // → index in due_
  for (size_t i = first; i < due_.size(); ++i) {
    const Due& d = due_[i];
    if (d.rule->action != RetentionAction::kAnonymize) continue;
    const std::string_view category = categories_[d.category];
    ++going[{category, DayOf(d.collected_at)}];
    last[{d.rule, category, DayOf(d.collected_at)}] = i;
  }
  for (const auto& [key, index] : last) {
    const auto group = std::make_pair(std::get<1>(key), std::get<2>(key));
    if (going[group] == held[group]) due_[index].person = true;
  }
}

Status Sweep::EraseWhole() {
  // Subjects whose fields this sweep removed, and those a killed sweep left marked.
  for (const auto& [subject_id, events] : events_) {
    if (events.contains(std::string(kEraseMarker))) erase_.insert(subject_id);
  }
  for (uint64_t subject_id : erase_) {
    if (unreadable_.contains(subject_id)) continue;
    Status erased = vault_.Erase(subject_id);  // audited by the vault's purge
    if (erased.code() == StatusCode::kNotFound) continue;
    if (Unreadable(subject_id, erased)) continue;
    PRIVET_RETURN_IF_ERROR(erased);
    ++report_.subjects_erased;
  }
  return Status::Ok();
}

Status Sweep::DeleteDue() {
  const uint64_t total = due_.size();
  for (size_t start = 0; start < due_.size();) {
    const size_t end = std::min(due_.size(), start + std::max<size_t>(1, options_.batch_size));
    store::WriteBatch batch;
    std::vector<AuditEntry> entries;
    // (rule, category, day) → fields and people
    std::map<std::tuple<std::string, std::string, int64_t>, std::pair<int64_t, int64_t>> aggregates;
    // Fields are in subject order: one group per subject, one audit entry per subject and rule.
    for (size_t i = start; i < end;) {
      const uint64_t subject_id = due_[i].subject_id;
      std::vector<store::FieldRecord> fields;
      std::map<const RetentionRule*, std::vector<std::string>> categories_by_rule;
      std::map<std::tuple<std::string, std::string, int64_t>, std::pair<int64_t, int64_t>>
          subject_aggregates;
      for (; i < end && due_[i].subject_id == subject_id; ++i) {
        const Due& d = due_[i];
        const std::string& category = categories_[d.category];
        fields.push_back({.id = d.field_id, .subject_id = subject_id, .category = category});
        categories_by_rule[d.rule].push_back(category);
        if (d.rule->action == RetentionAction::kAnonymize) {
          auto& [count, people] = subject_aggregates[{d.rule->id, category, DayOf(d.collected_at)}];
          ++count;
          people += d.person ? 1 : 0;
        }
      }
      // The subject's deletions are built apart and kept only whole.
      store::WriteBatch subject_batch;
      Status deleted = CoreOf(vault_).DeleteFieldsInto(subject_id, fields, subject_batch);
      if (deleted.code() == StatusCode::kNotFound)
        continue;  // erased meanwhile: the purge takes it
      if (Unreadable(subject_id, deleted)) continue;
      PRIVET_RETURN_IF_ERROR(deleted);
      batch.Append(std::move(subject_batch));
      report_.fields_deleted += fields.size();
      for (const auto& [key, n] : subject_aggregates) {
        aggregates[key].first += n.first;
        aggregates[key].second += n.second;
      }
      if (erase_.contains(subject_id)) {
        batch.PutLifecycleEvent(
            {.subject_id = subject_id, .event = std::string(kEraseMarker), .at = now_});
      }
      for (auto& [rule, categories] : categories_by_rule) {
        AuditEntry e =
            CoreOf(vault_).Audit(AuditEvent::kRetention, Principal::Service(), subject_id);
        e.action = std::string(RetentionActionName(rule->action));
        e.detail = "rule:" + rule->id + ":fields:" + std::to_string(categories.size());
        std::sort(categories.begin(), categories.end());
        categories.erase(std::unique(categories.begin(), categories.end()), categories.end());
        e.categories = std::move(categories);
        entries.push_back(std::move(e));
      }
    }
    for (const auto& [key, n] : aggregates) {
      batch.AddAggregate({.rule = std::get<0>(key),
                          .category = std::get<1>(key),
                          .day = std::get<2>(key),
                          .count = n.first,
                          .subjects = n.second});
    }
    PRIVET_RETURN_IF_ERROR(CoreOf(vault_).Commit(batch, entries));
    start = end;
    if (options_.progress) options_.progress(start, total);
  }
  return Status::Ok();
}

StatusOr<SweepReport> Sweep::Run() {
  if (rules_.empty()) return report_;
  PRIVET_RETURN_IF_ERROR(LoadEvents());
  // Group the scan by subject (it is ordered by subject), deciding each group as it closes.
  std::vector<store::FieldMetadata> group;
  std::string kind;
  Status decided = Status::Ok();
  PRIVET_RETURN_IF_ERROR(
      CoreOf(vault_).data().ScanFieldMetadata([&](const store::FieldMetadata& f) {
        ++report_.fields_scanned;
        if (!group.empty() && group.front().subject_id != f.subject_id) {
          decided = Decide(group.front().subject_id, kind, group);
          group.clear();
          if (!decided.ok()) return false;
        }
        kind = f.subject_kind;
        group.push_back(f);
        return true;
      }));
  PRIVET_RETURN_IF_ERROR(decided);
  if (!group.empty()) PRIVET_RETURN_IF_ERROR(Decide(group.front().subject_id, kind, group));
  if (!options_.dry_run) {  // a dry run's `due` lists every field, including whole subjects'
    PRIVET_RETURN_IF_ERROR(DeleteDue());
    PRIVET_RETURN_IF_ERROR(EraseWhole());
  }
  report_.subjects_unreadable.assign(unreadable_.begin(), unreadable_.end());
  return report_;
}

}  // namespace

StatusOr<SweepReport> RunRetention(Vault& vault, const SweepOptions& options) {
  Sweep sweep(vault, options);
  return sweep.Run();
}

}  // namespace privet
