// Confect rights and retention promises, run through the request desk, the retention sweep and
// the vault (policies/confect.yaml).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <tuple>

#include "conformance/rights_fixture.h"
#include "testing/https_receiver.h"

namespace privet {
namespace {

using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

class ConfectRights : public testing::RightsTest {
 protected:
  ConfectRights() : RightsTest("policies/confect.yaml") {}

  // An applicant with a CV on file, as a job application writes it.
  uint64_t NewApplicant(const std::string& name) {
    const uint64_t id = NewSubject({.kind = "applicant", .jurisdiction = "EU"});
    MustWrite({.subject_id = id,
               .purposes = {"recruitment"},
               .fields = {{.category = "user.name", .value = name},
                          {.category = "user.contact.email", .value = name + "@example.com"},
                          {.category = "user.job_application", .value = "cv-" + name + ".pdf"}},
               .feature = "job_application"});
    return id;
  }
  size_t Swept() {
    auto report = RunRetention(vault());
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? report->fields_deleted : 0;
  }
  // Categories held for a subject, whatever the purpose (the full access export).
  std::vector<std::string> Held(uint64_t id) {
    auto json = desk().ExportJson(id, RequestDesk::ExportScope::kEverything);
    EXPECT_TRUE(json.ok()) << json.status().ToString();
    std::vector<std::string> out;
    if (!json.ok()) return out;
    const nlohmann::json exported = Parse(*json);
    for (const auto& f : exported["fields"]) out.push_back(f.value("category", ""));
    std::sort(out.begin(), out.end());
    return out;
  }
};

TEST_F(ConfectRights, CF10_RecruitmentDataGoneSixMonthsAfterLastApplicationUnlessAgreed) {
  clock_.Set(CivilDayToTime({2024, 3, 4}) + std::chrono::hours(9));
  const uint64_t plain = NewApplicant("ana");
  const uint64_t pooled = NewApplicant("ben");
  ASSERT_TRUE(vault()
                  .RecordConsent(pooled, {.purpose = "recruitment.talent_pool",
                                          .action = ConsentAction::kGrant,
                                          .source = ConsentSource::kForm})
                  .ok());
  // Ana applies again a month later: the six months run from the last application.
  clock_.Advance(std::chrono::days(31));  // 2024-04-04
  ASSERT_TRUE(vault().RecordLifecycleEvent(plain, AnchorEvent::kLastApplication).ok());
  ASSERT_TRUE(vault().RecordLifecycleEvent(pooled, AnchorEvent::kLastApplication).ok());

  clock_.Set(CivilDayToTime({2024, 10, 3}) +
             std::chrono::hours(12));  // 6 months after 2024-03-04, not after 04-04
  EXPECT_EQ(Swept(), 0u);
  EXPECT_THAT(Held(plain), SizeIs(3));
  clock_.Set(CivilDayToTime({2024, 10, 4}) + std::chrono::hours(10));
  EXPECT_EQ(Swept(), 3u);
  EXPECT_THAT(Held(plain), IsEmpty());
  EXPECT_THAT(Visible(Principal::Service(), plain, "recruitment"), IsEmpty());
  // Agreed otherwise (talent pool): kept.
  EXPECT_THAT(Held(pooled), ElementsAre("user.contact.email", "user.job_application", "user.name"));

  // "when the recruitment process is completed": gone as soon as the process ends.
  const uint64_t closed = NewApplicant("cy");
  ASSERT_TRUE(vault().RecordLifecycleEvent(closed, AnchorEvent::kLastApplication).ok());
  EXPECT_EQ(Swept(), 0u);
  EXPECT_THAT(Held(closed), SizeIs(3));
  clock_.Advance(std::chrono::days(10));
  ASSERT_TRUE(vault().RecordLifecycleEvent(closed, AnchorEvent::kProcessEnd).ok());
  ASSERT_TRUE(vault().RecordLifecycleEvent(pooled, AnchorEvent::kProcessEnd).ok());
  EXPECT_EQ(Swept(), 3u);
  EXPECT_THAT(Held(closed), IsEmpty());
  EXPECT_THAT(Held(pooled), SizeIs(3));  // still agreed otherwise
  // Withdrawing the agreement lets the rules apply again.
  ASSERT_TRUE(vault()
                  .RecordConsent(pooled, {.purpose = "recruitment.talent_pool",
                                          .action = ConsentAction::kWithdraw,
                                          .source = ConsentSource::kForm})
                  .ok());
  EXPECT_EQ(Swept(), 3u);
  EXPECT_THAT(Held(pooled), IsEmpty());
}

TEST_F(ConfectRights, CF11_LeadDeletedTwentyFourMonthsAfterLastActivity) {
  clock_.Set(CivilDayToTime({2024, 3, 4}) + std::chrono::hours(9));
  const uint64_t lead = NewSubject({.kind = "lead", .jurisdiction = "EU"});
  MustWrite(
      {.subject_id = lead,
       .purposes = {"marketing"},
       .fields = {{.category = "user.name", .value = "Dana"},
                  {.category = "user.contact.email", .value = "dana@prospect.example"},
                  {.category = "user.workplace.customer_relationship", .value = "prospect"}}});
  MustWrite({.subject_id = lead,
             .purposes = {"marketing.content"},
             .fields = {{.category = "user.behavior.clicks", .value = "webinar-2024-03"}}});
  const uint64_t active = NewSubject({.kind = "lead", .jurisdiction = "EU"});
  MustWrite({.subject_id = active,
             .purposes = {"marketing"},
             .fields = {{.category = "user.name", .value = "Eli"}}});

  // Eli attends a webinar a year later: recorded activity.
  clock_.Advance(std::chrono::days(365));
  ASSERT_TRUE(vault().RecordLifecycleEvent(active, AnchorEvent::kLastActivity).ok());

  clock_.Set(CivilDayToTime({2026, 3, 3}) + std::chrono::hours(12));  // a day short of 24 months
  EXPECT_EQ(Swept(), 0u);
  EXPECT_TRUE(vault().GetSubject(lead).ok());
  clock_.Set(CivilDayToTime({2026, 3, 5}));
  EXPECT_EQ(Swept(), 4u);
  // The lead is gone whole (crypto-shredded); the one with later activity stays.
  EXPECT_EQ(vault().GetSubject(lead).status().code(), StatusCode::kNotFound);
  auto found = vault().FindSubject(Vault::Identifier::kEmail, "dana@prospect.example");
  EXPECT_TRUE(!found.ok() || !found->has_value());
  EXPECT_THAT(Held(active), ElementsAre("user.name"));
  clock_.Set(CivilDayToTime({2027, 3, 6}));
  EXPECT_EQ(Swept(), 1u);
  EXPECT_EQ(vault().GetSubject(active).status().code(), StatusCode::kNotFound);
}

TEST_F(ConfectRights, CF12_AccessGivesACopyWithSourcesAndPortabilityOnlyWhatTheSubjectProvided) {
  const uint64_t id = NewSubject({.kind = "customer", .jurisdiction = "EU"});
  ASSERT_TRUE(vault()
                  .RecordConsent(id, {.purpose = "marketing.email",
                                      .action = ConsentAction::kGrant,
                                      .source = ConsentSource::kForm})
                  .ok());
  MustWrite({.subject_id = id,
             .purposes = {"purchase"},
             .fields = {{.category = "user.name", .value = "Frida"},
                        {.category = "user.contact.email", .value = "frida@example.se"}}});
  MustWrite({.subject_id = id,
             .purposes = {"purchase"},
             .fields = {{.category = "user.workplace.customer_relationship",
                         .value = "key account",
                         .source = DataSource::kPartner}}});
  MustWrite({.subject_id = id,
             .purposes = {"marketing.email"},
             .fields = {{.category = "user.contact.email", .value = "frida+news@example.se"}}});
  MustWrite({.subject_id = id,
             .purposes = {"support"},
             .fields = {{.category = "user.device.ip_address", .value = "192.0.2.44"}}});
  MustWrite({.subject_id = id,
             .purposes = {"marketing.profiling"},
             .fields = {{.category = "user.derived.interest_profile",
                         .value = "segment:logistics",
                         .source = DataSource::kDerived}}});

  auto access = Exercise({.right = Right::kAccess, .subject_id = id, .channel = "web_form"});
  ASSERT_TRUE(access.ok()) << access.status().ToString();
  EXPECT_EQ(access->request.state, RequestState::kCompleted);
  nlohmann::json copy = Parse(access->export_json);
  ASSERT_TRUE(copy["fields"].is_array());
  ASSERT_THAT(copy["fields"], SizeIs(6));
  std::map<std::string, std::tuple<std::string, std::string, std::string>>
      by_value;  // value → source, purpose, basis
  for (const auto& f : copy["fields"]) {
    ASSERT_TRUE(f.contains("source") && f.contains("purposes") && f.contains("legal_bases"))
        << f.dump();
    ASSERT_THAT(f["purposes"], SizeIs(1));
    ASSERT_THAT(f["legal_bases"], SizeIs(1));
    EXPECT_EQ(f["legal_bases"][0].value("purpose", ""), f["purposes"][0]);
    by_value[f.value("value", "")] = {f.value("source", ""), f["purposes"][0].get<std::string>(),
                                      f["legal_bases"][0].value("basis", "")};
  }
  using T = std::tuple<std::string, std::string, std::string>;
  EXPECT_EQ(by_value["Frida"], (T{"subject", "purchase", "contract"}));
  EXPECT_EQ(by_value["key account"], (T{"partner", "purchase", "contract"}));
  EXPECT_EQ(by_value["frida+news@example.se"], (T{"subject", "marketing.email", "consent"}));
  EXPECT_EQ(by_value["192.0.2.44"], (T{"subject", "support", "legitimate_interests"}));
  EXPECT_EQ(by_value["segment:logistics"],
            (T{"derived", "marketing.profiling", "legitimate_interests"}));
  EXPECT_FALSE(access->export_csv.empty());  // and a CSV per category
  EXPECT_EQ(access->export_csv.count("user.name"), 1u);

  auto portable = Exercise({.right = Right::kPortability, .subject_id = id, .channel = "support"});
  ASSERT_TRUE(portable.ok()) << portable.status().ToString();
  nlohmann::json moved = Parse(portable->export_json);
  EXPECT_EQ(moved.value("format", ""), "privet.portable/1");
  std::vector<std::string> values;
  for (const auto& f : moved["fields"]) values.push_back(f.value("value", ""));
  EXPECT_THAT(values, UnorderedElementsAre("Frida", "frida@example.se", "frida+news@example.se"));
}

// The rest of CF12: rectification, restriction, and portability to another controller.
TEST_F(ConfectRights, CF12_RectificationRestrictionAndPortabilityToAnotherController) {
  const uint64_t id = NewSubject({.kind = "customer", .jurisdiction = "EU"});
  std::vector<uint64_t> ids =
      MustWrite({.subject_id = id,
                 .purposes = {"purchase"},
                 .fields = {{.category = "user.name", .value = "Frida Nilson"},
                            {.category = "user.contact.email", .value = "frida@example.se"}}});
  ASSERT_THAT(ids, SizeIs(2));

  // Rectification: the corrected value replaces the old one.
  auto fixed = Exercise({.right = Right::kRectification, .subject_id = id, .channel = "web_form"},
                        {.corrections = {{ids[0], "Frida Nilsson"}}});
  ASSERT_TRUE(fixed.ok()) << fixed.status().ToString();
  EXPECT_EQ(fixed->request.state, RequestState::kCompleted);
  EXPECT_THAT(ValuesFor(id, "purchase"), UnorderedElementsAre("Frida Nilsson", "frida@example.se"));

  // Portability, sent to another controller over HTTPS: what the subject provided.
  testing::HttpsReceiver receiver(dir_.path());
  ASSERT_TRUE(receiver.ok()) << "openssl could not make a certificate";
  auto pushed =
      Exercise({.right = Right::kPortability, .subject_id = id, .channel = "web_form"},
               {.push_to = PushTarget{.url = receiver.url(), .ca_file = receiver.cert()}});
  ASSERT_TRUE(pushed.ok()) << pushed.status().ToString();
  EXPECT_EQ(pushed->push_status, 202);
  nlohmann::json received = Parse(receiver.Received());
  EXPECT_EQ(received.value("format", ""), "privet.portable/1");
  std::vector<std::string> moved;
  for (const auto& f : received["fields"]) moved.push_back(f.value("value", ""));
  EXPECT_THAT(moved, UnorderedElementsAre("Frida Nilsson", "frida@example.se"));

  // Restriction: processing stops (the data is kept) until it is lifted, and the subject is told.
  auto restricted =
      Exercise({.right = Right::kRestriction, .subject_id = id, .channel = "web_form"});
  ASSERT_TRUE(restricted.ok()) << restricted.status().ToString();
  EXPECT_EQ(restricted->request.state, RequestState::kCompleted);
  EXPECT_THAT(ValuesFor(id, "purchase"), IsEmpty());
  ASSERT_TRUE(desk().LiftRestriction(id, "accuracy_verified").ok());
  EXPECT_THAT(Messages("restriction_lift"), SizeIs(1));
  EXPECT_THAT(ValuesFor(id, "purchase"), UnorderedElementsAre("Frida Nilsson", "frida@example.se"));
}

// Art. 15(1)(h) beside CF15: the access export says that the subject's data feeds profiling,
// naming the purposes the policy flags `profiling` that use it, with their basis; the policy
// format cannot declare decisions based solely on automated processing, and the export says so.
TEST_F(ConfectRights, CF15_AccessExportNamesTheProfilingPurposesThatUseTheData) {
  const uint64_t id = NewSubject({.kind = "customer", .jurisdiction = "EU"});
  MustWrite({.subject_id = id,
             .purposes = {"marketing.profiling"},
             .fields = {{.category = "user.derived.interest_profile",
                         .value = "segment:logistics",
                         .source = DataSource::kDerived}}});
  auto access = Exercise({.right = Right::kAccess, .subject_id = id, .channel = "web_form"});
  ASSERT_TRUE(access.ok()) << access.status().ToString();
  const nlohmann::json info = Parse(access->export_json)["information"];
  // Expected: the purposes the policy flags as profiling (own or inherited) that may use the
  // field: the one it is held for, or one beneath it, whose categories include it.
  std::map<std::string, std::string> expected;  // purpose → basis
  const CategoryId category = *compiled().FindCategory("user.derived.interest_profile");
  for (const Purpose& p : compiled().policy().purposes) {
    const CompiledPurpose& cp = compiled().purpose(*compiled().FindPurpose(p.id));
    if (cp.profiling && !cp.prohibited && IdCovers("marketing.profiling", p.id) &&
        cp.categories.Test(category))
      expected[p.id] = std::string(LegalBasisName(cp.basis));
  }
  ASSERT_FALSE(expected.empty());
  const nlohmann::json& automated = info["automated_decision_making"];
  EXPECT_EQ(automated.value("profiling", false), true);
  std::map<std::string, std::string> got;
  for (const auto& p : automated["profiling_purposes"])
    got[p.value("purpose", "")] = p.value("legal_basis", "");
  EXPECT_EQ(got, expected);
  // Decisions based solely on automated processing, as the policy states them (or that it
  // states nothing).
  const auto& declared = compiled().policy().automated_decisions;
  const nlohmann::json& solely = automated["solely_automated_decisions"];
  EXPECT_EQ(solely.value("declared", !declared), declared.has_value());
  if (declared) {
    EXPECT_EQ(solely["used"], declared->used);
  } else {
    EXPECT_TRUE(solely["used"].is_null());
  }
  // The source: derived by the controller, not provided by the subject.
  ASSERT_EQ(info["sources"].size(), 1u);
  EXPECT_EQ(info["sources"][0].value("origin", ""), "derived");
}

TEST_F(ConfectRights, CF13_ObjectionToDirectMarketingAlwaysSucceeds) {
  const uint64_t id = NewSubject({.kind = "customer", .jurisdiction = "EU"});
  MustWrite({.subject_id = id,
             .purposes = {"marketing"},
             .fields = {{.category = "user.name", .value = "Gus"},
                        {.category = "user.contact.phone", .value = "+46 8 123 456"}}});
  MustWrite({.subject_id = id,
             .purposes = {"support"},
             .fields = {{.category = "user.device.info", .value = "Firefox on Linux"}}});
  MustWrite({.subject_id = id,
             .purposes = {"security"},
             .fields = {{.category = "user.device.ip_address", .value = "192.0.2.8"}}});
  // Staff record a compelling ground for marketing and for support.
  for (const char* purpose : {"marketing", "support"}) {
    ASSERT_TRUE(vault()
                    .RecordConsent(id, {.purpose = purpose,
                                        .action = ConsentAction::kOverridingGround,
                                        .source = ConsentSource::kStaff})
                    .ok());
  }

  // Direct marketing: the objection wins whatever ground is recorded.
  auto marketing = Exercise({.right = Right::kObjection,
                             .subject_id = id,
                             .channel = "web_form",
                             .purpose = "marketing"});
  ASSERT_TRUE(marketing.ok()) << marketing.status().ToString();
  EXPECT_EQ(marketing->request.state, RequestState::kCompleted);
  EXPECT_THAT(marketing->request.exceptions, IsEmpty());
  auto read = vault().Read(Principal::Service(), id, "marketing");
  ASSERT_TRUE(read.ok());
  EXPECT_THAT(read->fields, IsEmpty());
  EXPECT_THAT(Reasons(*read), ElementsAre(Reason::kObjected, Reason::kObjected));

  // Legitimate interest with an overriding ground: processing goes on, and the answer says why.
  auto support = Exercise(
      {.right = Right::kObjection, .subject_id = id, .channel = "web_form", .purpose = "support"});
  ASSERT_TRUE(support.ok()) << support.status().ToString();
  EXPECT_EQ(support->request.state, RequestState::kCompleted);
  ASSERT_THAT(support->request.exceptions, SizeIs(1));
  EXPECT_EQ(support->request.exceptions[0].scope, "support");
  EXPECT_EQ(support->request.exceptions[0].ground, "overriding_ground:support");
  EXPECT_FALSE(support->request.exceptions[0].law.empty());
  EXPECT_THAT(Visible(Principal::Service(), id, "support"), ElementsAre("user.device.info"));
  auto completed = Messages("request_completed");
  ASSERT_THAT(completed, SizeIs(2));
  EXPECT_NE(completed.back().body.find("overriding_ground:support"), std::string::npos);

  // Legitimate interest without one: the objection stops it.
  auto security = Exercise(
      {.right = Right::kObjection, .subject_id = id, .channel = "web_form", .purpose = "security"});
  ASSERT_TRUE(security.ok()) << security.status().ToString();
  EXPECT_THAT(security->request.exceptions, IsEmpty());
  auto sec = vault().Read(Principal::Service(), id, "security");
  ASSERT_TRUE(sec.ok());
  EXPECT_THAT(sec->fields, IsEmpty());
  EXPECT_THAT(Reasons(*sec), ElementsAre(Reason::kObjected));
}

TEST_F(ConfectRights, CF14_ErasureUnderLegalHoldReportsTheExceptionAndItsGround) {
  const uint64_t id = NewApplicant("hana");
  MustWrite({.subject_id = id,
             .purposes = {"security"},
             .fields = {{.category = "user.device.ip_address", .value = "192.0.2.99"}}});
  ASSERT_TRUE(vault().PlaceLegalHold(id, "recruitment", "case-2024-117").ok());
  auto holds = vault().LegalHolds(id);
  ASSERT_TRUE(holds.ok());
  ASSERT_THAT(*holds, SizeIs(1));

  auto erased = Exercise({.right = Right::kErasure, .subject_id = id, .channel = "web_form"});
  ASSERT_TRUE(erased.ok()) << erased.status().ToString();
  EXPECT_EQ(erased->request.state, RequestState::kCompleted);
  std::set<std::string> scopes;
  for (const RequestException& e : erased->request.exceptions) {
    scopes.insert(e.scope);
    EXPECT_EQ(e.ground, "legal_hold:case-2024-117");
    EXPECT_FALSE(e.law.empty());
  }
  EXPECT_EQ(scopes,
            (std::set<std::string>{"user.contact.email", "user.job_application", "user.name"}));
  // The held data is still there; everything else is gone.
  EXPECT_TRUE(vault().GetSubject(id).ok());
  EXPECT_THAT(Held(id), ElementsAre("user.contact.email", "user.job_application", "user.name"));
  EXPECT_THAT(Visible(Principal::Service(), id, "security"), IsEmpty());
  // The subject was told what stayed and why.
  auto told = Messages("request_completed");
  ASSERT_THAT(told, SizeIs(1));
  EXPECT_NE(told[0].body.find("legal_hold:case-2024-117"), std::string::npos);
  auto stored = desk().Get(erased->request.id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->exceptions, erased->request.exceptions);

  // Once the hold is released, a new erasure takes the rest.
  ASSERT_TRUE(vault().ReleaseLegalHold(id, "recruitment").ok());
  auto again = Exercise({.right = Right::kErasure, .subject_id = id, .channel = "web_form"});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_THAT(again->request.exceptions, IsEmpty());
  EXPECT_EQ(vault().GetSubject(id).status().code(), StatusCode::kNotFound);
}

TEST_F(ConfectRights, CF14_HoldOnEverythingKeepsEveryField) {
  const uint64_t id = NewApplicant("ivo");
  ASSERT_TRUE(vault().PlaceLegalHold(id, "", "litigation-9").ok());
  auto erased = Exercise({.right = Right::kErasure, .subject_id = id, .channel = "support"});
  ASSERT_TRUE(erased.ok()) << erased.status().ToString();
  EXPECT_EQ(erased->request.state, RequestState::kCompleted);
  ASSERT_THAT(erased->request.exceptions, SizeIs(3));
  for (const RequestException& e : erased->request.exceptions)
    EXPECT_EQ(e.ground, "legal_hold:litigation-9");
  EXPECT_THAT(Held(id), SizeIs(3));
}

TEST_F(ConfectRights, CF15_MarketingObjectionDeletesTheProfile) {
  const uint64_t id = NewSubject({.kind = "customer", .jurisdiction = "EU"});
  MustWrite({.subject_id = id,
             .purposes = {"marketing.profiling"},
             .fields = {{.category = "user.derived.interest_profile",
                         .value = "segment:logistics",
                         .source = DataSource::kDerived},
                        {.category = "user.behavior.clicks", .value = "webinar-signup"}}});
  MustWrite({.subject_id = id,
             .purposes = {"marketing.content", "marketing.profiling"},
             .fields = {{.category = "user.behavior.clicks", .value = "pricing-page"}}});
  MustWrite({.subject_id = id,
             .purposes = {"marketing.profiling"},
             .fields = {{.category = "user.device.info",
                         .value = "device-class:desktop",
                         .source = DataSource::kDerived}}});
  MustWrite({.subject_id = id,
             .purposes = {"support"},
             .fields = {{.category = "user.device.info",
                         .value = "crash-bucket:17",
                         .source = DataSource::kDerived}}});
  MustWrite({.subject_id = id,
             .purposes = {"purchase"},
             .fields = {{.category = "user.name", .value = "Jo"}}});
  ASSERT_THAT(Visible(Principal::Service(), id, "marketing.profiling"), SizeIs(4));

  auto done = Exercise({.right = Right::kObjection,
                        .subject_id = id,
                        .channel = "web_form",
                        .purpose = "marketing"});
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->request.state, RequestState::kCompleted);
  // The profile built for marketing is deleted: what was derived for it and what was held for it
  // alone. What is also held for another purpose stays (and profiling stops).
  std::set<std::string> values;
  auto json = desk().ExportJson(id, RequestDesk::ExportScope::kEverything);
  ASSERT_TRUE(json.ok());
  const nlohmann::json exported = Parse(*json);
  for (const auto& f : exported["fields"]) values.insert(f.value("value", ""));
  EXPECT_EQ(values, (std::set<std::string>{"pricing-page", "crash-bucket:17", "Jo"}));
  auto profiling = vault().Read(Principal::Service(), id, "marketing.profiling");
  ASSERT_TRUE(profiling.ok());
  EXPECT_THAT(profiling->fields, IsEmpty());
  EXPECT_THAT(Reasons(*profiling), ElementsAre(Reason::kObjected));  // the clicks the subject made
  EXPECT_THAT(Visible(Principal::Service(), id, "support"), ElementsAre("user.device.info"));
}

}  // namespace
}  // namespace privet
