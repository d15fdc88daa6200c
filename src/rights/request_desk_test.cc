// The request lifecycle on the starter policy: codes, fees, extensions, denials, deadlines, the
// outbox, exports, and the push of a portability export to another controller over HTTPS.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "privet/audit.h"
#include "privet/breach.h"
#include "privet/retention.h"
#include "privet/rights.h"
#include "testing/enum_names.h"
#include "testing/https_receiver.h"
#include "testing/status_matchers.h"
#include "testing/vault_fixture.h"
#include "vault/vault_core.h"

namespace privet {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class RequestDeskTest : public testing::VaultTest {
 protected:
  RequestDeskTest() : VaultTest("policies/starter.yaml") {}

  void SetUp() override {
    VaultTest::SetUp();
    desk_ = std::make_unique<RequestDesk>(vault());
    subject_ = NewSubject({.kind = "customer", .age_years = 30, .jurisdiction = "EU"});
    auto ids =
        vault().Write({.subject_id = subject_,
                       .purposes = {"service"},
                       .fields = {{.category = "user.contact.email", .value = "ada@example.com"},
                                  {.category = "user.name", .value = "Ada Lovelace"}}});
    ASSERT_TRUE(ids.ok()) << ids.status().ToString();
    email_field_ = (*ids)[0];
  }

  // The code of the latest identity_code message for the request.
  std::string CodeFor(uint64_t request_id) {
    auto outbox = desk_->Outbox();
    EXPECT_TRUE(outbox.ok());
    std::string code;
    for (const OutboxMessage& m : *outbox) {
      json body = json::parse(m.body);
      if (m.topic == "identity_code" && body["request"] == std::to_string(request_id))
        code = body["code"];
    }
    return code;
  }

  RightsRequest FileVerified(Right right, std::string purpose = {}) {
    auto r = desk_->File({.right = right,
                          .subject_id = subject_,
                          .channel = "dashboard",
                          .purpose = std::move(purpose)});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    auto verified = desk_->VerifyIdentity(r->id, CodeFor(r->id));
    EXPECT_TRUE(verified.ok()) << verified.status().ToString();
    return *verified;
  }

  // The audit log's export entries (reads of a whole copy), oldest first.
  std::vector<AuditEntry> Exports() {
    std::vector<AuditEntry> exports;
    auto rows = vault_internal::CoreOf(vault()).data().GetAuditEntries(0, vault().AuditSize());
    EXPECT_TRUE(rows.ok());
    if (!rows.ok()) return exports;
    for (const store::AuditRecord& row : *rows) {
      auto e = ParseAuditEntry(row.entry);
      EXPECT_TRUE(e.ok());
      if (e.ok() && e->event == AuditEvent::kDecision && e->action == "export") {
        exports.push_back(*e);
      }
    }
    return exports;
  }

  std::unique_ptr<RequestDesk> desk_;
  uint64_t subject_ = 0;
  uint64_t email_field_ = 0;
};

TEST_F(RequestDeskTest, FiledRequestWaitsForTheCodeThenCompletes) {
  auto r = desk_->File({.right = Right::kAccess, .subject_id = subject_, .channel = "dashboard"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->state, RequestState::kIdentityPending);
  ASSERT_TRUE(r->due);
  EXPECT_EQ(*r->due, (CivilDay{2024, 4, 4}));  // received 4 March, EU: one month
  EXPECT_EQ(desk_->Fulfil(r->id).status().code(), StatusCode::kFailedPrecondition);

  auto verified = desk_->VerifyIdentity(r->id, CodeFor(r->id));
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_EQ(verified->state, RequestState::kInProgress);
  auto done = desk_->Fulfil(r->id);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->request.state, RequestState::kCompleted);
  json exported = json::parse(done->export_json);
  ASSERT_EQ(exported["fields"].size(), 2u);
  EXPECT_EQ(exported["fields"][0]["source"], "subject");
  EXPECT_EQ(exported["fields"][0]["legal_bases"],
            json::parse(R"([{"purpose": "service", "basis": "contract"}])"));
  EXPECT_THAT(done->export_csv.at("user.contact.email"), HasSubstr("ada@example.com"));
  std::vector<RequestState> states;
  for (const RequestTransition& t : done->request.history) states.push_back(t.state);
  EXPECT_EQ(states,
            (std::vector<RequestState>{RequestState::kReceived, RequestState::kIdentityPending,
                                       RequestState::kInProgress, RequestState::kCompleted}));
  // Stored: reopening the vault finds the same request.
  desk_.reset();
  Reopen();
  desk_ = std::make_unique<RequestDesk>(vault());
  auto again = desk_->Get(r->id);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->state, RequestState::kCompleted);
  EXPECT_EQ(again->history.size(), 4u);
}

