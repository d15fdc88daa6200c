// The vault: ties the compiled policy, the crypto layer and the stores together.
#include "privet/vault.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <thread>
#include <tuple>
#include <unordered_map>

#include "audit/audit_log.h"
#include "common/unix_time.h"
#include "common/utf8.h"
#include "crypto/crypto.h"
#include "nlohmann/json.hpp"
#include "privet/audit.h"
#include "store/store.h"
#include "vault/consent_state.h"
#include "vault/id_generator.h"
#include "vault/master_key_rotation.h"
#include "vault/sealed_field_cache.h"
#include "vault/vault_files.h"
#include "vault/vault_internal.h"
#include "vault/vault_lock.h"

namespace privet {
namespace {

using crypto::SecretKey;
using vault_internal::EndsParticipation;
using vault_internal::SealedField;
using vault_internal::SealedFieldCache;
using vault_internal::SealedFields;

constexpr size_t kMaxCachedSubjects = 100'000;
constexpr size_t kMaxFieldsPerWrite = 1'000;
constexpr size_t kMaxEvidence =
    16;  // pieces of evidence on one disclosure, exemptions of a subject
constexpr size_t kMaxSubjectsPerImport = 10'000;
constexpr size_t kMaxPurgesPerCommit = 64;  // erased subjects purged per background commit
constexpr size_t kMaxPurgesBeforeScrub = 1'024;  // purged subjects waiting for the key scrub
constexpr size_t kMaxPurgesWaiting = 1'024;  // erased subjects whose purge waits for a pause
constexpr std::chrono::milliseconds kPurgeSettle{2};  // the pause in erasures a purge waits for
// Read decisions buffered (ReadAuditing::kBatched) before the reader that adds one stores them
// itself: reads served from memory can outpace the one thread that flushes, and the buffer must
// not grow without bound (about 300 bytes an entry).
constexpr size_t kMaxBufferedDecisions = 4'096;
// The most reads the read committer (ReadThen) waits for before it commits: as many as the
// largest of its last commits stored, up to this.
constexpr size_t kFullReadGroup = 256;

// Whole years between `birth` and `today`.
int AgeOn(CivilDay birth, CivilDay today) {
  int age = today.year - birth.year;
  if (today.month < birth.month || (today.month == birth.month && today.day < birth.day)) --age;
  return age;
}

CivilDay TodayOf(Time t) {
  const std::chrono::year_month_day ymd{std::chrono::floor<std::chrono::days>(t)};
  return {static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
          static_cast<unsigned>(ymd.day())};
}

// Everything the vault keeps in memory about a subject; immutable once built, replaced whole.
struct CachedSubject {
  store::SubjectRecord record;  // sealed_profile kept sealed
  SubjectState state;
  SecretKey key;
  // The profile, opened once when loaded (it is in memory with the key that opens it anyway):
  // GetSubject runs for every request to a subject's routes.
  std::vector<LocationExemption> location_exemptions;
  std::string jurisdiction;
  std::optional<CivilDay> birth_date;
  std::optional<int> age_years;
  bool profile_readable = true;
};

// Fills the profile's part of `s` from its opened JSON.
void DecodeProfile(std::string_view json, CachedSubject& s) {
  nlohmann::json profile = nlohmann::json::parse(json, nullptr, false);
  if (!profile.is_object()) {
    s.profile_readable = false;
    return;
  }
  if (profile.contains("location_exemptions")) {
    for (const nlohmann::json& e : profile["location_exemptions"]) {
      if (!e.is_object()) continue;  // an undocumented, unreferenced exemption is none
      s.location_exemptions.push_back({.exemption = e.value("exemption", ""),
                                       .reference = e.value("reference", ""),
                                       .granted_by = e.value("granted_by", ""),
                                       .granted_at = FromUnix(e.value("granted_at", int64_t{0}))});
    }
  }
  s.jurisdiction = profile.value("jurisdiction", "");
  if (profile.contains("birth_date")) {
    const std::string day = profile["birth_date"].get<std::string>();
    s.birth_date = CivilDay{std::stoi(day.substr(0, 4)), static_cast<unsigned>(std::stoi(day.substr(5, 2))),
                            static_cast<unsigned>(std::stoi(day.substr(8, 2)))};
  }
  if (profile.contains("age_years")) s.age_years = profile["age_years"].get<int>();
}

// The profile's JSON, as DecodeProfile reads it.
nlohmann::json EncodeProfile(std::string_view jurisdiction,
                             const std::vector<LocationExemption>& exemptions,
                             const std::optional<CivilDay>& birth_date,
                             const std::optional<int>& age_years) {
  nlohmann::json granted = nlohmann::json::array();
  for (const LocationExemption& e : exemptions) {
    granted.push_back({{"exemption", e.exemption},
                       {"reference", e.reference},
                       {"granted_by", e.granted_by},
                       {"granted_at", ToUnix(e.granted_at)}});
  }
  nlohmann::json profile = {{"jurisdiction", jurisdiction},
                            {"location_exemptions", std::move(granted)}};
  if (birth_date) profile["birth_date"] = CivilDayToString(*birth_date);
  if (age_years) profile["age_years"] = *age_years;
  return profile;
}

// The subject kind's location requirement (CX03), or null where it has none or the subject holds
// one of its exemptions.
const SubjectKind* UnmetLocationRequirement(const CompiledPolicy& policy,
                                            const CachedSubject& subject) {
  const auto& kinds = policy.policy().subject_kinds;
  auto kind = std::find_if(kinds.begin(), kinds.end(),
                           [&](const SubjectKind& k) { return k.id == subject.record.kind; });
  if (kind == kinds.end() || !kind->location_required) return nullptr;
  for (const LocationExemption& held : subject.location_exemptions) {
    if (std::find(kind->location_exemptions.begin(), kind->location_exemptions.end(),
                  held.exemption) != kind->location_exemptions.end())
      return nullptr;
  }
  return &*kind;
}

std::string ProfileAd(uint64_t subject_id) {
  return crypto::FieldAssociatedData(subject_id, "privet.subject_profile", 0);
}

}  // namespace

class Vault::Impl {
 public:
  friend class Vault;                    // its retention and organization calls, below
  friend struct vault_internal::Access;  // vault_internal.h: rights and retention
  Impl(vault_internal::VaultLock lock, VaultOptions options, SecretKey master,
       std::unique_ptr<store::DataStore> data, std::unique_ptr<store::KeyStore> keys,
       SecretKey index_root, std::unique_ptr<audit::AuditLog> audit)
      : lock_(std::move(lock)),
        options_(std::move(options)),
        policy_(options_.policy),
        clock_(*options_.clock),
        master_(std::move(master)),
        indexer_(index_root),
        data_(std::move(data)),
        keys_(std::move(keys)),
        audit_(std::move(audit)),
        last_head_(clock_.Now()),
        field_cache_(options_.field_cache_bytes) {}

  const CompiledPolicy& policy() const { return *policy_; }

  StatusOr<uint64_t> CreateSubject(const NewSubject& s);
  StatusOr<std::vector<uint64_t>> Import(const std::vector<ImportedSubject>& subjects);
  StatusOr<SubjectInfo> GetSubject(uint64_t id);
  StatusOr<std::vector<uint64_t>> Write(const WriteRequest& request);
  StatusOr<ReadResult> Read(const Principal& principal, uint64_t id, std::string_view purpose,
                            bool located = false);
  void ReadThen(const Principal& principal, uint64_t id, std::string_view purpose, Vault::ReadDone done);
  void ReadThen(const Principal& principal, uint64_t id, std::string_view purpose,
                Vault::ReadPrepare prepare, Vault::PreparedDone done, bool located = false);
  // Queues a read's decision for the read committer, which calls `release` after its commit.
  void QueueRead(AuditEntry decision, std::function<void(const Status& stored)> release);
  void DrainReads();
  void RunReadCommitsOn(Vault::TaskRunner run);
  Status Rectify(const Principal& principal, uint64_t id, uint64_t field_id, std::string_view value);
  Status DeleteField(const Principal& principal, uint64_t id, uint64_t field_id);
  // Seals bytes under the subject's key, bound to the subject and `context` (Access::Seal).
  std::string SealFor(const CachedSubject& subject, uint64_t id, std::string_view context,
                      std::string_view plaintext) {
    return crypto::Seal(subject.key, plaintext, crypto::FieldAssociatedData(id, context, 0),
                        nonces_);
  }
  struct SuspendedFeature {
    const Feature* feature = nullptr;
    std::vector<std::string> missing;  // the required categories no longer held
  };
  std::vector<SuspendedFeature> FeaturesSuspendedBy(
      const CachedSubject& subject, std::string_view category,
      const std::vector<store::FieldRecord>& left) const;
  Status RecordConsent(uint64_t id, const ConsentChange& change);
  StatusOr<std::string> ConsentPurpose(const ConsentChange& change) const;
  Status CommitConsents(uint64_t id, std::span<const ConsentChange> changes);
  Status CookiesCleared(uint64_t id, const std::vector<std::string>& cookie_ids);
  Status DeleteProfileInto(uint64_t id, const PurposeSet& ended, store::WriteBatch& batch,
                           std::vector<AuditEntry>& entries);
  Status DeleteFieldsInto(uint64_t subject_id, const std::vector<store::FieldRecord>& fields,
                          store::WriteBatch& batch);
  StatusOr<std::vector<ConsentEvent>> ConsentHistory(uint64_t id);
  StatusOr<DisclosureResult> Disclose(const Disclosure& d);
  StatusOr<std::vector<DisclosureEntry>> Disclosures(uint64_t id);
  StatusOr<SubjectState> State(uint64_t id);
  StatusOr<std::optional<uint64_t>> FindSubject(Identifier kind, std::string_view value);
  StatusOr<std::vector<uint64_t>> OrganizationMembers(uint64_t org) {
    // 0 is "no organization": its "members" are every subject without one.
    if (org == kNoId) return NotFound("no such organization", "organization_id");
    ASSIGN_OR_RETURN(std::vector<uint64_t> members, data_->ListOrganizationMembers(org));
    std::vector<uint64_t> live;  // without subjects erased but not yet purged
    for (uint64_t id : members) {
      ASSIGN_OR_RETURN(std::optional<std::string> key, keys_->GetWrappedKey(id));
      if (key) live.push_back(id);
    }
    return live;
  }
  Status Erase(uint64_t id);
  Status RotateMasterKey(std::string_view new_master_key_hex);
  Status BackupData(const std::string& dest) { return data_->BackupTo(dest); }
  StatusOr<SignedTreeHead> SignTreeHead();
  uint64_t AuditSize() const { return audit_->size(); }
  Status Health();

  // The background purge of erased subjects' rows: started by Open (with the purges a crash
  // left pending), drained and stopped before the vault closes.
  void StartPurger();
  void StopPurger();
  ~Impl() {
    DrainReads();  // the committer stores what it holds and answers its readers
    StopPurger();
  }

 private:
  void SchedulePurge(uint64_t id);
  void RunPurger();
  // Stores the buffered read decisions (ReadAuditing::kBatched), if any.
  void FlushDecisions();
  // Read decisions are allocated by the readers and stored by another thread (kBatched). Freed
  // there, their memory would go back to the readers' malloc arenas under the arenas' lock, and
  // buffers regrown by the readers would cost them consolidations: measured, the p99 of warm
  // reads doubled. So the stored entries are handed back for the readers to free, a few per
  // read (FreeStoredDecisionsLocked), and the three buffers keep their capacity, in turn
  // pending (filled by readers), being stored, and stored (emptied by readers), then spare.
  void RecycleDecisionBuffer(std::vector<AuditEntry> stored);
  void FreeStoredDecisionsLocked();  // REQUIRES: decisions_mu_ held
  // Stores a read's decision before the read returns (ReadAuditing::kBeforeReturn). Concurrent
  // readers share commits: each queues its entry; one reader at a time leads, committing every
  // entry queued so far, while the others sleep until a commit holding theirs is done (or lead
  // the next one). A reader waits at most for the commit in progress and the one after.
  Status StoreDecision(AuditEntry decision);
  // Stores read decisions in one transaction (with any buffered ones), under the write lock.
  Status CommitDecisions(std::vector<AuditEntry> decisions);
  // Read without storing its decision: what Read returns, and in `decision` the entry to store
  // before any value is handed out. A refusal is recorded here already. `located`: the read's
  // location was recorded (RecordReadLocation), as a subject's own read may need (CX03).
  StatusOr<ReadResult> ReadUnstored(const Principal& principal, uint64_t id,
                                    std::string_view purpose, AuditEntry& decision,
                                    bool located = false);
  // Records the location a subject's own read carries (CX03), as a write for the subject kind's
  // interaction feature.
  Status RecordReadLocation(const Principal& principal, uint64_t id, const FieldInput& location);
  // Grants (with a reference) or revokes (without) a location exemption. Takes write_mu_.
  Status ChangeLocationExemption(const Principal& by, uint64_t id, std::string_view exemption,
                                 std::optional<std::string_view> reference);
  // Buffers a read's decision (ReadAuditing::kBatched).
  void BufferDecision(AuditEntry decision);
  // The committer of ReadThen's decisions: commits every queued read's decision in one
  // transaction, then hands each reader its result. Started by the first ReadThen.
  void RunReadCommitter();
  // A task given to commit_runner_: commits every read queued when it starts, then hands
  // itself to the runner again if more have queued meanwhile.
  void CommitQueuedReads();
  // The subject's field rows, sealed: from the cache, or read from the store and cached.
  StatusOr<SealedFieldCache::Rows> SealedRows(uint64_t id);
  // The latest policy version the subject was notified of whose opt-out window has passed (the
  // version they signed up under counts as notified).
  StatusOr<int> NotifiedVersion(const CachedSubject& subject);
  // Opens the subject's fields whose category is in `categories`, that were collected for
  // `purpose` or a purpose above it, and that the policy version they were collected under lets
  // `purpose` use (CN17, CU11, CU06), `state` being the subject's. The fields the version rule
  // keeps back are added to `withheld` with the reason.
  StatusOr<std::vector<FieldValue>> OpenFields(const CachedSubject& subject, SubjectState state,
                                               const CategorySet& categories, PurposeId purpose,
                                               LegalBasis basis, std::vector<WithheldField>& withheld);
  // An audit entry of `event` by `principal` about `subject`, stamped now under this policy.
  AuditEntry Audit(AuditEvent event, const Principal& principal, uint64_t subject) const;
  // Applies `batch` with `entries` appended to the audit log, in one transaction: the change and
  // its record are stored together or not at all. REQUIRES: write_mu_ held.
  Status ApplyAudited(store::WriteBatch& batch, std::vector<AuditEntry> entries);
  // Applies `batch` to the data store and brings the caches in line with it, in the same
  // critical section: no cached field rows or subject state outlive a commit that changed them.
  // REQUIRES: write_mu_ held.
  Status ApplyBatch(const store::WriteBatch& batch);
  void AfterCommit(const store::WriteBatch& batch, bool committed);
  // Records a refused request (a decision too); the refusal's own status is what callers return.
  void AuditRefusal(AuditEvent event, const Principal& principal, uint64_t subject, const Status& refusal,
                    std::string purpose = {});
  // The cached subject, loading it (record, key, consent ledger) on a miss.
  StatusOr<std::shared_ptr<const CachedSubject>> Load(uint64_t id);
  // Caches what Load read unless the ledger changed or a subject was forgotten since `ticket`
  // (subject_generation_ when Load started reading): state read before a consent change or an
  // erasure must never be cached after it.
  void Publish(uint64_t id, std::shared_ptr<const CachedSubject> entry, uint64_t ticket);
  // Drops the subject's cached state and field rows (erasure, changes made around the vault).
  void Forget(uint64_t id);
  // CreateSubject's checks; returns the profile to seal.
  StatusOr<std::string> CheckNewSubject(const NewSubject& s);
  // Write's checks for `request` on `subject_id`; adds the rows it writes to `batch` and returns
  // the new field ids. Nothing is stored. `held` says where the subject's stored fields are (read
  // only when the request names a feature).
  enum class HeldFields { kInStore, kNone };
  StatusOr<std::vector<uint64_t>> PrepareWrite(const WriteRequest& request, uint64_t subject_id,
                                               const CachedSubject& subject, HeldFields held,
                                               store::WriteBatch& batch);
  // `held`: the fields the subject already has (for CU04: never cookie ids beside named data).
  Status CheckWriteFields(const WriteRequest& request, const std::vector<store::FieldRecord>& held,
                          std::vector<CategoryId>& categories);
  // The stored field `field_id` of the subject, or NotFound.
  StatusOr<store::FieldRecord> FindField(uint64_t id, uint64_t field_id);
  // Allowed if `action` on the field's category is allowed for at least one of its purposes
  // (every one of them, when `all` is kAll); otherwise PermissionDenied with the reason.
  enum class Quantifier { kAny, kAll };
  Status CheckFieldAction(const Principal& principal, const CachedSubject& subject,
                          const store::FieldRecord& field, Action action, Quantifier quantifier);
  // The blind-index entry a value of this category produces, if the category is an identifier.
  StatusOr<std::optional<store::BlindIndexRecord>> IndexEntry(const Category& category, uint64_t id,
                                                              std::string_view value);

