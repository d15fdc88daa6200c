// `privet serve` as a process: prints the admin key once on the first run and the address it
// listens on, answers HTTP, stops on SIGTERM with exit code 0.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "server/http_client.h"
#include "testing/policy_fixture.h"
#include "testing/run_privet.h"
#include "testing/temp_dir.h"

namespace privet {
namespace {

using ::testing::HasSubstr;
using testing::HttpReply;
using ::testing::Not;
using testing::RunPrivet;
using ::testing::StartsWith;

// A `privet serve` process and its stdout; killed if a failed assertion leaves it running.
struct Served {
  Served() = default;
  Served(pid_t p, FILE* f) : pid(p), out(f) {}
  Served(Served&& other) noexcept
      : pid(std::exchange(other.pid, -1)), out(std::exchange(other.out, nullptr)) {}
  Served& operator=(Served&& other) noexcept {
    Kill();
    pid = std::exchange(other.pid, -1);
    out = std::exchange(other.out, nullptr);
    return *this;
  }
  ~Served() { Kill(); }
  void Kill() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    if (out != nullptr) std::fclose(out);
    pid = -1;
    out = nullptr;
  }

  pid_t pid = -1;
  FILE* out = nullptr;
};

Served StartServe(const std::string& data_dir, const std::string& listen = "127.0.0.1:0",
                  const std::string& policy_file = "policies/starter.yaml") {
  int fds[2];
  if (::pipe(fds) != 0) return {};
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    std::string policy = testing::SourcePath(policy_file);
    ::execl(PRIVET_BINARY, PRIVET_BINARY, "serve", "--policy", policy.c_str(), "--data",
            data_dir.c_str(), "--listen", listen.c_str(), "--threads", "1",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  return Served(pid, ::fdopen(fds[0], "r"));
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
  s.pid = -1;
  s.out = nullptr;
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

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The first token ("pvk_...") in `text`, or "".
std::string TokenIn(const std::string& text) {
  const size_t at = text.find("pvk_");
  if (at == std::string::npos) return "";
  return text.substr(at, text.find_first_of(" \n", at) - at);
}

// Reads the serving process's first lines: the admin key when it printed one, then the port.
uint16_t ListenPort(Served& s, std::string* admin_key) {
  std::string line = Line(s.out);
  if (line.find("admin API key") != std::string::npos) {
    if (admin_key) *admin_key = TokenIn(line);
    line = Line(s.out);
  }
  if (line.rfind("listening on ", 0) != 0) return 0;
  return static_cast<uint16_t>(std::stoi(line.substr(line.rfind(':') + 1)));
}

std::string NewKey(testing::HttpClient& client, const std::string& admin,
                   const std::string& principal) {
  testing::HttpReply r =
      client.Post("/v1/api-keys", {{"principal", principal}, {"label", "test"}}, admin);
  EXPECT_EQ(r.status, 201) << r.body;
  return r.json().value("token", "");
}

// A customer with a name; returns its id.
std::string NewCustomer(testing::HttpClient& client, const std::string& service,
                        const std::string& name) {
  testing::HttpReply created = client.Post(
      "/v1/subjects", {{"kind", "customer"}, {"age_years", 30}, {"jurisdiction", "EU"}}, service);
  EXPECT_EQ(created.status, 201) << created.body;
  const std::string id = created.json().value("id", "");
  testing::HttpReply written = client.Post(
      "/v1/subjects/" + id + "/fields",
      {{"purposes", {"service"}}, {"fields", {{{"category", "user.name"}, {"value", name}}}}},
      service);
  EXPECT_EQ(written.status, 201) << written.body;
  return id;
}

// The name the subject's record holds, read for the service purpose, or the error.
std::string NameOf(testing::HttpClient& client, const std::string& service, const std::string& id) {
  testing::HttpReply r = client.Get("/v1/subjects/" + id + "/fields?purpose=service", service);
  if (r.status != 200) return std::to_string(r.status) + " " + r.body;
  const nlohmann::json fields = r.json()["fields"];
  return fields.size() == 1 ? fields[0].value("value", "") : r.body;
}

// What the issue saw: after an erasure over the API, `privet retention run --dry-run` (or
// `request overdue`, as docs/operations.md had cron run) on the server's data directory left
// every later write failing until a restart. Now a second process refuses, names the holder and
// the route to use instead, and changes nothing.
TEST(ServeCommand, ACommandBesideTheServerRefusesAndTheServerKeepsServing) {
  testing::TempDir dir;
  const std::string data = dir / "data";
  Served served = StartServe(data);
  ASSERT_GT(served.pid, 0);
  std::string admin;
  const uint16_t port = ListenPort(served, &admin);
  ASSERT_NE(port, 0);
  testing::HttpClient client(port);
  const std::string service = NewKey(client, admin, "service");
  const std::string kept = NewCustomer(client, service, "Ada");
  const std::string erased = NewCustomer(client, service, "Grace");
  ASSERT_EQ(client.Send("DELETE", "/v1/subjects/" + erased, "", service).status, 204);

  const std::string vault_flags =
      " --policy " + testing::SourcePath("policies/starter.yaml") + " --data " + data;
  const std::string holder =
      "in use by another privet process (pid " + std::to_string(served.pid) + ")";
  std::string out;
  EXPECT_EQ(RunPrivet("retention run --dry-run" + vault_flags, &out), 1) << out;
  EXPECT_THAT(out, HasSubstr(holder));
  EXPECT_THAT(out, HasSubstr("POST /v1/retention/run"));
  EXPECT_EQ(RunPrivet("request overdue" + vault_flags, &out), 1) << out;
  EXPECT_THAT(out, HasSubstr(holder));
  EXPECT_THAT(out, HasSubstr("GET /v1/requests/overdue"));
  EXPECT_EQ(RunPrivet("audit sign " + data, &out), 1) << out;
  EXPECT_THAT(out, HasSubstr(holder));
  EXPECT_THAT(out, HasSubstr("POST /v1/audit/tree-heads"));
  // Copies and checks that only read stay allowed beside the server.
  EXPECT_EQ(RunPrivet("backup " + data + " " + (dir / "copy.db"), &out), 0) << out;
  EXPECT_EQ(RunPrivet("keys backup " + data + " " + (dir / "keys-copy.db"), &out), 0) << out;
  EXPECT_EQ(RunPrivet("audit verify " + data, &out), 0) << out;

  // The server still creates, writes and reads subjects, and says it is healthy.
  const std::string later = NewCustomer(client, service, "Edsger");
  EXPECT_EQ(NameOf(client, service, kept), "Ada");
  EXPECT_EQ(NameOf(client, service, later), "Edsger");
  EXPECT_EQ(client.Get("/healthz").status, 200);
  EXPECT_EQ(Stop(served), 0);
  // Once it has stopped, the command runs.
  EXPECT_EQ(RunPrivet("retention run --dry-run" + vault_flags, &out), 0) << out;
}

// Issue 15: retention anchors and legal holds from the CLI. Beside the server `privet subject
// event|hold` refuse and name the HTTP route; once it has stopped, a contract end recorded with
// the CLI lets Confect's customer_accounts rule (0 days after contract_end) fire, and a hold
// placed with the CLI keeps the data until it is released.
TEST(ServeCommand, SubjectEventAndHoldFromTheCliDriveRetention) {
  testing::TempDir dir;
  const std::string data = dir / "data";
  Served served = StartServe(data, "127.0.0.1:0", "policies/confect.yaml");
  ASSERT_GT(served.pid, 0);
  std::string admin;
  const uint16_t port = ListenPort(served, &admin);
  ASSERT_NE(port, 0);
  testing::HttpClient client(port);
  const std::string service = NewKey(client, admin, "service");
  testing::HttpReply created = client.Post("/v1/subjects", {{"kind", "customer"}}, service);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.json().value("id", "");
  testing::HttpReply written =
      client.Post("/v1/subjects/" + id + "/fields",
                  {{"purposes", {"purchase.accounts"}},
                   {"fields",
                    {{{"category", "user.name"}, {"value", "Ada"}},
                     {{"category", "user.contact.email"}, {"value", "ada@example.com"}}}}},
                  service);
  ASSERT_EQ(written.status, 201) << written.body;

  const std::string vault_flags =
      " --policy " + testing::SourcePath("policies/confect.yaml") + " --data " + data;
  std::string out;
  EXPECT_EQ(
      RunPrivet("subject event --subject " + id + " --event contract_end" + vault_flags, &out), 1)
      << out;
  EXPECT_THAT(out, HasSubstr("in use by another privet process"));
  EXPECT_THAT(out, HasSubstr("POST /v1/subjects/{id}/events"));
  EXPECT_EQ(RunPrivet("subject hold --subject " + id + " --ground case:1" + vault_flags, &out), 1)
      << out;
  EXPECT_THAT(out, HasSubstr("POST /v1/subjects/{id}/legal-holds"));
  EXPECT_EQ(Stop(served), 0);

  // Usage errors and refused input change nothing.
  EXPECT_EQ(
      RunPrivet("subject event --subject " + id + " --event contract_ended" + vault_flags, &out), 2)
      << out;
  EXPECT_EQ(RunPrivet("subject event --subject ada --event contract_end" + vault_flags, &out), 2)
      << out;
  EXPECT_EQ(
      RunPrivet("subject hold --subject " + id + " --ground 4111111111111111" + vault_flags, &out),
      1)
      << out;
  EXPECT_THAT(out, HasSubstr("PERMISSION_DENIED"));
  EXPECT_THAT(out, Not(HasSubstr("4111111111111111")));
  ::sleep(1);
  ASSERT_EQ(RunPrivet("retention run --dry-run" + vault_flags, &out), 0) << out;
  EXPECT_THAT(out, Not(HasSubstr("customer_accounts")));

  ASSERT_EQ(RunPrivet("subject hold --subject " + id + " --ground case:1" + vault_flags, &out), 0)
      << out;
  ASSERT_EQ(
      RunPrivet("subject event --subject " + id + " --event contract_end" + vault_flags, &out), 0)
      << out;
  ::sleep(1);  // the rule's 0 days have passed
  ASSERT_EQ(RunPrivet("retention run" + vault_flags, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("2 kept by a legal hold")) << out;
  ASSERT_EQ(RunPrivet("subject release --subject " + id + vault_flags, &out), 0) << out;
  ASSERT_EQ(RunPrivet("retention run --dry-run" + vault_flags, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("customer_accounts")) << out;
}

// What the issue saw: `privet keys rotate` beside a running server re-wrapped the key store under
// a new master key the server never learnt of; subjects the server created afterwards were
// wrapped under the old one, and answered DATA_LOSS after a restart.
TEST(ServeCommand, KeyRotationIsRefusedWhileServingAndEverySubjectReadsAfterARestart) {
  testing::TempDir dir;
  const std::string data = dir / "data";
  Served served = StartServe(data);
  std::string admin;
  uint16_t port = ListenPort(served, &admin);
  ASSERT_NE(port, 0);
  auto client = std::make_unique<testing::HttpClient>(port);
  const std::string service = NewKey(*client, admin, "service");
  std::map<std::string, std::string> names;
  names[NewCustomer(*client, service, "Ada")] = "Ada";

  const std::string key_before = Slurp(data + "/master.key");
  std::string out;
  EXPECT_EQ(RunPrivet("keys rotate " + data, &out), 1) << out;
  EXPECT_THAT(out, HasSubstr("in use by another privet process"));
  EXPECT_THAT(out, HasSubstr("stop it first"));
  EXPECT_EQ(Slurp(data + "/master.key"), key_before);
  EXPECT_FALSE(std::filesystem::exists(data + "/master.key.next"));
  names[NewCustomer(*client, service, "Grace")] = "Grace";  // after the refused rotation
  EXPECT_EQ(Stop(served), 0);

  ASSERT_EQ(RunPrivet("keys rotate " + data, &out), 0) << out;
  EXPECT_NE(Slurp(data + "/master.key"), key_before);
  served = StartServe(data);
  port = ListenPort(served, nullptr);
  ASSERT_NE(port, 0);
  client = std::make_unique<testing::HttpClient>(port);
  names[NewCustomer(*client, service, "Edsger")] = "Edsger";  // after the rotation
  for (const auto& [id, name] : names) EXPECT_EQ(NameOf(*client, service, id), name) << id;
  EXPECT_EQ(Stop(served), 0);
  // And once more from the start, with every subject: nothing was wrapped under a lost key.
  served = StartServe(data);
  port = ListenPort(served, nullptr);
  ASSERT_NE(port, 0);
  client = std::make_unique<testing::HttpClient>(port);
  for (const auto& [id, name] : names) EXPECT_EQ(NameOf(*client, service, id), name) << id;
  HttpReply swept = client->Post("/v1/retention/run", {{"dry_run", true}}, service);
  EXPECT_EQ(swept.status, 200) << swept.body;
  EXPECT_EQ(Stop(served), 0);
}

// What the issue saw: a first start that could not listen had already created the admin key,
// and never printed it; the next start printed none, and no command could make one.
TEST(ServeCommand, AFirstStartThatCannotListenLeavesTheAdminKeyToTheNextStart) {
  testing::TempDir dir;
  const std::string data = dir / "data";
  const int taken = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(taken, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(taken, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(taken, 1), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(taken, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string busy = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));

  Served failed = StartServe(data, busy);
  ASSERT_GT(failed.pid, 0);
  EXPECT_EQ(Line(failed.out), "");  // nothing printed: no key was handed out
  int status = 0;
  ::waitpid(std::exchange(failed.pid, -1), &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1);
  ::close(taken);

  Served served = StartServe(data);
  std::string admin;
  const uint16_t port = ListenPort(served, &admin);
  ASSERT_NE(port, 0);
  ASSERT_THAT(admin, StartsWith("pvk_"));
  EXPECT_EQ(testing::HttpClient(port).Get("/v1/api-keys", admin).status, 200);
  EXPECT_EQ(Stop(served), 0);
}

// An operator who lost the admin key mints a new one with the key store at hand; the old one
// stops working, other keys do not.
TEST(ServeCommand, KeysAdminNewReplacesTheAdminKey) {
  testing::TempDir dir;
  const std::string data = dir / "data";
  Served served = StartServe(data);
  std::string old_admin;
  uint16_t port = ListenPort(served, &old_admin);
  ASSERT_NE(port, 0);
  const std::string service = [&] {
    testing::HttpClient client(port);
    return NewKey(client, old_admin, "service");
  }();
  std::string out;
  EXPECT_EQ(RunPrivet("keys admin --new " + data, &out), 1) << out;  // not beside the server
  EXPECT_THAT(out, HasSubstr("in use by another privet process"));
  EXPECT_EQ(Stop(served), 0);

  ASSERT_EQ(RunPrivet("keys admin --new " + data, &out), 0) << out;
  const std::string new_admin = TokenIn(out);
  ASSERT_THAT(new_admin, StartsWith("pvk_"));
  EXPECT_THAT(out, HasSubstr("1 admin key revoked"));
  EXPECT_EQ(RunPrivet("keys admin " + data, &out), 2) << out;  // --new is required

  served = StartServe(data);
  port = ListenPort(served, nullptr);
  ASSERT_NE(port, 0);
  testing::HttpClient client(port);
  EXPECT_EQ(client.Get("/v1/api-keys", old_admin).status, 401);
  testing::HttpReply keys = client.Get("/v1/api-keys", new_admin);
  ASSERT_EQ(keys.status, 200) << keys.body;
  EXPECT_EQ(keys.json()["keys"].size(), 2u);  // the new admin key and the service key
  EXPECT_EQ(client.Get("/v1/policy", service).status, 200);
  EXPECT_EQ(Stop(served), 0);
}

}  // namespace
}  // namespace privet
