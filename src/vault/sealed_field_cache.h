// A bounded cache of subjects' field rows as the data store holds them, sealed, so that a warm
// read decides and opens its fields without fetching them from SQLite. Private to src/vault.
//
// What it holds: per subject, the rows of DataStore::GetFields in a compact form (policy ids
// instead of category and purpose names, one buffer for the sealed values). Never plaintext:
// values stay sealed under the subject's key until a read that is allowed to see them opens
// them. Never decisions either: consent, restriction and scope are decided per read.
//
// Consistency, the contract with the vault: every commit that writes, deletes or purges a
// subject's fields calls Invalidate(subject) while the vault's write lock is still held, after
// the commit (whether or not it succeeded), so no entry outlives a change. A reader that misses
// takes a Ticket() *before* it reads the rows from the store, and Publish() drops them if an
// Invalidate of a subject of the same shard came in between: rows read from a snapshot older
// than a commit can never be published after that commit's invalidation.
//
// Size: entries are charged their approximate heap size (rows, values, names, bookkeeping), and
// when a shard is over its share of the budget the oldest go, unless found since they were
// cached or last spared: those move to the front once instead (second chance, as CLOCK). A hit
// only marks its entry, touching no other; a subject read once goes before subjects read again.
// An entry larger than a shard's share is not cached. Thread-safe; 16 shards, each with its own
// mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/mutex.h"
#include "privet/compiled_policy.h"
#include "store/store.h"

namespace privet::vault_internal {

// One stored field, without its names: 40 bytes beside its sealed value.
struct SealedField {
  uint64_t id = 0;
  int64_t collected_at = 0;
  int64_t last_activity = 0;
  int32_t policy_version = 0;
  uint32_t value_end = 0;  // the sealed value ends here in SealedFields::values
  // A CategoryId when `declared`; otherwise an index into SealedFields::undeclared_categories
  // (a category the policy no longer declares: such fields are withheld from every read).
  uint16_t category = 0;
  uint16_t purposes = 0;  // index into SealedFields::purpose_lists
  bool declared = true;
  DataSource source = DataSource::kSubject;
  LegalBasis basis = LegalBasis::kContract;  // as recorded at collection
};

// One subject's fields, in the store's order (by field id).
struct SealedFields {
  // A distinct list of purposes fields were collected for (usually one per subject).
  struct PurposeList {
    std::vector<std::string> ids;  // as stored, in order (undeclared ones included)
    PurposeSet declared;           // the ids the policy declares
  };
  std::vector<SealedField> fields;
  std::vector<PurposeList> purpose_lists;
  std::vector<std::string> undeclared_categories;
  std::string values;  // the sealed values, back to back

  std::string_view sealed_value(size_t i) const {
    const size_t begin = i == 0 ? 0 : fields[i - 1].value_end;
    return std::string_view(values).substr(begin, fields[i].value_end - begin);
  }
  const std::string& category_name(const CompiledPolicy& policy, size_t i) const {
    const SealedField& f = fields[i];
    return f.declared ? policy.category(f.category).id : undeclared_categories[f.category];
  }
  // Approximately what the entry holds on the heap, for the cache's budget.
  size_t bytes() const;
};

// The compact form of one subject's rows (DataStore::GetFields), whose strings it consumes.
SealedFields CompactFields(const CompiledPolicy& policy, std::vector<store::FieldRecord> records);

class SealedFieldCache {
 public:
  using Rows = std::shared_ptr<const SealedFields>;

  // `capacity_bytes` 0 caches nothing.
  explicit SealedFieldCache(size_t capacity_bytes);
  SealedFieldCache(const SealedFieldCache&) = delete;
  SealedFieldCache& operator=(const SealedFieldCache&) = delete;

  // The subject's rows, or null. A hit spares the entry from the next eviction.
  Rows Find(uint64_t subject_id);
  // Take before reading the subject's rows from the store; hand to Publish with them.
  uint64_t Ticket(uint64_t subject_id);
  // Caches `rows` unless the subject's shard was invalidated since `ticket` was taken.
  void Publish(uint64_t subject_id, Rows rows, uint64_t ticket);
  // Drops the subject's entry and refuses rows read before now (see the top of this file).
  void Invalidate(uint64_t subject_id);

  size_t bytes() const;  // charged to the budget now
  size_t entries() const;

 private:
  static constexpr size_t kShards = 16;
  struct Entry {
    uint64_t subject_id;
    Rows rows;
    size_t bytes;
    bool referenced = false;  // found since it was published or last spared
  };
  struct Shard {
    mutable Mutex mu;
    std::list<Entry> lru GUARDED_BY(mu);  // newest (or last spared) first; its entries too
    std::unordered_map<uint64_t, std::list<Entry>::iterator> index GUARDED_BY(mu);
    size_t bytes GUARDED_BY(mu) = 0;
    uint64_t generation GUARDED_BY(mu) = 0;  // bumped by each Invalidate
  };
  Shard& ShardOf(uint64_t subject_id) {
    return shards_[(subject_id * 0x9E3779B97F4A7C15ull) >> 60];
  }
  static void EraseLocked(Shard& shard, std::list<Entry>::iterator it) REQUIRES(shard.mu);

  const size_t shard_capacity_;
  Shard shards_[kShards];
};

}  // namespace privet::vault_internal