// An access export is a read of the subject's data by whoever fulfilled the request, with its
// API key: a leaked key that exports data leaves the evidence a read leaves, and a breach of that
// key names the subject it exported (Vault::RecordBreach).
TEST_F(RequestDeskTest, AnExportIsAuditedAsAReadByTheKeyThatFulfilledIt) {
  const uint64_t bystander = NewSubject({.kind = "customer", .age_years = 30});
  ASSERT_TRUE(
      vault()
          .Write({.subject_id = bystander,
                  .purposes = {"service"},
                  .fields = {{.category = "user.contact.email", .value = "bo@example.com"}}})
          .ok());
  const RightsRequest r = FileVerified(Right::kAccess);
  const Time started = clock_.Now();
  Principal agent = Principal::Staff(*compiled().FindRole("support"));
  agent.api_key = 0x3f9c0a1b2c3d4e5f;
  auto done = desk_->Fulfil(r.id, {.by = agent});
  ASSERT_TRUE(done.ok()) << done.status().ToString();

  const std::vector<AuditEntry> exports = Exports();
  ASSERT_EQ(exports.size(), 1u);
  EXPECT_EQ(exports[0].subject_id, subject_);
  EXPECT_EQ(exports[0].principal, "staff:support");
  EXPECT_EQ(exports[0].key, ApiKeyIdText(agent.api_key));
  EXPECT_THAT(exports[0].categories,
              ::testing::UnorderedElementsAre("user.contact.email", "user.name"));
  EXPECT_EQ(exports[0].detail, "access:" + std::to_string(r.id));

  clock_.Set(clock_.Now() + std::chrono::hours(1));
  auto breach = vault().RecordBreach({.what = "A support agent's key was leaked",
                                      .started_at = started,
                                      .aware_at = clock_.Now(),
                                      .categories = {"user.contact"},
                                      .api_keys = {ApiKeyIdText(agent.api_key)},
                                      .risk = BreachRisk::kRisk});
  ASSERT_TRUE(breach.ok()) << breach.status().ToString();
  EXPECT_TRUE(breach->read_evidence);
  EXPECT_EQ(breach->subjects_affected, 1u);  // the exported subject, not the bystander
  EXPECT_EQ(breach->subjects_with_data, 2u);
}

// The subject's own copy, outside a request (the privacy center): a read like any other, in the
// audit log before it is shown, in either format.
TEST_F(RequestDeskTest, ASubjectsOwnCopyIsAuditedAsAnExportInEitherFormat) {
  const Principal self = Principal::Subject(subject_);
  auto as_json =
      desk_->SubjectCopy(subject_, RequestDesk::CopyFormat::kJson, self, "privacy_center:data");
  ASSERT_TRUE(as_json.ok()) << as_json.status().ToString();
  EXPECT_EQ(nlohmann::json::parse(*as_json)["fields"].size(), 2u);
  auto csv =
      desk_->SubjectCopy(subject_, RequestDesk::CopyFormat::kCsv, self, "privacy_center:download");
  ASSERT_TRUE(csv.ok()) << csv.status().ToString();
  EXPECT_TRUE(csv->starts_with("field_id,category,value,")) << *csv;
  EXPECT_EQ(std::count(csv->begin(), csv->end(), '\n'), 3);  // the header and two fields

  const std::vector<AuditEntry> exports = Exports();
  ASSERT_EQ(exports.size(), 2u);
  for (const AuditEntry& e : exports) {
    EXPECT_EQ(e.subject_id, subject_);
    EXPECT_EQ(e.principal, "subject");
    EXPECT_THAT(e.categories, ::testing::UnorderedElementsAre("user.contact.email", "user.name"));
  }
  EXPECT_EQ(exports[0].detail, "privacy_center:data");
  EXPECT_EQ(exports[1].detail, "privacy_center:download");
}

