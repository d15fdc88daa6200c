// ReadAuditor: storing read decisions (read_auditor.h).
#include "vault/read_auditor.h"

#include <algorithm>
#include <array>

namespace privet::vault_internal {
namespace {

// The most reads the committer waits for before it commits: as many as the largest of its last
// commits stored, up to this.
constexpr size_t kFullReadGroup = 256;

}  // namespace

ReadAuditor::ReadAuditor(VaultCore& core)
    : core_(core),
      batched_(core.options().read_auditing == VaultOptions::ReadAuditing::kBatched),
      read_group_target_(kFullReadGroup) {
  if (batched_) flusher_.Start(core.options().read_audit_flush, [this] { Flush(); });
}

Status ReadAuditor::Record(AuditEntry decision) {
  if (batched_) {
    Buffer(std::move(decision));
    return Status::Ok();
  }
  return Store(std::move(decision));
}

void ReadAuditor::Buffer(AuditEntry decision) {
  if (core_.decisions().Add(std::move(decision))) Flush();
}

void ReadAuditor::Flush() {
  if (core_.decisions().empty()) return;
  store::WriteBatch batch;
  (void)core_.Commit(batch, {});  // on failure the decisions stay buffered for the next try
}

Status ReadAuditor::CommitDecisions(std::vector<AuditEntry> decisions) {
  store::WriteBatch batch;
  return core_.Commit(batch, std::move(decisions));
}

Status ReadAuditor::Store(AuditEntry decision) {
  QueuedDecision mine{.entry = std::move(decision)};
  MutexLock lock(&mu_);
  queued_decisions_.push_back(&mine);
  // While another reader leads, ours is either in its group (done when it finishes) or queued
  // for the next one, which we may lead.
  while (!mine.done && leading_group_commit_) decisions_done_.Wait(&mu_);
  if (mine.done) return mine.stored;
  leading_group_commit_ = true;
  std::vector<QueuedDecision*> group;  // ours and every one queued behind it so far
  group.swap(queued_decisions_);
  lock.Unlock();

  std::vector<AuditEntry> entries;
  entries.reserve(group.size());
  for (QueuedDecision* q : group) entries.push_back(std::move(q->entry));
  Status stored = CommitDecisions(std::move(entries));

  lock.Lock();
  for (QueuedDecision* q : group) {  // each lives on its reader's stack until it sees `done`
    q->stored = stored;
    q->done = true;
  }
  leading_group_commit_ = false;
  lock.Unlock();
  decisions_done_.NotifyAll();
  return stored;
}

void ReadAuditor::Queue(AuditEntry decision, std::function<void(const Status& stored)> release) {
  // Wake the committer thread: it waits for a first read, or while its group fills.
  bool wake = false;
  // Hand the runner a commit task: none is waiting to start or running.
  bool hand_out = false;
  {
    MutexLock lock(&mu_);
    queued_reads_.push_back({.decision = std::move(decision), .release = std::move(release)});
    if (commit_runner_) {
      // While a task commits, the reads queue for the one it hands out as it ends: a second
      // task now would only hold another of the runner's threads, waiting for the write lock.
      hand_out = !commit_task_queued_ && commit_tasks_running_ == 0;
      if (hand_out) commit_task_queued_ = true;
    } else {
      wake = queued_reads_.size() == 1 || queued_reads_.size() == read_group_target_;
      if (!committer_.joinable()) {
        committer_stop_ = false;
        committer_ = std::thread([this] { RunCommitter(); });
      }
    }
  }
  if (hand_out) CommitRunnerOutsideLock()(CommitTask());
  if (wake) reads_queued_.NotifyOne();
}

void ReadAuditor::CommitQueuedReads() {
  std::vector<QueuedRead> group;
  {
    MutexLock lock(&mu_);
    commit_task_queued_ = false;
    if (!commit_runner_) return;  // Drain took over: it commits what is queued
    group.swap(queued_reads_);
    ++commit_tasks_running_;
  }
  // Every read queued before this task started shares its commit: on a busy server, the reads
  // the runner's threads handled while the task waited its turn.
  CommitReadGroup(group);
  {
    MutexLock lock(&mu_);
    // To the back of the runner's queue, not a loop here: the reads queued meanwhile wait for
    // one commit, and the thread serves the requests ahead of it first. Under the lock, since
    // Drain may be clearing the runner.
    if (commit_runner_ && !queued_reads_.empty() && !commit_task_queued_) {
      commit_task_queued_ = true;
      commit_runner_(CommitTask());
    }
    --commit_tasks_running_;
  }
  commit_task_ended_.NotifyAll();
}

void ReadAuditor::CommitReadGroup(std::vector<QueuedRead>& group) {
  if (group.empty()) return;
  std::vector<AuditEntry> entries;
  entries.reserve(group.size());
  for (QueuedRead& r : group) entries.push_back(std::move(r.decision));
  Status stored = CommitDecisions(std::move(entries));
  // Each reader gets its values only now, its decision stored; or the commit's error.
  for (QueuedRead& r : group) r.release(stored);
  group.clear();
}

void ReadAuditor::RunCommitsOn(Vault::TaskRunner run) {
  Drain();  // a committer thread started by earlier reads stores what it holds, and stops
  auto target = std::make_shared<TaskTarget>();
  {
    WriterLock lock(&target->mu);
    target->auditor = this;
  }
  task_target_ = std::move(target);
  MutexLock lock(&mu_);
  commit_runner_ = std::move(run);
}

std::function<void()> ReadAuditor::CommitTask() const {
  return [target = task_target_] {
    ReaderLock lock(&target->mu);
    if (target->auditor != nullptr) target->auditor->CommitQueuedReads();
  };
}

void ReadAuditor::RunCommitter() {
  std::vector<QueuedRead> group;
  size_t last_group = 0;
  std::array<size_t, 16> recent_groups{};  // the sizes of the last 16 commits' groups
  uint64_t commits = 0;
  MutexLock lock(&mu_);
  for (;;) {
    while (!committer_stop_ && queued_reads_.empty()) reads_queued_.Wait(&mu_);
    if (queued_reads_.empty()) return;  // stopping, and every reader answered
    if (last_group > 1 && core_.options().read_commit_delay.count() > 0) {
      // Reads are concurrent: more will queue within the delay, and share this commit. As many
      // as the largest of the last 16 commits stored end the wait: the clients those answered
      // have come back, and waiting longer would leave the io threads idle (measured: +5-10%
      // field reads/s in bench-server over always waiting the whole delay). The largest, not
      // the last: one small group would otherwise make the next ones small too, and the
      // committer settled for whole runs at groups of 8 instead of 15-25, at 30% fewer reads/s.
      const auto deadline = std::chrono::steady_clock::now() + core_.options().read_commit_delay;
      while (!committer_stop_ && queued_reads_.size() < read_group_target_) {
        if (!reads_queued_.WaitUntil(&mu_, deadline)) break;
      }
    }
    group.swap(queued_reads_);
    last_group = group.size();
    recent_groups[commits++ % recent_groups.size()] = last_group;
    read_group_target_ = std::clamp<size_t>(
        *std::max_element(recent_groups.begin(), recent_groups.end()), 2, kFullReadGroup);
    lock.Unlock();
    CommitReadGroup(group);
    lock.Lock();
  }
}

void ReadAuditor::Drain() {
  if (task_target_ != nullptr) {
    // Waits for the runner's tasks under way; any that starts from now on does nothing.
    WriterLock lock(&task_target_->mu);
    task_target_->auditor = nullptr;
  }
  std::thread committer;
  std::vector<QueuedRead> left;  // queued for a runner's task that may never run
  {
    MutexLock lock(&mu_);
    committer_stop_ = true;
    committer.swap(committer_);
    commit_runner_ = nullptr;  // a task of it that starts from now on does nothing
    commit_task_queued_ = false;
    while (commit_tasks_running_ != 0) commit_task_ended_.Wait(&mu_);
    if (!committer.joinable()) left.swap(queued_reads_);
  }
  reads_queued_.NotifyOne();
  if (committer.joinable()) committer.join();
  CommitReadGroup(left);
  Flush();  // the buffered decisions (kBatched) too
}

}  // namespace privet::vault_internal
