// BackgroundLoop: a thread that runs one task every period, and at once when woken, until
// stopped. The one way privet's background work (flushing buffered read decisions, the access
// log, retention runs, WAL checkpoints) waits for its next turn, so that stopping is the same
// everywhere: Stop() lets a run under way finish, runs nothing more, and joins the thread.
//
//   BackgroundLoop flusher;
//   flusher.Start(std::chrono::milliseconds(5), [this] { Flush(); });
//   flusher.Wake();   // run soon, without waiting for the period
//   flusher.Stop();   // (also in the destructor)
//
// A loop started with the period kOnlyWhenWoken runs its task only when woken (the WAL
// checkpointer, woken by commits).
//
// Thread-safety: Wake from any thread; Start and Stop from the owner, not from the task.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

#include "common/mutex.h"

namespace privet {

class BackgroundLoop {
 public:
  BackgroundLoop() = default;
  ~BackgroundLoop() { Stop(); }
  BackgroundLoop(const BackgroundLoop&) = delete;
  BackgroundLoop& operator=(const BackgroundLoop&) = delete;

  // A period that never ends: the task runs only when woken.
  static constexpr std::chrono::steady_clock::duration kOnlyWhenWoken =
      std::chrono::steady_clock::duration::max();

  // Starts the thread: `task` runs every `period` (measured from the end of the last run) and
  // whenever Wake() is called (only then with kOnlyWhenWoken). A loop runs one task; Start on a
  // running loop does nothing.
  void Start(std::chrono::steady_clock::duration period, std::function<void()> task) EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    if (thread_.joinable()) return;
    stop_ = false;
    woken_ = false;
    thread_ = std::thread([this, period, task = std::move(task)] { Run(period, task); });
  }

  void Wake() EXCLUDES(mu_) {
    {
      MutexLock lock(&mu_);
      woken_ = true;
    }
    cv_.NotifyOne();
  }

  // Lets a run under way finish, then joins the thread. Idempotent.
  void Stop() EXCLUDES(mu_) {
    std::thread thread;
    {
      MutexLock lock(&mu_);
      stop_ = true;
      thread.swap(thread_);
    }
    cv_.NotifyOne();
    if (thread.joinable()) thread.join();
  }

 private:
  void Run(std::chrono::steady_clock::duration period, const std::function<void()>& task)
      EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    for (;;) {
      if (period == kOnlyWhenWoken) {
        while (!stop_ && !woken_) cv_.Wait(&mu_);
      } else {
        const auto deadline = std::chrono::steady_clock::now() + period;
        while (!stop_ && !woken_) {
          if (!cv_.WaitUntil(&mu_, deadline)) break;
        }
      }
      if (stop_) return;
      woken_ = false;
      lock.Unlock();
      task();
      lock.Lock();
    }
  }

  Mutex mu_;
  CondVar cv_;
  bool stop_ GUARDED_BY(mu_) = false;
  bool woken_ GUARDED_BY(mu_) = false;
  std::thread thread_ GUARDED_BY(mu_);
};

}  // namespace privet
