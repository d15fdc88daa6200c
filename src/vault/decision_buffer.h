// Read decisions waiting for the next commit (VaultOptions::ReadAuditing::kBatched).
//
// With kBatched a read returns before its decision is stored: the decision waits here, and the
// vault's next commit of any kind (VaultCore::ApplyAudited) stores every waiting decision first,
// in the order they were made. The ReadAuditor flushes the buffer when it fills and on a timer.
#pragma once

#include <cstddef>
#include <vector>

#include "common/mutex.h"
#include "privet/audit.h"

namespace privet::vault_internal {

class DecisionBuffer {
 public:
  // Beyond this many decisions, the reader that adds one stores them itself: reads served from
  // memory can outpace the flushes, and the buffer must not grow without bound (about 300 bytes
  // an entry).
  static constexpr size_t kMaxBuffered = 4'096;

  // `batched`: reads buffer their decisions here (kBatched); otherwise the buffer stays empty
  // and Recycle frees at once.
  explicit DecisionBuffer(bool batched) : batched_(batched) {}

  // Adds a read's decision; true when the buffer is full and should be flushed now.
  bool Add(AuditEntry decision);
  bool empty();
  // Takes every buffered decision, in the order they were added, for a commit.
  std::vector<AuditEntry> Take();
  // Puts the first `count` entries of `taken` back in front: their commit failed, and they wait
  // for the next one.
  void Restore(std::vector<AuditEntry>& taken, size_t count);
  // Takes back a vector whose entries are stored (Take's, after the commit).
  //
  // Decisions are allocated by the readers and stored by another thread. Freed there, their
  // memory would go back to the readers' malloc arenas under the arenas' lock, and buffers
  // regrown by the readers would cost them consolidations: measured, the p99 of warm reads
  // doubled. So the stored entries are handed back for the readers to free, a few per Add, and
  // the three buffers keep their capacity, in turn pending (filled by readers), being stored,
  // and stored (emptied by readers), then spare.
  void Recycle(std::vector<AuditEntry> stored);

 private:
  void FreeStoredLocked() REQUIRES(mu_);

  const bool batched_;
  Mutex mu_;
  std::vector<AuditEntry> pending_ GUARDED_BY(mu_);  // not yet stored
  std::vector<AuditEntry> stored_ GUARDED_BY(mu_);   // stored, for the readers to free
  std::vector<AuditEntry> spare_ GUARDED_BY(mu_);    // empty; the next pending_
};

}  // namespace privet::vault_internal
