// Disclosure-register promises of the five customers: every release of data to a recipient goes
// through Vault::Disclose against the company's own policy file and is recorded.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "privet/rights.h"
#include "testing/status_matchers.h"
#include "testing/vault_fixture.h"
#include "vault/vault_core.h"

namespace privet {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

// A vault on a company's policy with helpers to fill a subject and disclose.
class DisclosureTest : public testing::VaultTest {
 protected:
  using VaultTest::VaultTest;

  uint64_t Subject(const std::string& kind, std::vector<std::string> purposes,
                   std::vector<FieldInput> fields) {
    const uint64_t id = NewSubject({.kind = kind, .age_years = 30});
    auto w = vault().Write(
        {.subject_id = id, .purposes = std::move(purposes), .fields = std::move(fields)});
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    return id;
  }

  StatusOr<DisclosureResult> Disclose(const std::string& recipient, uint64_t id,
                                      std::vector<std::string> categories,
                                      const std::string& purpose,
                                      std::vector<std::string> evidence = {}) {
    return vault().Disclose({.recipient = recipient,
                             .subject_id = id,
                             .categories = std::move(categories),
                             .purpose = purpose,
                             .evidence = std::move(evidence)});
  }

  static std::vector<std::string> Released(const StatusOr<DisclosureResult>& r) {
    std::vector<std::string> out;
    if (r.ok())
      for (const auto& f : r->released) out.push_back(f.category + "=" + f.value);
    return out;
  }

