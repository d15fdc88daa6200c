#include "common/background_loop.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace privet {
namespace {

using namespace std::chrono_literals;

TEST(BackgroundLoop, RunsEveryPeriodUntilStopped) {
  std::atomic<int> runs{0};
  BackgroundLoop loop;
  loop.Start(1ms, [&] { ++runs; });
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (runs < 3 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  loop.Stop();
  const int stopped_at = runs;
  EXPECT_GE(stopped_at, 3);
  std::this_thread::sleep_for(10ms);
  EXPECT_EQ(runs, stopped_at);  // nothing runs after Stop returned
}

TEST(BackgroundLoop, WakeRunsWithoutWaitingForThePeriod) {
  std::atomic<int> runs{0};
  BackgroundLoop loop;
  loop.Start(1h, [&] { ++runs; });
  loop.Wake();
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (runs == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(runs, 1);
}

TEST(BackgroundLoop, OnlyWhenWokenRunsOncePerWakeAndNeverOnItsOwn) {
  std::atomic<int> runs{0};
  BackgroundLoop loop;
  loop.Start(BackgroundLoop::kOnlyWhenWoken, [&] { ++runs; });
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(runs, 0);
  loop.Wake();
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (runs == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(runs, 1);
  loop.Stop();
}

TEST(BackgroundLoop, StopWaitsForTheRunUnderWay) {
  std::atomic<bool> started{false};
  std::atomic<bool> finished{false};
  BackgroundLoop loop;
  loop.Start(1h, [&] {
    started = true;
    std::this_thread::sleep_for(20ms);
    finished = true;
  });
  loop.Wake();
  while (!started) std::this_thread::sleep_for(1ms);
  loop.Stop();
  EXPECT_TRUE(finished);
  loop.Stop();  // idempotent
}

}  // namespace
}  // namespace privet
