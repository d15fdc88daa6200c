// BackgroundLoop: a thread that runs one task every period, and at once when woken, until
// stopped. The one way privet's background work (flushing buffered read decisions, the access
// log, retention runs) waits for its next turn, so that stopping is the same everywhere: Stop()
// lets a run under way finish, runs nothing more, and joins the thread.
//
//   BackgroundLoop flusher;
//   flusher.Start(std::chrono::milliseconds(5), [this] { Flush(); });
//   flusher.Wake();   // run soon, without waiting for the period
//   flusher.Stop();   // (also in the destructor)
//
// Thread-safety: Wake from any thread; Start and Stop from the owner, not from the task.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace privet {

class BackgroundLoop {
 public:
  BackgroundLoop() = default;
  ~BackgroundLoop() { Stop(); }
  BackgroundLoop(const BackgroundLoop&) = delete;
  BackgroundLoop& operator=(const BackgroundLoop&) = delete;

  // Starts the thread: `task` runs every `period` (measured from the end of the last run) and
  // whenever Wake() is called. A loop runs one task; Start on a running loop does nothing.
  void Start(std::chrono::steady_clock::duration period, std::function<void()> task) {
    std::lock_guard lock(mu_);
    if (thread_.joinable()) return;
    stop_ = false;
    woken_ = false;
    thread_ = std::thread([this, period, task = std::move(task)] { Run(period, task); });
  }

  void Wake() {
    {
      std::lock_guard lock(mu_);
      woken_ = true;
    }
    cv_.notify_one();
  }

  // Lets a run under way finish, then joins the thread. Idempotent.
  void Stop() {
    std::thread thread;
    {
      std::lock_guard lock(mu_);
      stop_ = true;
      thread.swap(thread_);
    }
    cv_.notify_one();
    if (thread.joinable()) thread.join();
  }

 private:
  void Run(std::chrono::steady_clock::duration period, const std::function<void()>& task) {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait_for(lock, period, [&] { return stop_ || woken_; });
      if (stop_) return;
      woken_ = false;
      lock.unlock();
      task();
      lock.lock();
    }
  }

  std::mutex mu_;  // guards stop_, woken_ and thread_
  std::condition_variable cv_;
  bool stop_ = false;
  bool woken_ = false;
  std::thread thread_;
};

}  // namespace privet
