// The access export through the vault and the request desk, on the starter policy: every legal
// basis of a field, CSV cells a spreadsheet cannot evaluate, and the Art. 15 information. What
// the export must say is read from the policy here, never written out as a notice.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "conformance/rights_fixture.h"
#include "privet/notice.h"
#include "privet/rights.h"
#include "rights/internal.h"

namespace privet {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

class SubjectExportTest : public testing::RightsTest {
 protected:
  SubjectExportTest() : RightsTest("policies/starter.yaml") {}

  void SetUp() override {
    RightsTest::SetUp();
    subject_ = NewSubject({.kind = "customer", .age_years = 30, .jurisdiction = "EU"});
  }

  // The basis the policy gives a purpose (its own or inherited).
  std::string BasisOf(const std::string& purpose) {
    std::optional<PurposeId> id = compiled().FindPurpose(purpose);
    EXPECT_TRUE(id.has_value()) << purpose;
    return id ? std::string(LegalBasisName(compiled().purpose(*id).basis)) : "";
  }

  FulfilResult Access() {
    auto done = Exercise({.right = Right::kAccess, .subject_id = subject_, .channel = "dashboard"});
    EXPECT_TRUE(done.ok()) << done.status().ToString();
    return done.ok() ? *done : FulfilResult{};
  }

  // The case of the issue: an address held for the service (contract) and, with consent, for
  // marketing.
  void HoldEmailForServiceAndMarketing() {
    ASSERT_TRUE(vault()
                    .RecordConsent(subject_, {.purpose = "marketing",
                                              .action = ConsentAction::kGrant,
                                              .source = ConsentSource::kForm})
                    .ok());
    MustWrite({.subject_id = subject_,
               .purposes = {"service", "marketing"},
               .fields = {{.category = "user.contact.email", .value = "ada@example.com"}}});
  }

