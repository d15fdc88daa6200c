#include "server/access_log.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "privet/clock.h"
#include "testing/temp_dir.h"

namespace privet::server {
namespace {

using std::chrono::milliseconds;

class AccessLogTest : public ::testing::Test {
 protected:
  // The log file as the test reads it, through its own file descriptor: the log's flusher may
  // write meanwhile.
  std::string Written() const {
    std::ifstream in(path_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  static size_t Lines(const std::string& text) {
    return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
  }

  static Exchange Get(std::string route) {
    return {.method = "GET", .route = std::move(route), .principal = "service", .status = 200};
  }

  testing::TempDir dir_;
  std::string path_ = dir_.path() + "/access.log";
  std::ofstream out_{path_};
  ManualClock clock_{CivilDayToTime({2025, 3, 4})};
};

TEST_F(AccessLogTest, WithoutAnIntervalEachLineIsWrittenAtOnce) {
  AccessLog log(&out_, clock_, milliseconds(0));
  log.Write(Get("/healthz"));
  EXPECT_EQ(
      Written(),
      R"({"time":"2025-03-04T00:00:00Z","method":"GET","route":"/healthz","status":200,"duration_ms":0,"principal":"service"})"
      "\n");
}

TEST_F(AccessLogTest, BufferedLinesGoOutAtTheIntervalAndWhenTheLogCloses) {
  {
    AccessLog log(&out_, clock_, milliseconds(20));
    log.Write(Get("/a"));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (Written().empty() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(milliseconds(1));
    EXPECT_NE(Written().find("\"route\":\"/a\""), std::string::npos);
  }
  {
    AccessLog log(&out_, clock_, std::chrono::hours(1));
    log.Write(Get("/b"));
    log.Write(Get("/c"));
    EXPECT_EQ(Lines(Written()), 1u);  // /b and /c wait for the hour, or for the log to close
  }
  const std::string text = Written();
  ASSERT_EQ(Lines(text), 3u);
  EXPECT_LT(text.find("/a"), text.find("/b"));
  EXPECT_LT(text.find("/b"), text.find("/c"));
}

TEST_F(AccessLogTest, SixtyFourKibibytesGoOutWithoutWaiting) {
  AccessLog log(&out_, clock_, std::chrono::hours(1));
  const std::string route(1000, 'r');
  for (int i = 0; i < 80; ++i) log.Write(Get(route));  // about 80 KiB
  const std::string text = Written();
  EXPECT_GE(text.size(), 64u * 1024);
  EXPECT_LT(Lines(text), 80u);
}

// Many threads, a short interval: every line arrives whole, once.
TEST_F(AccessLogTest, ConcurrentLinesNeverInterleave) {
  constexpr int kThreads = 4;
  constexpr int kLines = 2'000;
  {
    AccessLog log(&out_, clock_, milliseconds(1));
    std::vector<std::thread> writers;
    for (int t = 0; t < kThreads; ++t) {
      writers.emplace_back([&, t] {
        for (int i = 0; i < kLines; ++i)
          log.Write(Get("/t" + std::to_string(t) + "/" + std::to_string(i)));
      });
    }
    for (std::thread& w : writers) w.join();
  }
  std::istringstream text(Written());
  std::string line;
  std::vector<int> next(kThreads, 0);  // each thread's lines arrive in the order it wrote them
  size_t lines = 0;
  while (std::getline(text, line)) {
    ++lines;
    ASSERT_EQ(line.front(), '{');
    ASSERT_EQ(line.back(), '}');
    const size_t at = line.find("\"route\":\"/t");
    ASSERT_NE(at, std::string::npos) << line;
    int t = 0, i = 0;
    ASSERT_EQ(std::sscanf(line.c_str() + at, "\"route\":\"/t%d/%d\"", &t, &i), 2) << line;
    ASSERT_EQ(i, next[t]++) << line;
  }
  EXPECT_EQ(lines, size_t{kThreads} * kLines);
}

}  // namespace
}  // namespace privet::server
