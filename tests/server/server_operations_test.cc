// End-to-end: rights requests, retention, the audit log and disclosures over HTTP.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "audit/merkle.h"
#include "privet/audit.h"
#include "privet/rights.h"
#include "privet/vault.h"
#include "server/server_fixture.h"

namespace privet::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::json;

class Operations : public ServerTest {
 protected:
  void SetUp() override {
    Start("policies/starter.yaml");
    service_ = Key("service");
    subject_ =
        NewSubject({{"kind", "customer"}, {"age_years", 30}, {"jurisdiction", "EU"}}, service_);
    HttpReply w =
        client().Post("/v1/subjects/" + subject_ + "/fields",
                      {{"purposes", {"service"}},
                       {"fields",
                        {{{"category", "user.contact.email"}, {"value", "ada@example.com"}},
                         {{"category", "user.name"}, {"value", "Ada"}}}}},
                      service_);
    ASSERT_EQ(w.status, 201) << w.body;
  }
  std::string service_;
  std::string subject_;
};

TEST_F(Operations, ARightsRequestIsFiledTrackedAndDenied) {
  HttpReply filed = client().Post("/v1/subjects/" + subject_ + "/requests",
                                  {{"right", "access"}, {"channel", "dashboard"}}, service_);
  ASSERT_EQ(filed.status, 201) << filed.body;
  const Json request = filed.json();
  EXPECT_EQ(request["state"], "identity_pending");
  EXPECT_EQ(request["due"], "2025-04-04");  // EU: one month
  const std::string id = request["id"];
  EXPECT_EQ(client().Get("/v1/requests/" + id, service_).json()["right"], "access");
  // A wrong identity code is refused and uses an attempt.
  HttpReply wrong =
      client().Post("/v1/requests/" + id + "/verify", {{"code", "00000000"}}, service_);
  EXPECT_EQ(wrong.status, 403) << wrong.body;
  // Fulfilling before the identity is verified is not possible.
  EXPECT_EQ(client().Post("/v1/requests/" + id + "/fulfil", Json::object(), service_).status, 409);
  // Nor is extending it: the deadline runs once the identity is confirmed.
  HttpReply extended =
      client().Post("/v1/requests/" + id + "/extend", {{"reason", "complexity"}}, service_);
  EXPECT_EQ(extended.status, 409) << extended.body;
  EXPECT_EQ(extended.error(), "FAILED_PRECONDITION");
  HttpReply denied = client().Post(
      "/v1/requests/" + id + "/deny",
      {{"scope", "user.name"}, {"ground", "manifestly_unfounded"}, {"law", "GDPR Art. 12(5)"}},
      service_);
  ASSERT_EQ(denied.status, 200) << denied.body;
  EXPECT_EQ(denied.json()["state"], "denied");
  // Bad input: an unknown right, an unknown field.
  HttpReply bad = client().Post("/v1/subjects/" + subject_ + "/requests",
                                {{"right", "everything"}, {"channel", "dashboard"}}, service_);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.error("field"), "right");
  EXPECT_EQ(client().Get("/v1/requests/999", service_).status, 404);
  // Tenants do not run the controller's request desk.
  EXPECT_EQ(client().Get("/v1/requests/" + id, Key("tenant:1")).status, 403);
}

