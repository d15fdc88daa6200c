// End-to-end: the real server on loopback, driven over HTTP by a real client.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "privet/vault.h"
#include "server/server_fixture.h"

namespace privet::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::json;

std::vector<std::string> Categories(const Json& list) {
  std::vector<std::string> out;
  for (const Json& f : list) out.push_back(f.value("category", ""));
  return out;
}

class StarterServer : public ServerTest {
 protected:
  void SetUp() override { Start("policies/starter.yaml"); }
  // Restarts the server with `committer`, stops it while six connections read, and checks that
  // every answer's decision was stored.
  void StopWithReadsInFlight(ServerOptions::ReadCommitter committer);
  // Starts the server again on the same data, with `committer`, and a client for it.
  void StartAgain(ServerOptions::ReadCommitter committer) {
    auto started =
        Server::Start({.vault = {.data_dir = dir_.path(), .policy = policy_, .clock = &clock_},
                       .port = 0,
                       .threads = 2,
                       .retention_interval = std::chrono::milliseconds(0),
                       .read_committer = committer});
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    server_ = std::move(*started);
    client_ = std::make_unique<HttpClient>(server_->port());
  }
};

TEST_F(StarterServer, PublicDocumentsNeedNoKey) {
  EXPECT_EQ(client().Get("/healthz").status, 200);
  HttpReply gpc = client().Get("/.well-known/gpc.json");
  ASSERT_EQ(gpc.status, 200);
  EXPECT_EQ(gpc.json()["gpc"], true);
  HttpReply notice = client().Get("/privacy");
  ASSERT_EQ(notice.status, 200);
  EXPECT_THAT(notice.headers["Content-Type"], HasSubstr("text/html"));
  const std::string effective = CivilDayToString(policy_->policy().effective);
  EXPECT_THAT(notice.body, HasSubstr(effective));
  EXPECT_EQ(notice.headers["X-Policy-Effective"], effective);
}

TEST_F(StarterServer, MissingOrBadKeysAre401) {
  HttpReply none = client().Get("/v1/policy");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.error(), "UNAUTHENTICATED");
  EXPECT_EQ(none.headers["WWW-Authenticate"], "Bearer");
  EXPECT_EQ(client().Get("/v1/policy", "pvk_0000000000000000_nope").status, 401);
  EXPECT_EQ(client().Get("/v1/policy", "garbage").status, 401);
  // The right id with the wrong secret.
  std::string forged = admin().substr(0, 21) + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  EXPECT_EQ(client().Get("/v1/policy", forged).status, 401);
  EXPECT_EQ(client().Get("/v1/policy", admin()).status, 200);
}

TEST_F(StarterServer, RevokedKeysAre401) {
  HttpReply created = client().Post("/v1/api-keys", {{"principal", "service"}}, admin());
  ASSERT_EQ(created.status, 201);
  const std::string token = created.json()["token"];
  EXPECT_EQ(client().Get("/v1/policy", token).status, 200);
  EXPECT_EQ(
      client()
          .Send("DELETE", "/v1/api-keys/" + created.json()["id"].get<std::string>(), "", admin())
          .status,
      204);
  EXPECT_EQ(client().Get("/v1/policy", token).status, 401);
}

TEST_F(StarterServer, UnknownRoutesAre404AndWrongMethods405) {
  HttpReply missing = client().Get("/v1/nothing-here", admin());
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.error(), "NOT_FOUND");
  HttpReply wrong = client().Send("PATCH", "/v1/subjects", "", admin());
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.error(), "METHOD_NOT_ALLOWED");
  EXPECT_EQ(wrong.headers["Allow"], "POST");
}

TEST_F(StarterServer, BodiesOverTheLimitAre413) {
  boost::asio::io_context ioc;
  boost::beast::tcp_stream stream(ioc);
  stream.connect(
      boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), server().port()));
  std::string head =
      "POST /v1/subjects HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(kMaxRequestBodyBytes + 1) + "\r\n\r\n";
  boost::asio::write(stream, boost::asio::buffer(head));
  boost::beast::flat_buffer buffer;
  boost::beast::http::response<boost::beast::http::string_body> res;
  boost::beast::http::read(stream, buffer, res);
  EXPECT_EQ(res.result_int(), 413u);
  EXPECT_THAT(res.body(), HasSubstr("PAYLOAD_TOO_LARGE"));
}

