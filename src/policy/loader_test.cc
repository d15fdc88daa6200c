#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "privet/policy.h"
#include "testing/policy_fixture.h"

namespace privet {
namespace {

using ::testing::HasSubstr;

// A small valid policy; tests break it one line at a time.
constexpr std::string_view kMinimal = R"(privet_policy: 1
organization: Example Ltd
jurisdictions: [EU]
version: 2
effective: 2024-03-04
categories:
  - id: user.contact.email
    identifier: email
  - id: user.name
  - id: user.health
    special: true
purposes:
  - id: provide
    basis: contract
    categories: [user.contact, user.name]
  - id: provide.support
  - id: marketing
    basis: consent
    categories: [user.contact.email]
    direct_marketing: true
retention:
  - id: accounts
    categories: [user]
    duration: 2 years
    anchor: last_activity
)";

PolicyLoadResult Load(std::string_view text) { return LoadPolicy(text, "p.yaml"); }

std::string Errors(const PolicyLoadResult& r) {
  std::string out;
  for (const auto& d : r.diagnostics)
    if (d.severity == Diagnostic::Severity::kError) out += d.ToString() + "\n";
  return out;
}

std::string Replace(std::string_view text, std::string_view from, std::string_view to) {
  std::string s(text);
  size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

TEST(PolicyLoader, LoadsMinimalPolicy) {
  PolicyLoadResult r = Load(kMinimal);
  ASSERT_TRUE(r.ok()) << testing::DiagnosticsText(r);
  EXPECT_EQ(r.policy->organization, "Example Ltd");
  EXPECT_EQ(r.policy->version, 2);
  EXPECT_EQ(r.policy->effective, (CivilDay{2024, 3, 4}));
  ASSERT_EQ(r.policy->purposes.size(), 3u);
  EXPECT_EQ(r.policy->retention[0].duration, (Duration{2, TimeUnit::kYears}));
  EXPECT_EQ(r.policy->retention[0].anchor, AnchorEvent::kLastActivity);
}

TEST(PolicyLoader, ErrorsCarryPathLineColumnAndKey) {
  PolicyLoadResult r = Load(Replace(kMinimal, "basis: contract", "basis: contrakt"));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Errors(r),
              HasSubstr("p.yaml:14:12: error: purposes[0].basis: 'contrakt' is not one of"));
  EXPECT_THAT(Errors(r), HasSubstr("did you mean 'contract'?"));
}

TEST(PolicyLoader, UnknownKeyIsAnError) {
  PolicyLoadResult r =
      Load(Replace(kMinimal, "    direct_marketing: true", "    direct_marketting: true"));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Errors(r),
              HasSubstr("p.yaml:20:5: error: unknown key 'purposes[2].direct_marketting'"));
  EXPECT_THAT(Errors(r), HasSubstr("did you mean 'direct_marketing'?"));
}

TEST(PolicyLoader, UnknownTopLevelKeyIsAnError) {
  PolicyLoadResult r = Load(std::string(kMinimal) + "sharring: {sale: false}\n");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Errors(r), HasSubstr("unknown key 'sharring' (did you mean 'sharing'?)"));
}

TEST(PolicyLoader, DuplicateKeyIsAnError) {
  PolicyLoadResult r = Load(Replace(kMinimal, "version: 2\n", "version: 2\nversion: 3\n"));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Errors(r), HasSubstr("p.yaml:5:1: error: duplicate key version (first at line 4)"));
}

TEST(PolicyLoader, MissingRequiredKeysAreNamed) {
  PolicyLoadResult r = Load(Replace(kMinimal, "effective: 2024-03-04\n", ""));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Errors(r), HasSubstr("missing required key effective"));
}

TEST(PolicyLoader, WrongTypesAreErrors) {
  EXPECT_THAT(Errors(Load(Replace(kMinimal, "version: 2", "version: two"))),
              HasSubstr("version: expected a whole number from 1 to 1000000, got 'two'"));
  EXPECT_THAT(Errors(Load(Replace(kMinimal, "special: true", "special: yes"))),
              HasSubstr("categories[2].special: expected true or false, got 'yes'"));
  EXPECT_THAT(Errors(Load(Replace(kMinimal, "jurisdictions: [EU]", "jurisdictions: EU"))),
              HasSubstr("jurisdictions: expected a list"));
  EXPECT_THAT(Errors(Load(Replace(kMinimal, "effective: 2024-03-04", "effective: 2024-02-30"))),
              HasSubstr("effective: expected a date YYYY-MM-DD, got '2024-02-30'"));
  EXPECT_THAT(Errors(Load(Replace(kMinimal, "duration: 2 years", "duration: 2 fortnights"))),
              HasSubstr("retention[0].duration: expected a duration"));
}

