// `privet serve` as a process: prints the admin key once on the first run and the address it
// listens on, answers HTTP, stops on SIGTERM with exit code 0.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "server/http_client.h"
#include "testing/policy_fixture.h"
#include "testing/temp_dir.h"

namespace privet {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct Served {
  pid_t pid = -1;
  FILE* out = nullptr;
};

Served StartServe(const std::string& data_dir) {
  int fds[2];
  if (::pipe(fds) != 0) return {};
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    std::string policy = testing::SourcePath("policies/starter.yaml");
    ::execl(PRIVET_BINARY, PRIVET_BINARY, "serve", "--policy", policy.c_str(), "--data",
            data_dir.c_str(), "--listen", "127.0.0.1:0", "--threads", "1", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  return {pid, ::fdopen(fds[0], "r")};
}

std::string Line(FILE* f) {
  char buf[512];
  if (std::fgets(buf, sizeof buf, f) == nullptr) return "";
  return buf;
}

int Stop(Served& s) {
  ::kill(s.pid, SIGTERM);
  int status = 0;
  ::waitpid(s.pid, &status, 0);
  std::fclose(s.out);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int HealthStatus(uint16_t port) { return testing::HttpClient(port).Get("/healthz").status; }

TEST(ServeCommand, PrintsTheAdminKeyOnceServesAndStopsOnSigterm) {
  testing::TempDir dir;
  Served first = StartServe(dir / "data");
  ASSERT_GT(first.pid, 0);
  std::string key_line = Line(first.out);
  EXPECT_THAT(key_line, HasSubstr("admin API key"));
  EXPECT_THAT(key_line, HasSubstr("pvk_"));
  std::string listen_line = Line(first.out);
  ASSERT_THAT(listen_line, StartsWith("listening on 127.0.0.1:"));
  uint16_t port = static_cast<uint16_t>(std::stoi(listen_line.substr(listen_line.rfind(':') + 1)));
  EXPECT_EQ(HealthStatus(port), 200);
  EXPECT_EQ(Stop(first), 0);

  Served second = StartServe(dir / "data");
  EXPECT_THAT(Line(second.out), StartsWith("listening on"));  // no key the second time
  EXPECT_EQ(Stop(second), 0);
}

}  // namespace
}  // namespace privet
