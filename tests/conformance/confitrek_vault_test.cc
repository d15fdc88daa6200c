// ConfiTrek promises the vault keeps (policies/confitrek.yaml): writes and reads through the
// real vault (SQLite, libsodium, the compiled policy, a manual clock).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <tuple>

#include "nlohmann/json.hpp"
#include "privet/rights.h"
#include "testing/status_matchers.h"
#include "testing/vault_fixture.h"

namespace privet {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

class ConfiTrekVault : public testing::VaultTest {
 protected:
  ConfiTrekVault() : VaultTest("policies/confitrek.yaml") {}

  StatusOr<std::vector<uint64_t>> Put(uint64_t id, std::vector<std::string> purposes,
                                      std::vector<FieldInput> fields, std::string feature = "",
                                      Principal who = Principal::Service()) {
    return vault().Write({.principal = who,
                          .subject_id = id,
                          .purposes = std::move(purposes),
                          .fields = std::move(fields),
                          .feature = std::move(feature)});
  }
};

TEST_F(ConfiTrekVault, CT01_DecliningOptionalDataTurnsPersonalizationOff) {
  const uint64_t declined = NewSubject({.kind = "customer"});
  // Without consent the optional data cannot even be collected for personalization ...
  auto refused =
      Put(declined, {"personalize"}, {{.category = "user.behavior.interests", .value = "hiking"}});
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(refused, ::privet::testing::Refused(Reason::kNoConsent));
  // ... and the rest of the product keeps working.
  EXPECT_TRUE(Put(declined, {"provide"},
                  {{.category = "user.contact.email", .value = "d@example.com"},
                   {.category = "user.name", .value = "Dee"}},
                  "create_account")
                  .ok());

  const uint64_t chose = NewSubject({.kind = "customer"});
  ASSERT_TRUE(vault()
                  .RecordConsent(chose, {.purpose = "personalize", .action = ConsentAction::kGrant})
                  .ok());
  ASSERT_TRUE(
      Put(chose, {"personalize"}, {{.category = "user.behavior.interests", .value = "hiking"}})
          .ok());
  auto read = vault().Read(Principal::Service(), chose, "personalize");
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->fields.size(), 1u);
  // Declining later turns the feature off: reads for it are refused.
  ASSERT_TRUE(
      vault()
          .RecordConsent(chose, {.purpose = "personalize", .action = ConsentAction::kWithdraw})
          .ok());
  read = vault().Read(Principal::Service(), chose, "personalize");
  ASSERT_TRUE(read.ok());
  EXPECT_THAT(read->fields, IsEmpty());
  EXPECT_EQ(read->withheld.at(0).reason, Reason::kNoConsent);
}

TEST_F(ConfiTrekVault, CT02_RequiredDataDeclinedRefusesTheActionNamingIt) {
  const uint64_t id = NewSubject({.kind = "customer"});
  auto r = Put(id, {"provide"}, {{.category = "user.name", .value = "Dee"}}, "create_account");
  ASSERT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("user.contact.email"));
  EXPECT_THAT(r.status().message(), ::testing::Not(HasSubstr("Dee")));
  auto read = vault().Read(Principal::Service(), id, "provide");
  ASSERT_TRUE(read.ok());
  EXPECT_THAT(read->fields, IsEmpty());  // nothing of the refused action was stored
}

