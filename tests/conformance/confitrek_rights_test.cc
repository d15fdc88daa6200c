// ConfiTrek rights promises, run through the request desk and the vault (policies/confitrek.yaml).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "conformance/rights_fixture.h"

namespace privet {
namespace {

using ::testing::Contains;
using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

class ConfitrekRights : public testing::RightsTest {
 protected:
  ConfitrekRights() : RightsTest("policies/confitrek.yaml") {}
  static constexpr uint64_t kAcme = 41;
  static constexpr uint64_t kGlobex = 42;
};

// CT04: "each datum records its source, and an access export shows the source": data from the
// subject, from the product's contexts and from third parties, combined in one record, and the
// subject's access export names, for every datum, the source it was written with.
TEST_F(ConfitrekRights, CT04_TheAccessExportShowsWhereEachDatumCameFrom) {
  const uint64_t id = NewSubject({.kind = "customer", .jurisdiction = "EU"});
  ASSERT_TRUE(
      vault().RecordConsent(id, {.purpose = "personalize", .action = ConsentAction::kGrant}).ok());
  std::map<std::string, DataSource> written;  // value → the source it was written with
  auto put = [&](const std::string& purpose, const std::string& category, const std::string& value,
                 DataSource source) {
    MustWrite({.subject_id = id,
               .purposes = {purpose},
               .fields = {{.category = category, .value = value, .source = source}}});
    written[value] = source;
  };
  put("provide", "user.name", "Dee", DataSource::kSubject);
  put("provide", "user.workplace", "Acme Logistics", DataSource::kPartner);
  put("provide", "user.behavior.interaction", "opened report 7", DataSource::kCookies);
  put("personalize", "user.third_party", "household: 2 adults", DataSource::kAggregator);
  put("personalize", "user.third_party", "listed director of Acme", DataSource::kPublicSource);
  put("personalize", "user.third_party", "follows @logistics", DataSource::kSocialNetwork);
  put("personalize", "user.behavior.interests", "segment:logistics", DataSource::kDerived);

  auto access = Exercise({.right = Right::kAccess, .subject_id = id, .channel = "web_form"});
  ASSERT_TRUE(access.ok()) << access.status().ToString();
  EXPECT_EQ(access->request.state, RequestState::kCompleted);
  nlohmann::json copy = Parse(access->export_json);
  ASSERT_TRUE(copy["fields"].is_array()) << access->export_json;
  std::map<std::string, std::string> exported;  // value → the source the export shows
  for (const auto& f : copy["fields"]) {
    ASSERT_TRUE(f.contains("source")) << f.dump();
    exported[f.value("value", "")] = f.value("source", "");
  }
  ASSERT_EQ(exported.size(), written.size()) << access->export_json;
  for (const auto& [value, source] : written) {
    ASSERT_TRUE(exported.contains(value)) << value << " is missing from the export";
    EXPECT_EQ(exported[value], DataSourceName(source)) << value;
  }
}

TEST_F(ConfitrekRights, CT08_DashboardShowsOwnDataAndClearsSome) {
  const uint64_t id = NewSubject({.kind = "customer", .jurisdiction = "EU"});
  const std::vector<uint64_t> ids =
      MustWrite({.subject_id = id,
                 .purposes = {"provide"},
                 .fields = {{.category = "user.name", .value = "Ada"},
                            {.category = "user.contact.email", .value = "ada@example.com"},
                            {.category = "user.behavior.interaction", .value = "opened report 7"},
                            {.category = "user.content.private", .value = "draft.docx"}}});
  ASSERT_THAT(ids, SizeIs(4));

  // The subject sees everything held for the product, with the values.
  auto seen = vault().Read(Principal::Subject(id), id, "provide");
  ASSERT_TRUE(seen.ok()) << seen.status().ToString();
  EXPECT_THAT(seen->withheld, IsEmpty());
  std::vector<std::string> values;
  for (const FieldValue& f : seen->fields) values.push_back(f.value);
  std::sort(values.begin(), values.end());
  EXPECT_THAT(values, ElementsAre("Ada", "ada@example.com", "draft.docx", "opened report 7"));

  // Nobody else sees it through the dashboard, nor clears it.
  const uint64_t other = NewSubject({.kind = "customer"});
  auto peek = vault().Read(Principal::Subject(other), id, "provide");
  // Refused outright: not even which categories the record holds is named (CF07 showed why).
  ASSERT_EQ(peek.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(peek.status().message(), ::testing::HasSubstr("not_subjects_own_data"));
  EXPECT_EQ(vault().DeleteField(Principal::Subject(other), id, ids[2]).code(),
            StatusCode::kPermissionDenied);

  // The subject clears the activity and the file.
  ASSERT_TRUE(vault().DeleteField(Principal::Subject(id), id, ids[2]).ok());
  ASSERT_TRUE(vault().DeleteField(Principal::Subject(id), id, ids[3]).ok());
  EXPECT_THAT(Visible(Principal::Subject(id), id, "provide"),
              ElementsAre("user.contact.email", "user.name"));
  // Gone for every use, not just hidden from the dashboard.
  EXPECT_THAT(Visible(Principal::Service(), id, "provide"),
              ElementsAre("user.contact.email", "user.name"));
  EXPECT_EQ(vault().DeleteField(Principal::Subject(id), id, ids[2]).code(), StatusCode::kNotFound);
}

TEST_F(ConfitrekRights, CT09_WebFormRequestIsTrackedToCompletion) {
  const uint64_t id = NewSubject({.kind = "customer", .jurisdiction = "EU"});
  MustWrite({.subject_id = id,
             .purposes = {"provide"},
             .fields = {{.category = "user.name", .value = "Ada"},
                        {.category = "user.contact.email", .value = "ada@example.com"}}});
  // Restriction is something the dashboard cannot do: it goes through the request form.
  EXPECT_EQ(desk()
                .File({.right = Right::kRestriction, .subject_id = id, .channel = "carrier_pigeon"})
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  auto filed = desk().File({.right = Right::kRestriction, .subject_id = id, .channel = "web_form"});
  ASSERT_TRUE(filed.ok()) << filed.status().ToString();
  EXPECT_EQ(filed->state, RequestState::kIdentityPending);
  EXPECT_EQ(filed->channel, "web_form");
  ASSERT_TRUE(filed->due.has_value());  // EU: one month
  EXPECT_EQ(*filed->due, (CivilDay{2024, 4, 4}));

  const std::string code = CodeFor(filed->id);
  ASSERT_EQ(code.size(), 8u);
  // Not served before the subject proves who they are; a wrong code costs an attempt.
  EXPECT_EQ(desk().Fulfil(filed->id).status().code(), StatusCode::kFailedPrecondition);
  const std::string wrong = code == "00000000" ? "11111111" : "00000000";
  EXPECT_EQ(desk().VerifyIdentity(filed->id, wrong).status().code(), StatusCode::kPermissionDenied);
  clock_.Advance(std::chrono::minutes(3));
  auto verified = desk().VerifyIdentity(filed->id, code);
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_EQ(verified->state, RequestState::kInProgress);

  clock_.Advance(std::chrono::days(2));
  auto done = desk().Fulfil(filed->id);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->request.state, RequestState::kCompleted);

  // Tracked: the stored request shows every step, in order, with its time.
  auto tracked = desk().Get(filed->id);
  ASSERT_TRUE(tracked.ok());
  EXPECT_EQ(tracked->state, RequestState::kCompleted);
  EXPECT_FALSE(tracked->open());
  EXPECT_THAT(States(*tracked), ElementsAre(RequestState::kReceived, RequestState::kIdentityPending,
                                            RequestState::kInProgress, RequestState::kCompleted));
  ASSERT_THAT(tracked->history, SizeIs(4));
  EXPECT_EQ(tracked->history.back().at, clock_.Now());
  EXPECT_EQ(tracked->history[2].at - tracked->history[1].at, std::chrono::minutes(3));
  auto mine = desk().ForSubject(id);
  ASSERT_TRUE(mine.ok());
  ASSERT_THAT(*mine, SizeIs(1));
  EXPECT_EQ((*mine)[0].state, RequestState::kCompleted);
  // The subject is told, and the right was carried out: processing is restricted.
  EXPECT_THAT(Messages("request_completed"), SizeIs(1));
  auto read = vault().Read(Principal::Service(), id, "provide");
  ASSERT_TRUE(read.ok());
  EXPECT_THAT(read->fields, IsEmpty());
  EXPECT_THAT(Reasons(*read), ElementsAre(Reason::kRestricted, Reason::kRestricted));
  // Closed means closed.
  EXPECT_EQ(desk().Fulfil(filed->id).status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(ConfitrekRights, CT12_RemovedMemberLosesAccessToTheAccountContent) {
  const uint64_t member = NewSubject({.kind = "member", .organization_id = kAcme});
  MustWrite({.subject_id = member,
             .purposes = {"provide"},
             .fields = {{.category = "user.contact.email", .value = "kim@acme.example"},
                        {.category = "user.workplace", .value = "Acme"},
                        {.category = "user.content.private", .value = "q3-plan.xlsx"}}});
  ASSERT_THAT(Visible(Principal::Subject(member), member, "provide"), SizeIs(3));

  // Another organization's admin, or the member, cannot remove the member.
  Status foreign = vault().RemoveFromOrganization(Principal::OrganizationAdmin(kGlobex), member);
  EXPECT_EQ(foreign.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(vault().RemoveFromOrganization(Principal::Subject(member), member).code(),
            StatusCode::kPermissionDenied);
  EXPECT_THAT(Visible(Principal::Subject(member), member, "provide"), SizeIs(3));

  ASSERT_TRUE(vault().RemoveFromOrganization(Principal::OrganizationAdmin(kAcme), member).ok());
  auto own = vault().Read(Principal::Subject(member), member, "provide");
  ASSERT_TRUE(own.ok()) << own.status().ToString();
  EXPECT_THAT(own->fields, IsEmpty());
  ASSERT_THAT(own->withheld, SizeIs(3));
  EXPECT_THAT(Reasons(*own), Each(Reason::kRemovedFromOrganization));
  EXPECT_EQ(ReasonName(Reason::kRemovedFromOrganization), "removed_from_organization");
  auto read_for_support = vault().Read(Principal::Subject(member), member, "provide.support");
  ASSERT_TRUE(read_for_support.ok());
  EXPECT_THAT(read_for_support->fields, IsEmpty());
  // Nor can the former member change or clear the content.
  auto held = vault().Read(Principal::OrganizationAdmin(kAcme), member, "provide");
  ASSERT_TRUE(held.ok());
  ASSERT_THAT(held->fields, SizeIs(3));  // the account and its content stay with the organization
  for (const FieldValue& f : held->fields) {
    EXPECT_EQ(vault().DeleteField(Principal::Subject(member), member, f.id).code(),
              StatusCode::kPermissionDenied)
        << f.category;
  }
  EXPECT_THAT(Visible(Principal::OrganizationAdmin(kAcme), member, "provide"), SizeIs(3));
  // The other organization never had access.
  auto globex = vault().Read(Principal::OrganizationAdmin(kGlobex), member, "provide");
  ASSERT_TRUE(globex.ok());
  EXPECT_THAT(globex->fields, IsEmpty());
}

TEST_F(ConfitrekRights, CT13_MembersRequestsGoToTheirOrganization) {
  const uint64_t member =
      NewSubject({.kind = "member", .jurisdiction = "EU", .organization_id = kAcme});
  MustWrite({.subject_id = member,
             .purposes = {"provide"},
             .fields = {{.category = "user.contact.email", .value = "kim@acme.example"}}});
  auto filed = desk().File({.right = Right::kErasure, .subject_id = member, .channel = "web_form"});
  ASSERT_TRUE(filed.ok()) << filed.status().ToString();
  EXPECT_EQ(filed->state, RequestState::kRouted);
  EXPECT_EQ(filed->routed_to_organization, kAcme);
  EXPECT_FALSE(filed->open());
  EXPECT_THAT(States(*filed), ElementsAre(RequestState::kReceived, RequestState::kRouted));

  // The organization's admin is told; no code goes to the member for it.
  const std::vector<OutboxMessage> routed = Messages("request_routed");
  ASSERT_THAT(routed, SizeIs(1));
  EXPECT_EQ(routed[0].organization_id, kAcme);
  nlohmann::json body = Parse(routed[0].body);
  EXPECT_EQ(body.value("request", ""), std::to_string(filed->id));
  EXPECT_EQ(body.value("right", ""), "erasure");
  EXPECT_THAT(Messages("identity_code"), IsEmpty());
  auto stored = desk().Get(filed->id);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->state, RequestState::kRouted);
  EXPECT_EQ(stored->routed_to_organization, kAcme);

  // CT does not carry it out itself: the member's data stays for the organization to decide.
  EXPECT_EQ(desk().Fulfil(filed->id).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(vault().GetSubject(member).ok());
  EXPECT_THAT(Visible(Principal::Service(), member, "provide"), ElementsAre("user.contact.email"));

  // A customer of CT's own is not routed.
  const uint64_t customer = NewSubject({.kind = "customer", .jurisdiction = "EU"});
  auto own = desk().File({.right = Right::kErasure, .subject_id = customer, .channel = "web_form"});
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(own->state, RequestState::kIdentityPending);
  EXPECT_EQ(own->routed_to_organization, 0u);
  EXPECT_THAT(Messages("request_routed"), SizeIs(1));
}

}  // namespace
}  // namespace privet
