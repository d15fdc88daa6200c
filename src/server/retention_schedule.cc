#include "server/retention_schedule.h"

namespace privet::server {

RetentionSchedule::RetentionSchedule(Vault& vault, Metrics& metrics,
                                     std::chrono::milliseconds interval)
    : vault_(vault), metrics_(metrics), interval_(interval) {
  // A failed sweep is counted (privet_retention_sweeps_total{outcome="error"}) and retried at
  // the next interval; what it did commit stays done (sweeps are idempotent and resumable).
  if (interval_.count() > 0) timer_.Start(interval_, [this] { (void)RunNow(); });
}

StatusOr<SweepReport> RetentionSchedule::RunNow(const SweepOptions& options) {
  MutexLock sweeping(&sweep_mu_);
  StatusOr<SweepReport> report = RunRetention(vault_, options);
  if (!options.dry_run) metrics_.RecordSweep(report.ok() ? &*report : nullptr);
  return report;
}

}  // namespace privet::server
