#include "server/retention_schedule.h"

namespace privet::server {

RetentionSchedule::RetentionSchedule(Vault& vault, Metrics& metrics, std::chrono::milliseconds interval)
    : vault_(vault), metrics_(metrics), interval_(interval) {
  if (interval_.count() > 0) timer_ = std::thread([this] { TimerLoop(); });
}

RetentionSchedule::~RetentionSchedule() {
  {
    std::lock_guard lock(timer_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (timer_.joinable()) timer_.join();
}

StatusOr<SweepReport> RetentionSchedule::RunNow(const SweepOptions& options) {
  std::lock_guard sweeping(sweep_mu_);
  StatusOr<SweepReport> report = RunRetention(vault_, options);
  if (!options.dry_run) metrics_.RecordSweep(report.ok() ? &*report : nullptr);
  return report;
}

void RetentionSchedule::TimerLoop() {
  std::unique_lock lock(timer_mu_);
  while (!stop_cv_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    // A failed sweep is counted (privet_retention_sweeps_total{outcome="error"}) and retried at
    // the next interval; what it did commit stays done (sweeps are idempotent and resumable).
    (void)RunNow();
    lock.lock();
  }
}

}  // namespace privet::server