  vault_internal::VaultLock lock_;  // declared first: released after everything else closed
  VaultOptions options_;
  std::shared_ptr<const CompiledPolicy> policy_;
  const Clock& clock_;
  // Changed only by RotateMasterKey, which holds write_mu_ and master_mu_ both: a writer that
  // wraps keys under write_mu_ needs nothing more; Load, which unwraps without write_mu_, holds
  // master_mu_ shared from reading a wrapped key to unwrapping it, so that it never pairs a key
  // wrapped under one master key with the other (nor reads master_ as it is replaced).
  std::shared_mutex master_mu_;
  SecretKey master_;  // GUARDED_BY(master_mu_) for reading without write_mu_
  crypto::BlindIndexer indexer_;
  crypto::NonceSource nonces_;
  vault_internal::IdGenerator ids_;
  std::unique_ptr<store::DataStore> data_;
  std::unique_ptr<store::KeyStore> keys_;
  std::unique_ptr<audit::AuditLog> audit_;
  Time last_head_;  // when a tree head was last signed (or the vault opened); GUARDED_BY(write_mu_)

  std::mutex mu_;  // guards cache_ and subject_generation_
  std::unordered_map<uint64_t, std::shared_ptr<const CachedSubject>> cache_;  // GUARDED_BY(mu_)
  uint64_t subject_generation_ = 0;  // GUARDED_BY(mu_); bumped by ledger changes and Forget
  SealedFieldCache field_cache_;  // the subjects' sealed field rows; thread-safe
  std::mutex write_mu_;  // serializes writes of one vault (SQLite has one writer anyway)
  Status last_write_;    // GUARDED_BY(write_mu_): of the last batch applied to the data store
  // For Health(): the key store's last write, as last_write_ is the data store's. Its own lock:
  // erasures and the purger write keys without write_mu_.
  std::mutex key_health_mu_;
  Status last_key_write_;           // GUARDED_BY(key_health_mu_)
  Status KeyWrite(Status written);  // notes `written` for Health() and returns it

  // A reader's decision waiting for a group commit (StoreDecision), on the reader's stack.
  struct QueuedDecision {
    AuditEntry entry;
    bool done = false;  // GUARDED_BY(decisions_mu_)
    Status stored;      // GUARDED_BY(decisions_mu_)
  };
  // A ReadThen waiting for its decision to be stored.
  struct QueuedRead {
    AuditEntry decision;
    // Hands the reader its answer once `stored` is OK, or the commit's error.
    std::function<void(const Status& stored)> release;
  };
  // Commits the decisions of `group` in one transaction, then hands each reader its answer.
  void CommitReadGroup(std::vector<QueuedRead>& group);
  std::mutex decisions_mu_;  // guards the eleven below
  std::condition_variable decisions_done_;  // a group commit finished
  bool leading_group_commit_ = false;  // a reader is committing queued_decisions_
  std::vector<AuditEntry> pending_decisions_;  // read decisions not yet stored (kBatched)
  std::vector<AuditEntry> stored_decisions_;   // stored, for the readers to free
  std::vector<AuditEntry> spare_decisions_;    // empty; the next pending_decisions_
  std::vector<QueuedDecision*> queued_decisions_;  // waiting for a group commit (kBeforeReturn)
  std::vector<QueuedRead> queued_reads_;  // ReadThen's, for the committer (kBeforeReturn)
  std::condition_variable reads_queued_;  // wakes the committer
  bool read_committer_stop_ = false;
  size_t read_group_target_ = kFullReadGroup;  // reads that end the commit delay
  std::thread read_committer_;  // joined in DrainReads (and so in ~Impl)
  // RunReadCommitsOn's runner, which then commits ReadThen's reads instead of read_committer_.
  Vault::TaskRunner commit_runner_;
  bool commit_task_queued_ = false;  // a CommitQueuedReads is with the runner, not yet started
  int commit_tasks_running_ = 0;     // CommitQueuedReads under way (at most one, but in DrainReads)
  std::condition_variable commit_task_ended_;

  std::mutex purge_mu_;  // guards purge_queue_, last_erasure_ and purge_stop_
  std::condition_variable purge_cv_;
  std::deque<uint64_t> purge_queue_;
  std::chrono::steady_clock::time_point last_erasure_;  // when the newest was queued
  bool purge_stop_ = false;
  std::thread purger_;  // declared last: stopped (in ~Impl) before anything it uses goes
};

// --- Opening ----------------------------------------------------------------------------------

StatusOr<std::unique_ptr<Vault>> Vault::Open(VaultOptions options) {
  return vault_internal::Opener::Open(std::move(options), {});
}

StatusOr<std::unique_ptr<Vault>> vault_internal::Opener::Open(VaultOptions options,
                                                              const Wrappers& wrap) {
  if (!options.policy) return InvalidArgument("a vault needs a policy", "policy");
  if (options.clock == nullptr) return InvalidArgument("a vault needs a clock", "clock");
  if (options.data_dir.empty()) return InvalidArgument("a vault needs a data directory", "data_dir");
  RETURN_IF_ERROR(crypto::InitCrypto());
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) return FailedPrecondition("cannot create the data directory " + options.data_dir);
  ::chmod(options.data_dir.c_str(), 0700);
  // Before anything is read: a second process would change the files under the holder.
  ASSIGN_OR_RETURN(vault_internal::VaultLock lock,
                   vault_internal::VaultLock::Acquire(options.data_dir));
  const VaultFiles files = vault_internal::WithDefaults(
      {.data_dir = options.data_dir, .key_store_path = options.key_store_path, .master_key_file = options.master_key_file});
  options.key_store_path = files.key_store_path;
  options.master_key_file = files.master_key_file;

  ASSIGN_OR_RETURN(std::unique_ptr<store::KeyStore> keys,
                   store::OpenSqliteKeyStore(options.key_store_path));
  if (wrap.keys) keys = wrap.keys(std::move(keys));
  ASSIGN_OR_RETURN(std::optional<std::string> check, keys->GetMeta(store::key_meta::kKeyCheck));
  ASSIGN_OR_RETURN(SecretKey master, vault_internal::LoadMasterKeyFinishingRotation(
                                         options.master_key_file, check));
  crypto::NonceSource nonces;
  SecretKey index_root;
  if (!check) {
    // A new key store: the check value and the index root key are created together.
    index_root = SecretKey::Random();
    RETURN_IF_ERROR(keys->PutMeta(
        store::key_meta::kIndexRootKey,
        crypto::WrapKey(master, index_root, store::key_meta::kIndexRootKeyId, nonces)));
    RETURN_IF_ERROR(
        keys->PutMeta(store::key_meta::kKeyCheck, crypto::MakeKeyCheck(master, nonces)));
  } else {
    RETURN_IF_ERROR(crypto::VerifyKeyCheck(master, *check));
    ASSIGN_OR_RETURN(std::optional<std::string> wrapped_root,
                     keys->GetMeta(store::key_meta::kIndexRootKey));
    if (!wrapped_root)
      return Status(StatusCode::kDataLoss, "the key store has no blind-index key: " + options.key_store_path);
    ASSIGN_OR_RETURN(index_root,
                     crypto::UnwrapKey(master, *wrapped_root, store::key_meta::kIndexRootKeyId));
  }
  // The tree-head signing key: created once, kept wrapped; its public half is published.
  ASSIGN_OR_RETURN(std::optional<std::string> wrapped_seed,
                   keys->GetMeta(store::key_meta::kAuditSigningSeed));
  std::string seed;
  if (!wrapped_seed) {
    seed = audit::NewSigningSeed();
    ASSIGN_OR_RETURN(SecretKey seed_key, SecretKey::FromBytes(seed));
    RETURN_IF_ERROR(keys->PutMeta(
        store::key_meta::kAuditSigningSeed,
        crypto::WrapKey(master, seed_key, store::key_meta::kAuditSigningSeedKeyId, nonces)));
  } else {
    ASSIGN_OR_RETURN(
        SecretKey seed_key,
        crypto::UnwrapKey(master, *wrapped_seed, store::key_meta::kAuditSigningSeedKeyId));
    seed = std::string(seed_key.view());
  }
  // The published half, written after the seed and whenever it is missing: a crash (or a failed
  // write) between the two writes would otherwise leave a log no one could verify.
  ASSIGN_OR_RETURN(std::optional<std::string> public_key,
                   keys->GetMeta(store::key_meta::kAuditPublicKey));
  if (!public_key) {
    RETURN_IF_ERROR(keys->PutMeta(store::key_meta::kAuditPublicKey, audit::PublicKeyBase64(seed)));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<store::DataStore> data,
                   store::OpenSqliteDataStore(vault_internal::DataFilePath(files)));
  if (wrap.data) data = wrap.data(std::move(data));
  // Decision entries of reads are committed without an fsync of their own: they survive the
  // process being killed at once, and power loss once the next change (or tree head) commits.
  data->SetAuditOnlyDurability(store::DataStore::AuditOnlyDurability::kProcessCrash);
  ASSIGN_OR_RETURN(std::unique_ptr<audit::AuditLog> audit_log, audit::AuditLog::Open(*data, std::move(seed)));
  auto impl = std::make_unique<Vault::Impl>(std::move(lock), std::move(options), std::move(master),
                                            std::move(data), std::move(keys), std::move(index_root),
                                            std::move(audit_log));
  impl->StartPurger();
  return std::unique_ptr<Vault>(new Vault(std::move(impl)));
}

Vault::Vault(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Vault::~Vault() = default;

// --- Audit ------------------------------------------------------------------------------------

namespace {

// The reason code a refusal carries ("no_consent: ..."), or its status code name.
std::string RefusalCode(const Status& s) {
  const std::string& m = s.message();
  const size_t colon = m.find(':');
  if (colon != std::string::npos && colon > 0 &&
      std::all_of(m.begin(), m.begin() + static_cast<long>(colon), [](char c) { return c == '_' || std::islower(c); }))
    return m.substr(0, colon);
  return std::string(StatusCodeName(s.code()));
}

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
  return out;
}

// Purpose limitation: a field serves the purposes it was collected for and the narrower
// purposes beneath them. A legal obligation or a vital interest reaches any field its purpose
// covers, whatever it was collected for (GDPR Art. 6(1)(c), (d)).
// `field_purposes`: the declared purposes among those the field was collected for.
bool CollectedFor(const CompiledPurpose& purpose, const PurposeSet& field_purposes) {
  if (purpose.basis == LegalBasis::kLegalObligation || purpose.basis == LegalBasis::kVitalInterests) return true;
  return purpose.self_and_ancestors.Intersects(field_purposes);
}

bool CollectedFor(const CompiledPolicy& policy, const std::vector<std::string>& field_purposes, PurposeId purpose) {
  PurposeSet declared;
  for (const std::string& id : field_purposes) {
    if (std::optional<PurposeId> p = policy.FindPurpose(id)) declared.Set(*p);
  }
  return CollectedFor(policy.purpose(purpose), declared);
}

}  // namespace

AuditEntry Vault::Impl::Audit(AuditEvent event, const Principal& principal, uint64_t subject) const {
  AuditEntry e;
  e.event = event;
  e.at = clock_.Now();
  e.subject_id = subject;
  e.principal = PrincipalText(*policy_, principal);
  e.outcome = "allowed";
  e.policy_version = policy_->version();
  return e;
}

Status Vault::Impl::ApplyAudited(store::WriteBatch& batch, std::vector<AuditEntry> entries) {
  // Buffered read decisions (ReadAuditing::kBatched) go first, in the order they were made.
  std::vector<AuditEntry> all;
  {
    std::lock_guard lock(decisions_mu_);
    all.swap(pending_decisions_);
    pending_decisions_.swap(spare_decisions_);
  }
  const size_t buffered = all.size();
  all.insert(all.end(), std::make_move_iterator(entries.begin()), std::make_move_iterator(entries.end()));
  if (all.empty()) {
    RecycleDecisionBuffer(std::move(all));
    return ApplyBatch(batch);  // nothing to record
  }
  std::vector<audit::Hash> staged = audit_->Stage(all, batch);
  const Time now = clock_.Now();
  const bool sign = options_.tree_head_interval.count() > 0 && now - last_head_ >= options_.tree_head_interval;
  if (Status applied = ApplyBatch(batch); !applied.ok()) {
    std::lock_guard lock(decisions_mu_);  // keep the buffered decisions for the next commit
    pending_decisions_.insert(pending_decisions_.begin(), std::make_move_iterator(all.begin()),
                              std::make_move_iterator(all.begin() + static_cast<long>(buffered)));
    return applied;
  }
  RecycleDecisionBuffer(std::move(all));
  audit_->Commit(staged);
  if (sign) {  // the interval's tree head, covering this change too
    store::WriteBatch head;
    (void)audit_->SignHead(now, head);
    if (data_->Apply(head).ok()) last_head_ = now;
  }
  return Status::Ok();
}

