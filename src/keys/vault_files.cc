// Policy-free operations on a vault's files (backups, key rotation) for the CLI.
#include "keys/vault_files.h"

#include <filesystem>
#include <system_error>

#include "crypto/crypto.h"
#include "keys/master_key_rotation.h"
#include "keys/vault_keys.h"
#include "keys/vault_lock.h"
#include "privet/vault_files.h"
#include "store/store.h"

namespace privet {

VaultFiles vault_internal::WithDefaults(VaultFiles files) {
  if (files.key_store_path.empty()) files.key_store_path = files.data_dir + "/keys.db";
  if (files.master_key_file.empty()) files.master_key_file = files.data_dir + "/master.key";
  return files;
}

using vault_internal::DataFilePath;
using vault_internal::WithDefaults;

Status FindVault(const VaultFiles& given) {
  const VaultFiles files = WithDefaults(given);
  std::error_code ec;
  if (!std::filesystem::is_directory(files.data_dir, ec))
    return NotFound("no privet vault at '" + files.data_dir + "': not a directory (check --data)");
  if (!std::filesystem::is_regular_file(DataFilePath(files), ec))
    return NotFound(
        "no privet vault at '" + files.data_dir +
        "': it holds no data.db (check --data; `privet serve --data DIR` creates a vault)");
  if (!std::filesystem::is_regular_file(files.key_store_path, ec))
    return NotFound("the vault's key store '" + files.key_store_path +
                    "' does not exist (check --key-store)");
  return Status::Ok();
}

// The backups take no VaultLock: they only read, through SQLite's online backup, which copies a
// consistent snapshot beside a writer in another process (`privet serve`).
Status BackupDataFile(const VaultFiles& files, const std::string& dest) {
  PRIVET_ASSIGN_OR_RETURN(std::unique_ptr<store::DataStore> data,
                          store::OpenSqliteDataStore(DataFilePath(files)));
  return data->BackupTo(dest);
}

Status BackupKeyStore(const VaultFiles& files, const std::string& dest) {
  PRIVET_ASSIGN_OR_RETURN(std::unique_ptr<store::KeyStore> keys,
                          store::OpenSqliteKeyStore(WithDefaults(files).key_store_path));
  return keys->BackupTo(dest);
}

Status RotateMasterKeyFile(const VaultFiles& given, std::string_view new_master_key_hex) {
  const VaultFiles files = WithDefaults(given);
  // A Vault open elsewhere would go on wrapping new subjects' keys under the old master key.
  PRIVET_ASSIGN_OR_RETURN(vault_internal::VaultLock lock,
                          vault_internal::VaultLock::Acquire(files.data_dir));
  PRIVET_RETURN_IF_ERROR(crypto::InitCrypto());
  PRIVET_ASSIGN_OR_RETURN(crypto::SecretKey next, crypto::SecretKey::FromHex(new_master_key_hex));
  PRIVET_ASSIGN_OR_RETURN(std::unique_ptr<store::KeyStore> keys,
                          store::OpenSqliteKeyStore(files.key_store_path));
  PRIVET_ASSIGN_OR_RETURN(
      vault_internal::MasterKey current,
      vault_internal::LoadMasterKey(*keys, files, vault_internal::NewKeyStore::kRefuse));
  crypto::NonceSource nonces;
  return vault_internal::RotateMasterKey(files.master_key_file, current.key, next, *keys, nonces);
}

std::string NewMasterKeyHex() {
  (void)crypto::InitCrypto();
  return crypto::SecretKey::Random().ToHex();
}

}  // namespace privet