TEST_F(StarterServer, MalformedJsonUnknownFieldsAndWrongTypesAre400AndChangeNothing) {
  const std::string service = Key("service");
  const std::string id = NewSubject({{"kind", "customer"}, {"age_years", 30}}, service);
  const std::string fields = "/v1/subjects/" + id + "/fields";
  HttpReply broken = client().Send("POST", fields, "{\"purposes\": [", service);
  EXPECT_EQ(broken.status, 400);
  EXPECT_EQ(broken.error("field"), "body");
  HttpReply unknown = client().Post(
      fields, {{"purposes", {"service"}}, {"fields", Json::array()}, {"colour", 1}}, service);
  EXPECT_EQ(unknown.status, 400);
  EXPECT_EQ(unknown.error("field"), "colour");
  HttpReply wrong_type = client().Post(
      fields, {{"purposes", {"service"}}, {"fields", {{{"category", "user.name"}, {"value", 42}}}}},
      service);
  EXPECT_EQ(wrong_type.status, 400);
  EXPECT_EQ(wrong_type.error("field"), "fields[0].value");
  HttpReply nested_unknown =
      client().Post(fields,
                    {{"purposes", {"service"}},
                     {"fields", {{{"category", "user.name"}, {"value", "Ada"}, {"x", 1}}}}},
                    service);
  EXPECT_EQ(nested_unknown.status, 400);
  EXPECT_EQ(nested_unknown.error("field"), "fields[0].x");
  HttpReply bad_subject = client().Post("/v1/subjects", {{"kind", 7}}, service);
  EXPECT_EQ(bad_subject.status, 400);
  EXPECT_EQ(bad_subject.error("field"), "kind");
  // Nothing was written.
  HttpReply read = client().Get(fields + "?purpose=service", service);
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_TRUE(read.json()["fields"].empty());
  EXPECT_TRUE(read.json()["withheld"].empty());
}

TEST_F(StarterServer, WriteAndReadBackWithAServiceKey) {
  const std::string service = Key("service");
  const std::string id =
      NewSubject({{"kind", "customer"}, {"age_years", 30}, {"jurisdiction", "EU"}}, service);
  HttpReply written =
      client().Post("/v1/subjects/" + id + "/fields",
                    {{"purposes", {"service"}},
                     {"feature", "sign_up"},
                     {"fields",
                      {{{"category", "user.contact.email"}, {"value", "ada@example.com"}},
                       {{"category", "user.name"}, {"value", "Ada"}}}}},
                    service);
  ASSERT_EQ(written.status, 201) << written.body;
  ASSERT_EQ(written.json()["field_ids"].size(), 2u);
  HttpReply read = client().Get("/v1/subjects/" + id + "/fields?purpose=service", service);
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_THAT(Categories(read.json()["fields"]),
              ::testing::UnorderedElementsAre("user.contact.email", "user.name"));
  EXPECT_EQ(read.json()["fields"][0]["basis"], "contract");

  // Rectify, then delete one field.
  const std::string name_id = written.json()["field_ids"][1];
  EXPECT_EQ(client()
                .Send("PUT", "/v1/subjects/" + id + "/fields/" + name_id, R"({"value":"Ada L."})",
                      service)
                .status,
            204);
  EXPECT_EQ(
      client().Send("DELETE", "/v1/subjects/" + id + "/fields/" + name_id, "", service).status,
      204);
  read = client().Get("/v1/subjects/" + id + "/fields?purpose=service", service);
  EXPECT_THAT(Categories(read.json()["fields"]), ::testing::ElementsAre("user.contact.email"));

  // The subject record, then erasure.
  HttpReply subject = client().Get("/v1/subjects/" + id, service);
  ASSERT_EQ(subject.status, 200);
  EXPECT_EQ(subject.json()["kind"], "customer");
  EXPECT_EQ(client().Send("DELETE", "/v1/subjects/" + id, "", service).status, 204);
  EXPECT_EQ(client().Get("/v1/subjects/" + id, service).status, 404);

  // Neither values nor tokens reach the access log; routes are patterns.
  const std::string log_text = log();
  EXPECT_THAT(log_text, HasSubstr("\"route\":\"/v1/subjects/{id}/fields\""));
  EXPECT_THAT(log_text, Not(HasSubstr("ada@example.com")));
  EXPECT_THAT(log_text, Not(HasSubstr(service)));
  EXPECT_THAT(log_text, Not(HasSubstr(id)));
}

