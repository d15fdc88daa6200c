// Erasure and the Purger (erasure.h).
#include "vault/erasure.h"

#include <nlohmann/json.hpp>
#include <vector>

#include "privet/webhook_events.h"
#include "vault/vault_impl.h"

namespace privet {
namespace {

constexpr size_t kMaxPurgesPerCommit = 64;       // erased subjects purged per background commit
constexpr size_t kMaxPurgesBeforeScrub = 1'024;  // purged subjects waiting for the key scrub
constexpr size_t kMaxPurgesWaiting = 1'024;      // erased subjects whose purge waits for a pause
constexpr std::chrono::milliseconds kPurgeSettle{2};  // the pause in erasures a purge waits for

}  // namespace

Status Vault::Impl::Erase(uint64_t id) {
  // The only wait here is the key store's durable commit (one fsync); see erasure.h.
  PRIVET_RETURN_IF_ERROR(KeyWrite(keys_->DestroyWrappedKey(id)));
  Forget(id);  // the cached key and sealed rows too
  purger_.Schedule(id);
  return Status::Ok();
}

namespace vault_internal {

void Purger::Schedule(uint64_t id) {
  {
    MutexLock lock(&mu_);
    queue_.push_back(id);
    last_erasure_ = std::chrono::steady_clock::now();
  }
  cv_.NotifyOne();
}

void Purger::Start() {
  StatusOr<std::vector<uint64_t>> pending = keys_.PendingPurges();  // left by a crash
  if (pending.ok()) {
    MutexLock lock(&mu_);
    for (uint64_t id : *pending) queue_.push_back(id);
  }
  thread_ = std::thread([this] { Run(); });
}

void Purger::Stop() {
  {
    MutexLock lock(&mu_);
    stop_ = true;
  }
  cv_.NotifyOne();
  if (thread_.joinable()) thread_.join();
}

bool Purger::Settling() const {
  return !stop_ && queue_.size() < kMaxPurgesWaiting &&
         std::chrono::steady_clock::now() - last_erasure_ < kPurgeSettle;
}

void Purger::Run() {
  // Subjects purged whose KeyStore::PurgeDone is still to come. PurgeDone scrubs the destroyed
  // keys' old bytes from the key store's files (a checkpoint, two fsyncs and a truncation, the
  // slowest disk work of an erasure), and one scrub covers every key destroyed before it. So it
  // waits until the queue is empty (or kMaxPurgesBeforeScrub purges wait): a burst of erasures
  // is scrubbed once, after it, instead of competing with the erasures' own commits.
  std::vector<uint64_t> purged_ids;
  auto finish_purges = [&] {
    for (uint64_t id : purged_ids)
      (void)core_.KeyWrite(keys_.PurgeDone(id));  // on error: redone at next open
    purged_ids.clear();
  };
  for (;;) {
    // Every erasure queued meanwhile, up to kMaxPurgesPerCommit, is purged in one commit: a
    // burst of erasures costs one fsync of the data file per batch rather than one per subject.
    // While erasures keep coming (the newest less than kPurgeSettle ago, fewer than
    // kMaxPurgesWaiting queued), the purge waits: its commits and checkpoints would otherwise
    // queue the erasures' own fsyncs behind theirs. The rows are crypto-shredded already.
    std::vector<uint64_t> ids;
    {
      MutexLock lock(&mu_);
      if (queue_.empty()) {
        // Until an erasure comes: then round the loop, to the settling wait below (waiting here
        // for the settling to end would sleep through the pause no erasure ends with a
        // notification).
        while (!stop_ && queue_.empty()) cv_.Wait(&mu_);
      } else {
        const auto deadline = std::chrono::steady_clock::now() + kPurgeSettle;
        while (!stop_ && (queue_.empty() || Settling())) {
          if (!cv_.WaitUntil(&mu_, deadline)) break;
        }
      }
      if (queue_.empty() || Settling()) {
        const bool stopping = stop_;
        const bool idle = queue_.empty();
        lock.Unlock();
        if (idle) finish_purges();
        if (stopping) return;  // nothing left to purge or scrub
        continue;
      }
      while (!queue_.empty() && ids.size() < kMaxPurgesPerCommit) {
        ids.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    store::WriteBatch batch;
    std::vector<AuditEntry> erased;
    for (uint64_t id : ids) {
      batch.PurgeSubject(id);
      AuditEntry& e =
          erased.emplace_back(core_.Audit(AuditEvent::kErasure, Principal::Service(), id));
      e.action = "erase";
      e.detail = "crypto_shredding";
      // Downstream systems holding copies must erase them too (Art. 17(2), Art. 19).
      const nlohmann::json data = {{"subject_id", std::to_string(id)}};
      core_.AddWebhookEvent(batch, webhook_event::kSubjectErased, id, data.dump());
    }
    const Status purged = core_.Commit(batch, std::move(erased));
    // A failed purge stays pending in the key store and is retried at the next open.
    if (purged.ok()) purged_ids.insert(purged_ids.end(), ids.begin(), ids.end());
    bool burst_over;
    {
      MutexLock lock(&mu_);
      burst_over = queue_.empty();
    }
    if (burst_over || purged_ids.size() >= kMaxPurgesBeforeScrub) finish_purges();
  }
}

}  // namespace vault_internal
}  // namespace privet