namespace {

// For Health(): a store fault, not a request the store refused (an identifier another subject
// holds, a row that is gone), which says nothing about whether the vault can serve.
bool IsStoreFault(const Status& s) {
  const StatusCode code = s.code();
  return code == StatusCode::kUnavailable || code == StatusCode::kInternal ||
         code == StatusCode::kDataLoss || code == StatusCode::kResourceExhausted;
}

}  // namespace

Status Vault::Impl::KeyWrite(Status written) {
  if (written.ok() || IsStoreFault(written)) {
    std::lock_guard lock(key_health_mu_);
    last_key_write_ = written;
  }
  return written;
}

Status Vault::Impl::ApplyBatch(const store::WriteBatch& batch) {
  if (batch.empty()) return Status::Ok();
  Status applied = data_->Apply(batch);
  if (applied.ok() || IsStoreFault(applied)) last_write_ = applied;
  // Also after a failure: whatever happened to the batch, no cache keeps what it may have
  // changed.
  AfterCommit(batch, applied.ok());
  return applied;
}

namespace {

// The cached state with one more ledger event, as Load would fold it.
std::shared_ptr<const CachedSubject> WithConsentEvent(const CompiledPolicy& policy, const CachedSubject& before,
                                                      const store::ConsentEventRecord& event) {
  std::optional<ConsentAction> action = ParseConsentActionName(event.action);
  StatusOr<SecretKey> key = SecretKey::FromBytes(before.key.view());
  if (!action || !key.ok()) return nullptr;
  auto after = std::make_shared<CachedSubject>();
  after->record = before.record;
  after->state = before.state;
  after->location_exemptions = before.location_exemptions;
  after->jurisdiction = before.jurisdiction;
  after->birth_date = before.birth_date;
  after->age_years = before.age_years;
  after->profile_readable = before.profile_readable;
  after->key = std::move(*key);
  vault_internal::ApplyConsentEvent(policy, event.purpose, *action, after->state);
  return after;
}

}  // namespace

void Vault::Impl::AfterCommit(const store::WriteBatch& batch, bool committed) {
  // Field rows: every subject whose fields were written, deleted or purged. (Subjects the batch
  // creates need nothing, as nobody can have read them before, but telling them apart would cost
  // a lookup per field: an Import of 1,000 subjects invalidates 1,000 entries in ~0.1 ms.)
  uint64_t last = 0;
  auto invalidate = [&](uint64_t id) {
    if (id != last) field_cache_.Invalidate(id);  // a subject's rows come together
    last = id;
  };
  bool subject_state = false;
  batch.ForEach(store::Overloaded{
      [&](const store::op::PutField& o) { invalidate(o.field.subject_id); },
      [&](const store::op::DeleteField& o) { invalidate(o.subject_id); },
      [&](const store::op::PurgeSubject& o) {
        field_cache_.Invalidate(o.subject_id);
        subject_state = true;
      },
      [&](const store::op::AppendConsent&) { subject_state = true; },
      [&](const store::op::UpdateProfile&) { subject_state = true; }, [](const auto&) {}});

  // Subject state: a ledger event updates the cached state (it must take effect at once); a
  // purge drops it. Both refuse state that Load read before this commit.
  if (!subject_state) return;
  std::lock_guard lock(mu_);
  ++subject_generation_;
  batch.ForEach(store::Overloaded{
      [&](const store::op::PurgeSubject& o) { cache_.erase(o.subject_id); },
      [&](const store::op::UpdateProfile& o) { cache_.erase(o.subject_id); },
      [&](const store::op::AppendConsent& o) {
        auto it = cache_.find(o.event.subject_id);
        if (it == cache_.end()) return;
        std::shared_ptr<const CachedSubject> after =
            committed ? WithConsentEvent(*policy_, *it->second, o.event) : nullptr;
        if (after) {
          it->second = std::move(after);
        } else {
          cache_.erase(it);
        }
      },
      [](const auto&) {}});
}

void Vault::Impl::AuditRefusal(AuditEvent event, const Principal& principal, uint64_t subject,
                               const Status& refusal, std::string purpose) {
  if (refusal.code() != StatusCode::kPermissionDenied && refusal.code() != StatusCode::kFailedPrecondition) return;
  AuditEntry e = Audit(event, principal, subject);
  e.action = "refused";
  e.outcome = RefusalCode(refusal);
  // A refused request may name purposes the policy never declared: those are the caller's
  // words, not ids, and the log keeps ids and codes only (and can never forget anything).
  std::string declared;
  for (size_t start = 0; start <= purpose.size() && !purpose.empty();) {
    const size_t comma = std::min(purpose.find(',', start), purpose.size());
    const std::string_view one = std::string_view(purpose).substr(start, comma - start);
    declared += (declared.empty() ? "" : ",") + std::string(policy_->FindPurpose(one) ? one : "undeclared");
    start = comma + 1;
  }
  e.purpose = std::move(declared);
  store::WriteBatch batch;
  std::lock_guard write_lock(write_mu_);
  (void)ApplyAudited(batch, {e});  // the refusal stands whether or not its record could be stored
}

StatusOr<SignedTreeHead> Vault::Impl::SignTreeHead() {
  std::lock_guard write_lock(write_mu_);
  store::WriteBatch flush;
  RETURN_IF_ERROR(ApplyAudited(flush, {}));  // the head covers every decision made so far
  store::WriteBatch batch;
  SignedTreeHead head = audit_->SignHead(clock_.Now(), batch);
  RETURN_IF_ERROR(data_->Apply(batch));
  last_head_ = clock_.Now();
  return head;
}

Status Vault::Impl::Health() {
  std::lock_guard write_lock(write_mu_);  // no commit half-way between the store and the tree
  if (!last_write_.ok()) {
    return Status(StatusCode::kUnavailable, "the vault's last write failed (" +
                                                std::string(StatusCodeName(last_write_.code())) +
                                                "); it serves again once a write succeeds");
  }
  {
    std::lock_guard lock(key_health_mu_);
    if (!last_key_write_.ok()) {
      return Status(StatusCode::kUnavailable,
                    "the key store's last write failed (" +
                        std::string(StatusCodeName(last_key_write_.code())) +
                        "); new subjects and erasures wait until one succeeds");
    }
  }
  StatusOr<std::vector<store::AuditRecord>> beyond = data_->GetAuditEntries(audit_->size(), 1);
  if (!beyond.ok())
    return Status(StatusCode::kUnavailable, "the vault's data store cannot be read");
  if (!beyond->empty()) {
    return Status(
        StatusCode::kUnavailable,
        "the audit log holds entries this process did not write: something changed the vault's "
        "files under it; restart it");
  }
  return Status::Ok();
}

// --- Subjects ---------------------------------------------------------------------------------

StatusOr<std::string> Vault::Impl::CheckNewSubject(const NewSubject& s) {
  const Policy& policy = policy_->policy();
  auto kind = std::find_if(policy.subject_kinds.begin(), policy.subject_kinds.end(),
                           [&](const SubjectKind& k) { return k.id == s.kind; });
  if (kind == policy.subject_kinds.end() && !policy.subject_kinds.empty())
    return InvalidArgument("not a subject kind of the policy", "kind");
  if (s.birth_date && s.age_years) return InvalidArgument("give a birth date or an age, not both", "age_years");
  if (s.age_years && (*s.age_years < 0 || *s.age_years > 150)) return InvalidArgument("age out of range", "age_years");
  const CivilDay today = TodayOf(clock_.Now());
  std::optional<int> age = s.age_years;
  if (s.birth_date) {
    const std::chrono::year_month_day ymd{std::chrono::year{s.birth_date->year},
                                          std::chrono::month{s.birth_date->month},
                                          std::chrono::day{s.birth_date->day}};
    if (!ymd.ok()) return InvalidArgument("birth date is not a calendar date", "birth_date");
    age = AgeOn(*s.birth_date, today);
    if (*age < 0 || *age > 150) return InvalidArgument("birth date out of range", "birth_date");
  }
  const int minimum_age = kind != policy.subject_kinds.end() ? kind->minimum_age : 0;
  if (minimum_age > 0) {
    if (!age) return InvalidArgument("this kind of subject must give a birth date or an age", "birth_date");
    if (*age < minimum_age)  // CN03
      return PermissionDenied("below the minimum age of " + std::to_string(minimum_age) + " for '" +
                                  s.kind + "'",
                              "birth_date");
  }
  // Creation stays inside the creator's scope: a customer's subjects are its own and in no
  // organization; an organization admin's are members of its organization and nobody's
  // processor data (CT11, CN05). A subject is a customer's or an organization's, never both.
  if (s.organization_id != kNoId && s.tenant_id != kNoId)
    return InvalidArgument(
        "a subject belongs to an organization or to a customer (tenant), not both", "tenant_id");
  if (s.principal.kind == PrincipalKind::kTenant && s.principal.tenant_id != s.tenant_id)
    return PermissionDenied("other_tenant: a customer may only create subjects of its own",
                            "tenant_id");
  if (s.principal.kind == PrincipalKind::kTenant && s.organization_id != kNoId)
    return PermissionDenied("other_organization: a customer creates subjects in no organization",
                            "organization_id");
  if (s.principal.kind == PrincipalKind::kOrganizationAdmin &&
      s.principal.organization_id != s.organization_id)
    return PermissionDenied(
        "other_organization: an organization admin creates members of its own organization only",
        "organization_id");
  if (s.principal.kind == PrincipalKind::kOrganizationAdmin && s.tenant_id != kNoId)
    return PermissionDenied("other_tenant: an organization admin creates no customer's subjects",
                            "tenant_id");
  if (s.principal.kind != PrincipalKind::kService && s.principal.kind != PrincipalKind::kTenant &&
      s.principal.kind != PrincipalKind::kOrganizationAdmin)
    return PermissionDenied("principal_not_allowed: this principal creates no subjects");
  // Codes, sealed at rest like the rest of the profile, and still never a card number (CX02).
  if (!s.jurisdiction.empty()) RETURN_IF_ERROR(CheckReference(s.jurisdiction, "jurisdiction"));
  return EncodeProfile(s.jurisdiction, {}, s.birth_date, s.age_years).dump();
}

StatusOr<uint64_t> Vault::Impl::CreateSubject(const NewSubject& s) {
  StatusOr<std::string> checked = CheckNewSubject(s);
  if (!checked.ok()) {
    AuditRefusal(AuditEvent::kSubjectCreated, s.principal, 0, checked.status());  // CN03 refusals too
    return checked.status();
  }
  const std::string profile = std::move(*checked);
  SecretKey key = SecretKey::Random();
  std::lock_guard write_lock(write_mu_);
  for (int attempt = 0; attempt < 8; ++attempt) {
    const uint64_t id = ids_.Next();
    // The key goes first, durably: a crash before the data commit leaves an unused key, never
    // data without a key.
    Status put = KeyWrite(keys_->PutWrappedKey(id, crypto::WrapKey(master_, key, id, nonces_)));
    if (put.code() == StatusCode::kAlreadyExists) continue;
    RETURN_IF_ERROR(put);
    store::WriteBatch batch;
    batch.PutSubject({.id = id,
                      .kind = s.kind,
                      .organization_id = s.organization_id,
                      .tenant_id = s.tenant_id,
                      .created_at = ToUnix(clock_.Now()),
                      .policy_version = policy_->version(),
                      .sealed_profile = crypto::Seal(key, profile, ProfileAd(id), nonces_)});
    AuditEntry created = Audit(AuditEvent::kSubjectCreated, s.principal, id);
    created.action = "create";
    created.detail = s.kind;
    Status applied = ApplyAudited(batch, {created});
    if (!applied.ok()) {
      (void)KeyWrite(keys_->DestroyWrappedKey(id));
      if (applied.code() == StatusCode::kAlreadyExists) continue;
      return applied;
    }
    return id;
  }
  return Internal("could not draw an unused subject id");
}

StatusOr<std::shared_ptr<const CachedSubject>> Vault::Impl::Load(uint64_t id) {
  uint64_t ticket;
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(id);
    if (it != cache_.end()) return it->second;
    ticket = subject_generation_;
  }
  ASSIGN_OR_RETURN(std::optional<store::SubjectRecord> record, data_->GetSubject(id));
  if (!record) return NotFound("no such subject", "subject_id");
  auto entry = std::make_shared<CachedSubject>();
  {
    std::shared_lock master_lock(master_mu_);
    ASSIGN_OR_RETURN(std::optional<std::string> wrapped, keys_->GetWrappedKey(id));
    if (!wrapped) return NotFound("the subject was erased", "subject_id");
    ASSIGN_OR_RETURN(entry->key, crypto::UnwrapKey(master_, *wrapped, id));
  }
  entry->record = std::move(*record);
  entry->state.subject_id = id;
  entry->state.organization_id = entry->record.organization_id;
  entry->state.tenant_id = entry->record.tenant_id;
  ASSIGN_OR_RETURN(std::vector<store::ConsentEventRecord> events, data_->GetConsentEvents(id));
  for (const auto& e : events) {
    if (auto action = ParseConsentActionName(e.action))
      vault_internal::ApplyConsentEvent(*policy_, e.purpose, *action, entry->state);
  }
  ASSIGN_OR_RETURN(std::string profile_json,
                   crypto::Open(entry->key, entry->record.sealed_profile, ProfileAd(id)));
  DecodeProfile(profile_json, *entry);
  std::shared_ptr<const CachedSubject> shared = std::move(entry);
  Publish(id, shared, ticket);
  return shared;
}

void Vault::Impl::Publish(uint64_t id, std::shared_ptr<const CachedSubject> entry, uint64_t ticket) {
  std::lock_guard lock(mu_);
  if (subject_generation_ != ticket) return;
  if (cache_.size() >= kMaxCachedSubjects && !cache_.count(id)) cache_.erase(cache_.begin());
  cache_[id] = std::move(entry);
}

void Vault::Impl::Forget(uint64_t id) {
  {
    std::lock_guard lock(mu_);
    ++subject_generation_;
    cache_.erase(id);
  }
  field_cache_.Invalidate(id);
}

StatusOr<SubjectInfo> Vault::Impl::GetSubject(uint64_t id) {
  ASSIGN_OR_RETURN(std::shared_ptr<const CachedSubject> s, Load(id));
  SubjectInfo info;
  info.id = id;
  info.kind = s->record.kind;
  info.organization_id = s->record.organization_id;
  info.tenant_id = s->record.tenant_id;
  info.created_at = FromUnix(s->record.created_at);
  info.policy_version = s->record.policy_version;
  if (!s->profile_readable) return Status(StatusCode::kDataLoss, "unreadable subject profile");
  info.location_exemptions = s->location_exemptions;
  info.jurisdiction = s->jurisdiction;
  info.birth_date = s->birth_date;
  info.age_years = s->age_years;
  return info;
}

// --- Writes -----------------------------------------------------------------------------------