TEST_F(StarterServer, KeepAliveServesManyRequestsOnOneConnection) {
  for (int i = 0; i < 5; ++i) {
    HttpReply r = client().Get("/healthz");
    EXPECT_EQ(r.status, 200);
    EXPECT_NE(r.headers["Connection"], "close");
  }
}

TEST_F(StarterServer, ConcurrentClientsEachSeeTheirOwnWrites) {
  const std::string service = Key("service");
  constexpr int kClients = 8;
  constexpr int kRounds = 10;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      HttpClient own(server().port());
      HttpReply created =
          own.Post("/v1/subjects", {{"kind", "customer"}, {"age_years", 30}}, service);
      if (created.status != 201) return void(++failures);
      const std::string id = created.json()["id"];
      for (int i = 0; i < kRounds; ++i) {
        const std::string value = "client" + std::to_string(c) + "-" + std::to_string(i);
        HttpReply w = own.Post("/v1/subjects/" + id + "/fields",
                               {{"purposes", {"service"}},
                                {"fields", {{{"category", "user.name"}, {"value", value}}}}},
                               service);
        HttpReply r = own.Get("/v1/subjects/" + id + "/fields?purpose=service", service);
        if (w.status != 201 || r.status != 200 ||
            r.json()["fields"].size() != static_cast<size_t>(i) + 1)
          ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_F(StarterServer, TheAdminKeyReachesNoPersonalData) {
  const std::string service = Key("service");
  const std::string id = NewSubject({{"kind", "customer"}, {"age_years", 30}}, service);
  HttpReply r = client().Get("/v1/subjects/" + id + "/fields?purpose=service", admin());
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.error("reason"), "admin_has_no_data_access");
  EXPECT_EQ(client().Get("/v1/subjects/" + id, admin()).status, 403);
}

TEST_F(StarterServer, KeysActOnlyAsPrincipalsThePolicyKnows) {
  EXPECT_EQ(client().Post("/v1/api-keys", {{"principal", "staff:janitor"}}, admin()).status, 400);
  EXPECT_EQ(client().Post("/v1/api-keys", {{"principal", "root"}}, admin()).status, 400);
  const std::string service = Key("service");
  // Only the admin manages keys.
  HttpReply r = client().Post("/v1/api-keys", {{"principal", "admin"}}, service);
  EXPECT_EQ(r.status, 403);
}

TEST_F(StarterServer, CrossTenantAccessIsRefused) {
  const std::string tenant1 = Key("tenant:1");
  const std::string tenant2 = Key("tenant:2");
  const std::string id = NewSubject({{"kind", "customer"}, {"age_years", 30}}, tenant1);
  EXPECT_EQ(client().Get("/v1/subjects/" + id, tenant1).status, 200);
  HttpReply other = client().Get("/v1/subjects/" + id, tenant2);
  EXPECT_EQ(other.status, 403);
  EXPECT_EQ(other.error("reason"), "other_tenant");
  EXPECT_EQ(client().Get("/v1/subjects/" + id + "/fields?purpose=service", tenant2).error("reason"),
            "other_tenant");
  EXPECT_EQ(client()
                .Post("/v1/subjects/" + id + "/consents",
                      {{"purpose", "marketing"}, {"action", "grant"}}, tenant2)
                .status,
            403);
  EXPECT_EQ(client().Send("DELETE", "/v1/subjects/" + id, "", tenant2).status, 403);
  // A tenant cannot create subjects for another tenant.
  HttpReply foreign = client().Post(
      "/v1/subjects", {{"kind", "customer"}, {"age_years", 30}, {"tenant_id", "1"}}, tenant2);
  EXPECT_EQ(foreign.status, 403);
  EXPECT_EQ(client().Get("/v1/subjects/" + id, tenant1).status, 200);  // still there
}

TEST_F(StarterServer, CrossOrganizationAccessIsRefused) {
  const std::string org1 = Key("organization_admin:1");
  const std::string org2 = Key("organization_admin:2");
  const std::string id = NewSubject({{"kind", "customer"}, {"age_years", 30}}, org1);
  HttpReply own = client().Get("/v1/subjects/" + id, org1);
  ASSERT_EQ(own.status, 200);
  EXPECT_EQ(own.json()["organization_id"], "1");
  HttpReply other = client().Get("/v1/subjects/" + id, org2);
  EXPECT_EQ(other.status, 403);
  EXPECT_EQ(other.error("reason"), "other_organization");
  EXPECT_EQ(client().Get("/v1/subjects/" + id + "/consents", org2).status, 403);
}

TEST_F(StarterServer, GpcIsHonouredAsAnOptOutWhenThePolicySaysSo) {
  const std::string service = Key("service");
  const std::string id = NewSubject({{"kind", "customer"}, {"age_years", 30}}, service);
  HttpReply r = client().Get("/v1/subjects/" + id + "/consents", service, {{"Sec-GPC", "1"}});
  ASSERT_EQ(r.status, 200) << r.body;
  std::vector<std::string> gpc_opt_outs;
  const Json history = r.json();
  for (const Json& e : history["events"]) {
    if (e["source"] == "gpc" && e["action"] == "opt_out") gpc_opt_outs.push_back(e["purpose"]);
  }
  EXPECT_THAT(gpc_opt_outs, ::testing::UnorderedElementsAre("analytics", "marketing")) << r.body;
  // Recorded once: the next request with the signal adds nothing.
  HttpReply again = client().Get("/v1/subjects/" + id + "/consents", service, {{"Sec-GPC", "1"}});
  EXPECT_EQ(again.json()["events"].size(), r.json()["events"].size());
  // And honoured from then on: analytics data is no longer used.
  HttpReply write =
      client().Post("/v1/subjects/" + id + "/fields",
                    {{"purposes", {"analytics"}},
                     {"fields", {{{"category", "user.device.cookie_id"}, {"value", "c-1"}}}}},
                    service);
  EXPECT_EQ(write.status, 403) << write.body;
  EXPECT_EQ(write.error("reason"), "opted_out");
}

// Issue 15: a request refused (403, 400) that carries Sec-GPC: 1 records nothing; the signal is
// recorded once a request carrying it succeeds, and a use it opts out of is refused from that
// request on.
TEST_F(StarterServer, RefusedRequestsRecordNoPrivacySignal) {
  const std::string service = Key("service"), support = Key("staff:support");
  const std::string id = NewSubject({{"kind", "customer"}, {"age_years", 30}}, service);
  const std::map<std::string, std::string> gpc = {{"Sec-GPC", "1"}};
  const std::string subject = "/v1/subjects/" + id;
  auto events = [&] {
    HttpReply history = client().Get(subject + "/consents", service);  // no signal
    EXPECT_EQ(history.status, 200) << history.body;
    return history.json()["events"].size();
  };
  struct Refused {
    const char* what;
    std::string method, target, body, token;
    int status;
  };
  const std::vector<Refused> refused = {
      {"a write beyond the role's need-to-know", "POST", subject + "/fields",
       R"({"purposes":["service"],"fields":[{"category":"user.name","value":"Kim"}]})", support,
       403},
      {"a write of an undeclared category", "POST", subject + "/fields",
       R"({"purposes":["service"],"fields":[{"category":"user.shoe_size","value":"42"}]})", service,
       400},
      {"a write for an undeclared purpose", "POST", subject + "/fields",
       R"({"purposes":["telepathy"],"fields":[{"category":"user.name","value":"Kim"}]})", service,
       403},
      {"a forbidden category", "POST", subject + "/fields",
       R"({"purposes":["service"],"fields":[{"category":"user.financial.payment_card","value":"x"}]})",
       service, 403},
      {"a read for an undeclared purpose", "GET", subject + "/fields?purpose=telepathy", "",
       service, 403},
      {"a consent for an undeclared purpose", "POST", subject + "/consents",
       R"({"purpose":"telepathy","action":"grant"})", service, 400},
      {"a rectification of no field", "PUT", subject + "/fields/999", R"({"value":"Kim"})", service,
       404},
      {"a password too short", "PUT", subject + "/password", R"({"password":"short"})", service,
       400},
      {"a write the signal itself refuses", "POST", subject + "/fields",
       R"({"purposes":["analytics"],"fields":[{"category":"user.device.cookie_id","value":"c-1"}]})",
       service, 403},
  };
  for (const Refused& r : refused) {
    HttpReply reply = client().Send(r.method, r.target, r.body, r.token, gpc);
    EXPECT_EQ(reply.status, r.status) << r.what << ": " << reply.body;
    EXPECT_EQ(events(), 0u) << r.what;
  }
  // The write the signal refused was refused for it, and stored nothing.
  HttpReply analytics =
      client().Send("POST", subject + "/fields", refused.back().body, service, gpc);
  EXPECT_EQ(analytics.error("reason"), "opted_out") << analytics.body;
  HttpReply read = client().Get(subject + "/fields?purpose=analytics", service);
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_TRUE(read.json()["fields"].empty()) << read.body;
  // A request that succeeds records it, once.
  EXPECT_EQ(
      client()
          .Send("POST", subject + "/fields",
                R"({"purposes":["service"],"fields":[{"category":"user.name","value":"Kim"}]})",
                service, gpc)
          .status,
      201);
  EXPECT_EQ(events(), 2u);  // analytics and marketing
  EXPECT_EQ(client().Get(subject, service, gpc).status, 200);
  EXPECT_EQ(events(), 2u);
}

TEST_F(StarterServer, ServedRoutesAreExposedForTheSpec) {
  bool found = false;
  for (const RouteInfo& r : server().routes())
    found = found || (r.method == "GET" && r.pattern == "/v1/subjects/{id}/fields");
  EXPECT_TRUE(found);
}

TEST_F(StarterServer, MetricsCountRequestsByRoutePattern) {
  const std::string service = Key("service");
  client().Get("/healthz");
  HttpReply m = client().Get("/metrics", service);
  ASSERT_EQ(m.status, 200);
  EXPECT_THAT(
      m.body,
      HasSubstr("privet_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 1"));
  EXPECT_THAT(m.body, HasSubstr("privet_http_request_duration_seconds_bucket{route=\"/healthz\""));
  EXPECT_THAT(m.body, HasSubstr("privet_decisions_total"));
}

// Reads answer once their decision is committed, possibly by another thread (Vault::ReadThen).
// Stopping the server with reads in flight must neither crash nor answer a read whose decision
// was not stored: afterwards the audit log holds a decision for every answer (and at most one
// more per connection, for reads committed but not answered before the stop).
// Both read committers (ServerOptions::read_committer): the io threads, the committer thread.
TEST_F(StarterServer, StoppingWithReadsInFlightLosesNoDecision) {
  for (auto committer :
       {ServerOptions::ReadCommitter::kIoThreads, ServerOptions::ReadCommitter::kCommitterThread}) {
    SCOPED_TRACE(committer == ServerOptions::ReadCommitter::kIoThreads ? "io threads"
                                                                       : "committer thread");
    StopWithReadsInFlight(committer);
  }
}

void StarterServer::StopWithReadsInFlight(ServerOptions::ReadCommitter committer) {
  if (!server_) {  // stopped by the last round
    ASSERT_NO_FATAL_FAILURE(StartAgain(committer));
  }
  const std::string service = Key("service");
  const std::string id =
      NewSubject({{"kind", "customer"}, {"age_years", 30}, {"jurisdiction", "EU"}}, service);
  const std::string fields = "/v1/subjects/" + id + "/fields";
  ASSERT_EQ(client()
                .Post(fields,
                      {{"purposes", {"service"}},
                       {"fields", {{{"category", "user.name"}, {"value", "Ada"}}}}},
                      service)
                .status,
            201);
  server_.reset();
  const auto audit_size = [&] {
    auto vault = Vault::Open({.data_dir = dir_.path(), .policy = policy_, .clock = &clock_});
    EXPECT_TRUE(vault.ok()) << vault.status().ToString();
    return vault.ok() ? (*vault)->AuditSize() : 0;
  };
  const uint64_t before = audit_size();

  ASSERT_NO_FATAL_FAILURE(StartAgain(committer));
  constexpr int kConnections = 6;
  std::atomic<int> answered{0};
  std::atomic<int> wrong{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> readers;
  for (int c = 0; c < kConnections; ++c) {
    readers.emplace_back([&, port = server_->port()] {
      HttpClient mine(port);
      while (!stop) {
        try {
          HttpReply r = mine.Get(fields + "?purpose=service", service);
          if (r.status == 0) break;  // the server is gone
          if (r.status == 200 && r.json()["fields"].size() == 1) {
            ++answered;
          } else {
            ++wrong;
          }
        } catch (const std::exception&) {  // connection refused: the server is gone
          break;
        }
      }
    });
  }
  while (answered < 200) std::this_thread::yield();
  server_->Stop();
  stop = true;
  for (std::thread& t : readers) t.join();
  server_.reset();
  EXPECT_EQ(wrong.load(), 0);
  const uint64_t stored = audit_size() - before;
  EXPECT_GE(stored, static_cast<uint64_t>(answered.load()));
  EXPECT_LE(stored, static_cast<uint64_t>(answered.load()) + kConnections);
}

TEST_F(StarterServer, MetricsNameUnknownMethodsOther) {
  // A client's own method names would make as many series as it likes.
  for (const char* method : {"BREW", "XYZZY"})
    EXPECT_EQ(client().Send(method, "/healthz").status, 405);
  HttpReply m = client().Get("/metrics", Key("service"));
  ASSERT_EQ(m.status, 200);
  EXPECT_THAT(
      m.body,
      HasSubstr(
          "privet_http_requests_total{route=\"unmatched\",method=\"other\",status=\"405\"} 2"));
  EXPECT_THAT(m.body, Not(HasSubstr("BREW")));
}

class ConnactServer : public ServerTest {
 protected:
  void SetUp() override { Start("policies/connact.yaml"); }
};

TEST_F(ConnactServer, CN11_BrowserSignalsAreIgnoredWhereThePolicyDeclaresSo) {
  EXPECT_EQ(client().Get("/.well-known/gpc.json").json()["gpc"], false);
  const std::string service = Key("service");
  const std::string id =
      NewSubject({{"kind", "user"}, {"age_years", 30}}, service, {{"Sec-GPC", "1"}, {"DNT", "1"}});
  HttpReply r =
      client().Get("/v1/subjects/" + id + "/consents", service, {{"Sec-GPC", "1"}, {"DNT", "1"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const Json history = r.json();
  for (const Json& e : history["events"]) {
    EXPECT_NE(e["source"], "gpc");
    EXPECT_NE(e["source"], "dnt");
  }
}

class CustomerTrackrServer : public ServerTest {
 protected:
  void SetUp() override { Start("policies/customertrackr.yaml"); }
};

TEST_F(CustomerTrackrServer, CU08_AStaffKeySeesOnlyItsRolesNeedToKnow) {
  const std::string service = Key("service");
  const std::string support = Key("staff:support");
  const std::string fraud = Key("staff:fraud_analyst");
  const std::string id = NewSubject({{"kind", "user"}}, service);
  HttpReply w = client().Post("/v1/subjects/" + id + "/fields",
                              {{"purposes", {"service"}},
                               {"fields",
                                {{{"category", "user.contact.email"}, {"value", "kim@example.com"}},
                                 {{"category", "user.name"}, {"value", "Kim"}},
                                 {{"category", "user.profile"}, {"value", "likes: tea"}}}}},
                              service);
  ASSERT_EQ(w.status, 201) << w.body;
  HttpReply r = client().Get("/v1/subjects/" + id + "/fields?purpose=service.support", support);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(Categories(r.json()["fields"]),
              ::testing::UnorderedElementsAre("user.contact.email", "user.name"));
  ASSERT_EQ(r.json()["withheld"].size(), 1u);
  EXPECT_EQ(r.json()["withheld"][0]["category"], "user.profile");
  EXPECT_EQ(r.json()["withheld"][0]["reason"], "not_need_to_know");
  EXPECT_THAT(r.body, Not(HasSubstr("likes: tea")));
  // The fraud analyst's role does not cover customer support.
  HttpReply f = client().Get("/v1/subjects/" + id + "/fields?purpose=service.support", fraud);
  // The read is answered (the purpose exists), with every field withheld as outside its need.
  ASSERT_EQ(f.status, 200) << f.body;
  EXPECT_TRUE(f.json()["fields"].empty()) << f.body;
  ASSERT_EQ(f.json()["withheld"].size(), 3u) << f.body;
  const nlohmann::json withheld = f.json()["withheld"];
  for (const auto& item : withheld) EXPECT_EQ(item["reason"], "not_need_to_know") << f.body;
  EXPECT_THAT(f.body, Not(HasSubstr("kim@example.com")));
  // Staff keys do not reach the subject record or erase it.
  EXPECT_EQ(client().Get("/v1/subjects/" + id, support).status, 403);
  EXPECT_EQ(client().Send("DELETE", "/v1/subjects/" + id, "", support).status, 403);
}

class ConfectServer : public ServerTest {
 protected:
  void SetUp() override { Start("policies/confect.yaml"); }
};

// CF15 through the API: a visitor's browser sends Global Privacy Control, which Confect honours
// as an opt-out of profiling; the profile built for it is deleted with the choice.
TEST_F(ConfectServer, CF15_AnOptOutOfProfilingByGpcDeletesTheProfile) {
  const std::string service = Key("service");
  const std::string id = NewSubject({{"kind", "customer"}}, service);
  HttpReply w = client().Post("/v1/subjects/" + id + "/fields",
                              {{"purposes", {"marketing.profiling"}},
                               {"fields",
                                {{{"category", "user.behavior.clicks"},
                                  {"value", "webinar:pricing"},
                                  {"source", "cookies"}},
                                 {{"category", "user.derived.interest_profile"},
                                  {"value", "buyer:pricing"},
                                  {"source", "derived"}}}}},
                              service);
  ASSERT_EQ(w.status, 201) << w.body;
  HttpReply shared = client().Post(
      "/v1/subjects/" + id + "/fields",
      {{"purposes", {"marketing.content", "marketing.profiling"}},
       {"fields", {{{"category", "user.behavior.clicks"}, {"value", "download:report"}}}}},
      service);
  ASSERT_EQ(shared.status, 201) << shared.body;
  HttpReply before =
      client().Get("/v1/subjects/" + id + "/fields?purpose=marketing.profiling", service);
  ASSERT_EQ(before.status, 200) << before.body;
  ASSERT_EQ(before.json()["fields"].size(), 3u) << before.body;

  // The next request from the subject's browser carries the signal: profiling stops.
  HttpReply stopped = client().Get("/v1/subjects/" + id + "/fields?purpose=marketing.profiling",
                                   service, {{"Sec-GPC", "1"}});
  ASSERT_EQ(stopped.status, 200) << stopped.body;
  EXPECT_TRUE(stopped.json()["fields"].empty()) << stopped.body;
  EXPECT_THAT(stopped.body, Not(HasSubstr("buyer:pricing")));

  // The profile is deleted, not hidden: taking the opt-out back does not bring it back. The
  // clicks also held for marketing content stay.
  HttpReply undo =
      client().Post("/v1/subjects/" + id + "/consents",
                    {{"purpose", "marketing.profiling"}, {"action", "undo_opt_out"}}, service);
  ASSERT_EQ(undo.status, 201) << undo.body;
  HttpReply after =
      client().Get("/v1/subjects/" + id + "/fields?purpose=marketing.profiling", service);
  ASSERT_EQ(after.status, 200) << after.body;
  ASSERT_EQ(after.json()["fields"].size(), 1u) << after.body;
  EXPECT_EQ(after.json()["fields"][0]["value"], "download:report");
}

// CF09: "the subject can list the sub-processors": the public notice privet serves names each
// sub-processor of the policy with its country and the safeguards that bind it.
TEST_F(ConfectServer, CF09_TheSubjectCanListTheSubProcessorsAndTheirSafeguards) {
  HttpReply notice = client().Get("/privacy");
  ASSERT_EQ(notice.status, 200);
  int listed = 0;
  for (const Recipient& r : policy_->policy().recipients) {
    if (r.kind != RecipientKind::kSubProcessor) continue;
    SCOPED_TRACE(r.id);
    const size_t at = notice.body.find("<strong>" + r.name + "</strong>");
    ASSERT_NE(at, std::string::npos);
    const std::string item = notice.body.substr(at, notice.body.find("</li>", at) - at);
    EXPECT_THAT(item, HasSubstr("sub-processor"));
    EXPECT_THAT(item, HasSubstr("(" + r.country + ")"));
    EXPECT_TRUE(r.dpa);  // the policy binds every sub-processor by a DPA ...
    EXPECT_THAT(item, HasSubstr("data processing agreement"));  // ... and the notice says so
    if (r.transfer_mechanism == "scc") {
      EXPECT_THAT(item, HasSubstr("standard contractual clauses"));
    }
    ++listed;
  }
  EXPECT_GE(listed, 2);  // Confect names an EU and a non-EU sub-processor
}

class ConfiTrekServer : public ServerTest {
 protected:
  void SetUp() override { Start("policies/confitrek.yaml"); }
};

// CT10 through the API: each cookie is chosen on the banner; clearing cookies withdraws them.
TEST_F(ConfiTrekServer, CT10_ClearingCookiesWithdrawsTheirConsents) {
  const std::string service = Key("service");
  const std::string id = NewSubject({{"kind", "customer"}}, service);
  auto usable = [&](const std::string& purpose) {
    HttpReply r = client().Get("/v1/subjects/" + id + "/fields?purpose=" + purpose, service);
    EXPECT_EQ(r.status, 200) << r.body;
    return !r.json()["fields"].empty();
  };
  for (const Cookie& c : policy_->policy().cookies) {
    HttpReply granted = client().Post(
        "/v1/subjects/" + id + "/consents",
        {{"purpose", c.purpose}, {"action", "grant"}, {"source", "cookie_banner"}}, service);
    ASSERT_EQ(granted.status, 201) << granted.body;
    HttpReply w = client().Post("/v1/subjects/" + id + "/fields",
                                {{"purposes", {c.purpose}},
                                 {"fields",
                                  {{{"category", "user.device.cookie_id"},
                                    {"value", "c-" + c.id},
                                    {"source", "cookies"}}}}},
                                service);
    ASSERT_EQ(w.status, 201) << c.id << ": " << w.body;
  }
  const std::vector<Cookie>& cookies = policy_->policy().cookies;
  // An unknown cookie: 400, and nothing changes.
  HttpReply bad = client().Post("/v1/subjects/" + id + "/cookies/cleared",
                                {{"cookies", {cookies.front().id, "no_such_cookie"}}}, service);
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_TRUE(usable(cookies.front().purpose));

  HttpReply one = client().Post("/v1/subjects/" + id + "/cookies/cleared",
                                {{"cookies", {cookies.front().id}}}, service);
  ASSERT_EQ(one.status, 204) << one.body;
  EXPECT_FALSE(usable(cookies.front().purpose));
  for (size_t i = 1; i < cookies.size(); ++i)
    EXPECT_TRUE(usable(cookies[i].purpose)) << cookies[i].id;

  HttpReply all = client().Send("POST", "/v1/subjects/" + id + "/cookies/cleared", "", service);
  ASSERT_EQ(all.status, 204) << all.body;
  for (const Cookie& c : cookies) EXPECT_FALSE(usable(c.purpose)) << c.id;
}

class SlowServer : public ServerTest {
 protected:
  void SetUp() override { Start("policies/starter.yaml", std::chrono::milliseconds(300)); }
};

TEST_F(SlowServer, StalledClientsAreDisconnected) {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket(ioc);
  socket.connect(
      boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), server().port()));
  boost::asio::write(socket,
                     boost::asio::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\n")));
  const auto start = std::chrono::steady_clock::now();
  char byte;
  boost::system::error_code ec;
  socket.read_some(boost::asio::buffer(&byte, 1), ec);  // blocks until the server hangs up
  EXPECT_TRUE(ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset)
      << ec.message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  // The server still serves others.
  EXPECT_EQ(client().Get("/healthz").status, 200);
}

}  // namespace
}  // namespace privet::testing
