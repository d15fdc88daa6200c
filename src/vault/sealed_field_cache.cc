#include "vault/sealed_field_cache.h"

#include <algorithm>

namespace privet::vault_internal {
namespace {

// What a list node, a hash-map node and its bucket, and the shared_ptr's control block cost
// beside the entry itself.
constexpr size_t kBookkeepingBytes = 128;

// As stored (DataSourceName, LegalBasisName); an unknown name reads as the default, as it
// always has (Vault::Read, VaultCore::AllFields).
DataSource SourceNamed(std::string_view name) {
  return ParseDataSourceName(name).value_or(DataSource::kSubject);
}

LegalBasis BasisNamed(std::string_view name) {
  return ParseLegalBasisName(name).value_or(LegalBasis::kContract);
}

size_t StringBytes(const std::string& s) {
  return s.capacity() > 15 ? s.capacity() + 1 : 0;  // beyond the small-string buffer
}

// The index of `purposes` in `lists`, adding it if new.
uint16_t PurposeListIndex(const CompiledPolicy& policy, std::vector<std::string>& purposes,
                          std::vector<SealedFields::PurposeList>& lists) {
  auto same = std::find_if(lists.begin(), lists.end(),
                           [&](const SealedFields::PurposeList& l) { return l.ids == purposes; });
  if (same != lists.end()) return static_cast<uint16_t>(same - lists.begin());
  SealedFields::PurposeList& added = lists.emplace_back();
  for (const std::string& id : purposes) {
    if (std::optional<PurposeId> p = policy.FindPurpose(id)) added.declared.Set(*p);
  }
  added.ids = std::move(purposes);
  return static_cast<uint16_t>(lists.size() - 1);
}

uint16_t UndeclaredIndex(std::string& category, std::vector<std::string>& undeclared) {
  auto same = std::find(undeclared.begin(), undeclared.end(), category);
  if (same != undeclared.end()) return static_cast<uint16_t>(same - undeclared.begin());
  undeclared.push_back(std::move(category));
  return static_cast<uint16_t>(undeclared.size() - 1);
}

}  // namespace

size_t SealedFields::bytes() const {
  size_t n = sizeof(SealedFields) + fields.capacity() * sizeof(SealedField) + StringBytes(values) +
             purpose_lists.capacity() * sizeof(PurposeList);
  for (const PurposeList& l : purpose_lists) {
    n += l.ids.capacity() * sizeof(std::string);
    for (const std::string& id : l.ids) n += StringBytes(id);
  }
  n += undeclared_categories.capacity() * sizeof(std::string);
  for (const std::string& c : undeclared_categories) n += StringBytes(c);
  return n + kBookkeepingBytes;
}

SealedFields CompactFields(const CompiledPolicy& policy, std::vector<store::FieldRecord> records) {
  SealedFields out;
  out.fields.reserve(records.size());
  size_t value_bytes = 0;
  for (const store::FieldRecord& r : records) value_bytes += r.sealed_value.size();
  out.values.reserve(value_bytes);
  for (store::FieldRecord& r : records) {
    SealedField& f = out.fields.emplace_back();
    f.id = r.id;
    f.collected_at = r.collected_at;
    f.last_activity = r.last_activity;
    f.policy_version = r.policy_version;
    out.values += r.sealed_value;
    f.value_end = static_cast<uint32_t>(out.values.size());
    if (std::optional<CategoryId> c = policy.FindCategory(r.category)) {
      f.category = *c;
    } else {
      f.declared = false;
      f.category = UndeclaredIndex(r.category, out.undeclared_categories);
    }
    f.purposes = PurposeListIndex(policy, r.purposes, out.purpose_lists);
    f.source = SourceNamed(r.source);
    f.basis = BasisNamed(r.basis);
  }
  return out;
}

SealedFieldCache::SealedFieldCache(size_t capacity_bytes)
    : shard_capacity_(capacity_bytes / kShards) {}

SealedFieldCache::Rows SealedFieldCache::Find(uint64_t subject_id) {
  Shard& shard = ShardOf(subject_id);
  MutexLock lock(&shard.mu);
  auto it = shard.index.find(subject_id);
  if (it == shard.index.end()) return nullptr;
  it->second->referenced = true;  // no move to the front here: that touches two more entries
  return it->second->rows;
}

uint64_t SealedFieldCache::Ticket(uint64_t subject_id) {
  Shard& shard = ShardOf(subject_id);
  MutexLock lock(&shard.mu);
  return shard.generation;
}

void SealedFieldCache::Publish(uint64_t subject_id, Rows rows, uint64_t ticket) {
  const size_t bytes = rows->bytes();
  if (bytes > shard_capacity_) return;
  Shard& shard = ShardOf(subject_id);
  MutexLock lock(&shard.mu);
  if (shard.generation != ticket) return;  // a change committed since the rows were read
  if (auto old = shard.index.find(subject_id); old != shard.index.end())
    EraseLocked(shard, old->second);
  // Not marked: a subject read once goes before those read again since they were cached.
  shard.lru.push_front({.subject_id = subject_id, .rows = std::move(rows), .bytes = bytes});
  shard.index.emplace(subject_id, shard.lru.begin());
  shard.bytes += bytes;
  while (shard.bytes > shard_capacity_) {
    // Second chance: an entry found since it last reached the back goes to the front instead.
    auto oldest = std::prev(shard.lru.end());
    if (oldest->referenced && oldest != shard.lru.begin()) {
      oldest->referenced = false;
      shard.lru.splice(shard.lru.begin(), shard.lru, oldest);
    } else {
      EraseLocked(shard, oldest);
    }
  }
}

void SealedFieldCache::Invalidate(uint64_t subject_id) {
  Shard& shard = ShardOf(subject_id);
  MutexLock lock(&shard.mu);
  ++shard.generation;
  if (auto it = shard.index.find(subject_id); it != shard.index.end())
    EraseLocked(shard, it->second);
}

void SealedFieldCache::EraseLocked(Shard& shard, std::list<Entry>::iterator it) {
  shard.bytes -= it->bytes;
  shard.index.erase(it->subject_id);
  shard.lru.erase(it);
}

size_t SealedFieldCache::bytes() const {
  size_t n = 0;
  for (const Shard& shard : shards_) {
    MutexLock lock(&shard.mu);
    n += shard.bytes;
  }
  return n;
}

size_t SealedFieldCache::entries() const {
  size_t n = 0;
  for (const Shard& shard : shards_) {
    MutexLock lock(&shard.mu);
    n += shard.index.size();
  }
  return n;
}

}  // namespace privet::vault_internal