Status Vault::Impl::CheckWriteFields(const WriteRequest& request, const std::vector<store::FieldRecord>& held,
                                     std::vector<CategoryId>& categories) {
  const CompiledPolicy& policy = *policy_;
  if (request.fields.empty()) return InvalidArgument("nothing to write", "fields");
  if (request.fields.size() > kMaxFieldsPerWrite)
    return ResourceExhausted("at most " + std::to_string(kMaxFieldsPerWrite) + " fields per write", "fields");
  bool pseudonymous = false;
  bool named = false;
  for (const store::FieldRecord& f : held) {
    std::optional<CategoryId> c = policy.FindCategory(f.category);
    (c && policy.category(*c).pseudonymous_identifier ? pseudonymous : named) = true;
  }
  for (size_t i = 0; i < request.fields.size(); ++i) {
    const FieldInput& f = request.fields[i];
    const std::string where = "fields[" + std::to_string(i) + "]";
    std::optional<CategoryId> c = policy.FindCategory(f.category);
    if (!c) return InvalidArgument(where + ": not a category of the policy", where + ".category");
    if (f.value.size() > kMaxFieldValueBytes)
      return InvalidArgument(
          where + ": value over " + std::to_string(kMaxFieldValueBytes) + " bytes",
          where + ".value");
    if (!IsValidUtf8(f.value))
      return InvalidArgument(where + ": value is not valid UTF-8", where + ".value");
    // CX02: refused wherever it appears, and never echoed.
    if (LooksLikePaymentCardNumber(f.value))
      return PermissionDenied(where + ": the value looks like a payment card number, which is never stored",
                              where + ".value");
    (policy.category(*c).pseudonymous_identifier ? pseudonymous : named) = true;
    categories.push_back(*c);
  }
  if (pseudonymous && named)  // CU04
    return PermissionDenied("cookie and tracking identifiers are never stored with a named subject's data",
                            "fields");
  return Status::Ok();
}

StatusOr<std::vector<uint64_t>> Vault::Impl::Write(const WriteRequest& request) {
  ASSIGN_OR_RETURN(std::shared_ptr<const CachedSubject> subject, Load(request.subject_id));
  store::WriteBatch batch;
  StatusOr<std::vector<uint64_t>> prepared =
      PrepareWrite(request, request.subject_id, *subject, HeldFields::kInStore, batch);
  if (!prepared.ok()) {
    AuditRefusal(AuditEvent::kWrite, request.principal, request.subject_id, prepared.status(),
                 Joined(request.purposes));
    return prepared.status();
  }
  std::vector<uint64_t> ids = std::move(*prepared);
  AuditEntry written = Audit(AuditEvent::kWrite, request.principal, request.subject_id);
  written.action = "write";
  written.purpose = Joined(request.purposes);
  for (const FieldInput& f : request.fields) written.categories.push_back(f.category);
  written.detail = request.feature;
  {
    std::lock_guard write_lock(write_mu_);
    RETURN_IF_ERROR(ApplyAudited(batch, {written}));
  }
  return ids;
}

StatusOr<std::vector<uint64_t>> Vault::Impl::PrepareWrite(const WriteRequest& request,
                                                          uint64_t subject_id,
                                                          const CachedSubject& subject_entry,
                                                          HeldFields held_fields,
                                                          store::WriteBatch& batch) {
  const CompiledPolicy& policy = *policy_;
  const CachedSubject* subject = &subject_entry;
  std::vector<store::FieldRecord> held;
  if (held_fields == HeldFields::kInStore) {
    ASSIGN_OR_RETURN(held, data_->GetFields(subject_id));
  }
  std::vector<CategoryId> categories;
  RETURN_IF_ERROR(CheckWriteFields(request, held, categories));

  // CU01: data is written only for declared purposes, each allowing the write.
  if (request.purposes.empty()) return PermissionDenied("a write needs the purpose it is for", "purposes");
  std::vector<PurposeId> purposes;
  for (const std::string& p : request.purposes) {
    std::optional<PurposeId> id = policy.FindPurpose(p);
    if (!id) return PermissionDenied("unknown_purpose: a purpose the policy does not declare", "purposes");
    purposes.push_back(*id);
  }
  // Each field is collected for the requested purposes that may use its category; a purpose
  // that refuses the write for any other reason (consent, restriction, scope) refuses it all.
  std::vector<std::vector<std::string>> field_purposes(categories.size());
  std::vector<LegalBasis> field_basis(categories.size(), LegalBasis::kContract);
  for (size_t i = 0; i < categories.size(); ++i) {
    CategorySet one;
    one.Set(categories[i]);
    Reason last = Reason::kCategoryNotForPurpose;
    for (size_t k = 0; k < purposes.size(); ++k) {
      Decision d = Decide(policy, request.principal, Action::kWrite, subject->state, one, purposes[k]);
      if (d.allowed()) {
        if (field_purposes[i].empty()) field_basis[i] = d.basis;
        field_purposes[i].push_back(request.purposes[k]);
      } else if (d.reason != Reason::kCategoryNotForPurpose) {
        return PermissionDenied(std::string(ReasonName(d.reason)) + ": writing '" +
                                    request.fields[i].category + "' for '" + request.purposes[k] + "' is refused",
                                "fields[" + std::to_string(i) + "]");
      } else {
        last = d.reason;
      }
    }
    if (field_purposes[i].empty())
      return PermissionDenied(std::string(ReasonName(last)) + ": no requested purpose may use '" +
                                  request.fields[i].category + "'",
                              "fields[" + std::to_string(i) + "].category");
  }

  // CT02, CU02: a feature's required data must be present.
  if (!request.feature.empty()) {
    const auto& features = policy.policy().features;
    auto feature = std::find_if(features.begin(), features.end(),
                                [&](const Feature& f) { return f.id == request.feature; });
    if (feature == features.end()) return InvalidArgument("not a feature of the policy", "feature");
    const std::vector<std::string>& offered_to = feature->subject_kinds;
    if (!offered_to.empty() &&
        std::find(offered_to.begin(), offered_to.end(), subject->record.kind) == offered_to.end())
      return InvalidArgument(
          "'" + request.feature + "' is not offered to a '" + subject->record.kind + "'",
          "feature");
    std::vector<std::string> missing;
    for (const std::string& needed : feature->requires_categories) {
      auto covers = [&](std::string_view cat) { return IdCovers(needed, cat); };
      const bool in_write = std::any_of(request.fields.begin(), request.fields.end(),
                                        [&](const FieldInput& f) { return covers(f.category); });
      const bool already = std::any_of(held.begin(), held.end(),
                                       [&](const store::FieldRecord& f) { return covers(f.category); });
      if (!in_write && !already) missing.push_back(needed);
    }
    if (!missing.empty()) {
      std::string names;
      for (const auto& m : missing) names += (names.empty() ? "" : ", ") + m;
      return FailedPrecondition("'" + request.feature + "' requires " + names + ", which was not provided",
                                "fields");
    }
  }

  // CX03: where the subject kind requires it, every interaction carries a location.
  if (const SubjectKind* kind = UnmetLocationRequirement(policy, *subject)) {
    const bool has_location = std::any_of(request.fields.begin(), request.fields.end(), [](const FieldInput& f) {
      return IdCovers("user.location", f.category);
    });
    if (!has_location)
      return FailedPrecondition("every interaction of a '" + kind->id +
                                    "' must record the subject's location (a user.location field)",
                                "fields");
  }

  std::vector<uint64_t> ids;
  const int64_t now = ToUnix(clock_.Now());
  for (size_t i = 0; i < request.fields.size(); ++i) {
    const FieldInput& f = request.fields[i];
    const uint64_t field_id = ids_.Next();
    const Category& category = policy.category(categories[i]);
    ASSIGN_OR_RETURN(std::optional<store::BlindIndexRecord> entry, IndexEntry(category, subject_id, f.value));
    if (entry) batch.PutBlindIndex(std::move(*entry));
    batch.PutField({.id = field_id,
                    .subject_id = subject_id,
                    .category = f.category,
                    .source = std::string(DataSourceName(f.source)),
                    .purposes = field_purposes[i],
                    .basis = std::string(LegalBasisName(field_basis[i])),
                    .collected_at = now,
                    .last_activity = now,
                    .policy_version = policy.version(),
                    .sealed_value = crypto::Seal(subject->key, f.value,
                                                 crypto::FieldAssociatedData(subject_id, f.category, field_id),
                                                 nonces_)});
    ids.push_back(field_id);
  }
  return ids;
}

namespace {
// An error of subjects[i] of an import: the same code, the place prefixed.
Status AtImported(size_t i, std::string_view part, const Status& status) {
  const std::string where = "subjects[" + std::to_string(i) + "]." + std::string(part);
  return Status(status.code(), where + ": " + status.message(),
                status.field().empty() ? where : where + "." + status.field());
}
}  // namespace

StatusOr<std::vector<uint64_t>> Vault::Impl::Import(const std::vector<ImportedSubject>& subjects) {
  if (subjects.empty()) return InvalidArgument("nothing to import", "subjects");
  if (subjects.size() > kMaxSubjectsPerImport)
    return ResourceExhausted("at most " + std::to_string(kMaxSubjectsPerImport) + " subjects per import",
                             "subjects");
  std::vector<std::string> profiles;
  profiles.reserve(subjects.size());
  for (size_t i = 0; i < subjects.size(); ++i) {
    StatusOr<std::string> profile = CheckNewSubject(subjects[i].subject);
    if (!profile.ok()) return AtImported(i, "subject", profile.status());
    profiles.push_back(std::move(*profile));
  }
  // What Load() would build for each new subject: no consent events, no fields yet.
  std::vector<CachedSubject> fresh(subjects.size());
  for (size_t i = 0; i < subjects.size(); ++i) {
    const NewSubject& s = subjects[i].subject;
    fresh[i].key = SecretKey::Random();
    fresh[i].record.kind = s.kind;
    fresh[i].record.organization_id = s.organization_id;
    fresh[i].record.tenant_id = s.tenant_id;
    fresh[i].state.organization_id = s.organization_id;
    fresh[i].state.tenant_id = s.tenant_id;
  }
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::vector<uint64_t> ids;
    ids.reserve(subjects.size());
    store::WriteBatch batch;
    const int64_t now = ToUnix(clock_.Now());
    for (size_t i = 0; i < subjects.size(); ++i) {
      const uint64_t id = ids_.Next();
      CachedSubject& subject = fresh[i];
      subject.record.id = id;
      subject.record.created_at = now;
      subject.record.policy_version = policy_->version();
      subject.record.sealed_profile = crypto::Seal(subject.key, profiles[i], ProfileAd(id), nonces_);
      subject.state.subject_id = id;
      batch.PutSubject(subject.record);
      if (!subjects[i].write.fields.empty()) {
        StatusOr<std::vector<uint64_t>> written =
            PrepareWrite(subjects[i].write, id, subject, HeldFields::kNone, batch);
        if (!written.ok()) return AtImported(i, "write", written.status());
      }
      ids.push_back(id);
    }
    std::lock_guard write_lock(write_mu_);
    // Wrapped under write_mu_, as in CreateSubject: a rotation (which holds it) can neither
    // change master_ as it is read nor rewrap the keys before they are stored under the old one.
    std::vector<std::pair<uint64_t, std::string>> wrapped;
    wrapped.reserve(ids.size());
    for (size_t i = 0; i < ids.size(); ++i)
      wrapped.emplace_back(ids[i], crypto::WrapKey(master_, fresh[i].key, ids[i], nonces_));
    // As in CreateSubject, the keys go first, durably: a crash before the data commit leaves
    // unused keys, never data without a key.
    Status put = KeyWrite(keys_->PutWrappedKeys(wrapped));
    if (put.code() == StatusCode::kAlreadyExists) continue;  // an id collision: draw again
    RETURN_IF_ERROR(put);
    std::vector<AuditEntry> entries;
    for (size_t i = 0; i < ids.size(); ++i) {
      AuditEntry created = Audit(AuditEvent::kSubjectCreated, subjects[i].subject.principal, ids[i]);
      created.action = "import";
      created.detail = subjects[i].subject.kind;
      for (const FieldInput& f : subjects[i].write.fields) created.categories.push_back(f.category);
      created.purpose = Joined(subjects[i].write.purposes);
      entries.push_back(std::move(created));
    }
    Status applied = ApplyAudited(batch, entries);
    if (applied.ok()) return ids;
    (void)KeyWrite(keys_->DestroyWrappedKeys(ids));
    if (applied.code() != StatusCode::kAlreadyExists) return applied;
    // AlreadyExists is an id collision with a stored subject, or a blind-index entry (an
    // identifier) that belongs to another subject: only the first is worth another draw.
    bool collision = false;
    for (uint64_t id : ids) {
      ASSIGN_OR_RETURN(std::optional<store::SubjectRecord> existing, data_->GetSubject(id));
      if (existing) collision = true;
    }
    if (!collision) return applied;
  }
  return Internal("could not draw unused subject ids");
}

// --- Reads ------------------------------------------------------------------------------------

StatusOr<ReadResult> Vault::Impl::Read(const Principal& principal, uint64_t id,
                                       std::string_view purpose, bool located) {
  AuditEntry decision;
  ASSIGN_OR_RETURN(ReadResult result, ReadUnstored(principal, id, purpose, decision, located));
  if (options_.read_auditing == VaultOptions::ReadAuditing::kBatched) {
    BufferDecision(std::move(decision));
  } else {
    RETURN_IF_ERROR(StoreDecision(std::move(decision)));
  }
  return result;
}

namespace {

// A queued read's release: hands `done` the read's answer once its decision is stored, or the
// commit's error.
template <typename Answer, typename Done>
std::function<void(const Status&)> ReleaseTo(Answer answer, Done done) {
  return [answer = std::move(answer), done = std::move(done)](const Status& stored) mutable {
    if (stored.ok()) {
      done(std::move(answer));
    } else {
      done(stored);
    }
  };
}

}  // namespace

void Vault::Impl::ReadThen(const Principal& principal, uint64_t id, std::string_view purpose, Vault::ReadDone done) {
  AuditEntry decision;
  StatusOr<ReadResult> result = ReadUnstored(principal, id, purpose, decision);
  if (!result.ok()) return done(std::move(result).status());
  if (options_.read_auditing == VaultOptions::ReadAuditing::kBatched) {
    BufferDecision(std::move(decision));
    return done(std::move(result));
  }
  QueueRead(std::move(decision), ReleaseTo(std::move(*result), std::move(done)));
}

void Vault::Impl::ReadThen(const Principal& principal, uint64_t id, std::string_view purpose,
                           Vault::ReadPrepare prepare, Vault::PreparedDone done, bool located) {
  AuditEntry decision;
  std::string answer;
  {
    StatusOr<ReadResult> result = ReadUnstored(principal, id, purpose, decision, located);
    if (!result.ok()) return done(std::move(result).status());
    answer = prepare(*result);
  }  // the plaintext result is gone; only `answer` waits for the commit
  if (options_.read_auditing == VaultOptions::ReadAuditing::kBatched) {
    BufferDecision(std::move(decision));
    return done(std::move(answer));
  }
  QueueRead(std::move(decision), ReleaseTo(std::move(answer), std::move(done)));
}

