// VaultLock: one process at a time changes a vault.
//
// The process that holds a vault keeps part of its state in memory: the audit log's size and
// tree, the subject ids it draws, the subjects' unwrapped keys and consent state, the master
// key. A second process that writes the same files under it leaves the first one failing every
// later write (its audit appends collide), or wrapping the keys of new subjects under a master
// key that a rotation has just replaced (lost for good at the next start). So every Vault, and
// every operation that changes a vault's files without one (RotateMasterKeyFile,
// SignAuditTreeHead, ReplaceAdminApiKey), holds an exclusive flock(2) on
// `<data_dir>/privet.lock` (created 0600) for as long as it runs, taken without waiting: the
// second comer is refused with FailedPrecondition (field "data_dir", see VaultInUse()) naming
// the holder's pid, which the holder writes into the file, and changes nothing.
//
// flock locks belong to the open file, so a second Vault over the same directory in one process
// is refused too; the kernel drops the lock when its holder exits however it ends (a crash
// leaves nothing to clean up), and never hands it to a child across exec (O_CLOEXEC). Copies
// that only read (BackupDataFile, BackupKeyStore, the audit proofs and verification) take no
// lock: SQLite gives them a consistent snapshot beside a writer in another process.
//
//   PRIVET_ASSIGN_OR_RETURN(VaultLock lock, VaultLock::Acquire(files.data_dir));
//   ...  // change the vault's files
//   // released when `lock` goes
//
// Thread-safety: a VaultLock is owned by one thread at a time. Private to src/.
#pragma once

#include <string>

#include "privet/status.h"

namespace privet::vault_internal {

class VaultLock {
 public:
  // Locks the vault in `data_dir`, which must exist (FailedPrecondition "there is no vault at
  // ..." otherwise). FailedPrecondition (VaultInUse) when another VaultLock holds it, in this
  // process or another; Internal if the lock file cannot be created or locked.
  static StatusOr<VaultLock> Acquire(const std::string& data_dir);

  VaultLock() = default;  // holds nothing
  VaultLock(VaultLock&& other) noexcept;
  VaultLock& operator=(VaultLock&& other) noexcept;
  VaultLock(const VaultLock&) = delete;
  VaultLock& operator=(const VaultLock&) = delete;
  ~VaultLock();  // releases the lock

 private:
  explicit VaultLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace privet::vault_internal
