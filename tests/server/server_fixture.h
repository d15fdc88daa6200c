// A privet server on loopback (port 0) over a fresh vault, with a client and an admin key.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>

#include "privet/clock.h"
#include "privet/server.h"
#include "server/http_client.h"
#include "testing/policy_fixture.h"
#include "testing/temp_dir.h"

namespace privet::testing {

class ServerTest : public ::testing::Test {
 protected:
  // Starts the server with a policy of policies/ (e.g. "policies/starter.yaml").
  void Start(const std::string& policy_file, std::chrono::milliseconds read_timeout = std::chrono::seconds(10)) {
    policy_ = CompileFile(policy_file);
    ASSERT_NE(policy_, nullptr);
    auto server = Server::Start({.vault = {.data_dir = dir_.path(), .policy = policy_, .clock = &clock_},
                                 .port = 0,
                                 .threads = 2,
                                 .read_timeout = read_timeout,
                                 .retention_interval = retention_interval_,
                                 .access_log = &log_,
                                 .access_log_flush = std::chrono::milliseconds(0)});
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    ASSERT_TRUE(server_->initial_admin_key().has_value());
    admin_ = *server_->initial_admin_key();
    client_ = std::make_unique<HttpClient>(server_->port());
  }

  // A key for `principal`, created over HTTP with the admin key.
  std::string Key(const std::string& principal) {
    HttpReply r = client().Post("/v1/api-keys", {{"principal", principal}, {"label", "test"}}, admin_);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json().value("token", "");
  }

  // Creates a subject and returns its id.
  std::string NewSubject(const nlohmann::json& body, const std::string& token,
                         const std::map<std::string, std::string>& headers = {}) {
    HttpReply r = client().Post("/v1/subjects", body, token, headers);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json().value("id", "");
  }

  HttpClient& client() { return *client_; }
  Server& server() { return *server_; }
  const std::string& admin() const { return admin_; }
  std::string log() const { return log_.str(); }

  TempDir dir_;
  ManualClock clock_{CivilDayToTime({2025, 3, 4})};
  std::shared_ptr<const CompiledPolicy> policy_;
  std::ostringstream log_;  // written by the server's threads; read after requests complete
  std::unique_ptr<Server> server_;
  std::unique_ptr<HttpClient> client_;
  std::string admin_;
  std::chrono::milliseconds retention_interval_{0};  // set before Start() to sweep on a timer
};

}  // namespace privet::testing
