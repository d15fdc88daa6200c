// The vault: opening one, and the public API (include/privet/vault.h) forwarded to its parts.
// vault_impl.h says which file holds which part; vault_core.h what they share.
#include "privet/vault.h"

#include <sys/stat.h>

#include <filesystem>

#include "audit/audit_log.h"
#include "crypto/crypto.h"
#include "keys/vault_files.h"
#include "keys/vault_keys.h"
#include "store/store.h"
#include "vault/vault_impl.h"
#include "vault/vault_internal.h"

namespace privet {

using crypto::SecretKey;

// --- Opening ----------------------------------------------------------------------------------

StatusOr<std::unique_ptr<Vault>> Vault::Open(VaultOptions options) {
  return vault_internal::Opener::Open(std::move(options), {});
}

StatusOr<std::unique_ptr<Vault>> vault_internal::Opener::Open(VaultOptions options,
                                                              const Wrappers& wrap) {
  if (!options.policy) return InvalidArgument("a vault needs a policy", "policy");
  if (options.clock == nullptr) return InvalidArgument("a vault needs a clock", "clock");
  if (options.data_dir.empty())
    return InvalidArgument("a vault needs a data directory", "data_dir");
  PRIVET_RETURN_IF_ERROR(crypto::InitCrypto());
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) return FailedPrecondition("cannot create the data directory " + options.data_dir);
  ::chmod(options.data_dir.c_str(), 0700);
  // Before anything is read: a second process would change the files under the holder.
  PRIVET_ASSIGN_OR_RETURN(vault_internal::VaultLock lock,
                          vault_internal::VaultLock::Acquire(options.data_dir));
  const VaultFiles files =
      vault_internal::WithDefaults({.data_dir = options.data_dir,
                                    .key_store_path = options.key_store_path,
                                    .master_key_file = options.master_key_file});
  options.key_store_path = files.key_store_path;
  options.master_key_file = files.master_key_file;

  PRIVET_ASSIGN_OR_RETURN(std::unique_ptr<store::KeyStore> keys,
                          store::OpenSqliteKeyStore(options.key_store_path));
  if (wrap.keys) keys = wrap.keys(std::move(keys));
  PRIVET_ASSIGN_OR_RETURN(
      vault_internal::MasterKey loaded,
      vault_internal::LoadMasterKey(*keys, files, vault_internal::NewKeyStore::kCreate));
  SecretKey master = std::move(loaded.key);
  crypto::NonceSource nonces;
  SecretKey index_root;
  if (loaded.new_key_store) {
    // A new key store: the check value and the index root key are created together.
    index_root = SecretKey::Random();
    PRIVET_RETURN_IF_ERROR(keys->PutMeta(
        store::key_meta::kIndexRootKey,
        crypto::WrapKey(master, index_root, store::key_meta::kIndexRootKeyId, nonces)));
    PRIVET_RETURN_IF_ERROR(
        keys->PutMeta(store::key_meta::kKeyCheck, crypto::MakeKeyCheck(master, nonces)));
  } else {
    PRIVET_ASSIGN_OR_RETURN(std::optional<std::string> wrapped_root,
                            keys->GetMeta(store::key_meta::kIndexRootKey));
    if (!wrapped_root)
      return Status(StatusCode::kDataLoss,
                    "the key store has no blind-index key: " + options.key_store_path);
    PRIVET_ASSIGN_OR_RETURN(
        index_root, crypto::UnwrapKey(master, *wrapped_root, store::key_meta::kIndexRootKeyId));
  }
  // The tree-head signing key: created once, kept wrapped; its public half is published.
  PRIVET_ASSIGN_OR_RETURN(std::optional<SecretKey> seed_key,
                          vault_internal::LoadAuditSigningSeed(*keys, master));
  std::string seed;
  if (!seed_key) {
    seed = audit::NewSigningSeed();
    PRIVET_ASSIGN_OR_RETURN(SecretKey new_seed_key, SecretKey::FromBytes(seed));
    PRIVET_RETURN_IF_ERROR(keys->PutMeta(
        store::key_meta::kAuditSigningSeed,
        crypto::WrapKey(master, new_seed_key, store::key_meta::kAuditSigningSeedKeyId, nonces)));
  } else {
    seed = std::string(seed_key->view());
  }
  // The published half, written after the seed and whenever it is missing: a crash (or a failed
  // write) between the two writes would otherwise leave a log no one could verify.
  PRIVET_ASSIGN_OR_RETURN(std::optional<std::string> public_key,
                          keys->GetMeta(store::key_meta::kAuditPublicKey));
  if (!public_key) {
    PRIVET_RETURN_IF_ERROR(
        keys->PutMeta(store::key_meta::kAuditPublicKey, audit::PublicKeyBase64(seed)));
  }
  PRIVET_ASSIGN_OR_RETURN(std::unique_ptr<store::DataStore> data,
                          store::OpenSqliteDataStore(vault_internal::DataFilePath(files)));
  if (wrap.data) data = wrap.data(std::move(data));
  // Decision entries of reads are committed without an fsync of their own: they survive the
  // process being killed at once, and power loss once the next change (or tree head) commits.
  data->SetAuditOnlyDurability(store::DataStore::AuditOnlyDurability::kProcessCrash);
  PRIVET_ASSIGN_OR_RETURN(std::unique_ptr<audit::AuditLog> audit_log,
                          audit::AuditLog::Open(*data, std::move(seed)));
  return Start(std::make_unique<Vault::Impl>(std::move(lock), std::move(options), std::move(master),
                                             std::move(data), std::move(keys),
                                             std::move(index_root), std::move(audit_log)));
}

