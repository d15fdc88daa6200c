// Confect promises the vault keeps (policies/confect.yaml).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "testing/vault_fixture.h"

namespace privet {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

class ConfectVault : public testing::VaultTest {
 protected:
  ConfectVault() : VaultTest("policies/confect.yaml") {}
};

TEST_F(ConfectVault, CF01_SpecialCategoryDataIsRefusedAtWriteTime) {
  const uint64_t id = NewSubject({.kind = "customer"});
  for (const char* category : {"user.special.health", "user.special.religious_belief",
                               "user.special.trade_union"}) {
    for (const char* purpose : {"purchase", "support", "marketing"}) {
      auto r = vault().Write({.subject_id = id, .purposes = {purpose},
                              .fields = {{.category = category, .value = "sensitive"}}});
      EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied) << category << " " << purpose;
    }
  }
  auto special = vault().Write({.subject_id = id, .purposes = {"purchase"},
                                .fields = {{.category = "user.special.health", .value = "x"}}});
  EXPECT_THAT(special.status().message(), HasSubstr("special_category_refused"));
  // The basic personal data the policy lists is accepted.
  EXPECT_TRUE(vault()
                  .Write({.subject_id = id, .purposes = {"purchase"},
                          .fields = {{.category = "user.name", .value = "Sam"},
                                     {.category = "user.contact.email", .value = "sam@example.com"},
                                     {.category = "user.account.username", .value = "sam"}}})
                  .ok());
}

TEST_F(ConfectVault, CF02_EachDatumRecordsHowItWasCollected) {
  const uint64_t id = NewSubject({.kind = "customer"});
  const std::vector<DataSource> sources = {DataSource::kSubject,     DataSource::kConnectedPerson,
                                           DataSource::kAggregator,  DataSource::kPartner,
                                           DataSource::kPublicSource, DataSource::kSocialNetwork};
  std::vector<FieldInput> fields;
  for (DataSource s : sources)
    fields.push_back({.category = "user.name", .value = std::string(DataSourceName(s)), .source = s});
  ASSERT_TRUE(vault().Write({.subject_id = id, .purposes = {"purchase"}, .fields = fields}).ok());

  const uint64_t visitor = NewSubject({.kind = "visitor"});
  ASSERT_TRUE(vault()
                  .Write({.subject_id = visitor, .purposes = {"support.improvement"},
                          .fields = {{.category = "user.device.cookie_id", .value = "c-123",
                                      .source = DataSource::kCookies}}})
                  .ok());

  auto read = vault().Read(Principal::Service(), id, "purchase");
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->fields.size(), sources.size());
  std::set<DataSource> seen;
  for (const FieldValue& f : read->fields) {
    EXPECT_EQ(f.value, DataSourceName(f.source));  // each value was written with its own source
    seen.insert(f.source);
  }
  EXPECT_EQ(seen, std::set<DataSource>(sources.begin(), sources.end()));
  auto cookies = vault().Read(Principal::Service(), visitor, "support.improvement");
  ASSERT_TRUE(cookies.ok());
  ASSERT_EQ(cookies->fields.size(), 1u);
  EXPECT_EQ(cookies->fields[0].source, DataSource::kCookies);
}

}  // namespace
}  // namespace privet
