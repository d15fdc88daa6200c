#include "server/request_gate.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace privet::server {
namespace {

TEST(RequestGate, ClosingWaitsForEveryTicketCopy) {
  RequestGate gate;
  std::optional<RequestGate::Ticket> ticket = gate.TryEnter();
  ASSERT_TRUE(ticket.has_value());
  RequestGate::Ticket answer = *ticket;  // as an asynchronous answer keeps it
  ticket.reset();
  std::atomic<bool> closed{false};
  std::thread closer([&] {
    gate.Close();
    closed = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(closed.load()) << "closed while an answer still held its ticket";
  answer.reset();
  closer.join();
  EXPECT_TRUE(closed.load());
  (void)gate.Open();
}

TEST(RequestGate, RequestsArrivingWhileClosedAreParkedInOrderNotRefused) {
  RequestGate gate;
  gate.Close();
  EXPECT_FALSE(gate.TryEnter().has_value());
  std::vector<int> ran;
  EXPECT_TRUE(gate.Park([&] { ran.push_back(1); }));
  EXPECT_TRUE(gate.Park([&] { ran.push_back(2); }));
  std::vector<std::function<void()>> parked = gate.Open();
  ASSERT_EQ(parked.size(), 2u);
  for (auto& resume : parked) resume();
  EXPECT_EQ(ran, (std::vector<int>{1, 2}));
  // Open again: nothing is parked, and a request goes in.
  EXPECT_FALSE(gate.Park([] {}));
  EXPECT_TRUE(gate.TryEnter().has_value());
  EXPECT_TRUE(gate.Open().empty());
}

}  // namespace
}  // namespace privet::server