StatusOr<std::unique_ptr<Vault>> vault_internal::Opener::Start(std::unique_ptr<Vault::Impl> impl) {
  impl->StartPurger();
  // History starts with the policy of the first open; notices a crash interrupted are finished.
  PRIVET_RETURN_IF_ERROR(impl->StartPolicyHistory());
  // Breach notices a crash interrupted are finished (or stay pending, as the register says, for
  // the next delivery pass: they never keep a vault from opening).
  (void)impl->ResumeBreachNotices();
  return std::unique_ptr<Vault>(new Vault(std::move(impl)));
}

StatusOr<std::unique_ptr<Vault>> Vault::Reopen(std::unique_ptr<Vault> vault, VaultOptions options,
                                               std::unique_ptr<Vault>* back) {
  return vault_internal::Opener::Reopen(std::move(vault), std::move(options), back);
}

StatusOr<std::unique_ptr<Vault>> vault_internal::Opener::Reopen(std::unique_ptr<Vault> vault,
                                                                VaultOptions options,
                                                                std::unique_ptr<Vault>* back) {
  auto refuse = [&](Status why) {
    if (back != nullptr) *back = std::move(vault);
    return why;
  };
  if (vault == nullptr) return InvalidArgument("no vault to reopen", "vault");
  if (!options.policy) return refuse(InvalidArgument("a vault needs a policy", "policy"));
  if (options.clock == nullptr) return refuse(InvalidArgument("a vault needs a clock", "clock"));
  const VaultOptions& was = vault->impl_->options();
  const VaultFiles files =
      vault_internal::WithDefaults({.data_dir = options.data_dir,
                                    .key_store_path = options.key_store_path,
                                    .master_key_file = options.master_key_file});
  if (options.data_dir != was.data_dir || files.key_store_path != was.key_store_path ||
      files.master_key_file != was.master_key_file) {
    return refuse(InvalidArgument("a reopen names the vault's own files", "data_dir"));
  }
  options.key_store_path = files.key_store_path;
  options.master_key_file = files.master_key_file;
  StatusOr<VaultCore::Stores> handed = vault->impl_->HandOver();
  if (!handed.ok()) return refuse(handed.status());
  vault.reset();  // its background work is stopped and its stores are ours: it only goes
  VaultCore::Stores stores = std::move(*handed);
  // The blind-index root, unwrapped again: the core keeps only what it derives from it.
  PRIVET_ASSIGN_OR_RETURN(std::optional<std::string> wrapped_root,
                          stores.keys->GetMeta(store::key_meta::kIndexRootKey));
  if (!wrapped_root)
    return Status(StatusCode::kDataLoss,
                  "the key store has no blind-index key: " + options.key_store_path);
  PRIVET_ASSIGN_OR_RETURN(
      SecretKey index_root,
      crypto::UnwrapKey(stores.master, *wrapped_root, store::key_meta::kIndexRootKeyId));
  return Start(std::make_unique<Vault::Impl>(
      std::move(stores.lock), std::move(options), std::move(stores.master), std::move(stores.data),
      std::move(stores.keys), std::move(index_root), std::move(stores.audit)));
}

Vault::Vault(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Vault::~Vault() = default;

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
  if (located) PRIVET_RETURN_IF_ERROR(impl_->RecordReadLocation(p, id, *location));
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
  PRIVET_RETURN_IF_ERROR(CheckReference(exemption, "exemption"));
  PRIVET_RETURN_IF_ERROR(CheckReference(reference, "reference"));
  return impl_->ChangeLocationExemption(by, subject_id, exemption, reference);
}

Status Vault::RevokeLocationExemption(const Principal& by, uint64_t subject_id,
                                      std::string_view exemption) {
  PRIVET_RETURN_IF_ERROR(CheckReference(exemption, "exemption"));
  return impl_->ChangeLocationExemption(by, subject_id, exemption, std::nullopt);
}

