// ReadAuditor: stores each read's decision in the audit log as VaultOptions::read_auditing
// says, sharing commits between concurrent readers.
//
// - kBeforeReturn, Read: the reader's decision is stored before Read returns. Concurrent
//   readers share commits (Store): each queues its entry; one reader at a time leads,
//   committing every entry queued so far, while the others sleep until a commit holding theirs
//   is done (or lead the next one). A reader waits at most for the commit in progress and the
//   one after.
// - kBeforeReturn, ReadThen: the decision is queued (Queue) and the reader is answered once a
//   commit stored it, by a committer thread of the auditor's own (started by the first queued
//   read) or, after RunCommitsOn, by tasks handed to the caller's thread pool.
// - kBatched: the decision waits in the core's DecisionBuffer for the vault's next commit, and
//   a BackgroundLoop flushes it every `read_audit_flush` (or the reader that fills it).
//
// Every commit goes through VaultCore::Commit. Thread-safe; Drain() before the core goes.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "common/background_loop.h"
#include "common/mutex.h"
#include "privet/audit.h"
#include "privet/vault.h"
#include "vault/vault_core.h"

namespace privet::vault_internal {

class ReadAuditor {
 public:
  explicit ReadAuditor(VaultCore& core);
  ~ReadAuditor() {
    flusher_.Stop();
    Drain();
  }
  ReadAuditor(const ReadAuditor&) = delete;
  ReadAuditor& operator=(const ReadAuditor&) = delete;

  bool batched() const { return batched_; }
  // Read's path: buffers the decision (kBatched) or stores it before returning.
  Status Record(AuditEntry decision);
  // Buffers a read's decision (kBatched).
  void Buffer(AuditEntry decision);
  // ReadThen's path with kBeforeReturn: queues the decision for a commit, after which
  // `release` is called with its outcome (on the committing thread).
  void Queue(AuditEntry decision, std::function<void(const Status& stored)> release);
  // From now on, `run` runs the commits of queued reads (Vault::RunReadCommitsOn).
  void RunCommitsOn(Vault::TaskRunner run);
  // Stores every queued and buffered decision, answers every queued reader, and stops the
  // auditor's threads (they start again if reads come).
  void Drain();

 private:
  // A reader's decision waiting for a group commit (Store), on the reader's stack.
  struct QueuedDecision {
    AuditEntry entry;
    bool done = false;  // under ReadAuditor::mu_
    Status stored;      // under ReadAuditor::mu_
  };
  // A ReadThen waiting for its decision to be stored.
  struct QueuedRead {
    AuditEntry decision;
    // Hands the reader its answer once `stored` is OK, or the commit's error.
    std::function<void(const Status& stored)> release;
  };

  Status Store(AuditEntry decision);
  // Stores the buffered decisions (kBatched), if any.
  void Flush();
  Status CommitDecisions(std::vector<AuditEntry> decisions);
  // Commits the decisions of `group` in one transaction, then hands each reader its answer.
  void CommitReadGroup(std::vector<QueuedRead>& group);
  // The committer thread: commits every queued read's decision in one transaction, then hands
  // each reader its result.
  void RunCommitter();
  // A task given to commit_runner_: commits every read queued when it starts, then hands
  // itself to the runner again if more have queued meanwhile.
  void CommitQueuedReads();
  // What is handed to commit_runner_: CommitQueuedReads through task_target_.
  std::function<void()> CommitTask() const;

  VaultCore& core_;
  const bool batched_;
  BackgroundLoop flusher_;  // kBatched only

  // commit_runner_ without the lock: it changes only in RunCommitsOn and Drain, which no
  // ReadThen runs beside (the vault's contract), and calling it under the lock would deadlock
  // a runner that runs its task at once.
  const Vault::TaskRunner& CommitRunnerOutsideLock() const NO_THREAD_SAFETY_ANALYSIS {
    return commit_runner_;
  }

  // What a task handed to commit_runner_ reaches the auditor through. The runner may run a task
  // after the auditor is gone (a server that reopens its vault keeps its io threads): Drain
  // clears `auditor` under the exclusive lock, which waits for the tasks running (each holds it
  // shared from start to end), and a task that starts later does nothing.
  struct TaskTarget {
    SharedMutex mu;
    ReadAuditor* auditor GUARDED_BY(mu) = nullptr;
  };
  // Set by RunCommitsOn, like commit_runner_; null before.
  std::shared_ptr<TaskTarget> task_target_;

  Mutex mu_;
  CondVar decisions_done_;                                         // a group commit finished
  bool leading_group_commit_ GUARDED_BY(mu_) = false;              // a reader is committing
  std::vector<QueuedDecision*> queued_decisions_ GUARDED_BY(mu_);  // for a group commit (Store)
  std::vector<QueuedRead> queued_reads_ GUARDED_BY(mu_);           // ReadThen's, for the committer
  CondVar reads_queued_;                                           // wakes the committer
  bool committer_stop_ GUARDED_BY(mu_) = false;
  size_t read_group_target_ GUARDED_BY(mu_);  // reads that end the commit delay
  std::thread committer_ GUARDED_BY(mu_);     // joined in Drain
  // RunCommitsOn's runner, which then commits ReadThen's reads instead of committer_.
  Vault::TaskRunner commit_runner_ GUARDED_BY(mu_);
  // A CommitQueuedReads is with the runner, not yet started.
  bool commit_task_queued_ GUARDED_BY(mu_) = false;
  // CommitQueuedReads under way (at most one, but in Drain).
  int commit_tasks_running_ GUARDED_BY(mu_) = 0;
  CondVar commit_task_ended_;
};

}  // namespace privet::vault_internal