// The access export over HTTP (POST /v1/requests/{id}/fulfil): every basis of a field, CSV cells
// a spreadsheet shows as text, and the Art. 15 information, each as the policy says.
TEST_F(Operations, AnAccessRequestExportsEveryBasisSafeCsvAndTheArt15Information) {
  HttpReply consent =
      client().Post("/v1/subjects/" + subject_ + "/consents",
                    {{"purpose", "marketing"}, {"action", "grant"}, {"source", "form"}}, service_);
  ASSERT_EQ(consent.status, 201) << consent.body;
  HttpReply w =
      client().Post("/v1/subjects/" + subject_ + "/fields",
                    {{"purposes", {"service", "marketing"}},
                     {"fields",
                      {{{"category", "user.contact.email"}, {"value", "news@example.com"}},
                       {{"category", "user.name"}, {"value", "=HYPERLINK(\"http://x\")"}}}}},
                    service_);
  ASSERT_EQ(w.status, 201) << w.body;
  HttpReply filed = client().Post("/v1/subjects/" + subject_ + "/requests",
                                  {{"right", "access"}, {"channel", "dashboard"}}, service_);
  ASSERT_EQ(filed.status, 201) << filed.body;
  const std::string id = filed.json()["id"];
  // The identity code goes to the subject through the outbox, which HTTP does not show.
  std::string code;
  WhileStopped([&](Vault& vault) {
    auto outbox = RequestDesk(vault).Outbox();
    ASSERT_TRUE(outbox.ok()) << outbox.status().ToString();
    for (const OutboxMessage& m : *outbox) {
      const Json body = Json::parse(m.body);
      if (m.topic == "identity_code" && body.value("request", "") == id)
        code = body.value("code", "");
    }
  });
  ASSERT_FALSE(code.empty());
  ASSERT_EQ(client().Post("/v1/requests/" + id + "/verify", {{"code", code}}, service_).status,
            200);
  HttpReply done = client().Post("/v1/requests/" + id + "/fulfil", Json::object(), service_);
  ASSERT_EQ(done.status, 200) << done.body;
  const Json out = done.json();
  const Json& exported = out["export"];
  const Policy& policy = policy_->policy();
  auto basis = [&](const std::string& purpose) {
    return std::string(LegalBasisName(policy_->purpose(*policy_->FindPurpose(purpose)).basis));
  };

  // Both bases of the address held for the service and for marketing.
  bool found = false;
  for (const Json& f : exported["fields"]) {
    if (f.value("value", "") != "news@example.com") continue;
    found = true;
    EXPECT_EQ(f["legal_bases"],
              (Json::array({{{"purpose", "service"}, {"basis", basis("service")}},
                            {{"purpose", "marketing"}, {"basis", basis("marketing")}}})));
  }
  EXPECT_TRUE(found) << exported.dump();
  EXPECT_NE(basis("service"), basis("marketing"));

  // The formula is text in the CSV, and the JSON keeps the value as written.
  const std::string csv = out["export_csv"].value("user.name", "");
  EXPECT_THAT(csv, HasSubstr(",\"'=HYPERLINK(\"\"http://x\"\")\","));
  EXPECT_THAT(csv, Not(HasSubstr(",\"=HYPERLINK")));

  // The information block, against the policy the server runs.
  const Json& info = exported["information"];
  std::vector<std::string> offered;
  for (Right r : policy.rights.offered) offered.push_back(std::string(RightName(r)));
  EXPECT_EQ(info["rights"]["offered"], Json(offered));
  EXPECT_EQ(info["rights"]["channels"], Json(policy.rights.channels));
  EXPECT_EQ(info["controller"].value("name", ""), policy.organization);
  std::set<std::string> purposes;
  for (const Json& p : info["purposes"]) {
    const std::string name = p.value("purpose", "");
    purposes.insert(name);
    EXPECT_EQ(p.value("legal_basis", ""), basis(name)) << name;
  }
  EXPECT_EQ(purposes.count("service"), 1u);
  EXPECT_EQ(purposes.count("marketing"), 1u);
  std::set<std::string> recipients;
  for (const Json& r : info["recipients"]) recipients.insert(r.value("recipient", ""));
  for (const Recipient& r : policy.recipients) {
    const bool takes_email =
        std::any_of(r.categories.begin(), r.categories.end(),
                    [](const std::string& c) { return IdCovers(c, "user.contact.email"); });
    const bool for_service =
        std::any_of(r.purposes.begin(), r.purposes.end(),
                    [](const std::string& p) { return IdCovers(p, "service"); });
    if (takes_email && for_service) {
      EXPECT_EQ(recipients.count(r.id), 1u) << r.id;
    }
  }
  EXPECT_TRUE(info.contains("retention") && info.contains("sources") &&
              info.contains("automated_decision_making"));
}

TEST_F(Operations, RetentionRunsDryAndForReal) {
  HttpReply dry = client().Post("/v1/retention/run", {{"dry_run", true}}, admin());
  ASSERT_EQ(dry.status, 200) << dry.body;
  EXPECT_EQ(dry.json()["fields_scanned"], 2);
  EXPECT_EQ(client().Post("/v1/retention/run", {{"dry_run", "yes"}}, admin()).error("field"),
            "dry_run");
  EXPECT_EQ(client().Post("/v1/retention/run", Json::object(), service_).status, 200);
}