  uint64_t subject_ = 0;
};

TEST_F(SubjectExportTest, AFieldHeldForTwoPurposesListsTheBasisOfEach) {
  ASSERT_NO_FATAL_FAILURE(HoldEmailForServiceAndMarketing());
  const std::string service = BasisOf("service");
  const std::string marketing = BasisOf("marketing");
  ASSERT_NE(service, marketing);  // the case of the issue: one basis would hide the other

  FulfilResult done = Access();
  const json exported = json::parse(done.export_json);
  EXPECT_EQ(exported["format"], "privet.export/3");
  ASSERT_EQ(exported["fields"].size(), 1u);
  const json& field = exported["fields"][0];
  EXPECT_FALSE(field.contains("legal_basis"));  // one basis per field said too little
  EXPECT_EQ(field["legal_bases"],
            (json::array({{{"purpose", "service"}, {"basis", service}},
                          {{"purpose", "marketing"}, {"basis", marketing}}})));
  EXPECT_THAT(
      done.export_csv.at("user.contact.email"),
      HasSubstr(",\"service;marketing\",\"service:" + service + ";marketing:" + marketing + "\","));
  // The same through the desk's export, which the operator surfaces call.
  auto again = desk().ExportJson(subject_, RequestDesk::ExportScope::kEverything);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(json::parse(*again)["fields"][0]["legal_bases"], field["legal_bases"]);
}

TEST_F(SubjectExportTest, CsvCellsThatASpreadsheetWouldEvaluateAreText) {
  const std::vector<std::string> formulas = {
      "=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1"};
  std::vector<FieldInput> fields;
  for (const std::string& v : formulas) fields.push_back({.category = "user.name", .value = v});
  fields.push_back({.category = "user.name", .value = "Ada \"Countess\", of Lovelace"});
  MustWrite({.subject_id = subject_, .purposes = {"service"}, .fields = fields});

  FulfilResult done = Access();
  const std::string& csv = done.export_csv.at("user.name");
  EXPECT_THAT(csv, HasSubstr(",\"'=HYPERLINK(\"\"http://x\"\")\","));
  EXPECT_THAT(csv, HasSubstr(",\"'+1+1\","));
  EXPECT_THAT(csv, HasSubstr(",\"'-2+3\","));
  EXPECT_THAT(csv, HasSubstr(",\"'@SUM(A1:A2)\","));
  EXPECT_THAT(csv, HasSubstr(",\"'\t=1+1\","));
  EXPECT_THAT(csv, HasSubstr(",\"'\r=1+1\","));
  EXPECT_THAT(csv, HasSubstr(",\"Ada \"\"Countess\"\", of Lovelace\","));  // quoted, not prefixed
  // No cell starts with a formula character: each begins with a quote, then a quote or text.
  for (const std::string& v : formulas) EXPECT_THAT(csv, Not(HasSubstr(",\"" + v))) << v;
  EXPECT_THAT(csv, Not(HasSubstr(",=")));
  // The JSON export carries the values as they are: only the spreadsheet format needs the guard.
  const json exported = json::parse(done.export_json);
  std::set<std::string> values;
  for (const json& f : exported["fields"]) values.insert(f.value("value", ""));
  for (const std::string& v : formulas) EXPECT_EQ(values.count(v), 1u) << v;
}

TEST(CsvCell, QuotesEveryCellAndPrefixesFormulaStarts) {
  EXPECT_EQ(rights_internal::CsvCell("plain"), "\"plain\"");
  EXPECT_EQ(rights_internal::CsvCell(""), "\"\"");
  EXPECT_EQ(rights_internal::CsvCell("a\"b"), "\"a\"\"b\"");
  for (char c : std::string("=+-@\t\r")) {
    EXPECT_EQ(rights_internal::CsvCell(std::string(1, c) + "x"), "\"'" + std::string(1, c) + "x\"")
        << int(c);
  }
  EXPECT_EQ(rights_internal::CsvCell("a=b"), "\"a=b\"");  // only the first character matters
}

// True if a field held for `held_for` may be used for `purpose` (the purpose or one beneath it).
bool Beneath(const std::vector<std::string>& held_for, const std::string& purpose) {
  return std::any_of(held_for.begin(), held_for.end(),
                     [&](const std::string& p) { return IdCovers(p, purpose); });
}

std::string S(const json& j) { return j.get<std::string>(); }

std::vector<std::string> Sorted(const json& list) {
  std::vector<std::string> out;
  for (const json& item : list) out.push_back(item.get<std::string>());
  std::sort(out.begin(), out.end());
  return out;
}

TEST_F(SubjectExportTest, TheInformationBesideTheDataIsWhatThePolicySays) {
  ASSERT_NO_FATAL_FAILURE(HoldEmailForServiceAndMarketing());
  MustWrite(
      {.subject_id = subject_,
       .purposes = {"service"},
       .fields = {{.category = "user.name", .value = "Ada", .source = DataSource::kPartner}}});
  MustWrite({.subject_id = subject_,
             .purposes = {"security"},
             .fields = {{.category = "user.device.ip_address", .value = "192.0.2.1"}}});
  const Policy& policy = compiled().policy();
  ASSERT_FALSE(policy.recipients.empty());
  auto released = vault().Disclose({.recipient = policy.recipients[0].id,
                                    .subject_id = subject_,
                                    .categories = {"user.name"},
                                    .purpose = "service"});
  ASSERT_TRUE(released.ok()) << released.status().ToString();

  FulfilResult done = Access();
  const json exported = json::parse(done.export_json);
  ASSERT_TRUE(exported.contains("information")) << exported.dump(2);
  const json& info = exported["information"];
  const json& fields = exported["fields"];
  auto held_for = [&](const json& f) { return f["purposes"].get<std::vector<std::string>>(); };

  // Controller.
  EXPECT_EQ(S(info["controller"]["name"]), policy.organization);
  EXPECT_EQ(S(info["controller"]["contact"]["email"]), policy.contact.email);
  EXPECT_EQ(S(info["controller"]["data_protection_officer"]["email"]), policy.contact.dpo_email);

  // Purposes (Art. 15(1)(a)): every purpose of the policy that may use a held field (held for it
  // or for one above it, and among its categories), with its basis.
  std::map<std::string, std::pair<std::string, std::vector<std::string>>> expected_purposes;
  for (const Purpose& p : policy.purposes) {
    const CompiledPurpose& cp = compiled().purpose(*compiled().FindPurpose(p.id));
    std::set<std::string> categories;
    for (const json& f : fields) {
      const std::string category = S(f["category"]);
      if (!cp.prohibited && Beneath(held_for(f), p.id) &&
          cp.categories.Test(*compiled().FindCategory(category)))
        categories.insert(category);
    }
    if (!categories.empty())
      expected_purposes[p.id] = {BasisOf(p.id), {categories.begin(), categories.end()}};
  }
  std::map<std::string, std::pair<std::string, std::vector<std::string>>> got_purposes;
  for (const json& p : info["purposes"])
    got_purposes[S(p["purpose"])] = {S(p["legal_basis"]), Sorted(p["categories"])};
  EXPECT_EQ(got_purposes, expected_purposes);
  EXPECT_GE(got_purposes.size(), 3u);  // service, marketing, security at least

  // Categories (Art. 15(1)(b)).
  std::set<std::string> held_categories;
  for (const json& f : fields) held_categories.insert(S(f["category"]));
  std::set<std::string> got_categories;
  for (const json& c : info["categories"]) {
    got_categories.insert(S(c["category"]));
    const Category& decl = compiled().category(*compiled().FindCategory(S(c["category"])));
    EXPECT_EQ(S(c["description"]), decl.description);
  }
  EXPECT_EQ(got_categories, held_categories);

  // Recipients (Art. 15(1)(c), (2)): those whose categories and purposes reach a held field.
  std::map<std::string, std::vector<std::string>> expected_recipients;
  for (const Recipient& r : policy.recipients) {
    std::set<std::string> categories;
    for (const json& f : fields) {
      const std::string category = S(f["category"]);
      const bool takes = std::any_of(r.categories.begin(), r.categories.end(),
                                     [&](const std::string& c) { return IdCovers(c, category); });
      const bool serves =
          std::any_of(r.purposes.begin(), r.purposes.end(), [&](const std::string& rp) {
            return std::any_of(
                expected_purposes.begin(), expected_purposes.end(), [&](const auto& e) {
                  return IdCovers(rp, e.first) && Beneath(held_for(f), e.first) &&
                         std::count(e.second.second.begin(), e.second.second.end(), category) > 0;
                });
          });
      if (takes && serves) categories.insert(category);
    }
    if (!categories.empty()) expected_recipients[r.id] = {categories.begin(), categories.end()};
  }
  ASSERT_FALSE(expected_recipients.empty());
  std::map<std::string, std::vector<std::string>> got_recipients;
  for (const json& r : info["recipients"]) {
    got_recipients[S(r["recipient"])] = Sorted(r["categories"]);
    const auto decl = std::find_if(policy.recipients.begin(), policy.recipients.end(),
                                   [&](const Recipient& x) { return x.id == S(r["recipient"]); });
    ASSERT_NE(decl, policy.recipients.end());
    EXPECT_EQ(S(r["name"]), decl->name);
    EXPECT_EQ(S(r["kind"]), RecipientKindName(decl->kind));
    EXPECT_EQ(S(r["country"]), decl->country);
    EXPECT_EQ(r["third_country"], IsThirdCountryTransfer(policy, decl->country));
    EXPECT_EQ(r["disclosed"], decl->id == policy.recipients[0].id);  // the register's entry
  }
  EXPECT_EQ(got_recipients, expected_recipients);

  // Retention (Art. 15(1)(d)): per category, the rules that cover its fields.
  std::map<std::string, std::vector<std::string>> expected_retention;
  for (const json& f : fields) {
    const std::string category = S(f["category"]);
    std::vector<std::string>& rules = expected_retention[category];
    for (const RetentionRule& r : policy.retention) {
      const bool kind = r.subject_kinds.empty() ||
                        std::count(r.subject_kinds.begin(), r.subject_kinds.end(), "customer") > 0;
      const bool cat = r.categories.empty() ||
                       std::any_of(r.categories.begin(), r.categories.end(),
                                   [&](const std::string& c) { return IdCovers(c, category); });
      const bool purpose =
          r.purposes.empty() ||
          std::any_of(r.purposes.begin(), r.purposes.end(), [&](const std::string& p) {
            const std::vector<std::string> held = held_for(f);
            return std::any_of(held.begin(), held.end(),
                               [&](const std::string& h) { return IdCovers(p, h); });
          });
      if (kind && cat && purpose && std::count(rules.begin(), rules.end(), r.id) == 0)
        rules.push_back(r.id);
    }
    std::sort(rules.begin(), rules.end());
  }
  std::map<std::string, std::vector<std::string>> got_retention;
  for (const json& entry : info["retention"]) {
    std::vector<std::string>& rules = got_retention[S(entry["category"])];
    for (const json& r : entry["rules"]) {
      rules.push_back(S(r["rule"]));
      const auto decl = std::find_if(policy.retention.begin(), policy.retention.end(),
                                     [&](const RetentionRule& x) { return x.id == S(r["rule"]); });
      ASSERT_NE(decl, policy.retention.end());
      EXPECT_EQ(S(r["period"]), DurationToString(decl->duration));
      EXPECT_EQ(S(r["from"]), AnchorEventName(*decl->anchor));
      EXPECT_EQ(S(r["action"]), RetentionActionName(decl->action));
    }
    std::sort(rules.begin(), rules.end());
    EXPECT_EQ(entry["until_erased"], rules.empty());
  }
  EXPECT_EQ(got_retention, expected_retention);

  // Sources (Art. 15(1)(g)): the partner's name is not from the subject.
  std::map<std::string, std::pair<std::string, std::string>> sources;
  for (const json& s : info["sources"])
    sources[S(s["field_id"])] = {S(s["source"]), S(s["origin"])};
  ASSERT_EQ(sources.size(), fields.size());
  for (const json& f : fields) {
    const auto& [source, origin] = sources[S(f["id"])];
    EXPECT_EQ(source, S(f["source"]));
    EXPECT_EQ(origin, source == "subject" ? "subject" : "third_party")
        << f.dump();  // subject, partner
  }

  // Rights (Art. 15(1)(e), (f)) and how to exercise them.
  std::vector<std::string> offered;
  for (Right r : policy.rights.offered) offered.push_back(std::string(RightName(r)));
  EXPECT_EQ(info["rights"]["offered"], json(offered));
  EXPECT_EQ(info["rights"]["channels"], json(policy.rights.channels));
  EXPECT_EQ(S(info["rights"]["contact"]["email"]), policy.contact.email);
  const Deadline* deadline = FindDeadline(policy, "EU");
  ASSERT_NE(deadline, nullptr);
  EXPECT_EQ(S(info["rights"]["deadline"]["period"]), DurationToString(deadline->period));
  EXPECT_EQ(info["rights"]["complaint_to_supervisory_authority"], compiled().under_gdpr());

  // Automated decisions and profiling (Art. 15(1)(h)): what the policy flags.
  std::vector<std::string> profiling;
  for (const auto& [purpose, unused] : expected_purposes) {
    if (compiled().purpose(*compiled().FindPurpose(purpose)).profiling)
      profiling.push_back(purpose);
  }
  const json& automated = info["automated_decision_making"];
  EXPECT_EQ(automated["profiling"], !profiling.empty());
  std::vector<std::string> got_profiling;
  for (const json& p : automated["profiling_purposes"]) got_profiling.push_back(S(p["purpose"]));
  EXPECT_EQ(got_profiling, profiling);
  // Decisions based solely on automated processing: the starter policy states nothing, so the
  // export claims nothing either way.
  ASSERT_FALSE(policy.automated_decisions.has_value());
  EXPECT_EQ(automated["solely_automated_decisions"]["declared"], false);
  EXPECT_TRUE(automated["solely_automated_decisions"]["used"].is_null());
  ASSERT_FALSE(policy.controller.supervisory_authority.has_value());
  EXPECT_TRUE(info["rights"]["supervisory_authority"].is_null());
  ASSERT_FALSE(policy.controller.representative.has_value());
  EXPECT_FALSE(info["controller"].contains("representative"));
}

std::string StarterPolicyText() {
  std::ifstream in(testing::SourcePath("policies/starter.yaml"), std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Art. 15(1)(h) and (f), and Art. 27: a policy that declares automated decisions, names its
// supervisory authority and a representative has each of them in the export, as it states them.
TEST(AccessInformationTest, AutomatedDecisionsAuthorityAndRepresentativeComeFromThePolicy) {
  const std::string yaml = StarterPolicyText() +
                           R"(
controller:
  supervisory_authority: {name: Data Protection Commission, url: "https://dpc.example"}
  representative: {name: Example EU Rep, email: rep@example.eu, address: "1 Rue Example, Paris"}
automated_decisions:
  used: true
  description: We score sign-ups automatically to refuse likely fraud; you may ask for a person.
)";
  std::shared_ptr<const CompiledPolicy> compiled = testing::CompileText(yaml);
  ASSERT_NE(compiled, nullptr);
  const Policy& p = compiled->policy();
  ASSERT_TRUE(p.automated_decisions.has_value());
  ASSERT_TRUE(p.automated_decisions->used);

  FieldValue email{.id = 1,
                   .category = "user.contact.email",
                   .value = "ada@example.com",
                   .purposes = {"service"}};
  const json info = rights_internal::AccessInformation(
      *compiled, SubjectInfo{.id = 7, .kind = "customer", .jurisdiction = "EU"},
      {{.field = &email}}, {});
  const json& decisions = info["automated_decision_making"]["solely_automated_decisions"];
  EXPECT_EQ(decisions["declared"], true);
  EXPECT_EQ(decisions["used"], p.automated_decisions->used);
  EXPECT_EQ(decisions["description"], p.automated_decisions->description);
  const SupervisoryAuthority& authority = *p.controller.supervisory_authority;
  EXPECT_EQ(info["rights"]["supervisory_authority"],
            (json{{"name", authority.name}, {"url", authority.url}}));
  const Representative& rep = *p.controller.representative;
  EXPECT_EQ(info["controller"]["representative"],
            (json{{"name", rep.name}, {"email", rep.email}, {"address", rep.address}}));
}

// A policy that declares no automated decisions says so in the export.
TEST(AccessInformationTest, APolicyThatDeclaresNoAutomatedDecisionsSaysSo) {
  std::shared_ptr<const CompiledPolicy> compiled =
      testing::CompileText(StarterPolicyText() + "automated_decisions: {used: false}\n");
  ASSERT_NE(compiled, nullptr);
  FieldValue email{
      .id = 1, .category = "user.contact.email", .value = "a@example.com", .purposes = {"service"}};
  const json info = rights_internal::AccessInformation(
      *compiled, SubjectInfo{.id = 7, .kind = "customer", .jurisdiction = "EU"},
      {{.field = &email}}, {});
  const json& decisions = info["automated_decision_making"]["solely_automated_decisions"];
  EXPECT_EQ(decisions["declared"], true);
  EXPECT_EQ(decisions["used"], false);
  EXPECT_TRUE(decisions["description"].is_null());
}

TEST_F(SubjectExportTest, ThePortableExportHasWhatTheSubjectProvidedUnderConsentOrContractOnly) {
  // Portability (Art. 20(1)(a)) reaches data processed on consent or contract for any purpose.
  MustWrite({.subject_id = subject_,
             .purposes = {"security"},
             .fields = {{.category = "user.device.ip_address", .value = "192.0.2.1"}}});
  MustWrite({.subject_id = subject_,
             .purposes = {"service"},
             .fields = {{.category = "user.name", .value = "Ada"}}});
  auto portable = desk().ExportJson(subject_, RequestDesk::ExportScope::kPortable);
  ASSERT_TRUE(portable.ok()) << portable.status().ToString();
  const json moved = json::parse(*portable);
  std::vector<std::string> values;
  for (const json& f : moved["fields"]) values.push_back(S(f["value"]));
  EXPECT_EQ(values, std::vector<std::string>{"Ada"});
  EXPECT_FALSE(moved.contains("information"));
}

}  // namespace
}  // namespace privet
