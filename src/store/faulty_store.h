// Stores that fail on purpose: wrappers around a DataStore and a KeyStore that refuse the n-th
// write (once, or that one and every later one), for fault loops over the vault
// (tests/fault/vault_fault_loop_test.cc). A refused write changes nothing in the wrapped store,
// as a real store's failed transaction would; reads always go through, and the next
// DataStore::GetFields can first run a hook, to change the store between a decision's read and
// its commit (tests/fault/decide_then_commit_test.cc).
//
// Writes are counted across both stores, in the order the vault makes them: DataStore::Apply and
// PurgeSubject; KeyStore::PutWrappedKey(s), DestroyWrappedKey(s), PurgeDone, PutMeta and
// RewrapAll.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>

#include "common/mutex.h"
#include "store/store.h"

namespace privet::store {

// Shared by the wrappers of one vault. Thread-safe.
class FaultPlan {
 public:
  enum class Mode { kOnce, kForever };
  // Fails the `n`-th write (1-based) from now on counting; 0 fails nothing.
  void FailAt(uint64_t n, Mode mode) {
    mode_.store(mode);
    fail_at_.store(n);
  }
  // Counts a write; false when it must fail.
  bool Allow();
  uint64_t writes() const { return writes_.load(); }
  uint64_t failures() const { return failures_.load(); }

  // Runs `hook` once, at the start of the next DataStore::GetFields (on the reading thread,
  // before the read).
  void BeforeNextGetFields(std::function<void()> hook) {
    MutexLock lock(&hook_mu_);
    before_get_fields_ = std::move(hook);
  }
  // The hook set for the next GetFields, taken (empty when none).
  std::function<void()> TakeGetFieldsHook() {
    MutexLock lock(&hook_mu_);
    return std::exchange(before_get_fields_, nullptr);
  }

 private:
  Mutex hook_mu_;
  std::function<void()> before_get_fields_;  // guarded by hook_mu_
  std::atomic<uint64_t> fail_at_{0};
  std::atomic<Mode> mode_{Mode::kOnce};
  std::atomic<uint64_t> writes_{0};
  std::atomic<uint64_t> failures_{0};
};

std::unique_ptr<DataStore> WrapFaulty(std::unique_ptr<DataStore> inner,
                                      std::shared_ptr<FaultPlan> plan);
std::unique_ptr<KeyStore> WrapFaulty(std::unique_ptr<KeyStore> inner,
                                     std::shared_ptr<FaultPlan> plan);

}  // namespace privet::store