TEST(PolicyLoader, UnknownReferencesAreErrors) {
  EXPECT_THAT(
      Errors(Load(Replace(kMinimal, "categories: [user.contact.email]",
                          "categories: [user.contact.emial]"))),
      HasSubstr("unknown category 'user.contact.emial' (did you mean 'user.contact.email'?)"));
  std::string role =
      std::string(kMinimal) +
      "roles:\n  - id: support\n    purposes: [suport]\n    categories: [user.name]\n";
  EXPECT_THAT(Errors(Load(role)),
              HasSubstr("roles[0] 'support'.purposes: unknown purpose 'suport'"));
}

TEST(PolicyLoader, ReadsWhatConsentStringsMean) {
  PolicyLoadResult r =
      Load(std::string(kMinimal) +
           "signals:\n  opt_out_purposes: [marketing]\n  tcf:\n"
           "    - purpose: marketing\n      tcf_purposes: [3, 4]\n"
           "      special_features: [1]\n"
           "  gpp:\n    sale: [marketing]\n    targeted_advertising: [marketing]\n");
  ASSERT_TRUE(r.ok()) << testing::DiagnosticsText(r);
  const Signals& s = r.policy->signals;
  ASSERT_EQ(s.tcf.size(), 1u);
  EXPECT_EQ(s.tcf[0].purpose, "marketing");
  EXPECT_EQ(s.tcf[0].tcf_purposes, (std::vector<int>{3, 4}));
  EXPECT_EQ(s.tcf[0].special_features, (std::vector<int>{1}));
  ASSERT_TRUE(s.gpp.has_value());
  EXPECT_EQ(s.gpp->sale, (std::vector<std::string>{"marketing"}));
  EXPECT_TRUE(s.gpp->sharing.empty());
}

TEST(PolicyLoader, ConsentStringMappingsNameChoicesTheSubjectHas) {
  auto errors = [](std::string_view signals) {
    return Errors(Load(std::string(kMinimal) + "signals:\n  opt_out_purposes: [marketing]\n" +
                       std::string(signals)));
  };
  EXPECT_THAT(errors("  tcf:\n    - purpose: marketing\n      tcf_purposes: [12]\n"),
              HasSubstr("tcf_purposes[0]: expected a whole number from 1 to 11"));
  EXPECT_THAT(errors("  tcf:\n    - purpose: marketing\n      special_features: [3]\n"),
              HasSubstr("special_features[0]: expected a whole number from 1 to 2"));
  EXPECT_THAT(errors("  tcf:\n    - purpose: marketing\n"),
              HasSubstr("names no tcf_purposes or special_features"));
  EXPECT_THAT(errors("  tcf:\n    - purpose: marketting\n      tcf_purposes: [1]\n"),
              HasSubstr("unknown purpose 'marketting'"));
  EXPECT_THAT(errors("  tcf:\n    - purpose: marketing\n      tcf_purposes: [1]\n"
                     "    - purpose: marketing\n      tcf_purposes: [2]\n"),
              HasSubstr("purpose 'marketing' is mapped twice"));
  // A purpose the subject has no say in cannot follow a string.
  EXPECT_THAT(errors("  tcf:\n    - purpose: provide\n      tcf_purposes: [1]\n"),
              HasSubstr("'provide' needs no consent and has no opt-out"));
  EXPECT_THAT(errors("  gpp:\n    sale: [provide]\n"),
              HasSubstr("signals.gpp.sale: purpose 'provide' needs no consent"));
  EXPECT_THAT(errors("  gpp:\n    sharing: [nope]\n"), HasSubstr("unknown purpose 'nope'"));
  EXPECT_THAT(errors("  gpp:\n    resale: [marketing]\n"), HasSubstr("resale"));
}

TEST(PolicyLoader, RetentionWithoutAnchorIsAnError) {
  PolicyLoadResult r = Load(Replace(kMinimal, "    anchor: last_activity\n", ""));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Errors(r), HasSubstr("missing required key retention[0] 'accounts'.anchor"));
}