void Vault::DrainReads() { impl_->auditor().Drain(); }
void Vault::RunReadCommitsOn(TaskRunner run) { impl_->auditor().RunCommitsOn(std::move(run)); }
Status Vault::Rectify(const Principal& p, uint64_t id, uint64_t field_id, std::string_view value) {
  return impl_->Rectify(p, id, field_id, value);
}
Status Vault::DeleteField(const Principal& p, uint64_t id, uint64_t field_id) {
  return impl_->DeleteField(p, id, field_id);
}
Status Vault::MayDeleteField(const Principal& p, uint64_t id, uint64_t field_id) {
  return impl_->MayDeleteField(p, id, field_id);
}
Status Vault::RecordConsent(uint64_t id, const ConsentChange& c) {
  return impl_->RecordConsent(id, c);
}
Status Vault::CookiesCleared(uint64_t id, const std::vector<std::string>& cookie_ids) {
  return impl_->CookiesCleared(id, cookie_ids);
}

StatusOr<std::vector<ConsentEvent>> Vault::RecordCookieChoices(uint64_t id,
                                                               const CookieChoices& choices) {
  return impl_->RecordCookieChoices(id, choices);
}
StatusOr<std::vector<ConsentEvent>> Vault::RecordConsentString(uint64_t id,
                                                               ConsentStringFormat format,
                                                               std::string_view text) {
  return impl_->RecordConsentString(id, format, text);
}
StatusOr<Decision> Vault::DecideMarketing(uint64_t id, std::string_view channel) {
  return impl_->DecideMarketing(id, channel);
}
Status Vault::QueueMarketing(const MarketingMessage& message) {
  return impl_->QueueMarketing(message);
}

Status Vault::QueueSignInCode(uint64_t subject_id, std::string_view code, Time expires_at) {
  return impl_->QueueSignInCode(subject_id, code, expires_at);
}
StatusOr<std::string> Vault::UnsubscribeToken(uint64_t id, std::string_view channel) {
  return impl_->UnsubscribeToken(id, channel);
}
StatusOr<std::string> Vault::UnsubscribeChannel(std::string_view token) {
  return impl_->UnsubscribeChannel(token);
}
StatusOr<std::string> Vault::Unsubscribe(std::string_view token) {
  return impl_->Unsubscribe(token);
}
StatusOr<std::vector<ConsentEvent>> Vault::ConsentHistory(uint64_t id) {
  return impl_->ConsentHistory(id);
}
StatusOr<SubjectState> Vault::State(uint64_t id) { return impl_->State(id); }
StatusOr<std::optional<uint64_t>> Vault::FindSubject(Identifier kind, std::string_view value) {
  return impl_->FindSubject(kind, value);
}
StatusOr<std::vector<uint64_t>> Vault::OrganizationMembers(uint64_t org) {
  return impl_->OrganizationMembers(org);
}
Status Vault::Erase(uint64_t id) { return impl_->Erase(id); }
Status Vault::RotateMasterKey(std::string_view hex) { return impl_->RotateMasterKey(hex); }
Status Vault::BackupData(const std::string& dest) { return impl_->BackupData(dest); }
StatusOr<SignedTreeHead> Vault::SignTreeHead() { return impl_->SignTreeHead(); }
StatusOr<DisclosureResult> Vault::Disclose(const Disclosure& d) { return impl_->Disclose(d); }
StatusOr<PolicyChangeAnnouncement> Vault::AnnouncePolicyChange(const Principal& by) {
  return impl_->AnnouncePolicyChange(by);
}
StatusOr<PolicyVersion> Vault::PublishPolicy(const PolicyPublication& publication) {
  return impl_->PublishPolicy(publication);
}
StatusOr<std::vector<PolicyVersion>> Vault::PolicyVersions() { return impl_->PolicyVersions(); }
StatusOr<Breach> Vault::RecordBreach(const BreachReport& report) {
  return impl_->RecordBreach(report);
}
StatusOr<std::vector<Breach>> Vault::Breaches() { return impl_->Breaches(); }
Status Vault::ResumeBreachNotices() { return impl_->ResumeBreachNotices(); }
StatusOr<Breach> Vault::RecordAuthorityNotified(uint64_t id, Time at, const Principal& by) {
  return impl_->RecordAuthorityNotified(id, at, by);
}
StatusOr<std::vector<DisclosureEntry>> Vault::Disclosures(uint64_t id) {
  return impl_->Disclosures(id);
}
uint64_t Vault::AuditSize() const { return impl_->AuditSize(); }
StatusOr<std::string> Vault::AuditInclusionProofJson(uint64_t index, uint64_t tree_size) {
  return impl_->AuditInclusionProofJson(index, tree_size);
}
StatusOr<std::string> Vault::AuditConsistencyProofJson(uint64_t old_size, uint64_t new_size) {
  return impl_->AuditConsistencyProofJson(old_size, new_size);
}
Status Vault::Health() { return impl_->Health(); }
const CompiledPolicy& Vault::policy() const { return impl_->policy(); }

namespace vault_internal {

VaultCore& CoreOf(Vault& vault) { return *vault.impl_; }

}  // namespace vault_internal
}  // namespace privet
