// CONNACT promises the vault keeps (policies/connact.yaml).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "privet/delivery.h"
#include "privet/rights.h"
#include "testing/smtp_sink.h"
#include "testing/status_matchers.h"
#include "testing/vault_fixture.h"

namespace privet {
namespace {

using ::privet::testing::IsOk;
using ::privet::testing::Refused;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

class ConnactVault : public testing::VaultTest {
 protected:
  ConnactVault() : VaultTest("policies/connact.yaml") {}
};

TEST_F(ConnactVault, CN03_NoSignUpUnderEighteen) {
  clock_.Set(CivilDayToTime({2024, 6, 1}));
  for (const char* kind : {"user", "subscriber"}) {
    auto minor = vault().CreateSubject({.kind = kind, .birth_date = CivilDay{2006, 6, 2}});
    EXPECT_EQ(minor.status().code(), StatusCode::kPermissionDenied) << kind;
    EXPECT_EQ(vault().CreateSubject({.kind = kind, .age_years = 17}).status().code(),
              StatusCode::kPermissionDenied);
    EXPECT_TRUE(vault().CreateSubject({.kind = kind, .birth_date = CivilDay{2006, 6, 1}}).ok())
        << kind;
  }
  // No age at all is not a way around the gate.
  EXPECT_EQ(vault().CreateSubject({.kind = "user"}).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ConnactVault, CN05_CustomerSubmittedDataServesOnlyThatCustomer) {
  constexpr uint64_t kCustomerA = 7, kCustomerB = 8;
  const Principal a = Principal::Tenant(kCustomerA);
  const uint64_t contact =
      NewSubject({.kind = "customer_contact", .tenant_id = kCustomerA, .principal = a});
  ASSERT_TRUE(vault()
                  .Write({.principal = a,
                          .subject_id = contact,
                          .purposes = {"customer_instructions"},
                          .fields = {{.category = "customer_data",
                                      .value = "lead notes",
                                      .source = DataSource::kCustomer}}})
                  .ok());
  auto own = vault().Read(a, contact, "customer_instructions");
  ASSERT_TRUE(own.ok());
  ASSERT_EQ(own->fields.size(), 1u);
  EXPECT_EQ(own->fields[0].value, "lead notes");

  auto other_customer =
      vault().Read(Principal::Tenant(kCustomerB), contact, "customer_instructions");
  ASSERT_TRUE(other_customer.ok());
  EXPECT_THAT(other_customer->fields, IsEmpty());
  EXPECT_EQ(other_customer->withheld.at(0).reason, Reason::kOtherTenant);

  // Invisible to CONNACT's own purposes, whoever asks.
  for (const char* purpose : {"service", "statistics", "abuse_detection"}) {
    auto operator_read = vault().Read(Principal::Service(), contact, purpose);
    if (!operator_read.ok()) {
      EXPECT_EQ(operator_read.status().code(), StatusCode::kPermissionDenied) << purpose;
      continue;
    }
    EXPECT_THAT(operator_read->fields, IsEmpty()) << purpose;
  }
  // A customer cannot file subjects for another customer.
  EXPECT_EQ(
      vault()
          .CreateSubject({.kind = "customer_contact", .tenant_id = kCustomerB, .principal = a})
          .status()
          .code(),
      StatusCode::kPermissionDenied);
}

// CN10: "Analytics tools receive no personally identifying data."
TEST_F(ConnactVault, CN10_AnalyticsToolsReceiveNoPersonallyIdentifyingData) {
  const CompiledPolicy& policy = compiled();
  const std::string kAnalytics = "analytics_provider";  // "Third-party analytics tools"
  ASSERT_TRUE(policy.FindRecipient(kAnalytics).has_value());
  // Two subjects holding every category the policy's own purposes use, each collected for every
  // purpose that may use it: one named, one known only by cookie identifiers (never both, CU04).
  std::vector<uint64_t> subjects;
  std::vector<std::string> held;
  for (const bool pseudonymous : {false, true}) {
    const uint64_t id = NewSubject({.kind = "user", .age_years = 30});
    subjects.push_back(id);
    for (const Purpose& declared : policy.policy().purposes) {
      if (declared.processor) continue;  // a customer's data, never the subject's own (CN05)
      ASSERT_THAT(ChooseIfNeeded(id, declared.id), IsOk());
      for (const Category* category : CategoriesFor(declared.id, pseudonymous)) {
        ASSERT_THAT(vault().Write(
                        {.subject_id = id,
                         .purposes = {declared.id},
                         .fields = {{.category = category->id, .value = SampleValue(*category)}}}),
                    IsOk())
            << declared.id << " " << category->id;
        held.push_back(category->id);
      }
    }
  }
  // Whatever is asked of it, for whatever purpose, the analytics tools receive only
  // pseudonymous identifiers: nothing that identifies a person.
  int released = 0;
  for (const uint64_t id : subjects)
    for (const Purpose& purpose : policy.policy().purposes) {
      SCOPED_TRACE(purpose.id);
      auto disclosed = vault().Disclose(
          {.recipient = kAnalytics, .subject_id = id, .categories = held, .purpose = purpose.id});
      if (!disclosed.ok()) {
        EXPECT_THAT(disclosed, ::privet::testing::StatusIs(StatusCode::kPermissionDenied));
        continue;
      }
      for (const FieldValue& f : disclosed->released) {
        EXPECT_TRUE(policy.category(*policy.FindCategory(f.category)).pseudonymous_identifier)
            << f.category;
        ++released;
      }
    }
  EXPECT_GT(released, 0);  // they do receive their cookie identifiers
}

// CN12: "Social media features may set cookies and see IP and page; they are a separate cookie
// purpose."
// CN11: the policy declares that browser signals change nothing here (DNT not honoured, GPC has
// nothing to opt out of) and gives IAB consent strings no meaning; a GPP string carrying a GPC
// flag and a sale opt-out, or a TCF string, changes nothing either, and says why.
TEST_F(ConnactVault, CN11_ConsentStringsChangeNothingWhereThePolicyDeclaresSignalsIgnored) {
  ASSERT_EQ(compiled().policy().signals.gpc, SignalResponse::kIgnore);
  ASSERT_TRUE(compiled().policy().signals.tcf.empty());
  ASSERT_FALSE(compiled().policy().signals.gpp.has_value());
  const uint64_t id = NewSubject({.kind = "user", .age_years = 30});
  auto before = vault().ConsentHistory(id);
  ASSERT_THAT(before, IsOk());
  auto state = vault().State(id);
  ASSERT_THAT(state, IsOk());
  // Made with @iabgpp/cmpapi: California, GPC on; California, sale opted out. And a TCF string
  // refusing everything (@iabtechlabtcf/core).
  for (const char* gpp : {"DBABBg~BAoAAABA.YA", "DBABBg~BQYAAABA.QA"}) {
    auto r = vault().RecordConsentString(id, ConsentStringFormat::kGpp, gpp);
    EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition) << gpp;
  }
  auto tcf = vault().RecordConsentString(id, ConsentStringFormat::kTcf,
                                         "CP6ywkAP65WcAEsACBENCWFgAAAAAAAAAAYgAAAAAAAA");
  EXPECT_EQ(tcf.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(vault().ConsentHistory(id)->size(), before->size());
  EXPECT_TRUE(vault().State(id)->opt_outs == state->opt_outs);
}

TEST_F(ConnactVault, CN12_SocialMediaCookiesAreASeparateChoice) {
  const std::vector<Cookie>& cookies = compiled().policy().cookies;
  const auto social = std::find_if(cookies.begin(), cookies.end(),
                                   [](const Cookie& c) { return c.purpose == "social_media"; });
  ASSERT_NE(social, cookies.end());
  std::set<std::string> purposes;
  for (const Cookie& c : cookies) purposes.insert(c.purpose);
  ASSERT_EQ(purposes.size(), cookies.size());  // each cookie its own purpose
  auto cookie = [](std::string value) {
    return FieldInput{.category = "user.device.cookie_id",
                      .value = std::move(value),
                      .source = DataSource::kCookies};
  };
  const uint64_t id = NewSubject({.kind = "visitor", .age_years = 30});
  // The social media features set no cookie until the visitor chooses them ...
  EXPECT_THAT(
      vault().Write({.subject_id = id, .purposes = {"social_media"}, .fields = {cookie("s")}}),
      Refused(Reason::kNoConsent));
  // ... and choosing them chooses nothing else; each other cookie keeps its own setting.
  std::vector<std::string> others;
  for (const Cookie& c : cookies) {
    if (c.purpose == social->purpose) continue;
    others.push_back(c.purpose);
    auto written =
        vault().Write({.subject_id = id, .purposes = {c.purpose}, .fields = {cookie(c.id)}});
    if (written.ok()) continue;  // an opt-out cookie, on until declined
    ASSERT_THAT(vault().RecordConsent(id, {.purpose = c.purpose,
                                           .action = ConsentAction::kGrant,
                                           .source = ConsentSource::kCookieBanner}),
                IsOk());
    ASSERT_THAT(
        vault().Write({.subject_id = id, .purposes = {c.purpose}, .fields = {cookie(c.id)}}),
        IsOk());
  }
  ASSERT_FALSE(others.empty());
  ASSERT_THAT(vault().RecordConsent(id, {.purpose = social->purpose,
                                         .action = ConsentAction::kGrant,
                                         .source = ConsentSource::kCookieBanner}),
              IsOk());
  ASSERT_THAT(
      vault().Write({.subject_id = id, .purposes = {social->purpose}, .fields = {cookie("s")}}),
      IsOk());
  EXPECT_THAT(ValuesFor(id, social->purpose), ElementsAre("s"));
  // Declining every other cookie leaves the social media cookie in place ...
  std::vector<std::string> other_ids;
  for (const Cookie& c : cookies)
    if (c.id != social->id) other_ids.push_back(c.id);
  ASSERT_THAT(vault().CookiesCleared(id, other_ids), IsOk());
  for (const std::string& p : others) EXPECT_THAT(ValuesFor(id, p), IsEmpty()) << p;
  EXPECT_THAT(ValuesFor(id, social->purpose), ElementsAre("s"));
  // ... and declining it alone leaves the others as they were.
  for (const std::string& p : others) {
    ASSERT_THAT(vault().RecordConsent(id, {.purpose = p, .action = ConsentAction::kUndoOptOut}),
                IsOk());
    if (!ValuesFor(id, p).empty()) continue;
    ASSERT_THAT(vault().RecordConsent(id, {.purpose = p, .action = ConsentAction::kGrant}), IsOk());
  }
  for (const std::string& p : others) EXPECT_THAT(ValuesFor(id, p), Contains(::testing::_)) << p;
  ASSERT_THAT(vault().CookiesCleared(id, {social->id}), IsOk());
  EXPECT_THAT(ValuesFor(id, social->purpose), IsEmpty());
  for (const std::string& p : others) EXPECT_THAT(ValuesFor(id, p), Contains(::testing::_)) << p;
}

// CN14: "Every marketing email names the sender, gives contact information and a working
// unsubscribe; unsubscribing stops further marketing email." The message itself is checked by
// CN14_EveryMarketingEmailNamesTheSenderAndItsLinkStopsTheNext below; this is what the vault keeps
// of the second half: once the subject unsubscribes, the marketing email purpose gets no contact
// data, nor does its sender, while the subject's other purposes go on.
TEST_F(ConnactVault, CN14_UnsubscribingStopsMarketingEmail) {
  const CompiledPolicy& policy = compiled();
  ASSERT_FALSE(policy.policy().marketing_channels.empty());
  for (const MarketingChannel& channel : policy.policy().marketing_channels) {
    SCOPED_TRACE(channel.id);
    std::vector<std::string> contact;  // what the channel's purpose may use, from the policy
    for (const Category* c : CategoriesFor(channel.purpose, false)) contact.push_back(c->id);
    ASSERT_FALSE(contact.empty());
    // Its senders: the recipients that receive data for it.
    std::vector<std::string> senders;
    for (const Recipient& r : policy.policy().recipients)
      if (std::count(r.purposes.begin(), r.purposes.end(), channel.purpose))
        senders.push_back(r.id);
    ASSERT_FALSE(senders.empty());

    const uint64_t id = NewSubject({.kind = "user", .age_years = 30});
    ASSERT_THAT(vault().Write({.subject_id = id,
                               .purposes = {"service"},
                               .fields = {{.category = "user.account", .value = "plan:team"}}}),
                IsOk());
    ASSERT_THAT(vault().RecordConsent(id, {.channel = channel.id, .action = ConsentAction::kGrant}),
                IsOk());
    for (const std::string& c : contact)
      ASSERT_THAT(
          vault().Write({.subject_id = id,
                         .purposes = {channel.purpose, "service"},
                         .fields = {{.category = c, .value = "sub-" + c + "@example.com"}}}),
          IsOk())
          << c;
    EXPECT_EQ(ValuesFor(id, channel.purpose).size(), contact.size());
    for (const std::string& sender : senders) {
      auto sent = vault().Disclose({.recipient = sender,
                                    .subject_id = id,
                                    .categories = contact,
                                    .purpose = channel.purpose});
      ASSERT_THAT(sent, IsOk()) << sender;
      EXPECT_FALSE(sent->released.empty()) << sender;
    }

    // The subject unsubscribes.
    ASSERT_THAT(
        vault().RecordConsent(id, {.channel = channel.id, .action = ConsentAction::kWithdraw}),
        IsOk());
    for (const bool reopened : {false, true}) {
      if (reopened) Reopen();
      auto read = vault().Read(Principal::Service(), id, channel.purpose);
      ASSERT_THAT(read, IsOk());
      EXPECT_THAT(read->fields, IsEmpty());
      for (const std::string& c : contact) {
        EXPECT_THAT(read->withheld,
                    Contains(::testing::AllOf(
                        ::testing::Field(&WithheldField::category, c),
                        ::testing::Field(&WithheldField::reason, Reason::kNoConsent))));
      }
      for (const std::string& sender : senders) {
        auto sent = vault().Disclose({.recipient = sender,
                                      .subject_id = id,
                                      .categories = contact,
                                      .purpose = channel.purpose});
        if (sent.ok()) {
          EXPECT_THAT(sent->released, IsEmpty()) << sender;
        } else {
          EXPECT_THAT(sent, Refused(Reason::kNoConsent)) << sender;
        }
      }
      EXPECT_THAT(
          vault().Write({.subject_id = id,
                         .purposes = {channel.purpose},
                         .fields = {{.category = contact.front(), .value = "again@example.com"}}}),
          Refused(Reason::kNoConsent));
      // The account goes on: the same contact data still serves the service.
      auto service = vault().Read(Principal::Service(), id, "service");
      ASSERT_THAT(service, IsOk());
      EXPECT_EQ(service->fields.size(), contact.size() + 1);
    }
  }
}

// CN17: "we will not, without your consent, use your Personal Information in a manner materially
// different than what was stated at the time your Personal Information was collected."
TEST_F(ConnactVault, CN17_DataIsNotUsedForAPurposeAddedAfterCollectionWithoutConsent) {
  ASSERT_TRUE(compiled().policy().changes.material_change_requires_consent);
  const uint64_t id = NewSubject({.kind = "user", .age_years = 30});
  ASSERT_TRUE(vault()
                  .Write({.subject_id = id,
                          .purposes = {"service"},
                          .fields = {{.category = "user.account", .value = "plan:team"}}})
                  .ok());
  // Version 2 adds a use of account data that version 1 did not state.
  ReopenUnder([](Policy& p) {
    p.version = 2;
    Purpose insights;
    insights.id = "service.insights";
    insights.description = "Usage insights from your account";
    insights.since_version = 2;
    p.purposes.push_back(insights);
  });
  auto old_data = vault().Read(Principal::Service(), id, "service.insights");
  ASSERT_TRUE(old_data.ok()) << old_data.status().ToString();
  EXPECT_THAT(old_data->fields, IsEmpty());
  ASSERT_EQ(old_data->withheld.size(), 1u);
  EXPECT_EQ(old_data->withheld[0].reason, Reason::kPurposeNotInForceAtCollection);
  // Nor does it go to a recipient for it; the register says why.
  auto disclosed = vault().Disclose({.recipient = "affiliates",
                                     .subject_id = id,
                                     .categories = {"user.account"},
                                     .purpose = "service.insights"});
  ASSERT_TRUE(disclosed.ok()) << disclosed.status().ToString();
  EXPECT_THAT(disclosed->released, IsEmpty());
  ASSERT_EQ(disclosed->withheld.size(), 1u);
  EXPECT_EQ(disclosed->withheld[0].reason, Reason::kPurposeNotInForceAtCollection);
  // What version 1 stated still serves the data.
  auto stated = vault().Read(Principal::Service(), id, "service");
  ASSERT_TRUE(stated.ok());
  EXPECT_EQ(stated->fields.size(), 1u);
  // Data collected under version 2 serves it; so does version-1 data once the subject consents.
  const uint64_t later = NewSubject({.kind = "user", .age_years = 30});
  ASSERT_TRUE(vault()
                  .Write({.subject_id = later,
                          .purposes = {"service"},
                          .fields = {{.category = "user.account", .value = "plan:solo"}}})
                  .ok());
  auto new_data = vault().Read(Principal::Service(), later, "service.insights");
  ASSERT_TRUE(new_data.ok());
  EXPECT_EQ(new_data->fields.size(), 1u);
  ASSERT_TRUE(
      vault()
          .RecordConsent(id, {.purpose = "service.insights", .action = ConsentAction::kGrant})
          .ok());
  auto consented = vault().Read(Principal::Service(), id, "service.insights");
  ASSERT_TRUE(consented.ok());
  ASSERT_EQ(consented->fields.size(), 1u);
  EXPECT_EQ(consented->fields[0].value, "plan:team");
}

}  // namespace
}  // namespace privet

namespace privet {
namespace {

// CN13: "Newsletters are opt-in." Nothing is queued for a subject who has not subscribed, and a
// subscriber's newsletter is.
TEST_F(ConnactVault, CN13_NoNewsletterIsQueuedBeforeTheSubjectOptsIn) {
  for (const MarketingChannel& channel : compiled().policy().marketing_channels) {
    SCOPED_TRACE(channel.id);
    ASSERT_TRUE(channel.opt_in);
    const uint64_t id = NewSubject({.kind = "user", .age_years = 30});
    auto decided = vault().DecideMarketing(id, channel.id);
    ASSERT_THAT(decided, IsOk());
    EXPECT_EQ(decided->reason, Reason::kNoConsent);
    if (channel.id != "email") continue;
    const MarketingMessage news{
        .subject_id = id, .channel = channel.id, .subject = "News", .text = "What is new."};
    EXPECT_THAT(vault().QueueMarketing(news), Refused(Reason::kNoConsent));
    ASSERT_THAT(vault().RecordConsent(id, {.channel = channel.id, .action = ConsentAction::kGrant}),
                IsOk());
    EXPECT_THAT(vault().QueueMarketing(news), IsOk());
  }
}

// CN14, the whole promise, through the outbox to a real SMTP server: every marketing email names
// the sender and its contact information (as the policy gives them) and carries a working one-click
// unsubscribe; following it stops further marketing email, including one already queued, while
// the subject's service email still goes.
TEST_F(ConnactVault, CN14_EveryMarketingEmailNamesTheSenderAndItsLinkStopsTheNext) {
  const Policy& policy = compiled().policy();
  ASSERT_NE(FindMarketingChannel(policy, "email"), nullptr);
  ASSERT_TRUE(FindMarketingChannel(policy, "email")->unsubscribe_link);
  testing::SmtpSink sink(dir_.path() + "/smtp");
  ASSERT_TRUE(sink.ok());
  Deliverer deliverer(vault(),
                      {.smtp = SmtpSettings{.url = sink.url(), .from = "news@connact.test"},
                       .max_attempts = 1,
                       .public_url = "https://privacy.connact.test"});
  const uint64_t id = NewSubject({.kind = "user", .age_years = 30});
  ASSERT_THAT(
      vault().Write({.subject_id = id,
                     .purposes = {"service"},
                     .fields = {{.category = "user.contact.email", .value = "u@example.com"}}}),
      IsOk());
  ASSERT_THAT(vault().RecordConsent(id, {.channel = "email", .action = ConsentAction::kGrant}),
              IsOk());
  auto news = [&](const std::string& line) {
    return vault().QueueMarketing(
        {.subject_id = id, .channel = "email", .subject = line, .text = "What is new."});
  };
  ASSERT_THAT(news("March"), IsOk());
  auto pass = deliverer.RunOnce();
  ASSERT_THAT(pass, IsOk());
  EXPECT_EQ(pass->emails_sent, 1u);
  const std::vector<testing::ReceivedMail> mail = sink.WaitFor(1);
  ASSERT_EQ(mail.size(), 1u);
  // The sender, by name, in the From header and in the text; contact information the policy gives.
  EXPECT_THAT(mail[0].Header("From"), HasSubstr(policy.organization));
  const std::string text = mail[0].Text();
  EXPECT_THAT(text, HasSubstr("Sent by " + policy.organization));
  for (const std::string* contact : {&policy.contact.email, &policy.contact.address,
                                     &policy.contact.phone, &policy.contact.web_form}) {
    if (!contact->empty()) {
      EXPECT_THAT(text, HasSubstr(*contact));
    }
  }
  // A working unsubscribe: one-click headers and the same link in the text.
  EXPECT_EQ(mail[0].Header("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
  const std::string link = mail[0].Header("List-Unsubscribe");
  const std::string prefix = "<https://privacy.connact.test/unsubscribe/";
  ASSERT_THAT(link, StartsWith(prefix));
  const std::string token = link.substr(prefix.size(), link.size() - prefix.size() - 1);
  EXPECT_THAT(text, HasSubstr(token));

  // The next newsletter is queued; the subject unsubscribes before it goes.
  ASSERT_THAT(news("April"), IsOk());
  auto channel = vault().Unsubscribe(token);
  ASSERT_THAT(channel, IsOk());
  EXPECT_EQ(*channel, "email");
  auto history = vault().ConsentHistory(id);
  ASSERT_THAT(history, IsOk());
  EXPECT_EQ(history->back().action, ConsentAction::kOptOut);
  EXPECT_EQ(history->back().source, ConsentSource::kUnsubscribe);
  pass = deliverer.RunOnce();
  ASSERT_THAT(pass, IsOk());
  EXPECT_EQ(pass->emails_sent, 0u);
  EXPECT_EQ(pass->cancelled, 1u);
  EXPECT_THAT(news("May"), Refused(Reason::kOptedOut));
  // Unsubscribing ends marketing, not the account: a service message still goes.
  RequestDesk desk(vault());
  ASSERT_THAT(desk.File({.right = Right::kAccess, .subject_id = id, .channel = "email"}), IsOk());
  pass = deliverer.RunOnce();
  ASSERT_THAT(pass, IsOk());
  EXPECT_EQ(pass->emails_sent, 1u);
  EXPECT_EQ(sink.WaitFor(2).size(), 2u);
}

}  // namespace
}  // namespace privet