TEST(PolicyLoader, AParentReachingAnOptInChannelsDataWithoutConsentIsWarned) {
  // Marketing by email only with consent; its parent, under legitimate interests, names the
  // contact details: it reaches the email address without the consent.
  const std::string text =
      Replace(
          kMinimal, "  - id: marketing\n    basis: consent\n    categories: [user.contact.email]\n",
          "  - id: marketing\n    basis: legitimate_interests\n    consent: opt_out\n"
          "    categories: [user.name, user.contact]\n"
          "  - id: marketing.email\n    basis: consent\n    categories: [user.contact.email]\n") +
      "marketing_channels:\n  - id: email\n    purpose: marketing.email\n    opt_in: true\n";
  auto warnings = [](const PolicyLoadResult& r) {
    std::string out;
    for (const auto& d : r.diagnostics)
      if (d.severity == Diagnostic::Severity::kWarning) out += d.ToString() + "\n";
    return out;
  };
  PolicyLoadResult r = Load(text);
  ASSERT_TRUE(r.ok()) << Errors(r);
  EXPECT_THAT(
      warnings(r),
      HasSubstr("purposes 'marketing'.categories: 'user.contact' reaches 'user.contact.email', "
                "which marketing channel 'email' uses only with consent"));
  // Without the contact details the parent is not warned about.
  EXPECT_THAT(warnings(Load(Replace(text, "categories: [user.name, user.contact]",
                                    "categories: [user.name]"))),
              ::testing::Not(HasSubstr("reaches")));
}

// controller.*, automated_decisions and purposes[].subject_kinds (issue 15): read into the model,
// strictly.
TEST(PolicyLoader, ReadsControllerDetailsAndAutomatedDecisions) {
  std::string text = Replace(kMinimal, "jurisdictions: [EU]\n", R"(jurisdictions: [EU]
controller:
  supervisory_authority: {name: Data Protection Commission, url: "https://www.dataprotection.ie"}
  representative: {name: Rep GmbH, email: rep@example.de, address: "1 Str, Berlin"}
  security_measures: [Encryption at rest, Access on a need-to-know basis]
automated_decisions: {used: true, description: We score loan applications automatically}
subject_kinds:
  - id: customer
)");
  text = Replace(text, "    basis: contract\n",
                 "    basis: contract\n    subject_kinds: [customer]\n");
  PolicyLoadResult r = Load(text);
  ASSERT_TRUE(r.ok()) << testing::DiagnosticsText(r);
  const Policy& p = *r.policy;
  ASSERT_TRUE(p.controller.supervisory_authority);
  EXPECT_EQ(p.controller.supervisory_authority->name, "Data Protection Commission");
  EXPECT_EQ(p.controller.supervisory_authority->url, "https://www.dataprotection.ie");
  ASSERT_TRUE(p.controller.representative);
  EXPECT_EQ(p.controller.representative->email, "rep@example.de");
  EXPECT_EQ(p.controller.security_measures.size(), 2u);
  ASSERT_TRUE(p.automated_decisions);
  EXPECT_TRUE(p.automated_decisions->used);
  EXPECT_EQ(p.purposes[0].subject_kinds, std::vector<std::string>{"customer"});
  // Absent: nothing claimed.
  PolicyLoadResult minimal = Load(kMinimal);
  ASSERT_TRUE(minimal.ok());
  EXPECT_FALSE(minimal.policy->automated_decisions);
  EXPECT_FALSE(minimal.policy->controller.supervisory_authority);
}

TEST(PolicyLoader, ControllerDetailsAndAutomatedDecisionsAreStrict) {
  auto with = [](std::string_view block) {
    return Load(
        Replace(kMinimal, "jurisdictions: [EU]\n", "jurisdictions: [EU]\n" + std::string(block)));
  };
  EXPECT_THAT(Errors(with("controller: {supervisory_authorithy: {name: X}}\n")),
              HasSubstr("unknown key 'controller.supervisory_authorithy'"));
  EXPECT_THAT(Errors(with("controller: {supervisory_authority: {url: \"https://x.example\"}}\n")),
              HasSubstr("controller.supervisory_authority.name"));
  EXPECT_THAT(
      Errors(
          with("controller: {supervisory_authority: {name: X, url: \"javascript:alert(1)\"}}\n")),
      HasSubstr("controller.supervisory_authority.url: expected an http:// or https:// URL"));
  EXPECT_THAT(
      Errors(with("controller: {supervisory_authority: {name: X, url: \"https://a b\"}}\n")),
      HasSubstr("controller.supervisory_authority.url"));
  EXPECT_THAT(Errors(with("controller: {representative: {email: a@b.example}}\n")),
              HasSubstr("controller.representative.name"));
  EXPECT_THAT(Errors(with("controller: {security_measures: yes}\n")),
              HasSubstr("controller.security_measures"));
  EXPECT_THAT(Errors(with("automated_decisions: {description: x}\n")), HasSubstr("used"));
  EXPECT_THAT(Errors(with("automated_decisions: {used: true}\n")),
              HasSubstr("'description' is required when 'used' is true"));
  EXPECT_THAT(Errors(with("automated_decisions: {used: no}\n")),
              HasSubstr("automated_decisions.used"));
  EXPECT_TRUE(with("automated_decisions: {used: false}\n").ok());
  EXPECT_THAT(Errors(Load(Replace(kMinimal, "    basis: contract\n",
                                  "    basis: contract\n    subject_kinds: [martian]\n"))),
              HasSubstr("unknown subject kind 'martian'"));
}