TEST_F(Operations, TheAuditLogSignsTreeHeadsAndProvesEntries) {
  HttpReply head = client().Post("/v1/audit/tree-heads", Json::object(), admin());
  ASSERT_EQ(head.status, 200) << head.body;
  EXPECT_GE(head.json()["tree_size"].get<int>(), 2);
  HttpReply proof = client().Get("/v1/audit/proof?index=0", admin());
  ASSERT_EQ(proof.status, 200) << proof.body;
  EXPECT_THAT(proof.body, HasSubstr("tree_head"));
  EXPECT_EQ(client().Get("/v1/audit/proof?index=x", admin()).error("field"), "index");
  EXPECT_EQ(client().Get("/v1/audit/proof", admin()).status, 400);
}

// The proof the server gives comes from the running vault's tree: it covers what was appended
// after the server started, verifies against the signed tree head (its signature under the
// published key, and the inclusion path to its root), and a request beyond the log is refused,
// naming the parameter, and changes nothing.
TEST_F(Operations, ProofsVerifyAgainstTheSignedTreeHeadAndCoverEntriesAppendedSinceStart) {
  HttpReply first = client().Post("/v1/audit/tree-heads", Json::object(), admin());
  ASSERT_EQ(first.status, 200) << first.body;
  HttpReply read = client().Get("/v1/subjects/" + subject_ + "/fields?purpose=service", service_);
  ASSERT_EQ(read.status, 200) << read.body;  // one more entry, the read's decision
  HttpReply head = client().Post("/v1/audit/tree-heads", Json::object(), admin());
  ASSERT_EQ(head.status, 200) << head.body;
  const Json old_head = first.json();
  const uint64_t old_size = old_head["tree_size"];
  auto signed_head = TreeHeadFromJson(head.body);
  ASSERT_TRUE(signed_head.ok()) << head.body;
  const uint64_t size = signed_head->tree_size;
  ASSERT_GT(size, old_size);
  auto public_key = AuditPublicKey({.data_dir = dir_.path()});
  ASSERT_TRUE(public_key.ok()) << public_key.status().ToString();
  EXPECT_TRUE(VerifyTreeHeadSignature(*signed_head, *public_key));

  HttpReply proof = client().Get("/v1/audit/proof?index=" + std::to_string(size - 1), admin());
  ASSERT_EQ(proof.status, 200) << proof.body;
  const Json p = proof.json();
  EXPECT_EQ(p["tree_size"], size);
  EXPECT_EQ(p["tree_head"], Json::parse(head.body));
  EXPECT_THAT(p["entry"].get<std::string>(), HasSubstr("\"action\":\"read\""));
  std::vector<audit::Hash> path;
  for (const auto& h : p["inclusion_path"])
    path.push_back(*audit::HashFromHex(h.get<std::string>()));
  EXPECT_TRUE(audit::VerifyInclusion(audit::LeafHash(p["entry"].get<std::string>()), size - 1, size,
                                     path, *audit::HashFromHex(signed_head->root_hash)));

  HttpReply consistency =
      client().Get("/v1/audit/consistency?old_size=" + std::to_string(old_size) +
                       "&new_size=" + std::to_string(size),
                   admin());
  ASSERT_EQ(consistency.status, 200) << consistency.body;
  const Json c = consistency.json();  // named: a range-for over a temporary's member dangles
  std::vector<audit::Hash> cpath;
  for (const auto& h : c["consistency_path"])
    cpath.push_back(*audit::HashFromHex(h.get<std::string>()));
  EXPECT_TRUE(audit::VerifyConsistency(
      old_size, size, *audit::HashFromHex(old_head["root_hash"].get<std::string>()),
      *audit::HashFromHex(signed_head->root_hash), cpath));

  // Beyond the log: 400 naming the parameter; the log is as it was.
  const std::string beyond = std::to_string(size + 1000);
  EXPECT_EQ(client().Get("/v1/audit/proof?index=" + beyond, admin()).error("field"), "index");
  HttpReply too_big = client().Get("/v1/audit/proof?index=0&tree_size=" + beyond, admin());
  EXPECT_EQ(too_big.status, 400) << too_big.body;
  EXPECT_EQ(too_big.error("field"), "tree_size");
  EXPECT_EQ(
      client().Get("/v1/audit/consistency?old_size=1&new_size=" + beyond, admin()).error("field"),
      "new_size");
  EXPECT_EQ(client().Get("/v1/audit/consistency?old_size=1", admin()).error("field"), "new_size");
  HttpReply again = client().Post("/v1/audit/tree-heads", Json::object(), admin());
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json()["tree_size"], size);
  EXPECT_EQ(again.json()["root_hash"], signed_head->root_hash);
}