TEST_F(ConfiTrekVault, CT02_DeletingRequiredDataSuspendsTheFeatureAndTellsTheSubject) {
  RequestDesk desk(vault());
  const uint64_t id = NewSubject({.kind = "customer"});
  // The subject opens an account with everything each of the kind's required features needs ...
  std::map<std::string, uint64_t> field_of;  // required category -> the field holding it
  for (const Feature& f : compiled().policy().features) {
    if (f.optional) continue;
    if (!f.subject_kinds.empty() &&
        !std::count(f.subject_kinds.begin(), f.subject_kinds.end(), "customer"))
      continue;
    for (const std::string& c : f.requires_categories) {
      if (field_of.count(c)) continue;
      auto written = Put(id, {f.purpose}, {{.category = c, .value = "v-" + c + "@example.com"}}, "",
                         Principal::Subject(id));
      ASSERT_TRUE(written.ok()) << c << ": " << written.status().ToString();
      field_of[c] = written->at(0);
    }
  }
  ASSERT_FALSE(field_of.empty());
  auto messages = [&](std::string_view topic) {
    std::vector<OutboxMessage> found;
    auto outbox = desk.Outbox(false);
    EXPECT_TRUE(outbox.ok());
    for (const OutboxMessage& m : *outbox)
      if (m.topic == topic && m.subject_id == id) found.push_back(m);
    return found;
  };
  ASSERT_THAT(messages("feature_suspended"), IsEmpty());
  // ... then withdraws one piece of required data: every feature that needed it is suspended,
  // the subject is told in the same commit which feature and which data, and the feature's
  // action is refused naming the data until it is given again.
  const auto& [category, field] = *field_of.begin();
  ASSERT_TRUE(vault().DeleteField(Principal::Subject(id), id, field).ok());
  std::set<std::string> told;
  for (const OutboxMessage& m : messages("feature_suspended")) {
    const nlohmann::json body = nlohmann::json::parse(m.body);
    told.insert(body.at("feature").get<std::string>());
    EXPECT_THAT(body.at("requires").get<std::vector<std::string>>(),
                ::testing::ElementsAre(category));
    EXPECT_THAT(m.body,
                ::testing::Not(HasSubstr("v-" + category)));  // the message names data, holds none
  }
  for (const Feature& f : compiled().policy().features) {
    const bool needs =
        !f.optional &&
        std::count(f.requires_categories.begin(), f.requires_categories.end(), category) &&
        (f.subject_kinds.empty() ||
         std::count(f.subject_kinds.begin(), f.subject_kinds.end(), "customer"));
    EXPECT_EQ(told.count(f.id), needs ? 1u : 0u) << f.id;
    if (!needs) continue;
    // The feature's action with the rest of its data (still held, given again) ...
    std::vector<FieldInput> rest;
    for (const std::string& c : f.requires_categories)
      if (c != category) rest.push_back({.category = c, .value = "again-" + c + "@example.com"});
    ASSERT_FALSE(rest.empty()) << f.id << " needs only " << category;
    auto refused = Put(id, {f.purpose}, rest, f.id, Principal::Subject(id));
    ASSERT_EQ(refused.status().code(), StatusCode::kFailedPrecondition)
        << f.id << ": " << refused.status().ToString();
    EXPECT_THAT(refused.status().message(), HasSubstr(category));
    // ... works again once the missing data is given.
    rest.push_back({.category = category, .value = "again@example.com"});
    EXPECT_TRUE(Put(id, {f.purpose}, rest, f.id, Principal::Subject(id)).ok()) << f.id;
  }
  EXPECT_FALSE(told.empty());
  // Optional data declined later turns its feature off without a suspension (CT01).
  const size_t before = messages("feature_suspended").size();
  for (const Feature& f : compiled().policy().features) {
    if (!f.optional) continue;
    ASSERT_TRUE(
        vault().RecordConsent(id, {.purpose = f.purpose, .action = ConsentAction::kGrant}).ok());
    for (const std::string& c : f.requires_categories) {
      auto written = Put(id, {f.purpose}, {{.category = c, .value = "x@example.com"}}, "",
                         Principal::Subject(id));
      if (!written.ok()) continue;  // e.g. a channel the subject has not chosen
      ASSERT_TRUE(vault().DeleteField(Principal::Subject(id), id, written->at(0)).ok());
    }
  }
  EXPECT_EQ(messages("feature_suspended").size(), before);
}

