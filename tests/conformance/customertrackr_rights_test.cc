// CustomerTrackr rights promises, run through the request desk and the vault
// (policies/customertrackr.yaml).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "conformance/rights_fixture.h"

namespace privet {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

class CustomertrackrRights : public testing::RightsTest {
 protected:
  CustomertrackrRights() : RightsTest("policies/customertrackr.yaml") {}
};

TEST_F(CustomertrackrRights, CU09_SubjectSeesCorrectsAndDeletesOwnData) {
  const uint64_t id = NewSubject({.kind = "user", .jurisdiction = "US-MA"});
  const std::vector<uint64_t> ids =
      MustWrite({.subject_id = id,
                 .purposes = {"service"},
                 .fields = {{.category = "user.contact.email", .value = "kai@example.com"},
                            {.category = "user.account.username", .value = "kai"},
                            {.category = "user.profile", .value = "likes: sailing"}},
                 .feature = "register"});
  ASSERT_THAT(ids, SizeIs(3));
  // See: the profile settings page.
  auto seen = vault().Read(Principal::Subject(id), id, "service.profile");
  ASSERT_TRUE(seen.ok()) << seen.status().ToString();
  ASSERT_THAT(seen->fields, SizeIs(3));

  // Correct and amend.
  ASSERT_TRUE(vault().Rectify(Principal::Subject(id), id, ids[0], "kai@example.org").ok());
  ASSERT_TRUE(vault().Rectify(Principal::Subject(id), id, ids[2], "likes: sailing, chess").ok());
  auto found = vault().FindSubject(Vault::Identifier::kEmail, "kai@example.org");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(*found, std::optional<uint64_t>(id));
  auto old = vault().FindSubject(Vault::Identifier::kEmail, "kai@example.com");
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(*old, std::nullopt);

  // Delete.
  ASSERT_TRUE(vault().DeleteField(Principal::Subject(id), id, ids[1]).ok());
  auto now = vault().Read(Principal::Subject(id), id, "service.profile");
  ASSERT_TRUE(now.ok());
  std::map<std::string, std::string> values;
  for (const FieldValue& f : now->fields) values[f.category] = f.value;
  EXPECT_EQ(values,
            (std::map<std::string, std::string>{{"user.contact.email", "kai@example.org"},
                                                {"user.profile", "likes: sailing, chess"}}));
  auto by_name = vault().FindSubject(Vault::Identifier::kUsername, "kai");
  ASSERT_TRUE(by_name.ok());
  EXPECT_EQ(*by_name, std::nullopt);

  // Only the subject's own settings page: another user can do none of it.
  const uint64_t other = NewSubject({.kind = "user", .jurisdiction = "US-MA"});
  auto peek = vault().Read(Principal::Subject(other), id, "service.profile");
  // Refused outright: not even which categories the record holds is named (CF07 showed why).
  ASSERT_EQ(peek.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(peek.status().message(), ::testing::HasSubstr("not_subjects_own_data"));
  EXPECT_EQ(vault().Rectify(Principal::Subject(other), id, ids[2], "x").code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(vault().DeleteField(Principal::Subject(other), id, ids[2]).code(),
            StatusCode::kPermissionDenied);
  EXPECT_THAT(Visible(Principal::Subject(id), id, "service.profile"), SizeIs(2));
}

TEST_F(CustomertrackrRights, CU10_SupportFilesDeletionOnTheSubjectsBehalf) {
  const uint64_t id = NewSubject({.kind = "user", .jurisdiction = "US-MA"});
  MustWrite({.subject_id = id,
             .purposes = {"service"},
             .fields = {{.category = "user.contact.email", .value = "lou@example.com"},
                        {.category = "user.name", .value = "Lou"}},
             .feature = "register"});
  // Only a role of the policy files requests for others.
  EXPECT_EQ(desk()
                .File({.right = Right::kErasure,
                       .subject_id = id,
                       .channel = "support",
                       .filed_by = Requester::kStaff,
                       .staff_role = "janitor"})
                .status()
                .code(),
            StatusCode::kInvalidArgument);

  auto filed = desk().File({.right = Right::kErasure,
                            .subject_id = id,
                            .channel = "support",
                            .filed_by = Requester::kStaff,
                            .staff_role = "support"});
  ASSERT_TRUE(filed.ok()) << filed.status().ToString();
  EXPECT_EQ(filed->filed_by, "staff:support");
  EXPECT_EQ(filed->channel, "support");
  EXPECT_EQ(filed->state, RequestState::kIdentityPending);  // the subject still confirms
  EXPECT_EQ(desk().Fulfil(filed->id).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(vault().GetSubject(id).ok());

  const std::vector<OutboxMessage> codes = Messages("identity_code");
  ASSERT_THAT(codes, SizeIs(1));
  EXPECT_EQ(codes[0].subject_id, id);  // the code goes to the subject, not to the staff member
  auto verified = desk().VerifyIdentity(filed->id, CodeFor(filed->id));
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_EQ(verified->state, RequestState::kInProgress);
  auto done = desk().Fulfil(filed->id);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->request.state, RequestState::kCompleted);
  EXPECT_THAT(done->request.exceptions, IsEmpty());
  // Crypto-shredded: the subject, its key and its lookups are gone.
  EXPECT_EQ(vault().GetSubject(id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(vault().Read(Principal::Service(), id, "service").status().code(),
            StatusCode::kNotFound);
  auto found = vault().FindSubject(Vault::Identifier::kEmail, "lou@example.com");
  EXPECT_TRUE(!found.ok() || !found->has_value());
  auto tracked = desk().Get(filed->id);
  ASSERT_TRUE(tracked.ok());
  ASSERT_FALSE(tracked->history.empty());
  EXPECT_EQ(tracked->history.front().actor, "staff:support");
  EXPECT_THAT(States(*tracked), ElementsAre(RequestState::kReceived, RequestState::kIdentityPending,
                                            RequestState::kInProgress, RequestState::kCompleted));
}

}  // namespace
}  // namespace privet
