// `privet backup` and `privet keys backup|rotate|admin`: the vault's file operations. Each returns
// the process exit code: 0 success, 1 failure (with the reason on `err`), 2 usage error.
#pragma once

#include <iosfwd>
#include <string>

#include "privet/vault.h"

namespace privet::cli {

int Backup(const VaultFiles& files, const std::string& dest, std::ostream& out, std::ostream& err);
int KeysBackup(const VaultFiles& files, const std::string& dest, std::ostream& out,
               std::ostream& err);
// Rotates to the key in `new_key_file` (64 hex chars), or to a fresh random key when empty.
int KeysRotate(const VaultFiles& files, const std::string& new_key_file, std::ostream& out,
               std::ostream& err);
// Revokes every admin API key and prints a new one, once (the server must be stopped).
int KeysAdminNew(const VaultFiles& files, std::ostream& out, std::ostream& err);

}  // namespace privet::cli
