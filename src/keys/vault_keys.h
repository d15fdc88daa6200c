// Loading a vault's master key and the keys the key store keeps wrapped under it: one way for
// the vault, the offline audit tools, the master key rotation and the server's admin-key
// replacement. Private to src/.
#pragma once

#include <optional>

#include "crypto/crypto.h"
#include "privet/status.h"
#include "privet/vault_files.h"
#include "store/store.h"

namespace privet::vault_internal {

// What LoadMasterKey does with a key store that holds no vault yet (no key check value).
enum class NewKeyStore { kRefuse, kCreate };

struct MasterKey {
  crypto::SecretKey key;
  // kCreate only: the key store held no vault; `key` was read from (or created in) the key file
  // and is not checked. The caller writes the key check value (crypto::MakeKeyCheck).
  bool new_key_store = false;
};

// The master key of the vault whose key store is `keys` and key file `files.master_key_file`
// (`files` with defaults applied): an interrupted rotation finished first
// (LoadMasterKeyFinishingRotation), then checked against the key store's check value.
// FailedPrecondition when the key file is missing, or (kRefuse) when the key store holds no
// vault yet; an error from crypto::VerifyKeyCheck for a wrong key.
StatusOr<MasterKey> LoadMasterKey(store::KeyStore& keys, const VaultFiles& files,
                                  NewKeyStore if_new);

// The audit log's tree-head signing seed, kept in `keys` wrapped under `master`
// (store::key_meta::kAuditSigningSeed); nullopt when the key store holds none yet. DataLoss when
// it does not open under `master`.
StatusOr<std::optional<crypto::SecretKey>> LoadAuditSigningSeed(store::KeyStore& keys,
                                                                const crypto::SecretKey& master);

}  // namespace privet::vault_internal