TEST_F(ConfiTrekVault, CT03_EveryDeclaredPurposeServesItsDataAndNoOtherPurposeIsUsable) {
  const CompiledPolicy& policy = compiled();
  int checked = 0;
  for (const Purpose& declared : policy.policy().purposes) {
    SCOPED_TRACE(declared.id);
    // Cookie identifiers are never held beside named data (CU04): one subject for each kind.
    for (const bool pseudonymous : {false, true}) {
      std::vector<FieldInput> fields;
      for (const Category* category : CategoriesFor(declared.id, pseudonymous))
        fields.push_back({.category = category->id, .value = SampleValue(*category)});
      if (fields.empty()) continue;
      const uint64_t id = NewSubject({.kind = "customer"});
      // A subject who has given this purpose's choice (its channel's, for a promotional channel).
      ASSERT_THAT(ChooseIfNeeded(id, declared.id), ::privet::testing::IsOk());
      for (const FieldInput& f : fields)
        ASSERT_THAT(Put(id, {declared.id}, {f}), ::privet::testing::IsOk()) << f.category;
      auto read = vault().Read(Principal::Service(), id, declared.id);
      ASSERT_THAT(read, ::privet::testing::IsOk());
      EXPECT_THAT(read->withheld, IsEmpty());
      std::vector<std::string> values;
      for (const FieldValue& f : read->fields) values.push_back(f.value);
      for (const FieldInput& f : fields) EXPECT_THAT(values, ::testing::Contains(f.value));
      // A read for any purpose the policy does not declare is refused, and so is a write.
      for (const char* undeclared : {"sale", "data_brokerage", "credit_scoring", "operate.sale"}) {
        ASSERT_FALSE(policy.FindPurpose(undeclared).has_value()) << undeclared;
        EXPECT_THAT(vault().Read(Principal::Service(), id, undeclared),
                    ::privet::testing::Refused(Reason::kUnknownPurpose))
            << undeclared;
        EXPECT_THAT(Put(id, {undeclared}, {fields.front()}),
                    ::privet::testing::Refused(Reason::kUnknownPurpose))
            << undeclared;
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

TEST_F(ConfiTrekVault, CT06_AfterTheOptOutNoReadForInterestBasedAdvertisingSucceeds) {
  const std::string kAds = "advertise.interest_based";
  const CompiledPolicy& policy = compiled();
  ASSERT_EQ(policy.purpose(*policy.FindPurpose(kAds)).consent, ConsentMode::kOptOut);
  // The purpose and everything under it (its cookie, CT10).
  std::vector<std::string> ads;
  for (const Purpose& p : policy.policy().purposes)
    if (p.id == kAds || p.id.rfind(kAds + ".", 0) == 0) ads.push_back(p.id);
  ASSERT_GT(ads.size(), 1u);
  const std::string kOther = "provide.preferences";  // a cookie purpose outside advertising

  // One subject with named data, one with only cookie identifiers (never together, CU04); each
  // has every category of every interest-based advertising purpose, collected for it.
  std::vector<uint64_t> subjects;
  std::vector<std::tuple<uint64_t, std::string, std::string>>
      written;  // subject, purpose, category
  for (const bool pseudonymous : {false, true}) {
    const uint64_t id = NewSubject({.kind = "customer"});
    subjects.push_back(id);
    for (const std::string& purpose_id : ads) {
      ASSERT_THAT(ChooseIfNeeded(id, purpose_id), ::privet::testing::IsOk());
      for (const Category* category : CategoriesFor(purpose_id, pseudonymous)) {
        ASSERT_THAT(
            Put(id, {purpose_id}, {{.category = category->id, .value = SampleValue(*category)}}),
            ::privet::testing::IsOk())
            << purpose_id << " " << category->id;
        written.emplace_back(id, purpose_id, category->id);
      }
    }
    // Data for another purpose: a named datum for the product, a cookie the subject chose.
    if (pseudonymous) {
      ASSERT_THAT(vault().RecordConsent(id, {.purpose = kOther, .action = ConsentAction::kGrant}),
                  ::privet::testing::IsOk());
    }
    ASSERT_THAT(
        Put(id, {pseudonymous ? kOther : "provide"},
            {{.category = pseudonymous ? "user.device.cookie_id" : "user.name", .value = "kept"}}),
        ::privet::testing::IsOk());
  }
  // A datum collected for interest-based advertising and for the product alike outlives the
  // opt-out (it is no profile held for advertising alone) ...
  ASSERT_THAT(
      vault().Write({.subject_id = subjects[0],
                     .purposes = {kAds, "provide"},
                     .fields = {{.category = "user.behavior.interaction", .value = "shared"}}}),
      ::privet::testing::IsOk());
  EXPECT_THAT(ValuesFor(subjects[0], kAds), ::testing::Contains("shared"));
  // Before the opt-out each datum is read for the purpose it was collected for.
  for (const auto& [id, purpose, category] : written) {
    auto read = vault().Read(Principal::Service(), id, purpose);
    ASSERT_THAT(read, ::privet::testing::IsOk());
    EXPECT_THAT(read->fields,
                ::testing::Contains(::testing::Field(&FieldValue::category, category)))
        << purpose;
  }

  // The subject opts out on the opt-out page ...
  for (const uint64_t id : subjects)
    ASSERT_THAT(vault().RecordConsent(id, {.purpose = kAds,
                                           .action = ConsentAction::kOptOut,
                                           .source = ConsentSource::kForm}),
                ::privet::testing::IsOk());
  // ... and from then on no read for that purpose succeeds, also after a restart.
  for (const bool reopened : {false, true}) {
    if (reopened) Reopen();
    for (const uint64_t id : subjects)
      for (const std::string& purpose : ads) {
        SCOPED_TRACE(purpose + (reopened ? " (reopened)" : ""));
        auto read = vault().Read(Principal::Service(), id, purpose);
        ASSERT_THAT(read, ::privet::testing::IsOk());
        EXPECT_THAT(read->fields, IsEmpty());
        // (The profile built for it alone is deleted with the opt-out, CF15.)
      }
    // ... and is refused to it for the opt-out.
    auto shared = vault().Read(Principal::Service(), subjects[0], kAds);
    ASSERT_THAT(shared, ::privet::testing::IsOk());
    EXPECT_THAT(shared->withheld,
                ::testing::Contains(::testing::AllOf(
                    ::testing::Field(&WithheldField::category, "user.behavior.interaction"),
                    ::testing::Field(&WithheldField::reason, Reason::kOptedOut))));
    // Nor is anything new collected for it.
    for (const auto& [id, purpose, category] : written)
      EXPECT_THAT(Put(id, {purpose}, {{.category = category, .value = "new"}}),
                  ::privet::testing::Refused(Reason::kOptedOut))
          << purpose << " " << category;
    // Other purposes keep working.
    EXPECT_THAT(ValuesFor(subjects[0], "provide"),
                ::testing::UnorderedElementsAre("kept", "shared"));
    EXPECT_THAT(ValuesFor(subjects[1], kOther), ::testing::ElementsAre("kept"));
  }
}

// IAB consent strings as ConfiTrek's consent tool writes them, made with the IAB's own
// encoders (@iabtechlabtcf/core, @iabgpp/cmpapi; tools/iab-reference): CMP 300, created
// 2024-03-01, last updated on the day named.
constexpr char kTcfRefusingAll[] = "CP6ywkAP65WcAEsACBENCWFgAAAAAAAAAAYgAAAAAAAA";         // 03-03
constexpr char kTcfConsenting134[] = "CP6ywkAP65WcAEsACBENCWFgALAAAAAAAAYgAAAAAAAA";       // 03-03
constexpr char kTcfConsenting134Later[] = "CP6ywkAP7QbAAEsACBENCWFgALAAAAAAAAYgAAAAAAAA";  // 03-10
constexpr char kTcfConsenting34[] = "CP6ywkAP65WcAEsACBENCWFgADAAAAAAAAYgAAAAAAAA";        // 03-03
// US National: opted out of sharing and of targeted advertising, not of sale.
constexpr char kGppOptingOutOfTargetedAds[] = "DBABLA~CVQlAAAAAABA.QA";

TEST_F(ConfiTrekVault, CT06_AConsentToolStringRefusingPersonalisedAdsSwitchesThemOff) {
  const std::string kAds = "advertise.interest_based";
  std::vector<std::string> ads;  // the purpose and everything under it (its cookie, CT10)
  for (const Purpose& p : compiled().policy().purposes)
    if (p.id == kAds || p.id.rfind(kAds + ".", 0) == 0) ads.push_back(p.id);
  ASSERT_GT(ads.size(), 1u);
  // A named subject, a device known only by its cookie ids (CU04), and one whose choices come
  // as a GPP string; each with data for every interest-based advertising purpose.
  std::vector<uint64_t> subjects;
  for (const bool pseudonymous : {false, true, false}) {
    const uint64_t id = NewSubject({.kind = "customer"});
    subjects.push_back(id);
    for (const std::string& purpose : ads) {
      ASSERT_THAT(ChooseIfNeeded(id, purpose), ::privet::testing::IsOk());
      for (const Category* category : CategoriesFor(purpose, pseudonymous))
        ASSERT_THAT(
            Put(id, {purpose}, {{.category = category->id, .value = SampleValue(*category)}}),
            ::privet::testing::IsOk());
    }
  }
  // Nothing is read for any of its purposes, nor collected for them.
  auto switched_off = [&](uint64_t id) {
    const bool pseudonymous = id == subjects[1];
    for (const std::string& purpose : ads) {
      SCOPED_TRACE(purpose);
      auto read = vault().Read(Principal::Service(), id, purpose);
      ASSERT_THAT(read, ::privet::testing::IsOk());
      EXPECT_THAT(read->fields, IsEmpty());
      for (const Category* category : CategoriesFor(purpose, pseudonymous))
        EXPECT_EQ(Put(id, {purpose}, {{.category = category->id, .value = "new"}}).status().code(),
                  StatusCode::kPermissionDenied)
            << category->id;
    }
  };
  EXPECT_THAT(ValuesFor(subjects[0], kAds), Not(IsEmpty()));
  EXPECT_THAT(ValuesFor(subjects[1], "advertise.interest_based.cookies"), Not(IsEmpty()));

  // The consent tool's string refuses TCF purposes 3 and 4: recorded at once, with its source
  // and its own timestamps, and the next reads and writes follow it.
  for (size_t i = 0; i < 2; ++i) {
    auto recorded =
        vault().RecordConsentString(subjects[i], ConsentStringFormat::kTcf, kTcfRefusingAll);
    ASSERT_THAT(recorded, ::privet::testing::IsOk());
    EXPECT_THAT(*recorded, Contains(AllOf(Field(&ConsentEvent::purpose, kAds),
                                          Field(&ConsentEvent::action, ConsentAction::kOptOut))));
    switched_off(subjects[i]);
    auto history = vault().ConsentHistory(subjects[i]);
    ASSERT_THAT(history, ::privet::testing::IsOk());
    EXPECT_EQ(history->back().source, ConsentSource::kTcf);
    EXPECT_EQ(history->back().string_created, CivilDayToTime({2024, 3, 1}));
    EXPECT_EQ(history->back().string_updated, CivilDayToTime({2024, 3, 3}));
  }
  // A GPP string opting out of targeted advertising does the same.
  ASSERT_THAT(vault().RecordConsentString(subjects[2], ConsentStringFormat::kGpp,
                                          kGppOptingOutOfTargetedAds),
              ::privet::testing::IsOk());
  switched_off(subjects[2]);
  EXPECT_EQ(vault().ConsentHistory(subjects[2])->back().source, ConsentSource::kGpp);

  // An older string that still consents (the tool's cookie was not updated) changes nothing ...
  auto stale =
      vault().RecordConsentString(subjects[0], ConsentStringFormat::kTcf, kTcfConsenting134);
  ASSERT_THAT(stale, ::privet::testing::IsOk());
  EXPECT_THAT(*stale, IsEmpty());
  switched_off(subjects[0]);
  for (bool reopened : {false, true}) {
    if (reopened) Reopen();
    switched_off(subjects[0]);
    switched_off(subjects[1]);
    switched_off(subjects[2]);
  }
  // ... a string made after the refusal takes it back ...
  clock_.Set(CivilDayToTime({2024, 3, 11}));
  ASSERT_THAT(
      vault().RecordConsentString(subjects[0], ConsentStringFormat::kTcf, kTcfConsenting134Later),
      ::privet::testing::IsOk());
  EXPECT_THAT(Put(subjects[0], {kAds}, {{.category = "user.behavior.interaction", .value = "x"}}),
              ::privet::testing::IsOk());
  // ... but never an opt-out a GPP string (or a GPC signal) made.
  auto over_gpp =
      vault().RecordConsentString(subjects[2], ConsentStringFormat::kTcf, kTcfConsenting134Later);
  ASSERT_THAT(over_gpp, ::privet::testing::IsOk());
  EXPECT_THAT(*over_gpp, Not(Contains(Field(&ConsentEvent::purpose, kAds))));
  switched_off(subjects[2]);

  // A malformed string is refused, naming where, and changes nothing.
  const size_t events = vault().ConsentHistory(subjects[1])->size();
  auto bad = vault().RecordConsentString(subjects[1], ConsentStringFormat::kTcf, "CP6y!");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(vault().ConsentHistory(subjects[1])->size(), events);
}

TEST_F(ConfiTrekVault, CT10_AStringBlockingDeviceStorageWithdrawsTheCookiesThatNeedIt) {
  const uint64_t id = NewSubject({.kind = "customer"});
  const std::vector<Cookie>& cookies = compiled().policy().cookies;
  for (const Cookie& c : cookies) {
    ASSERT_THAT(vault().RecordConsent(id, {.purpose = c.purpose,
                                           .action = ConsentAction::kGrant,
                                           .source = ConsentSource::kCookieBanner}),
                ::privet::testing::IsOk());
    ASSERT_THAT(Put(id, {c.purpose},
                    {{.category = "user.device.cookie_id",
                      .value = "c-" + c.id,
                      .source = DataSource::kCookies}}),
                ::privet::testing::IsOk());
  }
  // The tool's string consents to personalised ads (3, 4) but refuses storage on the device (1).
  ASSERT_THAT(vault().RecordConsentString(id, ConsentStringFormat::kTcf, kTcfConsenting34),
              ::privet::testing::IsOk());
  // Each cookie the policy makes follow TCF purpose 1 is withdrawn; the others are separate
  // consents and stay as the subject chose them.
  std::set<std::string> need_storage;
  for (const TcfMapping& m : compiled().policy().signals.tcf)
    if (std::find(m.tcf_purposes.begin(), m.tcf_purposes.end(), 1) != m.tcf_purposes.end())
      need_storage.insert(m.purpose);
  ASSERT_FALSE(need_storage.empty());
  for (const Cookie& c : cookies) {
    SCOPED_TRACE(c.id);
    auto read = vault().Read(Principal::Service(), id, c.purpose);
    ASSERT_THAT(read, ::privet::testing::IsOk());
    EXPECT_EQ(read->fields.empty(), need_storage.contains(c.purpose));
  }
}

TEST_F(ConfiTrekVault, CT04_CombinedDataRecordsWhereEachDatumCameFrom) {
  const uint64_t id = NewSubject({.kind = "customer"});
  ASSERT_TRUE(Put(id, {"provide"},
                  {{.category = "user.name", .value = "Dee", .source = DataSource::kSubject},
                   {.category = "user.workplace", .value = "Acme", .source = DataSource::kPartner}})
                  .ok());
  auto read = vault().Read(Principal::Service(), id, "provide");
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->fields.size(), 2u);
  for (const FieldValue& f : read->fields) {
    EXPECT_EQ(f.source, f.category == "user.name" ? DataSource::kSubject : DataSource::kPartner)
        << f.category;
  }
}

TEST_F(ConfiTrekVault, CT07_ContactDetailsReachAdvertisingOnlyThroughAChosenChannel) {
  const uint64_t id = NewSubject({.kind = "customer"});
  const FieldInput email{.category = "user.contact.email", .value = "d@example.com"};
  // Advertising without a channel choice never takes the contact details ...
  auto general = Put(id, {"advertise"}, {email});
  EXPECT_EQ(general.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(general, ::privet::testing::Refused(Reason::kCategoryNotForPurpose));
  EXPECT_TRUE(Put(id, {"advertise"}, {{.category = "user.name", .value = "Dee"}}).ok());
  // ... nor does a channel the subject has not chosen.
  for (const MarketingChannel& c : compiled().policy().marketing_channels) {
    auto unchosen = Put(id, {c.purpose}, {email});
    EXPECT_EQ(unchosen.status().code(), StatusCode::kPermissionDenied) << c.id;
  }
  // Choosing email opens the address to promotional email, and to nothing else.
  ASSERT_TRUE(
      vault().RecordConsent(id, {.channel = "email", .action = ConsentAction::kGrant}).ok());
  ASSERT_TRUE(Put(id, {"advertise.promotional.email"}, {email}).ok());
  EXPECT_THAT(ValuesFor(id, "advertise.promotional.email"), ::testing::Contains("d@example.com"));
  EXPECT_THAT(ValuesFor(id, "advertise"), ::testing::Not(::testing::Contains("d@example.com")));
  EXPECT_THAT(ValuesFor(id, "advertise.promotional.sms"),
              ::testing::Not(::testing::Contains("d@example.com")));
  // Withdrawing the channel closes it again.
  ASSERT_TRUE(
      vault().RecordConsent(id, {.channel = "email", .action = ConsentAction::kWithdraw}).ok());
  EXPECT_THAT(ValuesFor(id, "advertise.promotional.email"),
              ::testing::Not(::testing::Contains("d@example.com")));
}

TEST_F(ConfiTrekVault, CT10_CookiesAreSeparateConsentsThatClearingWithdraws) {
  const uint64_t id = NewSubject({.kind = "customer"});
  const std::vector<Cookie>& cookies = compiled().policy().cookies;
  ASSERT_FALSE(cookies.empty());
  auto usable = [&](const Cookie& c) {
    auto read = vault().Read(Principal::Service(), id, c.purpose);
    EXPECT_TRUE(read.ok()) << read.status().ToString();
    return read.ok() && !read->fields.empty();
  };
  // Off until chosen: nothing can even be set for a cookie's purpose without its consent.
  for (const Cookie& c : cookies) {
    auto refused = Put(id, {c.purpose},
                       {{.category = "user.device.cookie_id",
                         .value = "c-" + c.id,
                         .source = DataSource::kCookies}});
    EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied) << c.id;
  }
  // Each chosen separately, on the banner.
  for (const Cookie& c : cookies) {
    ASSERT_TRUE(vault()
                    .RecordConsent(id, {.purpose = c.purpose,
                                        .action = ConsentAction::kGrant,
                                        .source = ConsentSource::kCookieBanner})
                    .ok());
    ASSERT_TRUE(Put(id, {c.purpose},
                    {{.category = "user.device.cookie_id",
                      .value = "c-" + c.id,
                      .source = DataSource::kCookies}})
                    .ok())
        << c.id;
  }
  for (const Cookie& c : cookies) EXPECT_TRUE(usable(c)) << c.id;

  // A cookie the policy does not declare is refused, and nothing changes.
  auto before = vault().ConsentHistory(id);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(vault().CookiesCleared(id, {cookies.front().id, "no_such_cookie"}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(vault().ConsentHistory(id)->size(), before->size());
  EXPECT_TRUE(usable(cookies.front()));

  // Clearing one cookie withdraws that cookie's consent only.
  ASSERT_TRUE(vault().CookiesCleared(id, {cookies.front().id}).ok());
  EXPECT_FALSE(usable(cookies.front()));
  for (size_t i = 1; i < cookies.size(); ++i) EXPECT_TRUE(usable(cookies[i])) << cookies[i].id;
  auto history = vault().ConsentHistory(id);
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->back().purpose, cookies.front().purpose);
  EXPECT_EQ(history->back().action, ConsentAction::kWithdraw);
  EXPECT_EQ(history->back().source, ConsentSource::kCookieBanner);

  // Clearing (or blocking) all of them withdraws every one.
  ASSERT_TRUE(vault().CookiesCleared(id, {}).ok());
  for (const Cookie& c : cookies) EXPECT_FALSE(usable(c)) << c.id;
}

// The consent banner's choices (Vault::RecordCookieChoices): each cookie its own consent, recorded
// with the text it was made on; a bad choice records nothing.
TEST_F(ConfiTrekVault, CT10_ABannerChoiceIsEachCookiesOwnConsentWithItsProof) {
  const SubjectKind* device = DeviceKind(compiled().policy());
  ASSERT_NE(device, nullptr);
  const uint64_t id = NewSubject({.kind = device->id});
  const std::vector<Cookie>& cookies = compiled().policy().cookies;
  ASSERT_GT(cookies.size(), 1u);
  const std::string hash(64, 'e');
  auto may_set = [&](const Cookie& c) {
    return Put(id, {c.purpose},
               {{.category = "user.device.cookie_id",
                 .value = "c-" + c.id,
                 .source = DataSource::kCookies}})
        .ok();
  };

  // Refused whole, nothing recorded: an unknown cookie, one twice, a malformed hash, no cookie.
  for (const CookieChoices& bad :
       {CookieChoices{.cookies = {{cookies[0].id, true}, {"no_such_cookie", true}},
       .text_hash = hash},
        CookieChoices{.cookies = {{cookies[0].id, true}, {cookies[0].id, false}},
        .text_hash = hash},
        CookieChoices{.cookies = {{cookies[0].id, true}}, .text_hash = "E" + hash.substr(1)},
        CookieChoices{.cookies = {}, .text_hash = hash}}) {
    EXPECT_EQ(vault().RecordCookieChoices(id, bad).status().code(), StatusCode::kInvalidArgument);
  }
  EXPECT_THAT(*vault().ConsentHistory(id), IsEmpty());

  // The first cookie allowed, every other declined: one event each, with the proof.
  CookieChoices choice{.text_hash = hash};
  for (const Cookie& c : cookies) choice.cookies.emplace_back(c.id, c.id == cookies[0].id);
  auto recorded = vault().RecordCookieChoices(id, choice);
  ASSERT_TRUE(recorded.ok()) << recorded.status().ToString();
  auto history = vault().ConsentHistory(id);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), cookies.size());
  for (size_t i = 0; i < cookies.size(); ++i) {
    const ConsentEvent& e = (*history)[i];
    EXPECT_EQ(e.purpose, cookies[i].purpose);
    EXPECT_EQ(e.action, i == 0 ? ConsentAction::kGrant : ConsentAction::kWithdraw) << cookies[i].id;
    EXPECT_EQ(e.source, ConsentSource::kCookieBanner);
    EXPECT_EQ(e.text_hash, hash);
    EXPECT_EQ(e.policy_version, compiled().version());
  }
  EXPECT_TRUE(may_set(cookies[0]));
  for (size_t i = 1; i < cookies.size(); ++i) EXPECT_FALSE(may_set(cookies[i])) << cookies[i].id;

  // Withdrawing is the same call: the first one is off again at once.
  ASSERT_TRUE(vault()
                  .RecordCookieChoices(id, {.cookies = {{cookies[0].id, false}}, .text_hash = hash})
                  .ok());
  EXPECT_FALSE(may_set(cookies[0]));

  // The device holds cookie ids only, never named data (CU04).
  EXPECT_EQ(Put(id, {"provide"}, {{.category = "user.name", .value = "Ada"}}).status().code(),
            StatusCode::kPermissionDenied);
}

TEST_F(ConfiTrekVault, CT11_OrganizationAdminAdministersItsMembersOnly) {
  constexpr uint64_t kAcme = 100, kGlobex = 200;
  const uint64_t member = NewSubject({.kind = "member", .organization_id = kAcme});
  const uint64_t outsider = NewSubject({.kind = "member", .organization_id = kGlobex});
  ASSERT_TRUE(
      Put(member, {"provide"}, {{.category = "user.contact.email", .value = "m@acme.example"}})
          .ok());
  ASSERT_TRUE(
      Put(outsider, {"provide"}, {{.category = "user.contact.email", .value = "o@globex.example"}})
          .ok());

  const Principal acme_admin = Principal::OrganizationAdmin(kAcme);
  auto mine = vault().Read(acme_admin, member, "provide");
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->fields.size(), 1u);
  EXPECT_EQ(mine->fields[0].value, "m@acme.example");
  // The admin also administers the member's account data.
  EXPECT_TRUE(
      Put(member, {"provide"}, {{.category = "user.name", .value = "M"}}, "", acme_admin).ok());

  auto theirs = vault().Read(acme_admin, outsider, "provide");
  ASSERT_TRUE(theirs.ok());
  EXPECT_THAT(theirs->fields, IsEmpty());
  EXPECT_EQ(theirs->withheld.at(0).reason, Reason::kOtherOrganization);
  EXPECT_EQ(Put(outsider, {"provide"}, {{.category = "user.name", .value = "X"}}, "", acme_admin)
                .status()
                .code(),
            StatusCode::kPermissionDenied);

  auto members = vault().OrganizationMembers(kAcme);
  ASSERT_TRUE(members.ok());
  EXPECT_EQ(*members, std::vector<uint64_t>{member});
}

}  // namespace
}  // namespace privet