TEST(PolicyLoader, PurposeCycleIsAnError) {
  std::string text = Replace(kMinimal, "  - id: provide.support\n",
                             "  - id: a\n    parent: b\n  - id: b\n    parent: a\n");
  PolicyLoadResult r = Load(text);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Errors(r), HasSubstr("its parents form a cycle (a -> b -> a)"));
}

TEST(PolicyLoader, TransferOutsideEeaNeedsMechanism) {
  std::string text = std::string(kMinimal) +
                     "recipients:\n  - id: mailer\n    kind: processor\n    country: US\n"
                     "    dpa: true\n    categories: [user.contact.email]\n";
  EXPECT_THAT(Errors(Load(text)), HasSubstr("recipients[0] 'mailer': is in US, outside the EU/EEA, "
                                            "and the policy applies under GDPR"));
  EXPECT_TRUE(Load(text + "    transfer_mechanism: scc\n").ok());
}

TEST(PolicyLoader, ConsentBasisMustBeOptIn) {
  PolicyLoadResult r =
      Load(Replace(kMinimal, "    basis: consent\n", "    basis: consent\n    consent: opt_out\n"));
  EXPECT_THAT(Errors(r), HasSubstr("consent must be 'required' (opt-in)"));
}

TEST(PolicyLoader, OneDeviceKindWithNoAgeOrLocation) {
  const std::string kinds = std::string(kMinimal) +
                            "subject_kinds:\n  - id: customer\n  - id: visitor\n    device: true\n";
  PolicyLoadResult one = Load(kinds);
  ASSERT_TRUE(one.ok()) << testing::DiagnosticsText(one);
  EXPECT_EQ(DeviceKind(*one.policy)->id, "visitor");
  EXPECT_TRUE(IsDeviceKind(*one.policy, "visitor"));
  EXPECT_FALSE(IsDeviceKind(*one.policy, "customer"));
  EXPECT_THAT(Errors(Load(kinds + "  - id: browser\n    device: true\n")),
              HasSubstr("only one subject kind can be the device kind, and 'visitor' already is"));
  EXPECT_THAT(Errors(Load(kinds + "    minimum_age: 16\n")),
              HasSubstr("a device kind has no minimum_age or location_required"));
  PolicyLoadResult none = Load(kMinimal);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(DeviceKind(*none.policy), nullptr);
}

TEST(PolicyLoader, RiskyChoicesAreWarnings) {
  std::string text = std::string(kMinimal) +
                     "recipients:\n  - id: police\n    kind: authority\n    country: DE\n"
                     "    categories: [user.name]\n";
  PolicyLoadResult r = Load(text);
  ASSERT_TRUE(r.ok()) << testing::DiagnosticsText(r);
  EXPECT_THAT(testing::DiagnosticsText(r),
              HasSubstr("warning: recipients[0] 'police': an authority that needs no court_order"));
}

TEST(PolicyLoader, ARoutineAccessFeeUnderGdprIsAWarning) {
  const std::string text = std::string(kMinimal) +
                           "rights:\n  offered: [access]\n  channels: [email]\n  deadlines:\n"
                           "    - jurisdiction: EU\n      period: 1 month\n"
                           "  fees:\n    - right: access\n      amount: 10\n      currency: EUR\n";
  PolicyLoadResult r = Load(text);
  ASSERT_TRUE(r.ok()) << testing::DiagnosticsText(r);
  EXPECT_THAT(testing::DiagnosticsText(r),
              HasSubstr("warning: rights.fees: a routine fee for access where GDPR applies"));
  // The reference policy that asks for one (connectrex, UK) hears the same.
  PolicyLoadResult connectrex = LoadPolicyFile(testing::SourcePath("policies/connectrex.yaml"));
  ASSERT_TRUE(connectrex.ok());
  EXPECT_THAT(testing::DiagnosticsText(connectrex),
              HasSubstr("a routine fee for access where GDPR applies ('UK')"));
}