  std::vector<std::string> Register(uint64_t id) {
    std::vector<std::string> out;
    auto entries = vault().Disclosures(id);
    EXPECT_TRUE(entries.ok());
    if (entries.ok())
      for (const auto& e : *entries) out.push_back(e.recipient + "/" + e.purpose);
    return out;
  }
};

class ConfiTrekDisclosure : public DisclosureTest {
 protected:
  ConfiTrekDisclosure() : DisclosureTest("policies/confitrek.yaml") {}
};

TEST_F(ConfiTrekDisclosure, CT05_SharingOnlyWithConsentARequestOrDeclaredRecipientsAndRecorded) {
  const uint64_t id = Subject("customer", {"provide"},
                              {{.category = "user.name", .value = "Dee"},
                               {.category = "user.contact.email", .value = "dee@example.com"}});
  // Vendors acting for CT: allowed for the declared purposes.
  EXPECT_THAT(Released(Disclose("vendors", id, {"user.contact.email"}, "provide")),
              ElementsAre("user.contact.email=dee@example.com"));
  // A third party for a transaction only when the subject asked for it ...
  auto unrequested = Disclose("transaction_parties", id, {"user.name"}, "provide.transactions");
  EXPECT_EQ(unrequested.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(unrequested, ::privet::testing::Refused(Reason::kMissingPrecondition));
  EXPECT_THAT(Released(Disclose("transaction_parties", id, {"user.name"}, "provide.transactions",
                                {"subject_request:order-1182"})),
              ElementsAre("user.name=Dee"));
  // ... and to consented third parties only while the consent ledger holds the subject's consent:
  // never on the caller's word.
  auto unconsented =
      Disclose("consented_third_parties", id, {"user.name"}, "provide.consented_sharing");
  EXPECT_EQ(unconsented.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(unconsented, ::privet::testing::Refused(Reason::kNoConsent));
  EXPECT_FALSE(Disclose("consented_third_parties", id, {"user.name"}, "provide.consented_sharing",
                        {"subject_consent"})
                   .ok());
  EXPECT_FALSE(Disclose("consented_third_parties", id, {"user.name"}, "provide.transactions",
                        {"subject_request:order-1182"})
                   .ok());
  ASSERT_TRUE(vault()
                  .RecordConsent(
                      id, {.purpose = "provide.consented_sharing", .action = ConsentAction::kGrant})
                  .ok());
  EXPECT_THAT(
      Released(Disclose("consented_third_parties", id, {"user.name"}, "provide.consented_sharing")),
      ElementsAre("user.name=Dee"));
  ASSERT_TRUE(vault()
                  .RecordConsent(id, {.purpose = "provide.consented_sharing",
                                      .action = ConsentAction::kWithdraw})
                  .ok());
  EXPECT_EQ(Disclose("consented_third_parties", id, {"user.name"}, "provide.consented_sharing")
                .status()
                .code(),
            StatusCode::kPermissionDenied);
  // Each release is recorded with its recipient and reason; refusals are not releases.
  EXPECT_THAT(Register(id),
              ElementsAre("vendors/provide", "transaction_parties/provide.transactions",
                          "consented_third_parties/provide.consented_sharing"));
  auto entries = vault().Disclosures(id);
  ASSERT_TRUE(entries.ok());
  EXPECT_THAT((*entries)[1].evidence, ElementsAre("subject_request:order-1182"));
}

class ConfectDisclosure : public DisclosureTest {
 protected:
  ConfectDisclosure() : DisclosureTest("policies/confect.yaml") {}
  uint64_t Customer() {
    return Subject("customer", {"purchase", "security"},
                   {{.category = "user.name", .value = "Sam"},
                    {.category = "user.contact.email", .value = "sam@example.com"},
                    {.category = "user.account.login_id", .value = "sam-7"}});
  }
};

TEST_F(ConfectDisclosure, CF06_GroupCompaniesReceiveWhatThePolicyLetsThem) {
  const uint64_t id = Customer();
  EXPECT_THAT(
      Released(Disclose("group_companies", id, {"user.name", "user.contact.email"}, "purchase")),
      UnorderedElementsAre("user.name=Sam", "user.contact.email=sam@example.com"));
  EXPECT_EQ(Disclose("group_companies", id, {"user.name"}, "recruitment").status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_THAT(Register(id), ElementsAre("group_companies/purchase"));
}

TEST_F(ConfectDisclosure, CF08_AuthoritiesGetDataOnlyWithACourtOrder) {
  const uint64_t id = Customer();
  auto without = Disclose("authorities", id, {"user.account.login_id"}, "security");
  ASSERT_EQ(without.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(without, ::privet::testing::Refused(Reason::kMissingPrecondition));
  EXPECT_EQ(Disclose("authorities", id, {"user.account.login_id"}, "security", {"police_request"})
                .status()
                .code(),
            StatusCode::kPermissionDenied);
  EXPECT_THAT(Register(id), IsEmpty());
  auto with =
      Disclose("authorities", id, {"user.account.login_id"}, "security", {"court_order:B-1234/24"});
  EXPECT_THAT(Released(with), ElementsAre("user.account.login_id=sam-7"));
  EXPECT_THAT(Register(id), ElementsAre("authorities/security"));
}

TEST_F(ConfectDisclosure, CF09_SubProcessorsAreBoundAndListedForTheSubject) {
  const uint64_t id = Customer();
  // The US sub-processor has a DPA and standard contractual clauses: data may go.
  EXPECT_THAT(Released(Disclose("it_provider_us", id, {"user.contact.email"}, "purchase")),
              ElementsAre("user.contact.email=sam@example.com"));
  // Without clauses, nothing goes: the same vault on a policy whose US provider lacks them.
  Policy changed = compiled().policy();
  for (Recipient& r : changed.recipients)
    if (r.id == "it_provider_us") r.transfer_mechanism.clear();
  auto without_scc = CompiledPolicy::Compile(changed);
  ASSERT_TRUE(without_scc.ok());
  policy_ = *without_scc;
  Reopen();
  auto refused = Disclose("it_provider_us", id, {"user.contact.email"}, "purchase");
  ASSERT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(refused, ::privet::testing::Refused(Reason::kNoTransferMechanism));
  // The subject's register says where their data went (the public notice lists the
  // sub-processors: ConfectServer.CF09_TheSubjectCanListTheSubProcessorsAndTheirSafeguards).
  EXPECT_THAT(Register(id), ElementsAre("it_provider_us/purchase"));
}

class ConnactDisclosure : public DisclosureTest {
 protected:
  ConnactDisclosure() : DisclosureTest("policies/connact.yaml") {}
};

TEST_F(ConnactDisclosure, CN08_ProvidersGetOnlyWhatTheirFunctionNeeds) {
  const uint64_t id = NewSubject({.kind = "subscriber", .age_years = 40});
  ASSERT_TRUE(
      vault().RecordConsent(id, {.purpose = "newsletter", .action = ConsentAction::kGrant}).ok());
  ASSERT_TRUE(vault()
                  .Write({.subject_id = id,
                          .purposes = {"newsletter", "service"},
                          .fields = {{.category = "user.contact.email", .value = "ann@example.com"},
                                     {.category = "user.name", .value = "Ann"},
                                     {.category = "user.account", .value = "ann-acct"}}})
                  .ok());
  // The email provider asks for more than sending needs: the account stays home.
  auto r = Disclose("email_provider", id, {"user.contact.email", "user.name", "user.account"},
                    "newsletter");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT(Released(r),
              UnorderedElementsAre("user.contact.email=ann@example.com", "user.name=Ann"));
  ASSERT_EQ(r->withheld.size(), 1u);
  EXPECT_EQ(r->withheld[0].category, "user.account");
  EXPECT_EQ(r->withheld[0].reason, Reason::kCategoryNotForRecipient);
  // An unaffiliated third party is not even a declared recipient.
  EXPECT_EQ(Disclose("data_broker", id, {"user.contact.email"}, "newsletter").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(compiled().policy().sharing.unaffiliated_third_parties);
}

TEST_F(ConnactDisclosure, CN13_TheEmailAddressGoesToNoOneButTheSendingProvider) {
  // A newsletter subscriber gives the address for the newsletter.
  const uint64_t id = NewSubject({.kind = "subscriber", .age_years = 40});
  ASSERT_TRUE(
      vault().RecordConsent(id, {.purpose = "newsletter", .action = ConsentAction::kGrant}).ok());
  ASSERT_TRUE(
      vault()
          .Write({.subject_id = id,
                  .purposes = {"newsletter"},
                  .fields = {{.category = "user.contact.email", .value = "ann@example.com"}}})
          .ok());
  EXPECT_THAT(Released(Disclose("email_provider", id, {"user.contact.email"}, "newsletter")),
              ElementsAre("user.contact.email=ann@example.com"));
  for (const Recipient& r : compiled().policy().recipients) {
    if (r.id == "email_provider") continue;
    for (const std::string& purpose : r.purposes) {
      auto other = Disclose(r.id, id, {"user.contact.email"}, purpose, {"legal_process:ref"});
      const bool email_released = other.ok() && !other->released.empty();
      EXPECT_FALSE(email_released) << r.id << " for " << purpose;
    }
  }
  // Without the opt-in, not even the provider gets it.
  ASSERT_TRUE(vault()
                  .RecordConsent(id, {.purpose = "newsletter", .action = ConsentAction::kWithdraw})
                  .ok());
  EXPECT_EQ(Disclose("email_provider", id, {"user.contact.email"}, "newsletter").status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_THAT(Register(id), ElementsAre("email_provider/newsletter"));
}

class CustomerTrackrDisclosure : public DisclosureTest {
 protected:
  CustomerTrackrDisclosure() : DisclosureTest("policies/customertrackr.yaml") {}

  // Version 2 of the policy adds a recipient, newsletter_partner (CU06), and the vault reopens
  // under it.
  void ReopenUnderVersionTwoWithANewRecipient() {
    Policy v2 = compiled().policy();
    v2.version = 2;
    v2.recipients.push_back({.id = "newsletter_partner",
                             .name = "Newsletter partner",
                             .kind = RecipientKind::kPartner,
                             .function = "Sends our newsletter",
                             .country = "US",
                             .categories = {"user.contact.email"},
                             .purposes = {"service"},
                             .since_version = 2});
    auto compiled_v2 = CompiledPolicy::Compile(v2);
    ASSERT_TRUE(compiled_v2.ok());
    policy_ = *compiled_v2;
    Reopen();
  }
};

TEST_F(CustomerTrackrDisclosure, CU05_PersonalDataIsNeverRentedOrSold) {
  const uint64_t id = Subject("user", {"service"},
                              {{.category = "user.contact.email", .value = "kim@example.com"}});
  EXPECT_FALSE(compiled().policy().sharing.sale);
  for (const Recipient& r : compiled().policy().recipients) EXPECT_FALSE(r.sale) << r.id;
  // A buyer added to the policy by hand is refused even with the subject's consent.
  Policy changed = compiled().policy();
  changed.sharing.sale = true;  // the loader would refuse a sale recipient otherwise
  changed.recipients.push_back({.id = "list_buyer",
                                .kind = RecipientKind::kThirdParty,
                                .country = "US",
                                .categories = {"user.contact.email"},
                                .purposes = {"sale"},
                                .sale = true});
  auto compiled_sale = CompiledPolicy::Compile(changed);
  ASSERT_TRUE(compiled_sale.ok());
  policy_ = *compiled_sale;
  Reopen();
  ASSERT_TRUE(vault().RecordConsent(id, {.purpose = "sale", .action = ConsentAction::kGrant}).ok());
  auto sold = Disclose("list_buyer", id, {"user.contact.email"}, "sale");
  ASSERT_EQ(sold.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(sold, ::privet::testing::Refused(Reason::kProhibitedPurpose));
  EXPECT_THAT(Register(id), IsEmpty());
}

// CU06: "you will be notified when your personal information may be shared with third parties
// ..., and you will be able to prevent the sharing of this information by opting out."
TEST_F(CustomerTrackrDisclosure, CU06_ANewThirdPartyIsAnnouncedByPrivetAndCanBeOptedOutOf) {
  const uint64_t id = Subject("user", {"service"},
                              {{.category = "user.contact.email", .value = "kim@example.com"}});
  const uint64_t objector = Subject(
      "user", {"service"}, {{.category = "user.contact.email", .value = "lee@example.com"}});
  // A subject holding nothing the new recipient may receive is not concerned.
  const uint64_t unconcerned =
      Subject("user", {"service"}, {{.category = "user.name", .value = "Pat"}});
  // Version 2 adds a recipient.
  ASSERT_NO_FATAL_FAILURE(ReopenUnderVersionTwoWithANewRecipient());
  // Nothing goes before the subjects are told.
  auto before_notice = Disclose("newsletter_partner", id, {"user.contact.email"}, "service");
  EXPECT_THAT(before_notice, ::privet::testing::Refused(Reason::kRecipientNotYetInForce));

  // privet tells each concerned subject itself: a message naming the new recipient and how to
  // opt out, queued with the notice event; announcing again tells nobody twice.
  auto announced = vault().AnnouncePolicyChange(Principal::Service());
  ASSERT_TRUE(announced.ok()) << announced.status().ToString();
  EXPECT_EQ(announced->version, 2);
  EXPECT_EQ(announced->subjects_told, 2u);
  auto again = vault().AnnouncePolicyChange(Principal::Service());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->subjects_told, 0u);
  EXPECT_EQ(again->already_told, 2u);
  RequestDesk desk(vault());
  auto outbox = desk.Outbox(false);
  ASSERT_TRUE(outbox.ok());
  std::map<uint64_t, std::vector<nlohmann::json>> told;
  for (const OutboxMessage& m : *outbox)
    if (m.topic == "policy_change") told[m.subject_id].push_back(nlohmann::json::parse(m.body));
  ASSERT_EQ(told[id].size(), 1u);
  ASSERT_EQ(told[objector].size(), 1u);
  EXPECT_FALSE(told.count(unconcerned));
  const nlohmann::json& notice = told[id][0];
  EXPECT_EQ(notice["policy_version"], 2);
  ASSERT_EQ(notice["new_recipients"].size(), 1u);
  EXPECT_EQ(notice["new_recipients"][0]["id"], "newsletter_partner");
  EXPECT_EQ(notice["opt_out_window"],
            DurationToString(*compiled().policy().changes.opt_out_window));

  // Within the policy's opt-out window nothing goes either.
  clock_.Advance(std::chrono::days(29));  // the policy's opt-out window is 30 days
  EXPECT_THAT(Disclose("newsletter_partner", id, {"user.contact.email"}, "service"),
              ::privet::testing::Refused(Reason::kRecipientNotYetInForce));
  // A subject who opts out of that recipient in the window is not shared with it ...
  ASSERT_TRUE(vault()
                  .RecordConsent(objector, {.recipient = "newsletter_partner",
                                            .action = ConsentAction::kOptOut})
                  .ok());
  clock_.Advance(std::chrono::days(2));
  EXPECT_THAT(Released(Disclose("newsletter_partner", id, {"user.contact.email"}, "service")),
              ElementsAre("user.contact.email=kim@example.com"));
  EXPECT_THAT(Disclose("newsletter_partner", objector, {"user.contact.email"}, "service"),
              ::privet::testing::Refused(Reason::kOptedOut));
  EXPECT_THAT(Register(objector), IsEmpty());
  // ... and the opt-out does exactly that: the service itself, and the sharing the policy
  // described from the start, go on.
  auto own_use = vault().Read(Principal::Service(), objector, "service");
  ASSERT_TRUE(own_use.ok()) << own_use.status().ToString();
  EXPECT_THAT(own_use->fields, Not(IsEmpty()));
  EXPECT_THAT(Released(Disclose("authorities", objector, {"user.contact.email"}, "legal",
                                {"legal_process:CASE-7"})),
              ElementsAre("user.contact.email=lee@example.com"));
  // Taking the opt-out back lets the sharing start.
  ASSERT_TRUE(vault()
                  .RecordConsent(objector, {.recipient = "newsletter_partner",
                                            .action = ConsentAction::kUndoOptOut})
                  .ok());
  EXPECT_THAT(Released(Disclose("newsletter_partner", objector, {"user.contact.email"}, "service")),
              ElementsAre("user.contact.email=lee@example.com"));
}

// The announcement and the disclosure gate agree on who is concerned: a subject created before
// the new recipient is told of it even when its data came after the change (else it would wait
// for a notice that never comes).
TEST_F(CustomerTrackrDisclosure, ASubjectCreatedBeforeANewRecipientIsToldEvenOfDataWrittenAfter) {
  const uint64_t id = NewSubject({.kind = "user", .age_years = 30});
  ASSERT_NO_FATAL_FAILURE(ReopenUnderVersionTwoWithANewRecipient());
  ASSERT_TRUE(
      vault()
          .Write({.subject_id = id,
                  .purposes = {"service"},
                  .fields = {{.category = "user.contact.email", .value = "kim@example.com"}}})
          .ok());
  EXPECT_THAT(Disclose("newsletter_partner", id, {"user.contact.email"}, "service"),
              ::privet::testing::Refused(Reason::kRecipientNotYetInForce));
  auto announced = vault().AnnouncePolicyChange(Principal::Service());
  ASSERT_TRUE(announced.ok()) << announced.status().ToString();
  EXPECT_EQ(announced->subjects_told, 1u);
  clock_.Advance(std::chrono::days(31));
  EXPECT_THAT(Released(Disclose("newsletter_partner", id, {"user.contact.email"}, "service")),
              ElementsAre("user.contact.email=kim@example.com"));
}

// One subject whose record cannot be opened is reported and skipped; the others are told.
TEST_F(CustomerTrackrDisclosure, AnUnreadableSubjectDoesNotStopTheAnnouncement) {
  const uint64_t damaged = Subject(
      "user", {"service"}, {{.category = "user.contact.email", .value = "bob@example.com"}});
  const uint64_t id = Subject("user", {"service"},
                              {{.category = "user.contact.email", .value = "kim@example.com"}});
  auto record = vault_internal::CoreOf(vault()).data().GetSubject(damaged);
  ASSERT_TRUE(record.ok() && record->has_value());
  std::string sealed = (*record)->sealed_profile;
  ASSERT_FALSE(sealed.empty());
  sealed.back() = static_cast<char>(sealed.back() ^ 0x01);
  store::WriteBatch batch;
  batch.UpdateProfile(damaged, sealed);
  ASSERT_TRUE(vault_internal::CoreOf(vault()).Commit(batch, {}).ok());
  ASSERT_NO_FATAL_FAILURE(ReopenUnderVersionTwoWithANewRecipient());
  auto announced = vault().AnnouncePolicyChange(Principal::Service());
  ASSERT_TRUE(announced.ok()) << announced.status().ToString();
  EXPECT_EQ(announced->subjects_told, 1u);
  EXPECT_EQ(announced->subjects_unreadable, std::vector<uint64_t>{damaged});
  auto history = vault().ConsentHistory(id);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].action, ConsentAction::kNotified);
}

TEST_F(CustomerTrackrDisclosure, AnOptOutFromARecipientIsRefusedForWhatThePolicyDoesNotDeclare) {
  const uint64_t id = Subject("user", {"service"},
                              {{.category = "user.contact.email", .value = "kim@example.com"}});
  EXPECT_EQ(
      vault().RecordConsent(id, {.recipient = "nobody", .action = ConsentAction::kOptOut}).code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(vault()
                .RecordConsent(id, {.recipient = "fraud_partners", .action = ConsentAction::kGrant})
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(vault()
                .RecordConsent(id, {.purpose = "service",
                                    .recipient = "fraud_partners",
                                    .action = ConsentAction::kOptOut})
                .code(),
            StatusCode::kInvalidArgument);
  auto history = vault().ConsentHistory(id);
  ASSERT_TRUE(history.ok());
  EXPECT_THAT(*history, IsEmpty());
}

// The law, not a preference, decides disclosures a legal obligation requires: an opt-out from
// the authorities does not stop a release under legal process.
TEST_F(CustomerTrackrDisclosure, AnOptOutFromARecipientDoesNotStopWhatTheLawRequires) {
  const uint64_t id = Subject("user", {"service"},
                              {{.category = "user.contact.email", .value = "kim@example.com"}});
  ASSERT_TRUE(vault()
                  .RecordConsent(id, {.recipient = "authorities", .action = ConsentAction::kOptOut})
                  .ok());
  const std::optional<PurposeId> legal = compiled().FindPurpose("legal");
  ASSERT_TRUE(legal);
  ASSERT_EQ(compiled().purpose(*legal).basis, LegalBasis::kLegalObligation);
  EXPECT_THAT(Released(Disclose("authorities", id, {"user.contact.email"}, "legal",
                                {"legal_process:CASE-1"})),
              ElementsAre("user.contact.email=kim@example.com"));
}

class ConnectrexDisclosure : public DisclosureTest {
 protected:
  ConnectrexDisclosure() : DisclosureTest("policies/connectrex.yaml") {}
  uint64_t Supervisee() {
    return Subject("supervisee", {"service", "service.location", "agency"},
                   {{.category = "user.name", .value = "Pat"},
                    {.category = "user.supervision.conditions", .value = "curfew 21:00"},
                    {.category = "user.location.precise", .value = "37.65,-122.41"}});
  }
};

TEST_F(ConnectrexDisclosure, CX06_PublicRecordDataIsStillReleasedOnlyAsThePolicyAllows) {
  const uint64_t id = Supervisee();
  std::optional<CategoryId> conditions = compiled().FindCategory("user.supervision.conditions");
  ASSERT_TRUE(conditions.has_value());
  EXPECT_TRUE(compiled().category(*conditions).public_record);
  // The agency's contract: released.
  EXPECT_THAT(Released(Disclose("supervising_agency", id, {"user.supervision.conditions"}, "agency",
                                {"contract:agency-7"})),
              ElementsAre("user.supervision.conditions=curfew 21:00"));
  // Being public record opens no other door: not to the payment provider, nor to collections.
  EXPECT_EQ(
      Disclose("payment_provider", id, {"user.supervision.conditions"}, "billing").status().code(),
      StatusCode::kPermissionDenied);
  EXPECT_EQ(Disclose("collection_agency", id, {"user.supervision.conditions"},
                     "billing.collections", {"unpaid_balance:inv-9"})
                .status()
                .code(),
            StatusCode::kPermissionDenied);
}

TEST_F(ConnectrexDisclosure, CX07_NoSaleAndDisclosuresOnlyForTheStatedReasonsEachRecorded) {
  const uint64_t id = Supervisee();
  ASSERT_TRUE(
      vault()
          .Write({.subject_id = id,
                  .purposes = {"billing", "service.location"},
                  .fields = {{.category = "user.financial.account_balance", .value = "-45.00"},
                             {.category = "user.location.precise", .value = "37.65,-122.41"}}})
          .ok());
  EXPECT_FALSE(compiled().policy().sharing.sale);
  // (i) law and legal process, (ii) unpaid bills, (iv) disputes: each needs its occasion.
  EXPECT_EQ(Disclose("courts_and_law_enforcement", id, {"user.name"}, "legal").status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_THAT(Released(Disclose("courts_and_law_enforcement", id, {"user.name"}, "legal",
                                {"legal_process:sub-1"})),
              ElementsAre("user.name=Pat"));
  EXPECT_EQ(
      Disclose("collection_agency", id, {"user.financial.account_balance"}, "billing.collections")
          .status()
          .code(),
      StatusCode::kPermissionDenied);
  EXPECT_THAT(Released(Disclose("collection_agency", id, {"user.financial.account_balance"},
                                "billing.collections", {"unpaid_balance:inv-9"})),
              ElementsAre("user.financial.account_balance=-45.00"));
  // No recipient for any other reason (marketing, statistics).
  EXPECT_EQ(Disclose("dispute_resolution", id, {"user.name"}, "statistics", {"dispute:d-1"})
                .status()
                .code(),
            StatusCode::kPermissionDenied);
  EXPECT_THAT(Register(id), ElementsAre("courts_and_law_enforcement/legal",
                                        "collection_agency/billing.collections"));
}

}  // namespace
}  // namespace privet