void Vault::Impl::QueueRead(AuditEntry decision, std::function<void(const Status& stored)> release) {
  // Wake the committer thread: it waits for a first read, or while its group fills.
  bool wake = false;
  // Hand the runner a commit task: none is waiting to start or running.
  bool hand_out = false;
  {
    std::lock_guard lock(decisions_mu_);
    queued_reads_.push_back({.decision = std::move(decision), .release = std::move(release)});
    if (commit_runner_) {
      // While a task commits, the reads queue for the one it hands out as it ends: a second
      // task now would only hold another of the runner's threads, waiting for the write lock.
      hand_out = !commit_task_queued_ && commit_tasks_running_ == 0;
      if (hand_out) commit_task_queued_ = true;
    } else {
      wake = queued_reads_.size() == 1 || queued_reads_.size() == read_group_target_;
      if (!read_committer_.joinable()) {
        read_committer_stop_ = false;
        read_committer_ = std::thread([this] { RunReadCommitter(); });
      }
    }
  }
  // commit_runner_ changes only in RunReadCommitsOn and DrainReads, never during a ReadThen.
  if (hand_out) commit_runner_([this] { CommitQueuedReads(); });
  if (wake) reads_queued_.notify_one();
}

void Vault::Impl::CommitQueuedReads() {
  std::vector<QueuedRead> group;
  {
    std::lock_guard lock(decisions_mu_);
    commit_task_queued_ = false;
    if (!commit_runner_) return;  // DrainReads took over: it commits what is queued
    group.swap(queued_reads_);
    ++commit_tasks_running_;
  }
  // Every read queued before this task started shares its commit: on a busy server, the reads
  // the runner's threads handled while the task waited its turn.
  CommitReadGroup(group);
  {
    std::lock_guard lock(decisions_mu_);
    // To the back of the runner's queue, not a loop here: the reads queued meanwhile wait for
    // one commit, and the thread serves the requests ahead of it first. Under the lock, since
    // DrainReads may be clearing the runner.
    if (commit_runner_ && !queued_reads_.empty() && !commit_task_queued_) {
      commit_task_queued_ = true;
      commit_runner_([this] { CommitQueuedReads(); });
    }
    --commit_tasks_running_;
  }
  commit_task_ended_.notify_all();
}

void Vault::Impl::CommitReadGroup(std::vector<QueuedRead>& group) {
  if (group.empty()) return;
  std::vector<AuditEntry> entries;
  entries.reserve(group.size());
  for (QueuedRead& r : group) entries.push_back(std::move(r.decision));
  const Status stored = CommitDecisions(std::move(entries));
  // Each reader gets its values only now, its decision stored; or the commit's error.
  for (QueuedRead& r : group) r.release(stored);
  group.clear();
}

void Vault::Impl::RunReadCommitsOn(Vault::TaskRunner run) {
  DrainReads();  // a committer thread started by earlier reads stores what it holds, and stops
  std::lock_guard lock(decisions_mu_);
  commit_runner_ = std::move(run);
}

void Vault::Impl::RunReadCommitter() {
  std::vector<QueuedRead> group;
  size_t last_group = 0;
  std::array<size_t, 16> recent_groups{};  // the sizes of the last 16 commits' groups
  uint64_t commits = 0;
  std::unique_lock lock(decisions_mu_);
  for (;;) {
    reads_queued_.wait(lock, [&] { return read_committer_stop_ || !queued_reads_.empty(); });
    if (queued_reads_.empty()) return;  // stopping, and every reader answered
    if (last_group > 1 && options_.read_commit_delay.count() > 0) {
      // Reads are concurrent: more will queue within the delay, and share this commit. As many
      // as the largest of the last 16 commits stored end the wait: the clients those answered
      // have come back, and waiting longer would leave the io threads idle (measured: +5-10%
      // field reads/s in bench-server over always waiting the whole delay). The largest, not
      // the last: one small group would otherwise make the next ones small too, and the
      // committer settled for whole runs at groups of 8 instead of 15-25, at 30% fewer reads/s.
      reads_queued_.wait_for(lock, options_.read_commit_delay, [&] {
        return read_committer_stop_ || queued_reads_.size() >= read_group_target_;
      });
    }
    group.swap(queued_reads_);
    last_group = group.size();
    recent_groups[commits++ % recent_groups.size()] = last_group;
    read_group_target_ = std::clamp<size_t>(*std::max_element(recent_groups.begin(), recent_groups.end()), 2,
                                            kFullReadGroup);
    lock.unlock();
    CommitReadGroup(group);
    lock.lock();
  }
}

void Vault::Impl::DrainReads() {
  std::thread committer;
  std::vector<QueuedRead> left;  // queued for a runner's task that may never run
  {
    std::unique_lock lock(decisions_mu_);
    read_committer_stop_ = true;
    committer.swap(read_committer_);
    commit_runner_ = nullptr;  // a task of it that starts from now on does nothing
    commit_task_queued_ = false;
    commit_task_ended_.wait(lock, [&] { return commit_tasks_running_ == 0; });
    if (!committer.joinable()) left.swap(queued_reads_);
  }
  reads_queued_.notify_one();
  if (committer.joinable()) committer.join();
  CommitReadGroup(left);
}

void Vault::Impl::BufferDecision(AuditEntry decision) {
  bool full;
  {
    std::lock_guard lock(decisions_mu_);
    pending_decisions_.push_back(std::move(decision));
    full = pending_decisions_.size() >= kMaxBufferedDecisions;
    FreeStoredDecisionsLocked();
  }
  if (full) FlushDecisions();
}

Status Vault::Impl::RecordReadLocation(const Principal& principal, uint64_t id,
                                       const FieldInput& location) {
  if (principal.kind != PrincipalKind::kSubject || principal.subject_id != id)
    return InvalidArgument("only a subject's own read carries their location", "location");
  if (!location.category.empty() && !IdCovers("user.location", location.category))
    return InvalidArgument("must be a user.location field", "location.category");
  ASSIGN_OR_RETURN(std::shared_ptr<const CachedSubject> subject, Load(id));
  // The feature of the subject's kind that requires a location: what the location is for.
  for (const Feature& f : policy_->policy().features) {
    const bool for_kind =
        f.subject_kinds.empty() || std::find(f.subject_kinds.begin(), f.subject_kinds.end(),
                                             subject->record.kind) != f.subject_kinds.end();
    auto located = std::find_if(f.requires_categories.begin(), f.requires_categories.end(),
                                [](const std::string& c) { return IdCovers("user.location", c); });
    if (!for_kind || located == f.requires_categories.end()) continue;
    FieldInput where = location;
    if (where.category.empty()) where.category = *located;  // the feature's own location category
    return Write({.principal = principal,
                  .subject_id = id,
                  .purposes = {f.purpose},
                  .fields = {std::move(where)},
                  .feature = f.id})
        .status();
  }
  return FailedPrecondition("the policy records no location for a '" + subject->record.kind +
                                "' (no feature of that kind requires one)",
                            "location");
}

StatusOr<ReadResult> Vault::Impl::ReadUnstored(const Principal& principal, uint64_t id,
                                               std::string_view purpose, AuditEntry& decision,
                                               bool located) {
  const CompiledPolicy& policy = *policy_;
  std::optional<PurposeId> pid = policy.FindPurpose(purpose);
  if (!pid) {
    Status refused = PermissionDenied("unknown_purpose: a purpose the policy does not declare", "purpose");
    AuditRefusal(AuditEvent::kDecision, principal, id, refused, std::string(purpose));
    return refused;
  }
  ASSIGN_OR_RETURN(std::shared_ptr<const CachedSubject> subject, Load(id));
  // A subject's own read is one of their interactions (CX03).
  if (principal.kind == PrincipalKind::kSubject && principal.subject_id == id && !located) {
    if (const SubjectKind* kind = UnmetLocationRequirement(policy, *subject)) {
      Status refused = FailedPrecondition("every interaction of a '" + kind->id +
                                              "' must record the subject's location: read with one",
                                          "location");
      AuditRefusal(AuditEvent::kDecision, principal, id, refused, std::string(purpose));
      return refused;
    }
  }
  // Another subject reads only what the purpose shows to subjects of their kind (CF07): the rest
  // of the record is not even named as withheld.
  const bool other_subject =
      principal.kind == PrincipalKind::kSubject && principal.subject_id != id;
  Principal reader = principal;
  if (other_subject) {
    ASSIGN_OR_RETURN(std::shared_ptr<const CachedSubject> self, Load(principal.subject_id));
    reader.subject_kind = policy.FindSubjectKind(self->record.kind).value_or(kUnknownSubjectKind);
    const CompiledPurpose& shown = policy.purpose(*pid);
    if (reader.subject_kind >= 64 || (shown.shown_to_kinds >> reader.subject_kind & 1) == 0) {
      Status refused = PermissionDenied(
          "not_subjects_own_data: a subject reads another's data only where a "
          "purpose shows it to them");
      AuditRefusal(AuditEvent::kDecision, principal, id, refused, std::string(purpose));
      return refused;
    }
  }
  ASSIGN_OR_RETURN(SealedFieldCache::Rows rows, SealedRows(id));
  const CompiledPurpose& asked = policy.purpose(*pid);
  ReadResult result;
  result.fields.reserve(rows->fields.size());
  SubjectState state = subject->state;
  bool notified_known = false;  // state.notified_version, read from the ledger when first needed
  std::string ad;  // each field's associated data, in one buffer
  ad.reserve(64);
  for (size_t i = 0; i < rows->fields.size(); ++i) {
    const SealedField& f = rows->fields[i];
    const std::string& category = rows->category_name(policy, i);
    if (other_subject && (!f.declared || !asked.shown_categories.Test(f.category))) continue;
    if (!f.declared) {  // a category the current policy no longer declares is used for nothing
      result.withheld.push_back({category, Reason::kCategoryNotForPurpose});
      continue;
    }
    const SealedFields::PurposeList& collected_for = rows->purpose_lists[f.purposes];
    if (!CollectedFor(asked, collected_for.declared)) {
      result.withheld.push_back({category, Reason::kNotCollectedForPurpose});
      continue;
    }
    CategorySet one;
    one.Set(f.category);
    state.collected_under_version = f.policy_version;
    // A purpose newer than the datum, where the subject's notice of it decides (CU06).
    if (f.policy_version < asked.since_version && !notified_known &&
        !policy.use_bound_to_collection_version() && policy.changes_wait_for_notice()) {
      ASSIGN_OR_RETURN(state.notified_version, NotifiedVersion(*subject));
      notified_known = true;
    }
    Decision d = Decide(policy, reader, Action::kRead, state, one, *pid);
    if (!d.allowed()) {
      result.withheld.push_back({category, d.reason});
      continue;
    }
    ASSIGN_OR_RETURN(std::string value, crypto::Open(subject->key, rows->sealed_value(i),
                                                     crypto::FieldAssociatedData(id, category, f.id, ad)));
    result.fields.push_back({.id = f.id,
                             .category = category,
                             .value = std::move(value),
                             .source = f.source,
                             .purposes = collected_for.ids,
                             .basis = d.basis,
                             .collected_at = FromUnix(f.collected_at),
                             .last_activity = FromUnix(f.last_activity),
                             .policy_version = f.policy_version});
  }
  // The decision, to be recorded before any value is handed out.
  decision = Audit(AuditEvent::kDecision, principal, id);
  decision.action = "read";
  decision.purpose = std::string(purpose);
  decision.categories.reserve(result.fields.size());
  for (const FieldValue& f : result.fields) decision.categories.push_back(f.category);
  for (const WithheldField& w : result.withheld)
    decision.withheld.push_back(w.category + ":" + std::string(ReasonName(w.reason)));
  if (result.fields.empty() && !result.withheld.empty()) decision.outcome = "denied";
  if (!result.fields.empty()) decision.basis = std::string(LegalBasisName(result.fields.front().basis));
  return result;
}

StatusOr<SealedFieldCache::Rows> Vault::Impl::SealedRows(uint64_t id) {
  if (SealedFieldCache::Rows cached = field_cache_.Find(id)) return cached;
  const uint64_t ticket = field_cache_.Ticket(id);  // before the rows are read: see the cache
  ASSIGN_OR_RETURN(std::vector<store::FieldRecord> records, data_->GetFields(id));
  auto rows = std::make_shared<const SealedFields>(vault_internal::CompactFields(*policy_, std::move(records)));
  field_cache_.Publish(id, rows, ticket);
  return SealedFieldCache::Rows(std::move(rows));
}

Status Vault::Impl::CommitDecisions(std::vector<AuditEntry> decisions) {
  std::lock_guard write_lock(write_mu_);
  store::WriteBatch batch;
  return ApplyAudited(batch, std::move(decisions));
}

Status Vault::Impl::StoreDecision(AuditEntry decision) {
  QueuedDecision mine{.entry = std::move(decision)};
  std::unique_lock lock(decisions_mu_);
  queued_decisions_.push_back(&mine);
  // While another reader leads, ours is either in its group (done when it finishes) or queued
  // for the next one, which we may lead.
  decisions_done_.wait(lock, [&] { return mine.done || !leading_group_commit_; });
  if (mine.done) return mine.stored;
  leading_group_commit_ = true;
  std::vector<QueuedDecision*> group;  // ours and every one queued behind it so far
  group.swap(queued_decisions_);
  lock.unlock();

  std::vector<AuditEntry> entries;
  entries.reserve(group.size());
  for (QueuedDecision* q : group) entries.push_back(std::move(q->entry));
  const Status stored = CommitDecisions(std::move(entries));

  lock.lock();
  for (QueuedDecision* q : group) {  // each lives on its reader's stack until it sees `done`
    q->stored = stored;
    q->done = true;
  }
  leading_group_commit_ = false;
  lock.unlock();
  decisions_done_.notify_all();
  return stored;
}

// --- Rectification and deletion ----------------------------------------------------------------

StatusOr<store::FieldRecord> Vault::Impl::FindField(uint64_t id, uint64_t field_id) {
  ASSIGN_OR_RETURN(std::vector<store::FieldRecord> fields, data_->GetFields(id));
  for (store::FieldRecord& f : fields)
    if (f.id == field_id) return std::move(f);
  return NotFound("no such field", "field_id");
}

