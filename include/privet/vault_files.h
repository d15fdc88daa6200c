// A vault's files, and what can be done with them without a policy or an open Vault: the
// `privet backup` and `privet keys` commands, and the offline audit tools (privet/audit.h).
//
//   privet::VaultFiles files{.data_dir = "/var/lib/privet"};
//   PRIVET_RETURN_IF_ERROR(privet::FindVault(files));
//   PRIVET_RETURN_IF_ERROR(privet::BackupDataFile(files, "/backup/data.db"));
//
// Errors are Status values, as in privet/vault.h. Each function opens the files it needs and
// closes them before it returns; those that change a vault's files hold its lock meanwhile
// (VaultInUse()). Implemented in src/keys/, below the audit log and the vault.
#pragma once

#include <string>
#include <string_view>

#include "privet/status.h"

namespace privet {

// Operations on a vault's files that need no policy: the `privet backup` and `privet keys`
// commands. `data_dir`, `key_store_path` and `master_key_file` default as in VaultOptions.
struct VaultFiles {
  std::string data_dir;
  std::string key_store_path;   // default <data_dir>/keys.db
  std::string master_key_file;  // default <data_dir>/master.key (PRIVET_MASTER_KEY wins)
};
// True for the refusal of Vault::Open and of the operations below that change a vault's files
// while another Vault holds it (in this or another process, e.g. `privet serve`):
// FailedPrecondition naming the holder's pid; nothing was changed.
bool VaultInUse(const Status& status);
// A consistent online copy of the data file alone (no keys) to a new file `dest`. Takes no lock:
// it only reads (SQLite's online backup), so it runs beside `privet serve`.
Status BackupDataFile(const VaultFiles& files, const std::string& dest);
// Ok if `files` name an existing vault (its data file and key store); NotFound otherwise, naming
// what is missing. Commands on an existing vault check first, so a mistyped directory is an
// error, never a new empty vault that reports all clear.
Status FindVault(const VaultFiles& files);
// A consistent online copy of the key store alone to a new file `dest`. Keep it apart from data
// backups: together they undo crypto-shredding. Takes no lock, as BackupDataFile.
Status BackupKeyStore(const VaultFiles& files, const std::string& dest);
// Checks the current master key against the key store, then re-wraps every key under
// `new_master_key_hex` and replaces the key file (crash-safe; see Vault::RotateMasterKey).
// Holds the vault's lock: FailedPrecondition (VaultInUse()) while a Vault, such as a running
// `privet serve`, holds it (which would go on wrapping new subjects' keys under the old master
// key); FailedPrecondition when `data_dir` does not exist.
Status RotateMasterKeyFile(const VaultFiles& files, std::string_view new_master_key_hex);
// A fresh random master key as 64 hex characters.
std::string NewMasterKeyHex();

}  // namespace privet