namespace privet {
namespace {

// CT07: "Promotional channels are chosen separately: email, SMS, telephone, postal mail." Ending
// one channel from its own unsubscribe link (the link of a marketing email) ends that channel
// only: the others stay as the subject chose them. privet decides every channel and sends email
// itself; the other channels are the caller's to send once their decision allows.
TEST_F(ConfiTrekVault, CT07_UnsubscribingFromOneChannelLeavesTheOthersAsChosen) {
  const std::vector<MarketingChannel>& channels = compiled().policy().marketing_channels;
  ASSERT_EQ(channels.size(), 4u);
  for (const MarketingChannel& ended : channels) {
    SCOPED_TRACE(ended.id);
    const uint64_t id = NewSubject({.kind = "customer"});
    for (const MarketingChannel& c : channels) {
      auto before = vault().DecideMarketing(id, c.id);
      ASSERT_TRUE(before.ok()) << before.status().ToString();
      EXPECT_EQ(before->allowed(), !c.opt_in) << c.id;
      ASSERT_TRUE(
          vault().RecordConsent(id, {.channel = c.id, .action = ConsentAction::kGrant}).ok());
    }
    auto token = vault().UnsubscribeToken(id, ended.id);
    ASSERT_TRUE(token.ok()) << token.status().ToString();
    auto unsubscribed = vault().Unsubscribe(*token);
    ASSERT_TRUE(unsubscribed.ok()) << unsubscribed.status().ToString();
    EXPECT_EQ(*unsubscribed, ended.id);
    for (const MarketingChannel& c : channels) {
      auto after = vault().DecideMarketing(id, c.id);
      ASSERT_TRUE(after.ok());
      if (c.id == ended.id) {
        EXPECT_EQ(after->reason, Reason::kOptedOut) << c.id;
      } else {
        EXPECT_TRUE(after->allowed()) << c.id << " changed with " << ended.id;
      }
    }
    // The ledger says where the change came from, and for which channel.
    auto history = vault().ConsentHistory(id);
    ASSERT_TRUE(history.ok());
    EXPECT_EQ(history->back().channel, ended.id);
    EXPECT_EQ(history->back().source, ConsentSource::kUnsubscribe);
    // Choosing the channel again takes the unsubscribe back.
    ASSERT_TRUE(
        vault().RecordConsent(id, {.channel = ended.id, .action = ConsentAction::kGrant}).ok());
    EXPECT_TRUE(vault().DecideMarketing(id, ended.id)->allowed());
  }
  // SMS, telephone and post are decided here, not sent by privet.
  const uint64_t id = NewSubject({.kind = "customer"});
  ASSERT_TRUE(vault().RecordConsent(id, {.channel = "sms", .action = ConsentAction::kGrant}).ok());
  EXPECT_EQ(vault()
                .QueueMarketing({.subject_id = id, .channel = "sms", .subject = "x", .text = "y"})
                .code(),
            StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace privet