TEST(PolicyLoader, RefusesNonUtf8) {
  PolicyLoadResult r = Load(Replace(kMinimal, "Example Ltd", "Exampl\xC3\x28 Ltd"));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Errors(r), HasSubstr("p.yaml:2:21: error: the file is not valid UTF-8"));
}

TEST(PolicyLoader, RefusesDeepNesting) {
  std::string deep = "organization: " + std::string(100, '[') + std::string(100, ']') + "\n";
  EXPECT_THAT(Errors(Load(deep)), HasSubstr("nesting deeper than 32 levels"));
  std::string very_deep = "x: " + std::string(100000, '[');
  EXPECT_FALSE(Load(very_deep).ok());  // no stack overflow
}

TEST(PolicyLoader, RefusesAliases) {
  EXPECT_THAT(Errors(Load("a: &x [1]\nb: *x\n")),
              HasSubstr("anchors and aliases are not supported"));
}

TEST(PolicyLoader, RefusesOversizedInput) {
  std::string big(kMaxPolicyFileBytes + 1, ' ');
  EXPECT_THAT(Errors(Load(big)), HasSubstr("policy files are limited to 10485760 bytes"));
}

TEST(PolicyLoader, RefusesGarbageWithoutCrashing) {
  for (std::string_view text : {"", "---\n---\n", "[1, 2", "\"unterminated", ": :", "- a\n- b\n",
                                "privet_policy: {", "\t\tx: 1"}) {
    PolicyLoadResult r = Load(text);
    EXPECT_FALSE(r.ok()) << text;
    EXPECT_FALSE(r.diagnostics.empty()) << text;
  }
}

TEST(PolicyLoader, MissingFileIsAnError) {
  PolicyLoadResult r = LoadPolicyFile("/nonexistent/policy.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Errors(r), HasSubstr("cannot read the file"));
}

}  // namespace
}  // namespace privet

namespace privet {
namespace {

std::string Warnings(const PolicyLoadResult& r) {
  std::string out;
  for (const auto& d : r.diagnostics)
    if (d.severity == Diagnostic::Severity::kWarning) out += d.ToString() + "\n";
  return out;
}

TEST(PolicyLoader, UnconfirmedValuesAreRecordedWithTheirPlaceAndWarned) {
  std::string text = Replace(kMinimal, "duration: 2 years", "duration: !unconfirmed 2 years");
  text = Replace(text, "categories: [user.contact.email]",
                 "categories: [user.contact.email, !unconfirmed user.name]");
  text = Replace(text, "  - id: provide.support\n", "  - !unconfirmed {id: provide.support}\n");
  PolicyLoadResult r = Load(text);
  ASSERT_TRUE(r.ok()) << Errors(r);
  ASSERT_EQ(r.policy->unconfirmed.size(), 3u);
  EXPECT_EQ(r.policy->unconfirmed[0].path, "purposes[1]");
  EXPECT_EQ(r.policy->unconfirmed[1].path, "purposes[2].categories[1]");
  EXPECT_EQ(r.policy->unconfirmed[2].path, "retention[0].duration");
  EXPECT_EQ(r.policy->unconfirmed[2].where.line, 24);
  // The value itself is read as if unmarked: the engine enforces it.
  EXPECT_EQ(r.policy->retention[0].duration.count, 2);
  EXPECT_EQ(r.policy->purposes[2].categories.size(), 2u);
  EXPECT_THAT(Warnings(r), HasSubstr("p.yaml:24:15: warning: retention[0].duration is marked "
                                     "!unconfirmed"));
}

TEST(PolicyLoader, AnyOtherTagIsAnError) {
  EXPECT_THAT(Errors(Load(Replace(kMinimal, "version: 2", "version: !!str 2"))),
              HasSubstr("unknown tag"));
  EXPECT_THAT(Errors(Load(Replace(kMinimal, "duration: 2 years", "duration: !include x"))),
              HasSubstr("the only tag a policy file may use is !unconfirmed"));
  EXPECT_TRUE(Load(kMinimal).policy->unconfirmed.empty());
}

}  // namespace
}  // namespace privet
