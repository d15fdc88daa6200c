// PowerCutVfs: an SQLite VFS over the default one that remembers, for every file, what was
// written to it since it was last synced, so that a test can copy a vault's files as a power
// failure at that moment would leave them: every write after its file's last xSync undone, and
// the file cut back to its size at that sync.
//
// The model is the one SQLite's own crash tests make (test6.c): a write reaches the disk when
// its file is synced, and an unsynced write may be lost. It is coarser: an unsynced write is
// lost whole, never torn, and never kept while an earlier one is lost. That is what a commit's
// durability promise is about: `PRAGMA synchronous=FULL` syncs the WAL at each commit, NORMAL
// does not (privet's read decisions), and a checkpoint syncs before and after it copies.
//
//   PowerCutVfs vfs;                         // the process's default VFS until destroyed
//   ... open a vault, write ...
//   vfs.SnapshotAfterPowerCut(dir, copy);    // `copy` holds what the disk would
//
// Thread-safe: writes, syncs and snapshots are serialized (a snapshot is one moment).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "privet/status.h"

namespace privet::testing {

class PowerCutVfs {
 public:
  PowerCutVfs();   // registers itself as SQLite's default VFS
  ~PowerCutVfs();  // unregisters; the default VFS is the one before
  PowerCutVfs(const PowerCutVfs&) = delete;
  PowerCutVfs& operator=(const PowerCutVfs&) = delete;

  // Copies every regular file of `dir` into `dest` (created) as a power cut now would leave
  // them. Shared-memory files (`-shm`) are left out: they do not survive a power cut, and
  // SQLite rebuilds them from the WAL at the next open.
  Status SnapshotAfterPowerCut(const std::string& dir, const std::string& dest);

  // Syncs seen, and writes that a power cut now would lose (for tests of the test).
  uint64_t syncs() const;
  uint64_t unsynced_writes() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace privet::testing
