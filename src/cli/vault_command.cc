#include "cli/vault_command.h"

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <ostream>

#include "cli/vault_in_use.h"
#include "privet/server.h"

namespace privet::cli {
namespace {

int Report(const Status& status, const std::string& done, std::ostream& out, std::ostream& err) {
  if (!status.ok()) {
    err << "privet: " << status.ToString() << "\n";
    return 1;
  }
  out << done << "\n";
  return 0;
}

}  // namespace

int Backup(const VaultFiles& files, const std::string& dest, std::ostream& out, std::ostream& err) {
  return Report(BackupDataFile(files, dest),
                "data file copied to " + dest + " (no keys: see `privet keys backup`)", out, err);
}

int KeysBackup(const VaultFiles& files, const std::string& dest, std::ostream& out,
               std::ostream& err) {
  return Report(BackupKeyStore(files, dest),
                "key store copied to " + dest + "; store it apart from data backups", out, err);
}

int KeysRotate(const VaultFiles& files, const std::string& new_key_file, std::ostream& out,
               std::ostream& err) {
  std::string key;
  if (!new_key_file.empty()) {
    std::ifstream in(new_key_file);
    if (!in) {
      err << "privet: cannot read " << new_key_file << "\n";
      return 1;
    }
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    key = std::move(text);
  } else if (std::getenv("PRIVET_MASTER_KEY") != nullptr) {
    err << "privet: the master key comes from PRIVET_MASTER_KEY; write a new key (64 hex "
           "characters) "
           "to a file readable only by you and pass it with --new-key-file\n";
    return 2;
  } else {
    key = NewMasterKeyHex();
  }
  const Status rotated = RotateMasterKeyFile(files, key);
  if (!rotated.ok()) {
    PrintVaultError(rotated, "a rotation must wait: stop it, rotate, start it again", err);
    return 1;
  }
  out << "master key rotated: every subject key is re-wrapped; fields were not re-encrypted\n";
  return 0;
}

int KeysAdminNew(const VaultFiles& files, std::ostream& out, std::ostream& err) {
  SystemClock clock;
  StatusOr<ReplacedAdminKey> replaced = ReplaceAdminApiKey(files, clock);
  if (!replaced.ok()) {
    PrintVaultError(replaced.status(),
                    "an admin key can make another (POST /v1/api-keys); otherwise stop it first",
                    err);
    return 1;
  }
  out << "admin API key (shown once, keep it safe): " << replaced->token << "\n"
      << replaced->revoked << " admin key" << (replaced->revoked == 1 ? "" : "s")
      << " revoked; other keys are unchanged\n";
  return 0;
}

}  // namespace privet::cli
