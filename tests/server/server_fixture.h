// A privet server on loopback (port 0) over a fresh vault, with a client and an admin key.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>

#include "privet/clock.h"
#include "privet/server.h"
#include "privet/vault.h"
#include "server/http_client.h"
#include "testing/policy_fixture.h"
#include "testing/temp_dir.h"

namespace privet::testing {

class ServerTest : public ::testing::Test {
 protected:
  // Starts the server with a policy of policies/ (e.g. "policies/starter.yaml").
  void Start(const std::string& policy_file,
             std::chrono::milliseconds read_timeout = std::chrono::seconds(10)) {
    policy_ = CompileFile(policy_file);
    ASSERT_NE(policy_, nullptr);
    std::ifstream in(SourcePath(policy_file), std::ios::binary);
    policy_text_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    read_timeout_ = read_timeout;
    ASSERT_NO_FATAL_FAILURE(Serve());
    ASSERT_TRUE(server_->initial_admin_key().has_value());
    admin_ = *server_->initial_admin_key();
  }

  // Stops the server, hands its vault to `offline` (opened here, as an operator's tool would open
  // it, for what HTTP does not show, such as the outbox), then serves the same files again: the
  // keys made so far stay valid, the port changes.
  void WhileStopped(const std::function<void(Vault&)>& offline) {
    client_.reset();
    server_.reset();
    {
      auto vault = Vault::Open({.data_dir = dir_.path(), .policy = policy_, .clock = &clock_});
      ASSERT_TRUE(vault.ok()) << vault.status().ToString();
      offline(**vault);
    }
    ASSERT_NO_FATAL_FAILURE(Serve());
  }

  // A key for `principal`, created over HTTP with the admin key.
  std::string Key(const std::string& principal) {
    HttpReply r =
        client().Post("/v1/api-keys", {{"principal", principal}, {"label", "test"}}, admin_);
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

  // Starts a server on the files in dir_ with policy_, and a client for it.
  void Serve() {
    auto server = Server::Start({.vault = {.data_dir = dir_.path(),
                                           .policy = policy_,
                                           .policy_text = policy_text_,
                                           .clock = &clock_},
                                 .port = 0,
                                 .threads = 2,
                                 .read_timeout = read_timeout_,
                                 .retention_interval = retention_interval_,
                                 .access_log = &log_,
                                 .access_log_flush = std::chrono::milliseconds(0),
                                 .delivery = delivery_,
                                 .delivery_interval = delivery_interval_,
                                 .policy_check_interval = policy_check_interval_,
                                 .site_origins = site_origins_});
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    client_ = std::make_unique<HttpClient>(server_->port());
  }

  HttpClient& client() { return *client_; }
  Server& server() { return *server_; }
  const std::string& admin() const { return admin_; }
  std::string log() const { return log_.str(); }

  TempDir dir_;
  ManualClock clock_{CivilDayToTime({2025, 3, 4})};
  std::shared_ptr<const CompiledPolicy> policy_;
  std::string policy_text_;  // the file policy_ was compiled from
  std::ostringstream log_;   // written by the server's threads; read after requests complete
  std::unique_ptr<Server> server_;
  std::unique_ptr<HttpClient> client_;
  std::string admin_;
  std::chrono::milliseconds retention_interval_{0};  // set before Start() to sweep on a timer
  std::chrono::milliseconds read_timeout_{10000};
  DeliveryOptions delivery_;                        // set before Start(): SMTP, webhooks
  std::chrono::milliseconds delivery_interval_{0};  // 0: delivery only on POST /v1/outbox/deliver
  // 0: the server switches policy versions only when a test calls AdoptPolicyInForce.
  std::chrono::milliseconds policy_check_interval_{0};
  std::vector<std::string> site_origins_;  // set before Start(): the consent banner's sites
};

}  // namespace privet::testing