Status Vault::Impl::CheckFieldAction(const Principal& principal, const CachedSubject& subject,
                                     const store::FieldRecord& field, Action action, Quantifier quantifier) {
  std::optional<CategoryId> c = policy_->FindCategory(field.category);
  if (!c) return PermissionDenied("category_not_for_purpose: '" + field.category + "' is no longer declared");
  CategorySet one;
  one.Set(*c);
  Reason refused = Reason::kUnknownPurpose;
  bool any_allowed = false;
  for (const std::string& p : field.purposes) {
    std::optional<PurposeId> pid = policy_->FindPurpose(p);
    Decision d = pid ? Decide(*policy_, principal, action, subject.state, one, *pid)
                     : Decision{.reason = Reason::kUnknownPurpose};
    if (d.allowed()) {
      any_allowed = true;
    } else {
      refused = d.reason;
      if (quantifier == Quantifier::kAll) break;
    }
  }
  const bool ok = quantifier == Quantifier::kAny ? any_allowed : (any_allowed && refused == Reason::kUnknownPurpose);
  if (ok) return Status::Ok();
  return PermissionDenied(std::string(ReasonName(refused)) + ": not allowed on this field", "field_id");
}

StatusOr<std::optional<store::BlindIndexRecord>> Vault::Impl::IndexEntry(const Category& category, uint64_t id,
                                                                         std::string_view value) {
  std::optional<crypto::IdentifierKind> kind = crypto::ParseIdentifierKindName(category.identifier);
  if (!kind) return std::optional<store::BlindIndexRecord>();
  ASSIGN_OR_RETURN(std::string hash, indexer_.Compute(*kind, value));
  return std::optional<store::BlindIndexRecord>(
      store::BlindIndexRecord{.index = category.identifier, .hash = std::move(hash), .subject_id = id});
}

Status Vault::Impl::Rectify(const Principal& principal, uint64_t id, uint64_t field_id, std::string_view value) {
  ASSIGN_OR_RETURN(std::shared_ptr<const CachedSubject> subject, Load(id));
  ASSIGN_OR_RETURN(std::vector<store::FieldRecord> held, data_->GetFields(id));
  auto found = std::find_if(held.begin(), held.end(), [&](const store::FieldRecord& f) { return f.id == field_id; });
  if (found == held.end()) return NotFound("no such field", "field_id");
  store::FieldRecord field = *found;
  held.erase(found);
  // The new value passes the checks of any write (size, UTF-8, card numbers, CU04).
  WriteRequest check{.principal = principal, .subject_id = id, .fields = {{.category = field.category,
                                                                            .value = std::string(value)}}};
  std::vector<CategoryId> categories;
  Status allowed = CheckWriteFields(check, held, categories);
  if (allowed.ok()) allowed = CheckFieldAction(principal, *subject, field, Action::kWrite, Quantifier::kAll);
  if (!allowed.ok()) {
    AuditRefusal(AuditEvent::kRectification, principal, id, allowed);
    return allowed;
  }

  const Category& category = policy_->category(categories[0]);
  ASSIGN_OR_RETURN(std::string old_value,
                   crypto::Open(subject->key, field.sealed_value, crypto::FieldAssociatedData(id, field.category, field.id)));
  ASSIGN_OR_RETURN(std::optional<store::BlindIndexRecord> old_entry, IndexEntry(category, id, old_value));
  ASSIGN_OR_RETURN(std::optional<store::BlindIndexRecord> new_entry, IndexEntry(category, id, value));
  store::WriteBatch batch;
  if (old_entry) batch.DeleteBlindIndex(std::move(*old_entry));
  if (new_entry) batch.PutBlindIndex(std::move(*new_entry));
  field.sealed_value =
      crypto::Seal(subject->key, value, crypto::FieldAssociatedData(id, field.category, field.id), nonces_);
  field.last_activity = ToUnix(clock_.Now());
  AuditEntry rectified = Audit(AuditEvent::kRectification, principal, id);
  rectified.action = "rectify";
  rectified.categories = {field.category};
  batch.PutField(std::move(field));
  rectified.detail = "field:" + std::to_string(field_id);
  std::lock_guard write_lock(write_mu_);
  return ApplyAudited(batch, {rectified});
}

Status Vault::Impl::DeleteField(const Principal& principal, uint64_t id, uint64_t field_id) {
  ASSIGN_OR_RETURN(std::shared_ptr<const CachedSubject> subject, Load(id));
  ASSIGN_OR_RETURN(store::FieldRecord field, FindField(id, field_id));
  if (Status allowed = CheckFieldAction(principal, *subject, field, Action::kErase, Quantifier::kAny); !allowed.ok()) {
    AuditRefusal(AuditEvent::kFieldDeletion, principal, id, allowed);
    return allowed;
  }
  store::WriteBatch batch;
  if (std::optional<CategoryId> c = policy_->FindCategory(field.category)) {
    ASSIGN_OR_RETURN(std::string value,
                     crypto::Open(subject->key, field.sealed_value, crypto::FieldAssociatedData(id, field.category, field.id)));
    ASSIGN_OR_RETURN(std::optional<store::BlindIndexRecord> entry, IndexEntry(policy_->category(*c), id, value));
    if (entry) batch.DeleteBlindIndex(std::move(*entry));
  }
  batch.DeleteField(id, field_id);
  AuditEntry deleted = Audit(AuditEvent::kFieldDeletion, principal, id);
  deleted.action = "delete";
  deleted.categories = {field.category};
  deleted.detail = "field:" + std::to_string(field_id);
  std::lock_guard write_lock(write_mu_);
  // CT02: only where a feature needs data of this category are the subject's other fields read.
  const bool may_suspend = std::any_of(
      policy_->policy().features.begin(), policy_->policy().features.end(), [&](const Feature& f) {
        return !f.optional &&
               std::any_of(f.requires_categories.begin(), f.requires_categories.end(),
                           [&](const std::string& c) { return IdCovers(c, field.category); });
      });
  if (may_suspend) {
    ASSIGN_OR_RETURN(std::vector<store::FieldRecord> held, data_->GetFields(id));
    std::erase_if(held, [&](const store::FieldRecord& f) { return f.id == field_id; });
    for (const SuspendedFeature& s : FeaturesSuspendedBy(*subject, field.category, held)) {
      const nlohmann::json body = {{"feature", s.feature->id},
                                   {"description", s.feature->description},
                                   {"requires", s.missing}};
      const std::string topic = "feature_suspended";
      batch.AppendOutbox(
          {.subject_id = id,
           .topic = topic,
           .sealed_body =
               SealFor(*subject, id, vault_internal::Access::OutboxContext(topic), body.dump()),
           .created_at = ToUnix(clock_.Now())});
      deleted.detail += ";suspends:" + s.feature->id;
    }
  }
  return ApplyAudited(batch, {deleted});
}

// CT02: a feature the subject could use (every category it requires held) that deleting a
// field of `category` leaves without its required data is suspended for the subject, who is told
// at the time. Optional features are simply off without their data (CT01) and tell no one.
std::vector<Vault::Impl::SuspendedFeature> Vault::Impl::FeaturesSuspendedBy(
    const CachedSubject& subject, std::string_view category,
    const std::vector<store::FieldRecord>& left) const {
  std::vector<SuspendedFeature> suspended;
  for (const Feature& f : policy_->policy().features) {
    if (f.optional) continue;
    if (!f.subject_kinds.empty() && std::find(f.subject_kinds.begin(), f.subject_kinds.end(),
                                              subject.record.kind) == f.subject_kinds.end())
      continue;
    SuspendedFeature s{.feature = &f};
    bool usable_before = true;
    for (const std::string& needed : f.requires_categories) {
      const bool held_now = std::any_of(left.begin(), left.end(), [&](const store::FieldRecord& r) {
        return IdCovers(needed, r.category);
      });
      if (!held_now) s.missing.push_back(needed);
      usable_before = usable_before && (held_now || IdCovers(needed, category));
    }
    if (usable_before && !s.missing.empty()) suspended.push_back(std::move(s));
  }
  return suspended;
}

// --- Consent ledger ---------------------------------------------------------------------------

Status Vault::Impl::RecordConsent(uint64_t id, const ConsentChange& change) {
  return CommitConsents(id, std::span(&change, 1));
}

