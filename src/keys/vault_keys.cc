#include "keys/vault_keys.h"

#include "keys/master_key_rotation.h"

namespace privet::vault_internal {

StatusOr<MasterKey> LoadMasterKey(store::KeyStore& keys, const VaultFiles& files,
                                  NewKeyStore if_new) {
  PRIVET_ASSIGN_OR_RETURN(std::optional<std::string> check,
                          keys.GetMeta(store::key_meta::kKeyCheck));
  if (!check && if_new == NewKeyStore::kRefuse)
    return FailedPrecondition("the key store " + files.key_store_path + " holds no vault yet");
  PRIVET_ASSIGN_OR_RETURN(crypto::SecretKey key,
                          LoadMasterKeyFinishingRotation(files.master_key_file, check));
  if (check) PRIVET_RETURN_IF_ERROR(crypto::VerifyKeyCheck(key, *check));
  return MasterKey{.key = std::move(key), .new_key_store = !check};
}

StatusOr<std::optional<crypto::SecretKey>> LoadAuditSigningSeed(store::KeyStore& keys,
                                                                const crypto::SecretKey& master) {
  PRIVET_ASSIGN_OR_RETURN(std::optional<std::string> wrapped,
                          keys.GetMeta(store::key_meta::kAuditSigningSeed));
  if (!wrapped) return std::optional<crypto::SecretKey>();
  PRIVET_ASSIGN_OR_RETURN(
      crypto::SecretKey seed,
      crypto::UnwrapKey(master, *wrapped, store::key_meta::kAuditSigningSeedKeyId));
  return std::optional<crypto::SecretKey>(std::move(seed));
}

}  // namespace privet::vault_internal
