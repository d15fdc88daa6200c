// Read decisions waiting for the next commit (decision_buffer.h).
#include "vault/decision_buffer.h"

#include <iterator>

namespace privet::vault_internal {

bool DecisionBuffer::Add(AuditEntry decision) {
  MutexLock lock(&mu_);
  pending_.push_back(std::move(decision));
  FreeStoredLocked();
  return pending_.size() >= kMaxBuffered;
}

bool DecisionBuffer::empty() {
  MutexLock lock(&mu_);
  return pending_.empty();
}

std::vector<AuditEntry> DecisionBuffer::Take() {
  std::vector<AuditEntry> taken;
  MutexLock lock(&mu_);
  taken.swap(pending_);
  pending_.swap(spare_);
  return taken;
}

void DecisionBuffer::Restore(std::vector<AuditEntry>& taken, size_t count) {
  MutexLock lock(&mu_);
  pending_.insert(pending_.begin(), std::make_move_iterator(taken.begin()),
                  std::make_move_iterator(taken.begin() + static_cast<long>(count)));
}

void DecisionBuffer::Recycle(std::vector<AuditEntry> stored) {
  MutexLock lock(&mu_);
  if (batched_ && stored_.empty()) {
    stored_.swap(stored);  // `stored` now holds the emptied buffer
  } else {
    lock.Unlock();  // no reads are batched, or they have not freed the last batch yet
    stored.clear();
    lock.Lock();
  }
  if (stored.capacity() > spare_.capacity()) spare_.swap(stored);
}

void DecisionBuffer::FreeStoredLocked() {
  // Two per read: faster than reads add entries, so each batch is freed before the next.
  for (int i = 0; i < 2 && !stored_.empty(); ++i) stored_.pop_back();
}

}  // namespace privet::vault_internal