// A subject's own Clear stops at the sign-in address and at what the law keeps (Art. 17(3)),
// and a refused clear changes nothing.
TEST_F(RequestDeskTest, ASubjectClearsItsFieldsButNotItsSignInAddressNorWhatTheLawKeeps) {
  const Principal self = Principal::Subject(subject_);
  EXPECT_EQ(desk_->ClearField(self, subject_, email_field_).code(),
            StatusCode::kFailedPrecondition);
  auto name = vault().Write({.subject_id = subject_,
                             .purposes = {"service"},
                             .fields = {{.category = "user.name", .value = "A. L."}}});
  ASSERT_TRUE(name.ok());
  ASSERT_TRUE(vault().PlaceLegalHold(subject_, "", "litigation-17").ok());
  auto kept = desk_->KeptFieldIds(subject_);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->size(), 3u);
  const Status refused = desk_->ClearField(self, subject_, (*name)[0]);
  EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.message()), ::testing::HasSubstr("legal_hold:litigation-17"));
  ASSERT_TRUE(vault().ReleaseLegalHold(subject_, "").ok());
  EXPECT_TRUE(desk_->ClearField(self, subject_, (*name)[0]).ok());
  auto copy = desk_->HeldFields(subject_, self, "test");
  ASSERT_TRUE(copy.ok());
  EXPECT_EQ(copy->size(), 2u);  // the email and the first name; the cleared one is gone
}

TEST_F(RequestDeskTest, WrongCodesUseUpTheAttempts) {
  auto r = desk_->File({.right = Right::kErasure, .subject_id = subject_, .channel = "email"});
  ASSERT_TRUE(r.ok());
  const std::string code = CodeFor(r->id);
  const std::string wrong = code == "00000000" ? "11111111" : "00000000";
  for (int i = 4; i >= 0; --i) {
    auto refused = desk_->VerifyIdentity(r->id, wrong);
    ASSERT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
    EXPECT_THAT(refused, ::privet::testing::Refused(Reason::kWrongCode));
    EXPECT_THAT(refused.status().message(), ::testing::Not(HasSubstr(code)));
  }
  // Even the right code no longer works: a new one must be sent.
  EXPECT_EQ(desk_->VerifyIdentity(r->id, code).status().code(), StatusCode::kPermissionDenied);
  ASSERT_TRUE(desk_->ResendCode(r->id).ok());
  const std::string fresh = CodeFor(r->id);
  EXPECT_TRUE(desk_->VerifyIdentity(r->id, fresh).ok());
  EXPECT_TRUE(vault().GetSubject(subject_).ok());  // nothing erased yet
}

TEST_F(RequestDeskTest, CodesExpire) {
  auto r = desk_->File({.right = Right::kAccess, .subject_id = subject_, .channel = "dashboard"});
  ASSERT_TRUE(r.ok());
  const std::string code = CodeFor(r->id);
  clock_.Advance(std::chrono::minutes(16));
  auto refused = desk_->VerifyIdentity(r->id, code);
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(refused, ::privet::testing::Refused(Reason::kCodeExpired));
}

TEST_F(RequestDeskTest, CodesAreStoredOnlyAsHashesAndSealedInTheOutbox) {
  auto r = desk_->File({.right = Right::kAccess, .subject_id = subject_, .channel = "dashboard"});
  ASSERT_TRUE(r.ok());
  const std::string code = CodeFor(r->id);
  ASSERT_EQ(code.size(), 8u);
  desk_.reset();
  vault_.reset();  // closes and checkpoints
  for (const char* file : {"data.db", "data.db-wal", "keys.db", "keys.db-wal"}) {
    EXPECT_EQ(ReadFile(dir_ / file).find(code), std::string::npos) << file;
  }
}

