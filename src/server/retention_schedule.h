// RetentionSchedule: the one place `privet serve` runs retention sweeps (include/privet/
// retention.h), on a timer and when an operator asks (POST /v1/retention/run). Sweeps never
// overlap: a second caller waits for the running one. Each sweep's counts (never ids or data) go
// to the metrics.
//
// Thread-safety: RunNow may be called from any thread; Stop (and the destructor) stops the
// timer, waiting for a sweep it runs.
#pragma once

#include <chrono>

#include "common/background_loop.h"
#include "common/mutex.h"
#include "privet/retention.h"
#include "privet/vault.h"
#include "server/metrics.h"

namespace privet::server {

class RetentionSchedule {
 public:
  // Sweeps every `interval` from now on (the first one interval after start); zero: only when
  // RunNow is called.
  RetentionSchedule(Vault& vault, Metrics& metrics, std::chrono::milliseconds interval);
  ~RetentionSchedule() { Stop(); }
  RetentionSchedule(const RetentionSchedule&) = delete;
  RetentionSchedule& operator=(const RetentionSchedule&) = delete;

  StatusOr<SweepReport> RunNow(const SweepOptions& options = {});
  // Stops the timer (a sweep it is running finishes first); RunNow still works. Idempotent.
  void Stop() { timer_.Stop(); }

 private:
  Vault& vault_;
  Metrics& metrics_;
  const std::chrono::milliseconds interval_;
  Mutex sweep_mu_;        // held for the length of a sweep
  BackgroundLoop timer_;  // declared last: stopped before what its sweeps use goes
};

}  // namespace privet::server