TEST_F(Operations, DisclosuresReleaseOnlyWhatTheRecipientMayReceive) {
  HttpReply r = client().Post("/v1/disclosures",
                              {{"recipient", "hosting"},
                               {"subject_id", subject_},
                               {"categories", {"user.contact.email"}},
                               {"purpose", "service"}},
                              service_);
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.json()["released"].size(), 1u);
  EXPECT_EQ(r.json()["released"][0]["value"], "ada@example.com");
  HttpReply unknown = client().Post("/v1/disclosures",
                                    {{"recipient", "data_broker"},
                                     {"subject_id", subject_},
                                     {"categories", {"user.contact.email"}},
                                     {"purpose", "service"}},
                                    service_);
  EXPECT_NE(unknown.status, 200);
  // Staff keys cannot disclose.
  EXPECT_EQ(client()
                .Post("/v1/disclosures",
                      {{"recipient", "hosting"},
                       {"subject_id", subject_},
                       {"categories", {"user.name"}},
                       {"purpose", "service"}},
                      Key("staff:support"))
                .status,
            403);
}

// `privet request overdue` cannot run beside the server (it holds the vault): the same list,
// over HTTP, for operators.
TEST_F(Operations, OverdueRequestsAreListedForOperators) {
  HttpReply filed = client().Post("/v1/subjects/" + subject_ + "/requests",
                                  {{"right", "access"}, {"channel", "dashboard"}}, service_);
  ASSERT_EQ(filed.status, 201) << filed.body;
  const std::string id = filed.json()["id"];  // due 2025-04-04

  HttpReply none = client().Get("/v1/requests/overdue", admin());
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_TRUE(none.json()["requests"].empty()) << none.body;
  EXPECT_EQ(none.json()["within_days"], 0);
  HttpReply soon = client().Get("/v1/requests/overdue?within=31", service_);
  ASSERT_EQ(soon.status, 200) << soon.body;
  ASSERT_EQ(soon.json()["requests"].size(), 1u) << soon.body;
  EXPECT_EQ(soon.json()["requests"][0]["id"], id);
  EXPECT_EQ(soon.json()["requests"][0]["due"], "2025-04-04");
  EXPECT_EQ(soon.json()["requests"][0]["late"], false);

  clock_.Advance(std::chrono::days(32));
  HttpReply late = client().Get("/v1/requests/overdue", admin());
  ASSERT_EQ(late.status, 200) << late.body;
  ASSERT_EQ(late.json()["requests"].size(), 1u) << late.body;
  EXPECT_EQ(late.json()["requests"][0]["late"], true);

  for (const char* bad : {"x", "-1", "100000"}) {
    HttpReply r = client().Get(std::string("/v1/requests/overdue?within=") + bad, admin());
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(r.error("field"), "within") << bad;
  }
  EXPECT_EQ(client().Get("/v1/requests/overdue", Key("staff:support")).status, 403);
  EXPECT_EQ(client().Get("/v1/requests/overdue").status, 401);
}

// The issue saw a wedged vault (every write failing) while /healthz answered 200. Here another
// writer appends to the audit log behind the server's back, as a second process could before
// the vault was locked: the server cannot append any more, and says so until it can.
TEST_F(Operations, HealthzReportsAVaultThatCannotServe) {
  EXPECT_EQ(client().Get("/healthz").status, 200);
  auto sql = [&](const std::string& statement) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / "data.db").c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    EXPECT_EQ(sqlite3_exec(db, statement.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  };
  sql("INSERT INTO audit_log (idx, entry) SELECT MAX(idx) + 1, x'00' FROM audit_log");
  HttpReply health = client().Get("/healthz");
  EXPECT_EQ(health.status, 503) << health.body;
  EXPECT_EQ(health.error(), "UNAVAILABLE") << health.body;
  HttpReply refused =
      client().Post("/v1/subjects", {{"kind", "customer"}, {"age_years", 30}}, service_);
  EXPECT_NE(refused.status, 201) << refused.body;
  EXPECT_EQ(client().Get("/healthz").status, 503);

  // Once the foreign entry is gone, writes succeed again, and the vault is healthy.
  sql("DELETE FROM audit_log WHERE entry = x'00'");
  HttpReply created =
      client().Post("/v1/subjects", {{"kind", "customer"}, {"age_years", 30}}, service_);
  EXPECT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(client().Get("/healthz").status, 200);
}