TEST_F(RequestDeskTest, ExtensionTellsTheSubjectAndMovesTheDeadline) {
  RightsRequest r = FileVerified(Right::kAccess);
  auto extended = desk_->Extend(r.id, "complexity");
  ASSERT_TRUE(extended.ok()) << extended.status().ToString();
  EXPECT_EQ(extended->state, RequestState::kExtended);
  EXPECT_EQ(*extended->due, (CivilDay{2024, 6, 4}));  // three months from receipt
  EXPECT_EQ(desk_->Extend(r.id, "complexity").status().code(),
            StatusCode::kFailedPrecondition);  // once
  auto outbox = desk_->Outbox();
  ASSERT_TRUE(outbox.ok());
  EXPECT_EQ(outbox->back().topic, "request_extended");
  EXPECT_EQ(json::parse(outbox->back().body)["reason"], "complexity");
  EXPECT_EQ(desk_->Extend(r.id, "free text with spaces").status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(RequestDeskTest, OverdueListsLateAndSoonDueRequests) {
  RightsRequest r = FileVerified(Right::kAccess);
  auto late = desk_->Overdue();
  ASSERT_TRUE(late.ok());
  EXPECT_THAT(*late, IsEmpty());
  late = desk_->Overdue(std::chrono::days(31));  // due 4 April: within 31 days of 4 March
  ASSERT_TRUE(late.ok());
  ASSERT_EQ(late->size(), 1u);
  clock_.Advance(std::chrono::days(32));
  late = desk_->Overdue();
  ASSERT_EQ(late->size(), 1u);
  EXPECT_EQ(late->front().id, r.id);
  ASSERT_TRUE(desk_->Fulfil(r.id).ok());  // answered (late): no longer listed
  EXPECT_THAT(*desk_->Overdue(), IsEmpty());
}

TEST_F(RequestDeskTest, ASubjectsRequestsAreListedOldestFirst) {
  // Request ids are random, so the store's id order is not the order they were filed in.
  std::vector<uint64_t> filed;
  for (int i = 0; i < 8; ++i) {
    auto r = desk_->File({.right = Right::kAccess, .subject_id = subject_, .channel = "dashboard"});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    filed.push_back(r->id);
    clock_.Advance(std::chrono::minutes(1));
  }
  auto listed = desk_->ForSubject(subject_);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  std::vector<uint64_t> ids;
  for (const RightsRequest& r : *listed) ids.push_back(r.id);
  EXPECT_EQ(ids, filed);
}

TEST_F(RequestDeskTest, DenialCarriesTheGroundAndTheLaw) {
  RightsRequest r = FileVerified(Right::kErasure);
  EXPECT_EQ(desk_->Deny(r.id, {.scope = "user.name", .ground = "legal_claims"}).status().code(),
            StatusCode::kInvalidArgument);  // no provision named
  auto denied = desk_->Deny(
      r.id, {.scope = "user.name", .ground = "legal_claims", .law = "GDPR Art. 17(3)(e)"});
  ASSERT_TRUE(denied.ok()) << denied.status().ToString();
  EXPECT_EQ(denied->state, RequestState::kDenied);
  EXPECT_EQ(desk_->Fulfil(r.id).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(vault().GetSubject(subject_).ok());
}

TEST_F(RequestDeskTest, BadRequestsChangeNothing) {
  const uint64_t audit_before = vault().AuditSize();
  EXPECT_EQ(
      desk_->File({.right = Right::kChildDataReport, .subject_id = subject_, .channel = "email"})
          .status()
          .code(),
      StatusCode::kInvalidArgument);  // not offered by the starter policy
  EXPECT_EQ(desk_->File({.right = Right::kAccess, .subject_id = subject_, .channel = "fax"})
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(desk_
                ->File({.right = Right::kObjection,
                        .subject_id = subject_,
                        .channel = "email",
                        .purpose = "service"})
                .status()
                .code(),
            StatusCode::kInvalidArgument);  // contract processing is not open to objection
  EXPECT_EQ(desk_->File({.right = Right::kAccess, .subject_id = 12345, .channel = "email"})
                .status()
                .code(),
            StatusCode::kNotFound);
  EXPECT_EQ(desk_->Get(999).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(vault().AuditSize(), audit_before);
}

TEST_F(RequestDeskTest, RestrictionIsLiftedOnlyAfterTellingTheSubject) {
  RightsRequest r = FileVerified(Right::kRestriction);
  ASSERT_TRUE(desk_->Fulfil(r.id).ok());
  EXPECT_TRUE(vault().State(subject_)->restricted);
  auto read = vault().Read(Principal::Service(), subject_, "service");
  ASSERT_TRUE(read.ok());
  EXPECT_THAT(read->fields, IsEmpty());
  ASSERT_TRUE(desk_->LiftRestriction(subject_, "accuracy_verified").ok());
  EXPECT_FALSE(vault().State(subject_)->restricted);
  auto outbox = desk_->Outbox();
  ASSERT_TRUE(outbox.ok());
  EXPECT_TRUE(std::any_of(outbox->begin(), outbox->end(),
                          [](const OutboxMessage& m) { return m.topic == "restriction_lift"; }));
  EXPECT_EQ(desk_->LiftRestriction(subject_, "again").code(), StatusCode::kFailedPrecondition);
}

TEST_F(RequestDeskTest, OutboxMessagesAreMarkedSent) {
  auto r = desk_->File({.right = Right::kAccess, .subject_id = subject_, .channel = "dashboard"});
  ASSERT_TRUE(r.ok());
  auto unsent = desk_->Outbox();
  ASSERT_EQ(unsent->size(), 1u);
  ASSERT_TRUE(desk_->MarkSent(unsent->front().seq).ok());
  EXPECT_THAT(*desk_->Outbox(), IsEmpty());
  EXPECT_EQ(desk_->Outbox(/*unsent_only=*/false)->size(), 1u);
}

TEST_F(RequestDeskTest, PortabilityExportIsSentToAnotherController) {
  ASSERT_TRUE(
      vault()
          .Write({.subject_id = subject_,
                  .purposes = {"security"},
                  .fields = {{.category = "user.device.ip_address", .value = "203.0.113.9"}}})
          .ok());
  testing::HttpsReceiver receiver(dir_.path());
  ASSERT_TRUE(receiver.ok()) << "openssl could not make a certificate";
  RightsRequest r = FileVerified(Right::kPortability);
  auto done = desk_->Fulfil(
      r.id, {.push_to = PushTarget{.url = receiver.url(), .ca_file = receiver.cert()}});
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->push_status, 202);
  json received = json::parse(receiver.Received());
  EXPECT_EQ(received["format"], "privet.portable/1");
  // Only what the subject provided under contract or consent: not the security log.
  ASSERT_EQ(received["fields"].size(), 2u);
  EXPECT_EQ(received.dump().find("203.0.113.9"), std::string::npos);
  EXPECT_NE(received.dump().find("ada@example.com"), std::string::npos);
}

TEST_F(RequestDeskTest, PushRefusesPlainHttpAndUntrustedCertificates) {
  RightsRequest r = FileVerified(Right::kPortability);
  auto refused = desk_->Fulfil(r.id, {.push_to = PushTarget{.url = "http://127.0.0.1:1/import"}});
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  testing::HttpsReceiver receiver(dir_.path());
  ASSERT_TRUE(receiver.ok());
  // The system's trust store does not know the self-signed certificate.
  refused = desk_->Fulfil(
      r.id, {.push_to = PushTarget{.url = receiver.url(), .timeout = std::chrono::seconds(5)}});
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(desk_->Get(r.id)->open());  // not completed: it can be retried
}

TEST(RequestState, NamesRoundTrip) {
  testing::ExpectNamesRoundTrip(&RequestStateName, &ParseRequestStateName);
  EXPECT_EQ(RequestStateName(RequestState::kIdentityPending), "identity_pending");
}

// The id seam (privet/id_source.h): a request's id comes from the vault's IdSource, its
// verification code from the CSPRNG whatever the source.
struct FiledWithSeed {
  uint64_t request_id = 0;
  std::string code;
};
FiledWithSeed FileOneWithSeed(const std::string& data_dir, uint64_t seed) {
  ManualClock clock(CivilDayToTime({2024, 3, 4}));
  SeededIdSource ids(seed);
  auto vault = Vault::Open({.data_dir = data_dir,
                            .policy = testing::CompileFile("policies/starter.yaml"),
                            .clock = &clock,
                            .ids = &ids});
  EXPECT_TRUE(vault.ok()) << vault.status().ToString();
  if (!vault.ok()) return {};
  RequestDesk desk(**vault);
  auto subject =
      (*vault)->CreateSubject({.kind = "customer", .age_years = 30, .jurisdiction = "EU"});
  EXPECT_TRUE(subject.ok()) << subject.status().ToString();
  if (!subject.ok()) return {};
  auto r = desk.File({.right = Right::kAccess, .subject_id = *subject, .channel = "dashboard"});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return {};
  FiledWithSeed out{.request_id = r->id};
  auto outbox = desk.Outbox();
  EXPECT_TRUE(outbox.ok()) << outbox.status().ToString();
  if (!outbox.ok()) return out;
  for (const OutboxMessage& m : *outbox)
    if (m.topic == "identity_code") out.code = json::parse(m.body)["code"];
  return out;
}

TEST(RequestIds, ComeFromTheVaultsIdSourceButCodesNever) {
  testing::TempDir dir;
  const FiledWithSeed a = FileOneWithSeed(dir / "a", 9);
  const FiledWithSeed b = FileOneWithSeed(dir / "b", 9);
  EXPECT_NE(a.request_id, 0u);
  EXPECT_EQ(a.request_id, b.request_id);
  ASSERT_EQ(a.code.size(), 8u);
  ASSERT_EQ(b.code.size(), 8u);
  // Two independent eight-digit codes are equal once in 10^8 runs.
  EXPECT_NE(a.code, b.code);
}

}  // namespace
}  // namespace privet
