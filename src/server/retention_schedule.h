// RetentionSchedule: the one place `privet serve` runs retention sweeps (include/privet/
// retention.h), on a timer and when an operator asks (POST /v1/retention/run). Sweeps never
// overlap: a second caller waits for the running one. Each sweep's counts (never ids or data) go
// to the metrics.
//
// Thread-safety: RunNow may be called from any thread; the destructor stops the timer and waits
// for a running sweep.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "privet/retention.h"
#include "privet/vault.h"
#include "server/metrics.h"

namespace privet::server {

class RetentionSchedule {
 public:
  // Sweeps every `interval` from now on (the first one interval after start); zero: only when
  // RunNow is called.
  RetentionSchedule(Vault& vault, Metrics& metrics, std::chrono::milliseconds interval);
  ~RetentionSchedule();
  RetentionSchedule(const RetentionSchedule&) = delete;
  RetentionSchedule& operator=(const RetentionSchedule&) = delete;

  StatusOr<SweepReport> RunNow(const SweepOptions& options = {});

 private:
  void TimerLoop();

  Vault& vault_;
  Metrics& metrics_;
  const std::chrono::milliseconds interval_;
  std::mutex sweep_mu_;  // held for the length of a sweep
  std::mutex timer_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // GUARDED_BY(timer_mu_)
  std::thread timer_;
};

}  // namespace privet::server