// The purpose a consent change is about ("" for events about the subject as a whole), or why the
// change is not one the policy knows.
StatusOr<std::string> Vault::Impl::ConsentPurpose(const ConsentChange& change) const {
  const CompiledPolicy& policy = *policy_;
  std::string purpose = change.purpose;
  if (!change.channel.empty()) {
    const auto& channels = policy.policy().marketing_channels;
    auto ch = std::find_if(channels.begin(), channels.end(),
                           [&](const MarketingChannel& m) { return m.id == change.channel; });
    if (ch == channels.end()) return InvalidArgument("not a marketing channel of the policy", "channel");
    if (!purpose.empty() && purpose != ch->purpose)
      return InvalidArgument("channel '" + change.channel + "' serves purpose '" + ch->purpose + "'", "purpose");
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
Status Vault::Impl::CommitConsents(uint64_t id, std::span<const ConsentChange> changes) {
  const CompiledPolicy& policy = *policy_;
  std::vector<std::string> purposes;
  for (const ConsentChange& change : changes) {
    ASSIGN_OR_RETURN(std::string purpose, ConsentPurpose(change));
    purposes.push_back(std::move(purpose));
  }
  RETURN_IF_ERROR(Load(id).status());  // a live subject, and its state cached for the update

  store::WriteBatch batch;
  std::vector<AuditEntry> entries;
  PurposeSet ended;  // the purposes the subject leaves
  for (size_t i = 0; i < changes.size(); ++i) {
    const ConsentChange& change = changes[i];
    batch.AppendConsent({.subject_id = id,
                         .purpose = purposes[i],
                         .channel = change.channel,
                         .action = std::string(ConsentActionName(change.action)),
                         .source = std::string(ConsentSourceName(change.source)),
                         .at = ToUnix(clock_.Now()),
                         .policy_version = policy.version()});
    AuditEntry& consent =
        entries.emplace_back(Audit(AuditEvent::kConsent, Principal::Subject(id), id));
    consent.principal =
        std::string(ConsentSourceName(change.source));  // who spoke: form, gpc, staff, ...
    consent.action = std::string(ConsentActionName(change.action));
    consent.purpose = purposes[i];
    consent.detail = change.channel.empty() ? "" : "channel:" + change.channel;
    if (!purposes[i].empty() && EndsParticipation(change.action))
      ended |= policy.purpose(*policy.FindPurpose(purposes[i])).self_and_descendants;
  }
  // The commit also folds the events into the cached state (AfterCommit), under the write lock:
  // ledger order == cache order.
  std::lock_guard write_lock(write_mu_);
  // Leaving a profiling purpose ends the profile built for it, in the same commit (CF15).
  RETURN_IF_ERROR(DeleteProfileInto(id, ended, batch, entries));
  return ApplyAudited(batch, std::move(entries));
}

// Clearing or blocking cookies withdraws the choices they carry (CT10): each named cookie's
// purpose (every non-essential cookie's when none is named) is withdrawn, or opted out of if it
// is an opt-out purpose, in one commit. Essential cookies carry no choice.
Status Vault::Impl::CookiesCleared(uint64_t id, const std::vector<std::string>& cookie_ids) {
  const CompiledPolicy& policy = *policy_;
  const std::vector<Cookie>& cookies = policy.policy().cookies;
  for (const std::string& named : cookie_ids) {
    if (std::none_of(cookies.begin(), cookies.end(),
                     [&](const Cookie& c) { return c.id == named; }))
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
  ASSIGN_OR_RETURN(std::vector<store::FieldRecord> fields, data_->GetFields(id));
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
  RETURN_IF_ERROR(DeleteFieldsInto(id, profile, batch));
  AuditEntry deleted = Audit(AuditEvent::kFieldDeletion, Principal::Subject(id), id);
  deleted.action = "profile_deleted";
  deleted.categories = std::move(categories);
  deleted.detail = "fields:" + std::to_string(profile.size());
  entries.push_back(std::move(deleted));
  return Status::Ok();
}

// Adds to `batch` the deletion of `fields` and, for identifiers, of their blind-index entries.
Status Vault::Impl::DeleteFieldsInto(uint64_t subject_id,
                                     const std::vector<store::FieldRecord>& fields,
                                     store::WriteBatch& batch) {
  std::shared_ptr<const CachedSubject> subject;
  for (const store::FieldRecord& f : fields) {
    std::optional<CategoryId> c = policy_->FindCategory(f.category);
    if (c && !policy_->category(*c).identifier.empty()) {
      // An identifier: its blind-index entry goes too, found by hashing the value.
      if (!subject) {
        ASSIGN_OR_RETURN(subject, Load(subject_id));
      }
      std::string sealed = f.sealed_value;
      if (sealed.empty()) {  // metadata only: fetch the value
        ASSIGN_OR_RETURN(store::FieldRecord full, FindField(subject_id, f.id));
        sealed = std::move(full.sealed_value);
      }
      ASSIGN_OR_RETURN(std::string value,
                       crypto::Open(subject->key, sealed,
                                    crypto::FieldAssociatedData(subject_id, f.category, f.id)));
      ASSIGN_OR_RETURN(std::optional<store::BlindIndexRecord> entry,
                       IndexEntry(policy_->category(*c), subject_id, value));
      if (entry) batch.DeleteBlindIndex(std::move(*entry));
    }
    batch.DeleteField(subject_id, f.id);
  }
  return Status::Ok();
}

StatusOr<std::vector<ConsentEvent>> Vault::Impl::ConsentHistory(uint64_t id) {
  ASSIGN_OR_RETURN(std::shared_ptr<const CachedSubject> subject, Load(id));
  ASSIGN_OR_RETURN(std::vector<store::ConsentEventRecord> records, data_->GetConsentEvents(id));
  std::vector<ConsentEvent> events;
  for (const auto& r : records) {
    ConsentEvent e{.purpose = r.purpose, .channel = r.channel, .at = FromUnix(r.at), .policy_version = r.policy_version};
    if (auto a = ParseConsentActionName(r.action)) e.action = *a;
    if (auto s = ParseConsentSourceName(r.source)) e.source = *s;
    events.push_back(std::move(e));
  }
  return events;
}

StatusOr<SubjectState> Vault::Impl::State(uint64_t id) {
  ASSIGN_OR_RETURN(std::shared_ptr<const CachedSubject> subject, Load(id));
  return subject->state;
}

// --- Disclosure register ------------------------------------------------------------------------

StatusOr<int> Vault::Impl::NotifiedVersion(const CachedSubject& subject) {
  int version = subject.record.policy_version;
  ASSIGN_OR_RETURN(std::vector<store::ConsentEventRecord> events, data_->GetConsentEvents(subject.record.id));
  const std::optional<Duration>& window = policy_->policy().changes.opt_out_window;
  const Time now = clock_.Now();
  for (const auto& e : events) {
    if (e.action != ConsentActionName(ConsentAction::kNotified)) continue;
    Time usable_from = FromUnix(e.at);
    if (window) {
      switch (window->unit) {
        case TimeUnit::kHours: usable_from += std::chrono::hours(window->count); break;
        case TimeUnit::kDays:
        case TimeUnit::kBusinessDays: usable_from += std::chrono::days(window->count); break;
        case TimeUnit::kWeeks: usable_from += std::chrono::weeks(window->count); break;
        case TimeUnit::kMonths: usable_from += std::chrono::months(window->count); break;
        case TimeUnit::kYears: usable_from += std::chrono::years(window->count); break;
      }
    }
    if (usable_from <= now) version = std::max(version, e.policy_version);
  }
  return version;
}

StatusOr<std::vector<FieldValue>> Vault::Impl::OpenFields(const CachedSubject& subject,
                                                          SubjectState state,
                                                          const CategorySet& categories,
                                                          PurposeId purpose, LegalBasis basis,
                                                          std::vector<WithheldField>& withheld) {
  ASSIGN_OR_RETURN(std::vector<store::FieldRecord> fields, data_->GetFields(subject.record.id));
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
    ASSIGN_OR_RETURN(std::string value, crypto::Open(subject.key, f.sealed_value,
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
  ASSIGN_OR_RETURN(std::shared_ptr<const CachedSubject> subject, Load(d.subject_id));
  StatusOr<CategorySet> categories = policy.Categories(d.categories);
  if (!categories.ok()) return InvalidArgument("a category the policy does not declare", "categories");
  const CategorySet requested = *categories;
  if (d.evidence.size() > kMaxEvidence)
    return InvalidArgument("at most " + std::to_string(kMaxEvidence) + " pieces of evidence",
                           "evidence");
  std::vector<std::string> evidence_names;  // "court_order:REF" -> "court_order"
  for (size_t i = 0; i < d.evidence.size(); ++i) {
    RETURN_IF_ERROR(CheckReference(d.evidence[i], "evidence[" + std::to_string(i) + "]"));
    evidence_names.push_back(d.evidence[i].substr(0, d.evidence[i].find(':')));
  }

  AuditEntry audited = Audit(AuditEvent::kDisclosure, Principal::Service(), d.subject_id);
  audited.action = "disclose";
  audited.purpose = d.purpose;
  audited.detail = "recipient:" + d.recipient;
  auto refuse = [&](Reason reason, const std::string& why) -> Status {
    Status refused = PermissionDenied(std::string(ReasonName(reason)) + ": " + why, "recipient");
    AuditRefusal(AuditEvent::kDisclosure, Principal::Service(), d.subject_id, refused, d.purpose);
    return refused;
  };
  std::optional<PurposeId> purpose = policy.FindPurpose(d.purpose);
  if (!purpose) return refuse(Reason::kUnknownPurpose, "a purpose the policy does not declare");

  // CN08: only what the recipient's function needs goes; the rest is withheld.
  const CategorySet allowed = requested & policy.recipient(*recipient).categories;
  DisclosureResult result;
  for (int c = 0; c < policy.category_count(); ++c)
    if (requested.Test(c) && !allowed.Test(c))
      result.withheld.push_back({policy.category(static_cast<CategoryId>(c)).id, Reason::kCategoryNotForRecipient});
  ASSIGN_OR_RETURN(int notified, NotifiedVersion(*subject));
  Decision to_recipient = DecideDisclosure(policy, {.recipient = *recipient,
                                                    .categories = allowed.Any() ? allowed : requested,
                                                    .purpose = *purpose,
                                                    .evidence = &evidence_names,
                                                    .notified_version = notified});
  if (!to_recipient.allowed())
    return refuse(to_recipient.reason, "'" + d.recipient + "' may not receive this for '" + d.purpose + "'");
  // The subject's side: consent, opt-outs, objections, restriction, tenant scope.
  Decision for_subject = Decide(policy, Principal::Service(), Action::kDisclose, subject->state, allowed, *purpose);
  if (!for_subject.allowed())
    return refuse(for_subject.reason, "the subject's choices do not allow this disclosure");

  SubjectState state = subject->state;
  state.notified_version = notified;
  ASSIGN_OR_RETURN(result.released,
                   OpenFields(*subject, state, allowed, *purpose, for_subject.basis, result.withheld));
  if (result.released.empty()) return result;  // nothing held for that purpose: nothing went
  store::WriteBatch batch;
  store::DisclosureRecord record{.subject_id = d.subject_id,
                                 .recipient = d.recipient,
                                 .purpose = d.purpose,
                                 .evidence = d.evidence,
                                 .at = ToUnix(clock_.Now()),
                                 .policy_version = policy.version()};
  for (const FieldValue& f : result.released) {
    if (std::find(record.categories.begin(), record.categories.end(), f.category) == record.categories.end())
      record.categories.push_back(f.category);
  }
  audited.categories = record.categories;
  audited.basis = std::string(LegalBasisName(for_subject.basis));
  for (const WithheldField& w : result.withheld) audited.withheld.push_back(w.category + ":" + std::string(ReasonName(w.reason)));
  batch.AppendDisclosure(std::move(record));
  std::lock_guard write_lock(write_mu_);
  RETURN_IF_ERROR(ApplyAudited(batch, {audited}));
  return result;
}

StatusOr<std::vector<DisclosureEntry>> Vault::Impl::Disclosures(uint64_t id) {
  ASSIGN_OR_RETURN(std::shared_ptr<const CachedSubject> subject, Load(id));
  ASSIGN_OR_RETURN(std::vector<store::DisclosureRecord> records, data_->GetDisclosures(id));
  std::vector<DisclosureEntry> out;
  for (auto& r : records)
    out.push_back({.recipient = std::move(r.recipient),
                   .purpose = std::move(r.purpose),
                   .categories = std::move(r.categories),
                   .evidence = std::move(r.evidence),
                   .at = FromUnix(r.at),
                   .policy_version = r.policy_version});
  return out;
}

// --- Lookup, erasure, keys --------------------------------------------------------------------

StatusOr<std::optional<uint64_t>> Vault::Impl::FindSubject(Identifier kind, std::string_view value) {
  crypto::IdentifierKind k = kind == Identifier::kEmail   ? crypto::IdentifierKind::kEmail
                             : kind == Identifier::kPhone ? crypto::IdentifierKind::kPhone
                                                          : crypto::IdentifierKind::kUsername;
  ASSIGN_OR_RETURN(std::string hash, indexer_.Compute(k, value));
  ASSIGN_OR_RETURN(std::optional<uint64_t> found, data_->FindByBlindIndex(crypto::IdentifierKindName(k), hash));
  if (!found) return found;
  // An erased subject's entries may outlive its key until the purge runs: they find nothing.
  ASSIGN_OR_RETURN(std::optional<std::string> key, keys_->GetWrappedKey(*found));
  return key ? found : std::optional<uint64_t>();
}

Status Vault::Impl::Erase(uint64_t id) {
  // The key goes, with a durable note in the key store that the rows must be purged: from then
  // on every copy of the subject's fields is noise, so the call returns without waiting for the
  // purge, whose cost grows with the subject's data. The purge and its audit entry are committed
  // together in the background (or at the next open, after a crash); meanwhile lookups and
  // listings skip subjects without a key. The only wait here is the key store's durable commit
  // (one fsync); the scrub of the key's old bytes from the key store's files follows the purge
  // (KeyStore::PurgeDone), so they are gone from disk once the purge is, at the latest at close.
  RETURN_IF_ERROR(KeyWrite(keys_->DestroyWrappedKey(id)));
  Forget(id);  // the cached key and sealed rows too
  SchedulePurge(id);
  return Status::Ok();
}

void Vault::Impl::SchedulePurge(uint64_t id) {
  {
    std::lock_guard lock(purge_mu_);
    purge_queue_.push_back(id);
    last_erasure_ = std::chrono::steady_clock::now();
  }
  purge_cv_.notify_one();
}

void Vault::Impl::StartPurger() {
  StatusOr<std::vector<uint64_t>> pending = keys_->PendingPurges();  // left by a crash
  if (pending.ok())
    for (uint64_t id : *pending) purge_queue_.push_back(id);
  purger_ = std::thread([this] { RunPurger(); });
}

void Vault::Impl::RunPurger() {
  // Subjects purged whose KeyStore::PurgeDone is still to come. PurgeDone scrubs the destroyed
  // keys' old bytes from the key store's files (a checkpoint, two fsyncs and a truncation, the
  // slowest disk work of an erasure), and one scrub covers every key destroyed before it. So it
  // waits until the queue is empty (or kMaxPurgesBeforeScrub purges wait): a burst of erasures
  // is scrubbed once, after it, instead of competing with the erasures' own commits.
  std::vector<uint64_t> purged_ids;
  auto finish_purges = [&] {
    for (uint64_t id : purged_ids)
      (void)KeyWrite(keys_->PurgeDone(id));  // on error: redone at next open
    purged_ids.clear();
  };
  for (;;) {
    // Every erasure queued meanwhile, up to kMaxPurgesPerCommit, is purged in one commit: a
    // burst of erasures costs one fsync of the data file per batch rather than one per subject.
    // While erasures keep coming (the newest less than kPurgeSettle ago, fewer than
    // kMaxPurgesWaiting queued), the purge waits: its commits and checkpoints would otherwise
    // queue the erasures' own fsyncs behind theirs. The rows are crypto-shredded already.
    std::vector<uint64_t> ids;
    {
      std::unique_lock lock(purge_mu_);
      auto settling = [this] {
        return !purge_stop_ && purge_queue_.size() < kMaxPurgesWaiting &&
               std::chrono::steady_clock::now() - last_erasure_ < kPurgeSettle;
      };
      auto ready = [&] { return purge_stop_ || (!purge_queue_.empty() && !settling()); };
      if (options_.read_auditing == VaultOptions::ReadAuditing::kBatched) {
        purge_cv_.wait_for(lock, options_.read_audit_flush, ready);
      } else if (!purge_queue_.empty()) {
        purge_cv_.wait_for(lock, kPurgeSettle, ready);
      } else {
        purge_cv_.wait(lock, ready);
      }
      if (purge_queue_.empty() || settling()) {
        const bool stopping = purge_stop_;
        const bool idle = purge_queue_.empty();
        lock.unlock();
        if (idle) finish_purges();
        FlushDecisions();
        if (stopping) return;  // nothing left to purge or scrub, and every decision stored
        continue;
      }
      while (!purge_queue_.empty() && ids.size() < kMaxPurgesPerCommit) {
        ids.push_back(purge_queue_.front());
        purge_queue_.pop_front();
      }
    }
    store::WriteBatch batch;
    std::vector<AuditEntry> erased;
    for (uint64_t id : ids) {
      batch.PurgeSubject(id);
      AuditEntry& e = erased.emplace_back(Audit(AuditEvent::kErasure, Principal::Service(), id));
      e.action = "erase";
      e.detail = "crypto_shredding";
    }
    Status purged;
    {
      std::lock_guard write_lock(write_mu_);
      purged = ApplyAudited(batch, erased);
    }
    // A failed purge stays pending in the key store and is retried at the next open.
    if (purged.ok()) purged_ids.insert(purged_ids.end(), ids.begin(), ids.end());
    bool burst_over;
    {
      std::lock_guard lock(purge_mu_);
      burst_over = purge_queue_.empty();
    }
    if (burst_over || purged_ids.size() >= kMaxPurgesBeforeScrub) finish_purges();
  }
}

void Vault::Impl::RecycleDecisionBuffer(std::vector<AuditEntry> stored) {
  std::unique_lock lock(decisions_mu_);
  if (options_.read_auditing == VaultOptions::ReadAuditing::kBatched && stored_decisions_.empty()) {
    stored_decisions_.swap(stored);  // `stored` now holds the emptied buffer
  } else {
    lock.unlock();  // no reads are batched, or they have not freed the last batch yet
    stored.clear();
    lock.lock();
  }
  if (stored.capacity() > spare_decisions_.capacity()) spare_decisions_.swap(stored);
}

void Vault::Impl::FreeStoredDecisionsLocked() {
  // Two per read: faster than reads add entries, so each batch is freed before the next.
  for (int i = 0; i < 2 && !stored_decisions_.empty(); ++i) stored_decisions_.pop_back();
}

void Vault::Impl::FlushDecisions() {
  {
    std::lock_guard lock(decisions_mu_);
    if (pending_decisions_.empty()) return;
  }
  store::WriteBatch batch;
  std::lock_guard write_lock(write_mu_);
  (void)ApplyAudited(batch, {});  // on failure the decisions stay buffered for the next try
}

void Vault::Impl::StopPurger() {
  {
    std::lock_guard lock(purge_mu_);
    purge_stop_ = true;
  }
  purge_cv_.notify_one();
  if (purger_.joinable()) purger_.join();
}

Status Vault::Impl::RotateMasterKey(std::string_view new_master_key_hex) {
  ASSIGN_OR_RETURN(SecretKey next, SecretKey::FromHex(new_master_key_hex));
  std::lock_guard write_lock(write_mu_);
  {
    std::unique_lock master_lock(master_mu_);  // no Load unwraps until every key is rewrapped
    RETURN_IF_ERROR(
        vault_internal::RotateMasterKey(options_.master_key_file, master_, next, *keys_, nonces_));
    master_ = std::move(next);
  }
  AuditEntry rotated = Audit(AuditEvent::kKeyEvent, Principal{.kind = PrincipalKind::kAdmin}, 0);
  rotated.action = "rotate_master_key";
  store::WriteBatch batch;
  batch.RequireFullDurability();
  return ApplyAudited(batch, {rotated});
}

// --- Forwarding -------------------------------------------------------------------------------

StatusOr<uint64_t> Vault::CreateSubject(const NewSubject& s) { return impl_->CreateSubject(s); }
StatusOr<std::vector<uint64_t>> Vault::Import(const std::vector<ImportedSubject>& subjects) {
  return impl_->Import(subjects);
}
StatusOr<SubjectInfo> Vault::GetSubject(uint64_t id) { return impl_->GetSubject(id); }
StatusOr<std::vector<uint64_t>> Vault::Write(const WriteRequest& r) { return impl_->Write(r); }
StatusOr<ReadResult> Vault::Read(const Principal& p, uint64_t id, std::string_view purpose) {
  return impl_->Read(p, id, purpose);
}

void Vault::ReadThen(const Principal& p, uint64_t id, std::string_view purpose, ReadDone done) {
  impl_->ReadThen(p, id, purpose, std::move(done));
}
void Vault::ReadThen(const Principal& p, uint64_t id, std::string_view purpose, ReadPrepare prepare,
                     PreparedDone done) {
  impl_->ReadThen(p, id, purpose, std::move(prepare), std::move(done));
}

// A read of a purpose the policy does not declare is refused (by ReadUnstored) and records no
// location: a refused read changes nothing.
StatusOr<ReadResult> Vault::Read(const Principal& p, uint64_t id, std::string_view purpose,
                                 const FieldInput* location) {
  const bool located = location != nullptr && impl_->policy().FindPurpose(purpose).has_value();
  if (located) RETURN_IF_ERROR(impl_->RecordReadLocation(p, id, *location));
  return impl_->Read(p, id, purpose, located);
}

void Vault::ReadThen(const Principal& p, uint64_t id, std::string_view purpose,
                     const FieldInput* location, ReadPrepare prepare, PreparedDone done) {
  const bool located = location != nullptr && impl_->policy().FindPurpose(purpose).has_value();
  if (located) {
    if (Status recorded = impl_->RecordReadLocation(p, id, *location); !recorded.ok())
      return done(recorded);
  }
  impl_->ReadThen(p, id, purpose, std::move(prepare), std::move(done), located);
}

// --- Location exemptions (CX03) ---------------------------------------------------------------

Status Vault::GrantLocationExemption(const Principal& by, uint64_t subject_id,
                                     std::string_view exemption, std::string_view reference) {
  RETURN_IF_ERROR(CheckReference(exemption, "exemption"));
  RETURN_IF_ERROR(CheckReference(reference, "reference"));
  return impl_->ChangeLocationExemption(by, subject_id, exemption, reference);
}

Status Vault::RevokeLocationExemption(const Principal& by, uint64_t subject_id,
                                      std::string_view exemption) {
  RETURN_IF_ERROR(CheckReference(exemption, "exemption"));
  return impl_->ChangeLocationExemption(by, subject_id, exemption, std::nullopt);
}

Status Vault::Impl::ChangeLocationExemption(const Principal& by, uint64_t id,
                                            std::string_view exemption,
                                            std::optional<std::string_view> reference) {
  const CompiledPolicy& policy = *policy_;
  // Who has seen the grant: the operator's service or admin, or staff who may see where the
  // subject is. Never the subject, whose interactions the requirement is about.
  bool may_record = by.kind == PrincipalKind::kService || by.kind == PrincipalKind::kAdmin;
  if (by.kind == PrincipalKind::kStaff && by.role < policy.policy().roles.size()) {
    const Role& role = policy.policy().roles[by.role];
    may_record =
        std::any_of(role.categories.begin(), role.categories.end(), [](const std::string& c) {
          return IdCovers(c, "user.location") || IdCovers("user.location", c);
        });
  }
  if (!may_record) {
    Status refused = PermissionDenied(
        "principal_not_allowed: location exemptions are recorded by the service, the admin, or "
        "staff who may "
        "see location data");
    AuditRefusal(AuditEvent::kLocationExemption, by, id, refused);
    return refused;
  }
  std::lock_guard write_lock(write_mu_);
  ASSIGN_OR_RETURN(std::shared_ptr<const CachedSubject> subject, Load(id));
  if (!subject->profile_readable)
    return Status(StatusCode::kDataLoss, "unreadable subject profile");
  const auto& kinds = policy.policy().subject_kinds;
  auto kind = std::find_if(kinds.begin(), kinds.end(),
                           [&](const SubjectKind& k) { return k.id == subject->record.kind; });
  if (kind == kinds.end() ||
      std::find(kind->location_exemptions.begin(), kind->location_exemptions.end(), exemption) ==
          kind->location_exemptions.end()) {
    return InvalidArgument("not an exemption the subject's kind recognizes", "exemption");
  }
  std::vector<LocationExemption> held;
  for (const LocationExemption& e : subject->location_exemptions)
    if (e.exemption != exemption) held.push_back(e);
  if (!reference && held.size() == subject->location_exemptions.size())
    return NotFound("the subject holds no such exemption", "exemption");
  if (reference) {
    held.push_back({.exemption = std::string(exemption),
                    .reference = std::string(*reference),
                    .granted_by = PrincipalText(policy, by),
                    .granted_at = clock_.Now()});
  }
  const std::string profile =
      EncodeProfile(subject->jurisdiction, held, subject->birth_date, subject->age_years).dump();
  store::WriteBatch batch;
  batch.UpdateProfile(id, crypto::Seal(subject->key, profile, ProfileAd(id), nonces_));
  AuditEntry e = Audit(AuditEvent::kLocationExemption, by, id);
  e.action = reference ? "grant" : "revoke";
  e.detail = std::string(exemption) + (reference ? ":" + std::string(*reference) : "");
  return ApplyAudited(batch, {e});
}

void Vault::DrainReads() { impl_->DrainReads(); }
void Vault::RunReadCommitsOn(TaskRunner run) { impl_->RunReadCommitsOn(std::move(run)); }
Status Vault::Rectify(const Principal& p, uint64_t id, uint64_t field_id, std::string_view value) {
  return impl_->Rectify(p, id, field_id, value);
}
Status Vault::DeleteField(const Principal& p, uint64_t id, uint64_t field_id) {
  return impl_->DeleteField(p, id, field_id);
}
Status Vault::RecordConsent(uint64_t id, const ConsentChange& c) { return impl_->RecordConsent(id, c); }
Status Vault::CookiesCleared(uint64_t id, const std::vector<std::string>& cookie_ids) {
  return impl_->CookiesCleared(id, cookie_ids);
}
StatusOr<std::vector<ConsentEvent>> Vault::ConsentHistory(uint64_t id) { return impl_->ConsentHistory(id); }
StatusOr<SubjectState> Vault::State(uint64_t id) { return impl_->State(id); }
StatusOr<std::optional<uint64_t>> Vault::FindSubject(Identifier kind, std::string_view value) {
  return impl_->FindSubject(kind, value);
}
StatusOr<std::vector<uint64_t>> Vault::OrganizationMembers(uint64_t org) { return impl_->OrganizationMembers(org); }
Status Vault::Erase(uint64_t id) { return impl_->Erase(id); }
Status Vault::RotateMasterKey(std::string_view hex) { return impl_->RotateMasterKey(hex); }
Status Vault::BackupData(const std::string& dest) { return impl_->BackupData(dest); }
StatusOr<SignedTreeHead> Vault::SignTreeHead() { return impl_->SignTreeHead(); }
StatusOr<DisclosureResult> Vault::Disclose(const Disclosure& d) { return impl_->Disclose(d); }
StatusOr<std::vector<DisclosureEntry>> Vault::Disclosures(uint64_t id) { return impl_->Disclosures(id); }
uint64_t Vault::AuditSize() const { return impl_->AuditSize(); }
Status Vault::Health() { return impl_->Health(); }
const CompiledPolicy& Vault::policy() const { return impl_->policy(); }

// --- Retention anchors, legal holds, organizations ---------------------------------------------

Status Vault::RecordLifecycleEvent(uint64_t subject_id, AnchorEvent event, std::optional<Time> at) {
  if (event == AnchorEvent::kCollection) {
    return InvalidArgument("collection is recorded with each field, not as an event", "event");
  }
  if (subject_id == 0 && event != AnchorEvent::kAnalysis) {
    return InvalidArgument("only the analysis can be recorded for everyone", "subject_id");
  }
  if (subject_id != 0) RETURN_IF_ERROR(impl_->Load(subject_id).status());
  const Time when = at.value_or(impl_->clock_.Now());
  store::WriteBatch batch;
  batch.PutLifecycleEvent({.subject_id = subject_id, .event = std::string(AnchorEventName(event)), .at = ToUnix(when)});
  AuditEntry e = impl_->Audit(AuditEvent::kLifecycle, Principal::Service(), subject_id);
  e.action = std::string(AnchorEventName(event));
  std::lock_guard write_lock(impl_->write_mu_);
  return impl_->ApplyAudited(batch, {e});
}

Status Vault::PlaceLegalHold(uint64_t subject_id, std::string_view rule, std::string_view ground) {
  if (!rule.empty()) RETURN_IF_ERROR(CheckReference(rule, "rule"));
  RETURN_IF_ERROR(CheckReference(ground, "ground"));
  const auto& rules = impl_->policy_->policy().retention;
  if (!rule.empty() &&
      std::none_of(rules.begin(), rules.end(), [&](const RetentionRule& r) { return r.id == rule; })) {
    return InvalidArgument("not a retention rule of the policy", "rule");
  }
  RETURN_IF_ERROR(impl_->Load(subject_id).status());
  store::WriteBatch batch;
  batch.PutLegalHold({.subject_id = subject_id,
                      .rule = std::string(rule),
                      .ground = std::string(ground),
                      .placed_at = ToUnix(impl_->clock_.Now())});
  AuditEntry e = impl_->Audit(AuditEvent::kLegalHold, Principal::Service(), subject_id);
  e.action = "place";
  e.detail = std::string(rule.empty() ? "*" : rule) + ":" + std::string(ground);
  std::lock_guard write_lock(impl_->write_mu_);
  return impl_->ApplyAudited(batch, {e});
}

Status Vault::ReleaseLegalHold(uint64_t subject_id, std::string_view rule) {
  if (!rule.empty()) RETURN_IF_ERROR(CheckReference(rule, "rule"));
  ASSIGN_OR_RETURN(std::vector<store::LegalHoldRecord> holds, impl_->data_->GetLegalHolds(subject_id));
  if (std::none_of(holds.begin(), holds.end(),
                   [&](const auto& h) { return h.subject_id == subject_id && h.rule == rule; })) {
    return NotFound("no such legal hold", "rule");
  }
  store::WriteBatch batch;
  batch.RemoveLegalHold(subject_id, std::string(rule));
  AuditEntry e = impl_->Audit(AuditEvent::kLegalHold, Principal::Service(), subject_id);
  e.action = "release";
  e.detail = std::string(rule.empty() ? "*" : rule);
  std::lock_guard write_lock(impl_->write_mu_);
  return impl_->ApplyAudited(batch, {e});
}

StatusOr<std::vector<LegalHold>> Vault::LegalHolds(uint64_t subject_id) {
  ASSIGN_OR_RETURN(std::vector<store::LegalHoldRecord> holds, impl_->data_->GetLegalHolds(subject_id));
  std::vector<LegalHold> out;
  for (auto& h : holds) {
    out.push_back({.subject_id = h.subject_id, .rule = std::move(h.rule), .ground = std::move(h.ground),
                   .placed_at = FromUnix(h.placed_at)});
  }
  return out;
}

StatusOr<std::vector<RetentionAggregate>> Vault::Aggregates() {
  ASSIGN_OR_RETURN(std::vector<store::AggregateRecord> rows, impl_->data_->GetAggregates());
  const std::optional<AutomaticCollection>& logs = impl_->policy_->policy().automatic_collection;
  const int64_t min_group = logs ? std::max(logs->min_group_size, 1) : 1;
  std::sort(rows.begin(), rows.end(),
            [](const store::AggregateRecord& a, const store::AggregateRecord& b) {
              return std::tie(a.rule, a.category, a.day) < std::tie(b.rule, b.category, b.day);
            });
  // Per rule and category, days in order, merged into periods of at least `min_group` (CN02).
  std::vector<RetentionAggregate> out;
  for (size_t i = 0; i < rows.size();) {
    const size_t group_start = out.size();
    RetentionAggregate open{.rule = rows[i].rule, .category = rows[i].category};
    for (; i < rows.size() && rows[i].rule == open.rule && rows[i].category == open.category; ++i) {
      const CivilDay day = TodayOf(FromUnix(rows[i].day));
      if (open.count == 0) open.first_day = day;
      open.last_day = day;
      open.count += rows[i].count;
      if (open.count >= min_group) {
        out.push_back(open);
        open.count = 0;
      }
    }
    if (open.count > 0 && out.size() > group_start) {  // a short tail joins the period before it
      out.back().last_day = open.last_day;
      out.back().count += open.count;
    }
  }
  return out;
}

Status Vault::RemoveFromOrganization(const Principal& admin, uint64_t subject_id) {
  ASSIGN_OR_RETURN(std::shared_ptr<const CachedSubject> subject, impl_->Load(subject_id));
  const uint64_t org = subject->record.organization_id;
  if (admin.kind != PrincipalKind::kOrganizationAdmin || org == 0 || admin.organization_id != org) {
    Status refused = PermissionDenied(std::string(ReasonName(Reason::kOtherOrganization)) +
                                          ": only the admin of the subject's organization may remove it",
                                      "principal");
    impl_->AuditRefusal(AuditEvent::kConsent, admin, subject_id, refused);
    return refused;
  }
  return impl_->RecordConsent(subject_id, {.action = ConsentAction::kRemovedFromOrganization,
                                           .source = ConsentSource::kStaff});
}

// --- vault_internal::Access ---------------------------------------------------------------------

namespace vault_internal {

store::DataStore& Access::Data(Vault& vault) { return *vault.impl_->data_; }
const Clock& Access::ClockOf(Vault& vault) { return vault.impl_->clock_; }

AuditEntry Access::Audit(Vault& vault, AuditEvent event, const Principal& principal, uint64_t subject_id) {
  return vault.impl_->Audit(event, principal, subject_id);
}

Status Access::Apply(Vault& vault, store::WriteBatch& batch, const std::vector<AuditEntry>& entries) {
  std::lock_guard write_lock(vault.impl_->write_mu_);
  return vault.impl_->ApplyAudited(batch, entries);
}

StatusOr<std::string> Access::Seal(Vault& vault, uint64_t subject_id, std::string_view context,
                                   std::string_view plaintext) {
  ASSIGN_OR_RETURN(std::shared_ptr<const CachedSubject> subject, vault.impl_->Load(subject_id));
  return vault.impl_->SealFor(*subject, subject_id, context, plaintext);
}

StatusOr<std::string> Access::Open(Vault& vault, uint64_t subject_id, std::string_view context,
                                   std::string_view sealed) {
  ASSIGN_OR_RETURN(std::shared_ptr<const CachedSubject> subject, vault.impl_->Load(subject_id));
  return crypto::Open(subject->key, sealed, crypto::FieldAssociatedData(subject_id, context, 0));
}

std::string Access::CodeHash(Vault& vault, std::string_view context, std::string_view code) {
  return vault.impl_->indexer_.CodeHash(context, code);
}

StatusOr<std::vector<FieldValue>> Access::AllFields(Vault& vault, uint64_t subject_id) {
  Vault::Impl& impl = *vault.impl_;
  ASSIGN_OR_RETURN(std::shared_ptr<const CachedSubject> subject, impl.Load(subject_id));
  ASSIGN_OR_RETURN(std::vector<store::FieldRecord> fields, impl.data_->GetFields(subject_id));
  std::vector<FieldValue> out;
  for (store::FieldRecord& f : fields) {
    ASSIGN_OR_RETURN(std::string value, crypto::Open(subject->key, f.sealed_value,
                                                     crypto::FieldAssociatedData(subject_id, f.category, f.id)));
    FieldValue v{.id = f.id,
                 .category = std::move(f.category),
                 .value = std::move(value),
                 .purposes = std::move(f.purposes),
                 .collected_at = FromUnix(f.collected_at),
                 .last_activity = FromUnix(f.last_activity),
                 .policy_version = f.policy_version};
    // An unknown stored name reads as the default, as in SealedFieldCache.
    v.source = ParseDataSourceName(f.source).value_or(v.source);
    v.basis = ParseLegalBasisName(f.basis).value_or(v.basis);
    out.push_back(std::move(v));
  }
  return out;
}

Status Access::DeleteFields(Vault& vault, uint64_t subject_id, const std::vector<store::FieldRecord>& fields,
                            store::WriteBatch& batch) {
  return vault.impl_->DeleteFieldsInto(subject_id, fields, batch);
}

void Access::Forget(Vault& vault, uint64_t subject_id) { vault.impl_->Forget(subject_id); }

}  // namespace vault_internal

}  // namespace privet
