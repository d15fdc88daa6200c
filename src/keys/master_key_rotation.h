// Master-key loading and rotation, crash-safe. Private to src/ (callers load the master key
// through vault_keys.h's LoadMasterKey, which checks it against the key store).
//
// Rotation writes the new key to `<key_file>.next` (0600, fsynced) before re-wrapping the key
// store in one transaction, and renames it over `<key_file>` after. If a crash interrupts it,
// the next Open() finds `.next`: if the key store's check opens under it, the rotation had
// committed and the rename is finished; otherwise the stale `.next` is removed.
#pragma once

#include <optional>
#include <string>

#include "crypto/crypto.h"
#include "privet/status.h"
#include "store/store.h"

namespace privet::vault_internal {

// The master key for a key store whose check value is `key_check` (nullopt: a new key store,
// whose key file is created when missing; otherwise a missing file is FailedPrecondition and
// nothing is created), finishing an interrupted rotation first.
StatusOr<crypto::SecretKey> LoadMasterKeyFinishingRotation(
    const std::string& key_file, const std::optional<std::string>& key_check);

Status RotateMasterKey(const std::string& key_file, const crypto::SecretKey& current,
                       const crypto::SecretKey& next, store::KeyStore& keys,
                       crypto::NonceSource& nonces);

}  // namespace privet::vault_internal
