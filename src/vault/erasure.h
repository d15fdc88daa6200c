// Erasure by crypto-shredding, and the Purger that removes an erased subject's rows afterwards.
//
// Vault::Erase destroys the subject's key, with a durable note in the key store that its rows
// must be purged: from then on every copy of the subject's fields is noise, and the call
// returns without waiting for the purge, whose cost grows with the subject's data. The Purger
// commits the purge and its audit entry together in the background (or at the next open, after
// a crash, from KeyStore::PendingPurges); meanwhile lookups and listings skip subjects without a
// key. The scrub of the keys' old bytes from the key store's files (KeyStore::PurgeDone) follows
// the purge, so they are gone from disk once the purge is, at the latest at close.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <thread>

#include "common/mutex.h"
#include "store/store.h"
#include "vault/vault_core.h"

namespace privet::vault_internal {

class Purger {
 public:
  Purger(VaultCore& core, store::KeyStore& keys) : core_(core), keys_(keys) {}
  ~Purger() { Stop(); }
  Purger(const Purger&) = delete;
  Purger& operator=(const Purger&) = delete;

  // Starts the thread, with the purges a crash left pending.
  void Start();
  // Queues the purge of an erased subject's rows (its key is destroyed already).
  void Schedule(uint64_t subject_id);
  // Purges what is queued, scrubs the keys, and stops the thread.
  void Stop();

 private:
  void Run();
  // Erasures keep coming: the newest is less than kPurgeSettle old, and fewer than
  // kMaxPurgesWaiting wait. The purge waits meanwhile (Run).
  bool Settling() const REQUIRES(mu_);

  VaultCore& core_;
  store::KeyStore& keys_;
  Mutex mu_;
  CondVar cv_;
  std::deque<uint64_t> queue_ GUARDED_BY(mu_);
  // When the newest was queued.
  std::chrono::steady_clock::time_point last_erasure_ GUARDED_BY(mu_);
  bool stop_ GUARDED_BY(mu_) = false;
  std::thread thread_;  // the owner's (Start, Stop)
};

}  // namespace privet::vault_internal