// The server runs the retention rules on its own, on a timer, and counts what they did.
class ScheduledRetention : public ServerTest {
 protected:
  void SetUp() override {
    retention_interval_ = std::chrono::milliseconds(20);
    Start("policies/starter.yaml");
  }
  // The value of a counter line of /metrics ("name{labels}" or "name"), or -1.
  long Metric(const std::string& service, const std::string& line) {
    std::string text = client().Get("/metrics", service).body;
    size_t at = text.find("\n" + line + " ");
    return at == std::string::npos ? -1 : std::stol(text.substr(at + line.size() + 2));
  }
};

TEST_F(ScheduledRetention, ExpiredFieldsGoWithoutAnyoneAsking) {
  const std::string service = Key("service");
  const std::string subject = NewSubject({{"kind", "customer"}, {"age_years", 30}}, service);
  ASSERT_EQ(
      client()
          .Post("/v1/subjects/" + subject + "/fields",
                {{"purposes", {"security"}},
                 {"fields", {{{"category", "user.device.ip_address"}, {"value", "203.0.113.9"}}}}},
                service)
          .status,
      201);
  // Sweeps run, and keep the field while its 30 days last.
  auto swept = [&](long at_least) {
    for (int i = 0;
         i < 500 && Metric(service, "privet_retention_sweeps_total{outcome=\"ok\"}") < at_least;
         ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return Metric(service, "privet_retention_sweeps_total{outcome=\"ok\"}");
  };
  ASSERT_GE(swept(2), 2);
  const std::string read = "/v1/subjects/" + subject + "/fields?purpose=security";
  EXPECT_EQ(client().Get(read, service).json()["fields"].size(), 1u);
  EXPECT_EQ(Metric(service, "privet_retention_fields_deleted_total"), 0);

  clock_.Advance(std::chrono::days(31));
  for (int i = 0; i < 500 && Metric(service, "privet_retention_fields_deleted_total") < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(Metric(service, "privet_retention_fields_deleted_total"), 1);
  EXPECT_TRUE(client().Get(read, service).json()["fields"].empty());
  EXPECT_EQ(Metric(service, "privet_retention_sweeps_total{outcome=\"error\"}"), 0);
  // An operator's sweep waits for, and never overlaps, the scheduled ones.
  HttpReply manual = client().Post("/v1/retention/run", Json::object(), service);
  ASSERT_EQ(manual.status, 200) << manual.body;
  EXPECT_EQ(manual.json()["fields_deleted"], 0);
}

// The id seam (privet/id_source.h) reaches the server: an API key's id comes from the vault's
// IdSource, its secret from the CSPRNG whatever the source.
TEST(ApiKeyIds, ComeFromTheVaultsIdSourceButSecretsNever) {
  auto admin_key = [](const std::string& data_dir) -> std::string {
    ManualClock clock(CivilDayToTime({2025, 3, 4}));
    SeededIdSource ids(11);
    auto server = Server::Start({.vault = {.data_dir = data_dir,
                                           .policy = CompileFile("policies/starter.yaml"),
                                           .clock = &clock,
                                           .ids = &ids},
                                 .port = 0});
    EXPECT_TRUE(server.ok()) << server.status().ToString();
    if (!server.ok() || !(*server)->initial_admin_key()) return "";
    return *(*server)->initial_admin_key();
  };
  TempDir dir;
  const std::string a = admin_key(dir / "a");
  const std::string b = admin_key(dir / "b");
  // pvk_<16 hex id>_<secret>
  ASSERT_EQ(a.substr(0, 4), "pvk_");
  ASSERT_EQ(b.substr(0, 4), "pvk_");
  EXPECT_EQ(a.substr(0, 21), b.substr(0, 21));
  EXPECT_NE(a.substr(21), b.substr(21));
}

}  // namespace
}  // namespace privet::testing
