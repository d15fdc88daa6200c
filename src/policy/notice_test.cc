#include "privet/notice.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "privet/policy.h"

namespace privet {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

Category MakeCategory(std::string id, std::string description) {
  Category c;
  c.id = std::move(id);
  c.description = std::move(description);
  return c;
}

Purpose MakePurpose(std::string id, std::string description, std::optional<LegalBasis> basis,
                    std::vector<std::string> categories) {
  Purpose p;
  p.id = std::move(id);
  p.description = std::move(description);
  p.basis = basis;
  p.categories = std::move(categories);
  return p;
}

Recipient MakeRecipient(std::string id, std::string name, RecipientKind kind, std::string country,
                        std::vector<std::string> categories, std::vector<std::string> purposes) {
  Recipient r;
  r.id = std::move(id);
  r.name = std::move(name);
  r.kind = kind;
  r.country = std::move(country);
  r.categories = std::move(categories);
  r.purposes = std::move(purposes);
  return r;
}

RetentionRule MakeRule(std::string id, std::vector<std::string> categories, Duration duration,
                       AnchorEvent anchor) {
  RetentionRule r;
  r.id = std::move(id);
  r.categories = std::move(categories);
  r.duration = duration;
  r.anchor = anchor;
  return r;
}

// A policy that uses every section, built by hand so the test does not depend on the loader.
Policy FullPolicy() {
  Policy p;
  p.organization = "Acme Widgets Ltd";
  p.contact.name = "Privacy Team";
  p.contact.email = "privacy@acme.example";
  p.contact.address = "1 Main Street, Dublin";
  p.contact.phone = "+353 1 555 0100";
  p.contact.web_form = "https://acme.example/privacy/request";
  p.contact.dpo_email = "dpo@acme.example";
  p.jurisdictions = {"EU", "US-CA"};
  p.governing_law = "US-MA";
  p.version = 3;
  p.effective = {2024, 3, 4};
  p.summary = "We keep as little as we can";

  p.categories.push_back(MakeCategory("user.contact.email", "Email address"));
  p.categories.push_back(MakeCategory("user.contact.phone", "Phone number"));
  p.categories.push_back(MakeCategory("user.financial.card_number", "Payment card number"));
  p.categories.back().forbidden = true;
  p.categories.push_back(MakeCategory("user.health", "Health data"));
  p.categories.back().special = true;
  p.categories.push_back(MakeCategory("user.job_application", "CV and cover letter"));
  p.categories.push_back(MakeCategory("user.device.cookie_id", "Cookie identifier"));
  p.categories.back().pseudonymous_identifier = true;

  p.purposes.push_back(
      MakePurpose("provide", "Providing the service", LegalBasis::kContract, {"user.contact"}));
  p.purposes.push_back(
      MakePurpose("marketing", "Marketing", LegalBasis::kConsent, {"user.contact.email"}));
  p.purposes.back().direct_marketing = true;
  p.purposes.push_back(MakePurpose("marketing.email", "Sending newsletters", std::nullopt, {}));
  p.purposes.push_back(MakePurpose("analytics", "Usage statistics",
                                   LegalBasis::kLegitimateInterests, {"user.device"}));
  p.purposes.back().consent = ConsentMode::kOptOut;
  p.purposes.back().profiling = true;
  p.purposes.push_back(MakePurpose("recruitment", "Hiring", LegalBasis::kContract,
                                   {"user.job_application", "user.contact"}));
  p.purposes.push_back(MakePurpose("sale", "Selling data", LegalBasis::kConsent, {}));
  p.purposes.back().prohibited = true;

  SubjectKind customer;
  customer.id = "customer";
  customer.description = "People who buy from us";
  customer.minimum_age = 18;
  SubjectKind applicant;
  applicant.id = "applicant";
  applicant.description = "Job applicants";
  p.subject_kinds = {customer, applicant};

  p.recipients.push_back(MakeRecipient("mailer", "MailCo Inc.", RecipientKind::kProcessor, "US",
                                       {"user.contact.email"}, {"marketing.email"}));
  p.recipients.back().function = "sends our newsletters";
  p.recipients.back().dpa = true;
  p.recipients.back().transfer_mechanism = "scc";
  p.recipients.push_back(MakeRecipient("police", "Law enforcement", RecipientKind::kAuthority, "DE",
                                       {"user.contact"}, {"provide"}));
  p.recipients.back().preconditions = {"court_order"};

  p.retention.push_back(MakeRule("recruitment_data", {"user.job_application"},
                                 {6, TimeUnit::kMonths}, AnchorEvent::kLastApplication));
  p.retention.back().purposes = {"recruitment"};
  p.retention.back().subject_kinds = {"applicant"};
  p.retention.back().unless_consent = "recruitment";
  p.retention.push_back(
      MakeRule("leads", {"user.contact"}, {24, TimeUnit::kMonths}, AnchorEvent::kLastActivity));
  p.retention.push_back(
      MakeRule("logs", {"user.device"}, {30, TimeUnit::kDays}, AnchorEvent::kCollection));
  p.retention.back().action = RetentionAction::kAnonymize;

  p.rights.offered = {Right::kAccess, Right::kErasure, Right::kPortability, Right::kObjection,
                      Right::kChildDataReport};
  p.rights.channels = {"dashboard", "email", "web_form"};
  Deadline eu;
  eu.jurisdiction = "EU";
  eu.period = {1, TimeUnit::kMonths};
  eu.extension = {2, TimeUnit::kMonths};
  Deadline ca;
  ca.jurisdiction = "US-CA";
  ca.period = {45, TimeUnit::kDays};
  p.rights.deadlines = {eu, ca};
  Fee fee;
  fee.right = Right::kAccess;
  fee.amount_cents = 1050;
  fee.currency = "EUR";
  p.rights.fees = {fee};

  p.signals.dnt = SignalResponse::kIgnore;
  p.signals.gpc = SignalResponse::kHonor;
  p.signals.opt_out_purposes = {"marketing"};

  Cookie session;
  session.id = "session";
  session.purpose = "provide";
  session.description = "Keeps you signed in";
  session.essential = true;
  Cookie ads;
  ads.id = "ads";
  ads.purpose = "marketing";
  ads.description = "Interest-based ads";
  p.cookies = {session, ads};

  MarketingChannel email;
  email.id = "email";
  email.purpose = "marketing.email";
  MarketingChannel sms;
  sms.id = "sms";
  sms.purpose = "marketing";
  p.marketing_channels = {email, sms};

  p.breach.notify_subjects = true;
  p.breach.channels = {"email", "website"};
  p.breach.threshold = "reasonable_risk_of_harm";
  p.breach.authority_within = Duration{72, TimeUnit::kHours};
  p.changes.notify = {"email", "website"};
  p.changes.advance_notice = Duration{30, TimeUnit::kDays};

  AutomaticCollection logs;
  logs.fields = {"ip", "browser"};
  logs.purposes = {"analytics"};
  logs.drop_fields = {"ip"};
  logs.min_group_size = 10;
  logs.retention = Duration{30, TimeUnit::kDays};
  p.automatic_collection = logs;
  return p;
}

// Readers see every element by its description or name, and no id of the policy file (issue 15).
TEST(Notice, MarkdownNamesEveryElementOfThePolicyInReadersWords) {
  const Policy p = FullPolicy();
  const std::string md = RenderNoticeMarkdown(p);
  for (const Category& c : p.categories) {
    EXPECT_THAT(md, HasSubstr(c.description));
    EXPECT_THAT(md, Not(HasSubstr("`" + c.id + "`")));
  }
  for (const Purpose& x : p.purposes) {
    EXPECT_THAT(md, HasSubstr(x.description));
    EXPECT_THAT(md, Not(HasSubstr("`" + x.id + "`")));
  }
  for (const Recipient& r : p.recipients) {
    EXPECT_THAT(md, HasSubstr(r.name));
    EXPECT_THAT(md, Not(HasSubstr("`" + r.id + "`")));
  }
  for (const RetentionRule& r : p.retention) EXPECT_THAT(md, Not(HasSubstr("`" + r.id + "`")));
  for (const SubjectKind& k : p.subject_kinds) {
    EXPECT_THAT(md, HasSubstr(k.description));
    EXPECT_THAT(md, Not(HasSubstr("`" + k.id + "`")));
  }
  for (const Cookie& c : p.cookies) {
    EXPECT_THAT(md, HasSubstr(c.description));
    EXPECT_THAT(md, Not(HasSubstr("`" + c.id + "`")));
  }
  EXPECT_THAT(RenderNoticeHtml(p), Not(HasSubstr("<code>")));
  for (const char* right : {"**Access:**", "**Erasure:**", "**Portability:**", "**Objection:**",
                            "**Report a child's data:**"}) {
    EXPECT_THAT(md, HasSubstr(right));
  }
}

TEST(Notice, MarkdownStatesTheFactsInPlainWords) {
  const std::string md = RenderNoticeMarkdown(FullPolicy());
  // Organization, contact, version and effective date, jurisdictions and governing law.
  EXPECT_THAT(md, HasSubstr("# Privacy notice of Acme Widgets Ltd"));
  EXPECT_THAT(md, HasSubstr("**Version 3**, effective 2024-03-04."));
  EXPECT_THAT(
      md, HasSubstr("**Data protection officer:** [dpo@acme.example](<mailto:dpo@acme.example>)"));
  EXPECT_THAT(md, HasSubstr("the European Union (EU)"));
  EXPECT_THAT(md, HasSubstr("California, United States (US-CA)"));
  EXPECT_THAT(md, HasSubstr("governed by the law of Massachusetts, United States (US-MA)"));
  // Categories: forbidden and special ones are marked.
  EXPECT_THAT(md, HasSubstr("- Payment card number. **Never stored:**"));
  EXPECT_THAT(md, HasSubstr("- Health data. **Special category**"));
  EXPECT_THAT(md, HasSubstr("never link it to your name"));
  // Purposes: basis titles, consent modes in plain words, inheritance from the parent.
  EXPECT_THAT(md, HasSubstr("**Legal basis:** Contract (GDPR Art. 6(1)(b))."));
  EXPECT_THAT(md, HasSubstr("**Legal basis:** Legitimate interests (GDPR Art. 6(1)(f))."));
  EXPECT_THAT(md, HasSubstr("### Sending newsletters\n\n"
                            "- **Legal basis:** Consent (GDPR Art. 6(1)(a)).\n"
                            "- **Your choice:** we do this only with your consent."));
  EXPECT_THAT(md, HasSubstr("we do this unless you opt out"));
  EXPECT_THAT(md, HasSubstr("**Data used:** CV and cover letter, Email address and Phone number."));
  EXPECT_THAT(md, HasSubstr("**We never do this,**"));
  EXPECT_THAT(md, HasSubstr("If you opt out, we stop and delete your profile."));  // CF15
  // Recipients and sharing.
  EXPECT_THAT(md, HasSubstr("in the United States (US)"));
  EXPECT_THAT(md, HasSubstr("Transfers are protected by standard contractual clauses."));
  EXPECT_THAT(md, HasSubstr("We disclose data to it only with a court order."));
  EXPECT_THAT(md, HasSubstr("We do not sell, rent or lease your personal data."));
  EXPECT_THAT(md, HasSubstr("We do not share your personal data with unaffiliated third parties."));
  // Retention in plain words.
  EXPECT_THAT(md, HasSubstr("is deleted 6 months after the last application date, unless you "
                            "agreed to keep it longer"));
  EXPECT_THAT(md, HasSubstr("is deleted 24 months after the last recorded activity."));
  EXPECT_THAT(md, HasSubstr("is anonymized 30 days after it was collected."));
  // Rights: channels, deadlines per jurisdiction, fees.
  EXPECT_THAT(md, HasSubstr("in your privacy dashboard, by email to "
                            "[privacy@acme.example](<mailto:privacy@acme.example>) or through our "
                            "web form at [https://acme.example/privacy/request]"
                            "(<https://acme.example/privacy/request>)"));
  EXPECT_THAT(md, HasSubstr("we answer within 1 month; when requests are complex or numerous we "
                            "may extend this by 2 months"));
  EXPECT_THAT(md, HasSubstr("we answer within 45 days."));
  EXPECT_THAT(md, HasSubstr("**Access:** 10.50 EUR per request"));
  // Signals, cookies, marketing, automatic collection, age, breach, changes.
  EXPECT_THAT(md, HasSubstr("We do not respond to Do Not Track signals."));
  EXPECT_THAT(md, HasSubstr("We honour Global Privacy Control signals"));
  EXPECT_THAT(md, HasSubstr("Essential cookies are needed for the site to work"));
  EXPECT_THAT(md, HasSubstr("Optional cookies are set only if you agree"));
  EXPECT_THAT(md, HasSubstr("**Text messages (SMS)** (for Marketing): sent only if you opt in."));
  EXPECT_THAT(md, HasSubstr("we automatically record: IP address and browser type."));
  EXPECT_THAT(md, HasSubstr("fewer than 10 people"));
  EXPECT_THAT(md, HasSubstr("You must be at least 18 years old."));
  EXPECT_THAT(md, HasSubstr("If you believe a child's personal data was given to us"));
  EXPECT_THAT(md, HasSubstr("The current version is always published with its effective date."));
  // Breach notices, which privet sends and posts (Vault::RecordBreach), are promised as the
  // policy says.
  EXPECT_THAT(md,
              HasSubstr("If a personal data breach affects you and creates a reasonable risk of "
                        "harm, we will tell you by email and with a notice on our website."));
  EXPECT_THAT(md, HasSubstr("supervisory authority within 72 hours."));
  // Change notices (Vault::PublishPolicy emails every subject; /privacy announces the next
  // version) and the advance notice it holds material changes to, as the policy says.
  EXPECT_THAT(md, HasSubstr("email you and post the updated notice on our website."));
  EXPECT_THAT(md, HasSubstr("at least 30 days before they take effect."));
  // The unsubscribe link, which privet adds to every marketing email it sends (CN14).
  EXPECT_THAT(md, HasSubstr("working unsubscribe link"));
  // What privet cannot do yet is not promised (policy_settings.h): statistics from request logs.
  EXPECT_THAT(md, Not(HasSubstr("Before we compute statistics we remove")));
}

TEST(Notice, SmallWordingCases) {
  Policy p = FullPolicy();
  p.purposes[2].categories = {"user.contact.phone"};  // marketing.email: own data plus parent's
  p.retention[1].duration = {0, TimeUnit::kDays};
  p.retention[1].description = "Leads, once inactive.";
  p.rights.fees[0].jurisdiction = "UK";
  p.recipients[1].kind = RecipientKind::kController;
  const std::string md = RenderNoticeMarkdown(p);
  EXPECT_THAT(md, HasSubstr("**Data used:** Phone number, and the data listed for Marketing."));
  EXPECT_THAT(md, HasSubstr("**Leads, once inactive:** Data in Email address and Phone number is "
                            "deleted immediately after the last recorded activity."));
  EXPECT_THAT(md, HasSubstr("**Access, in the United Kingdom (UK):** 10.50 EUR per request"));
  EXPECT_THAT(md, HasSubstr("**Law enforcement**, an independent controller, in Germany (DE)."));
}

TEST(Notice, ThirdCountryTransfersFollowTheJurisdictions) {
  Policy p = FullPolicy();
  p.jurisdictions = {"US-CA"};  // a US-only controller: a US recipient is no transfer
  nlohmann::json ropa = nlohmann::json::parse(RenderRecordOfProcessingJson(p));
  for (const nlohmann::json& a : ropa["processing_activities"]) {
    for (const nlohmann::json& t : a["transfers_to_third_countries"]) {
      EXPECT_NE(t["recipient"], "mailer");
    }
  }
  p.jurisdictions = {"UK"};  // UK GDPR: the US is a third country, and so is Germany
  ropa = nlohmann::json::parse(RenderRecordOfProcessingJson(p));
  std::set<std::string> transferred;
  for (const nlohmann::json& a : ropa["processing_activities"]) {
    for (const nlohmann::json& t : a["transfers_to_third_countries"]) {
      transferred.insert(t["recipient"].get<std::string>());
    }
  }
  EXPECT_THAT(transferred, ::testing::ElementsAre("mailer", "police"));
}

TEST(Notice, DntWordingFollowsThePolicy) {
  Policy p = FullPolicy();
  p.signals.dnt = SignalResponse::kIgnore;
  EXPECT_THAT(RenderNoticeMarkdown(p), HasSubstr("We do not respond to Do Not Track signals."));
  p.signals.dnt = SignalResponse::kHonor;
  p.signals.gpc = SignalResponse::kIgnore;
  const std::string md = RenderNoticeMarkdown(p);
  EXPECT_THAT(md, Not(HasSubstr("We do not respond to Do Not Track")));
  EXPECT_THAT(md, HasSubstr("We honour Do Not Track signals: when your browser sends one, we "
                            "treat it as an opt-out of Marketing."));
  EXPECT_THAT(md, HasSubstr("We do not respond to Global Privacy Control signals."));
}

TEST(Notice, ConsentStringsAreStatedAsTheEngineFollowsThem) {
  Policy p = FullPolicy();
  p.signals.gpc = SignalResponse::kIgnore;
  EXPECT_THAT(RenderNoticeMarkdown(p), Not(HasSubstr("TCF")));
  EXPECT_THAT(RenderNoticeMarkdown(p), Not(HasSubstr("GPP")));
  p.signals.tcf.push_back({.purpose = "marketing", .tcf_purposes = {3, 4}});
  p.signals.gpp = GppMapping{.targeted_advertising = {"marketing"}};
  std::string md = RenderNoticeMarkdown(p);
  EXPECT_THAT(md, HasSubstr("IAB TCF consent string, Marketing follows it: refusing TCF purpose "
                            "3 (\"create profiles for personalised advertising\") or TCF purpose "
                            "4 (\"use profiles to select personalised advertising\")"));
  EXPECT_THAT(md, HasSubstr("an opt-out of targeted advertising opts you out of Marketing."));
  EXPECT_THAT(md, Not(HasSubstr("counts as a Global Privacy Control signal")));
  p.signals.gpc = SignalResponse::kHonor;
  md = RenderNoticeMarkdown(p);
  EXPECT_THAT(md, HasSubstr("or its Global Privacy Control flag, counts as a Global Privacy "
                            "Control signal."));
}

TEST(Notice, SharingStatementsFollowThePolicy) {
  Policy p = FullPolicy();
  p.sharing.sale = true;
  p.sharing.unaffiliated_third_parties = true;
  const std::string md = RenderNoticeMarkdown(p);
  EXPECT_THAT(md, Not(HasSubstr("We do not sell")));
  EXPECT_THAT(md, HasSubstr("We may sell personal data"));
  EXPECT_THAT(md, HasSubstr("We may share personal data with the unaffiliated third parties"));
}

// The text between `from` and the next paragraph that starts with `until` (or the end).
std::string Between(const std::string& text, std::string_view from, std::string_view until) {
  const size_t start = text.find(from);
  if (start == std::string::npos) return "";
  const size_t end = text.find(until, start + from.size());
  return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// GDPR Art. 77: stated wherever the GDPR applies, naming the authority the policy names, linked.
TEST(Notice, RightToComplainNamesTheAuthorityFromThePolicy) {
  Policy p = FullPolicy();
  std::string md = RenderNoticeMarkdown(p);
  EXPECT_THAT(md, HasSubstr("lodge a complaint with a supervisory authority"));
  EXPECT_THAT(md, HasSubstr("(GDPR Art. 77)"));
  EXPECT_THAT(md, Not(HasSubstr("Our lead supervisory authority")));  // the policy names none
  p.controller.supervisory_authority = SupervisoryAuthority{
      .name = "Data Protection Commission", .url = "https://www.dataprotection.ie/?a=1&b=2"};
  const SupervisoryAuthority& a = *p.controller.supervisory_authority;
  md = RenderNoticeMarkdown(p);
  EXPECT_THAT(md, HasSubstr(a.name + " ([" + "https://www.dataprotection.ie/?a=1\\&b=2](<" + a.url +
                            ">))"));
  const std::string html = RenderNoticeHtml(p);
  EXPECT_THAT(html,
              HasSubstr(a.name + " (<a href=\"https://www.dataprotection.ie/?a=1&amp;b=2\">"));
  // Outside the GDPR the article is not claimed, but a named authority still is.
  p.jurisdictions = {"US-CA"};
  md = RenderNoticeMarkdown(p);
  EXPECT_THAT(md, Not(HasSubstr("Art. 77")));
  EXPECT_THAT(md, HasSubstr("You can complain to " + a.name));
}

// Links only for http, https and mailto; everything else stays escaped text (issue 15).
TEST(Notice, OnlyHttpHttpsAndMailtoAreLinked) {
  Policy p = FullPolicy();
  p.contact.web_form = "javascript:alert(document.cookie)";
  p.contact.email = "x\"onmouseover=\"alert(1)@acme.example";
  p.controller.supervisory_authority =
      SupervisoryAuthority{.name = "DPC", .url = "data:text/html,x"};
  const std::string html = RenderNoticeHtml(p);
  EXPECT_THAT(html, Not(HasSubstr("href=\"javascript")));
  EXPECT_THAT(html, Not(HasSubstr("href=\"data:")));
  EXPECT_THAT(html, Not(HasSubstr("href=\"mailto:x")));
  EXPECT_THAT(html, HasSubstr("javascript:alert(document.cookie)"));
  EXPECT_THAT(html, HasSubstr("x&quot;onmouseover=&quot;alert(1)@acme.example"));
  const std::string md = RenderNoticeMarkdown(p);
  EXPECT_THAT(md, Not(HasSubstr("](<javascript")));
  EXPECT_THAT(md, Not(HasSubstr("](<data:")));
  // The DPO's plain address is still a mailto: link, escaped for HTML.
  EXPECT_THAT(html, HasSubstr("<a href=\"mailto:" + p.contact.dpo_email + "\">" +
                              p.contact.dpo_email + "</a>"));
}

// Profiling from the purposes; automated decisions only as the policy declares them.
TEST(Notice, AutomatedDecisionsFollowThePolicy) {
  Policy p = FullPolicy();
  std::string md = RenderNoticeMarkdown(p);
  const std::string section = "## Automated decisions and profiling";
  for (const Purpose& x : p.purposes) {
    if (x.profiling) {
      EXPECT_THAT(Between(md, section, "\n## "), HasSubstr(x.description));
    }
  }
  EXPECT_THAT(md, HasSubstr("makes no statement about decisions based solely on automated"));
  EXPECT_THAT(md, Not(HasSubstr("We do not make decisions")));  // not declared: not claimed
  p.automated_decisions = AutomatedDecisions{.used = false};
  md = RenderNoticeMarkdown(p);
  EXPECT_THAT(md, HasSubstr("We do not make decisions about you based solely on automated"));
  p.automated_decisions =
      AutomatedDecisions{.used = true, .description = "We score orders for fraud"};
  md = RenderNoticeMarkdown(p);
  EXPECT_THAT(Between(md, section, "\n## "), HasSubstr(p.automated_decisions->description));
  EXPECT_THAT(md, Not(HasSubstr("We do not make decisions")));
}

// California items from the policy's own settings, only where California applies.
TEST(Notice, CaliforniaSectionStatesWhatThePolicyStates) {
  Policy p = FullPolicy();  // US-CA among the jurisdictions
  std::string md = RenderNoticeMarkdown(p);
  std::string ca = Between(md, "## Your California privacy rights", "\n## ");
  ASSERT_FALSE(ca.empty());
  for (const Category& c : p.categories) {
    if (c.forbidden) {
      EXPECT_THAT(ca, Not(HasSubstr(c.description)));
    } else {
      EXPECT_THAT(ca, HasSubstr(c.description));
    }
  }
  EXPECT_FALSE(p.sharing.sale);
  EXPECT_THAT(ca, HasSubstr("We do not sell your personal information."));
  auto offers = [&](Right r) {
    return std::find(p.rights.offered.begin(), p.rights.offered.end(), r) != p.rights.offered.end();
  };
  EXPECT_EQ(ca.find("Right to know") != std::string::npos, offers(Right::kAccess));
  EXPECT_EQ(ca.find("Right to delete") != std::string::npos, offers(Right::kErasure));
  EXPECT_EQ(ca.find("Right to correct") != std::string::npos, offers(Right::kRectification));
  EXPECT_EQ(ca.find("Global Privacy Control") != std::string::npos,
            p.signals.gpc == SignalResponse::kHonor);
  EXPECT_THAT(ca, HasSubstr("1798.125"));
  // Health data is sensitive, but no purpose uses it: nothing to limit, nothing to say.
  EXPECT_THAT(ca, Not(HasSubstr("limit")));

  // Sensitive data used by a permitted purpose only: said so, and no right to limit is needed.
  Policy sensitive = p;
  sensitive.purposes[0].categories.push_back("user.health");  // "Providing the service"
  sensitive.purposes[0].sensitive_use_permitted = true;
  ca = Between(RenderNoticeMarkdown(sensitive), "## Your California privacy rights", "\n## ");
  EXPECT_THAT(ca, HasSubstr("only for purposes the law permits without a right to limit it: "
                            "Providing the service"));
  EXPECT_THAT(ca, Not(HasSubstr("Right to limit")));
  // A use beyond the permitted ones: the right, offered, names what a limit stops.
  sensitive.purposes[3].categories.push_back("user.health");  // "Usage statistics"
  sensitive.rights.offered.push_back(Right::kLimitSensitiveUse);
  ca = Between(RenderNoticeMarkdown(sensitive), "## Your California privacy rights", "\n## ");
  EXPECT_THAT(ca, HasSubstr("Right to limit the use of sensitive personal information"));
  EXPECT_THAT(ca, HasSubstr("only for Providing the service; we then stop using it for Usage "
                            "statistics"));

  p.sharing.sale = true;
  p.recipients[0].sale = true;
  p.rights.offered.push_back(Right::kRectification);
  ca = Between(RenderNoticeMarkdown(p), "## Your California privacy rights", "\n## ");
  EXPECT_THAT(ca, HasSubstr("We may sell personal information to " + p.recipients[0].name));
  EXPECT_THAT(ca, HasSubstr("Right to correct"));

  p.jurisdictions = {"EU"};  // no California, no opt-out of sale offered
  EXPECT_THAT(RenderNoticeMarkdown(p), Not(HasSubstr("California privacy rights")));
}

// Each cookie is worded by its purpose's consent mode: an opt-out cookie is not "set only if you
// agree" (issue 15).
TEST(Notice, CookieWordingFollowsEachPurposesConsentMode) {
  Policy p = FullPolicy();
  Cookie stats;
  stats.id = "stats";
  stats.purpose = "analytics";  // opt-out
  stats.description = "Counts visits to each page";
  p.cookies.push_back(stats);
  const std::string md = RenderNoticeMarkdown(p);
  const std::string opt_in = Between(md, "Optional cookies are set only if you agree", "\n\n\n");
  const std::string opt_out = Between(md, "These cookies are set unless you decline them", "\n## ");
  ASSERT_FALSE(opt_in.empty());
  ASSERT_FALSE(opt_out.empty());
  for (const Cookie& c : p.cookies) {
    if (c.essential) continue;
    const Purpose* purpose = nullptr;
    for (const Purpose& x : p.purposes) {
      if (x.id == c.purpose) purpose = &x;
    }
    ASSERT_NE(purpose, nullptr);
    const bool is_opt_out = purpose->consent == ConsentMode::kOptOut;
    const std::string in_opt_in = opt_in.substr(0, opt_in.find("These cookies are set unless"));
    EXPECT_EQ(in_opt_in.find(c.description) != std::string::npos, !is_opt_out) << c.id;
    EXPECT_EQ(opt_out.find(c.description) != std::string::npos, is_opt_out) << c.id;
  }
}

TEST(Notice, MarkdownEscapesPolicyText) {
  Policy p = FullPolicy();
  p.organization = "<script>alert(1)</script> *Evil* [x](javascript:y)";
  p.categories[0].description = "line one\n\n# injected heading";
  const std::string md = RenderNoticeMarkdown(p);
  EXPECT_THAT(md, Not(HasSubstr("<script>")));
  EXPECT_THAT(md, HasSubstr("\\<script\\>alert(1)\\</script\\> \\*Evil\\* \\[x\\](javascript:y)"));
  EXPECT_THAT(md, Not(HasSubstr("\n# injected")));
}

TEST(Notice, HtmlIsAStandaloneDocumentWithEveryStringEscaped) {
  Policy p = FullPolicy();
  p.organization = "<script>alert('x')</script> & Co";
  p.purposes[0].description = "Providing \"the\" service";
  const std::string html = RenderNoticeHtml(p);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>\n<html lang=\"en\">", 0), 0u);
  EXPECT_THAT(html, HasSubstr("<meta charset=\"utf-8\">"));
  EXPECT_THAT(html, HasSubstr("<style>"));
  EXPECT_THAT(html, HasSubstr("</html>\n"));
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co"));
  EXPECT_THAT(html, HasSubstr("Providing &quot;the&quot; service"));
}

TEST(Notice, HtmlSaysWhatTheMarkdownSays) {
  const Policy p = FullPolicy();
  const std::string html = RenderNoticeHtml(p);
  EXPECT_THAT(html, HasSubstr("<h1>Privacy notice of Acme Widgets Ltd</h1>"));
  EXPECT_THAT(html, HasSubstr("<h2>Your rights and how to use them</h2>"));
  EXPECT_THAT(html, HasSubstr("Payment card number. <strong>Never stored:</strong>"));
  EXPECT_THAT(html, HasSubstr("<strong>Never stored:</strong>"));
  EXPECT_THAT(html, HasSubstr("<strong>Legal basis:</strong> Consent (GDPR Art. 6(1)(a))."));
  EXPECT_THAT(html, HasSubstr("We do not respond to Do Not Track signals."));
  EXPECT_THAT(html, HasSubstr("is deleted 6 months after the last application date"));
  EXPECT_THAT(html, HasSubstr("<a href=\"#rights\">"));
  for (const Recipient& r : p.recipients) EXPECT_THAT(html, HasSubstr(r.name));
}

TEST(Notice, OutputIsDeterministic) {
  const Policy p = FullPolicy();
  EXPECT_EQ(RenderNoticeMarkdown(p), RenderNoticeMarkdown(p));
  EXPECT_EQ(RenderNoticeHtml(p), RenderNoticeHtml(p));
  EXPECT_EQ(RenderRecordOfProcessingJson(p), RenderRecordOfProcessingJson(p));
}

TEST(Notice, EmptyPolicyRendersWithoutInventingPromises) {
  const Policy p;
  const std::string md = RenderNoticeMarkdown(p);
  EXPECT_THAT(md, HasSubstr("This policy lists no purposes"));
  EXPECT_THAT(md, HasSubstr("This notice lists no cookies."));
  EXPECT_THAT(md, Not(HasSubstr("Never stored")));
  EXPECT_FALSE(RenderNoticeHtml(p).empty());
  nlohmann::json ropa = nlohmann::json::parse(RenderRecordOfProcessingJson(p));
  EXPECT_TRUE(ropa["processing_activities"].empty());
  EXPECT_FALSE(ropa["controller"].contains("data_protection_officer"));
}

const nlohmann::json* Activity(const nlohmann::json& ropa, const std::string& purpose) {
  for (const nlohmann::json& a : ropa["processing_activities"]) {
    if (a["purpose_id"] == purpose) return &a;
  }
  return nullptr;
}

std::vector<std::string> Ids(const nlohmann::json& list, const char* key = "id") {
  std::vector<std::string> out;
  for (const nlohmann::json& x : list) out.push_back(x[key].get<std::string>());
  return out;
}

TEST(Notice, RecordOfProcessingHasTheArticle30Structure) {
  const std::string text = RenderRecordOfProcessingJson(FullPolicy());
  ASSERT_TRUE(nlohmann::json::accept(text)) << text;
  const nlohmann::json ropa = nlohmann::json::parse(text);
  EXPECT_EQ(ropa["policy_version"], 3);
  EXPECT_EQ(ropa["effective"], "2024-03-04");
  EXPECT_EQ(ropa["controller"]["name"], "Acme Widgets Ltd");
  EXPECT_EQ(ropa["controller"]["contact"]["email"], "privacy@acme.example");
  EXPECT_EQ(ropa["controller"]["data_protection_officer"]["email"], "dpo@acme.example");
  EXPECT_EQ(ropa["governing_law"], "US-MA");
  EXPECT_FALSE(ropa.contains("security_measures"));  // the policy states none

  // One activity per purpose, except the prohibited one.
  EXPECT_EQ(ropa["processing_activities"].size(), 5u);
  EXPECT_EQ(Activity(ropa, "sale"), nullptr);

  const nlohmann::json* email = Activity(ropa, "marketing.email");
  ASSERT_NE(email, nullptr);
  EXPECT_EQ((*email)["purposes"][0], "Sending newsletters");
  EXPECT_EQ((*email)["legal_basis"]["name"], "consent");  // inherited from `marketing`
  EXPECT_EQ((*email)["legal_basis"]["title"], "Consent");
  EXPECT_EQ((*email)["legal_basis"]["article"], "Art. 6(1)(a)");
  EXPECT_EQ((*email)["consent"], "required");
  EXPECT_EQ((*email)["role"], "controller");
  // Its own categories are those of its parent.
  EXPECT_THAT(Ids((*email)["categories_of_personal_data"]),
              ::testing::ElementsAre("user.contact.email"));
  EXPECT_THAT(Ids((*email)["recipients"]), ::testing::ElementsAre("mailer"));
  ASSERT_EQ((*email)["transfers_to_third_countries"].size(), 1u);
  EXPECT_EQ((*email)["transfers_to_third_countries"][0]["recipient"], "mailer");
  EXPECT_EQ((*email)["transfers_to_third_countries"][0]["country"], "US");
  EXPECT_EQ((*email)["transfers_to_third_countries"][0]["safeguards"],
            "standard contractual clauses");

  const nlohmann::json* recruitment = Activity(ropa, "recruitment");
  ASSERT_NE(recruitment, nullptr);
  EXPECT_THAT(
      Ids((*recruitment)["categories_of_personal_data"]),
      ::testing::ElementsAre("user.contact.email", "user.contact.phone", "user.job_application"));
  EXPECT_THAT(Ids((*recruitment)["categories_of_data_subjects"]),
              ::testing::ElementsAre("applicant"));
  std::vector<std::string> rules = Ids((*recruitment)["retention"], "rule");
  EXPECT_THAT(rules, ::testing::ElementsAre("recruitment_data", "leads"));
  EXPECT_EQ((*recruitment)["retention"][0]["period"], "6 months");
  EXPECT_EQ((*recruitment)["retention"][0]["from"], "last_application");
  EXPECT_EQ((*recruitment)["retention"][0]["action"], "delete");

  // The authority in Germany is no third-country transfer for an EU controller.
  const nlohmann::json* provide = Activity(ropa, "provide");
  ASSERT_NE(provide, nullptr);
  EXPECT_THAT(Ids((*provide)["recipients"]), ::testing::ElementsAre("police"));
  EXPECT_TRUE((*provide)["transfers_to_third_countries"].empty());

  // Never-stored categories are in no activity.
  for (const nlohmann::json& a : ropa["processing_activities"]) {
    EXPECT_THAT(Ids(a["categories_of_personal_data"]),
                Not(::testing::Contains("user.financial.card_number")));
  }
  EXPECT_EQ(ropa["recipients"].size(), 2u);
  EXPECT_EQ(ropa["automatic_collection"]["retention"], "30 days");
}

// A parent activity lists its own recipients and retention rules, not its children's (issue 15).
TEST(Notice, RecordOfProcessingGivesAParentOnlyItsOwnRecipientsAndRetention) {
  Policy p = FullPolicy();
  p.retention.push_back(MakeRule("newsletters", {"user.contact.email"}, {1, TimeUnit::kYears},
                                 AnchorEvent::kLastActivity));
  p.retention.back().purposes = {"marketing.email"};
  p.retention.push_back(MakeRule("all_marketing", {"user.contact.email"}, {2, TimeUnit::kYears},
                                 AnchorEvent::kLastActivity));
  p.retention.back().purposes = {"marketing"};
  const nlohmann::json ropa = nlohmann::json::parse(RenderRecordOfProcessingJson(p));
  const nlohmann::json* parent = Activity(ropa, "marketing");
  const nlohmann::json* child = Activity(ropa, "marketing.email");
  ASSERT_NE(parent, nullptr);
  ASSERT_NE(child, nullptr);
  for (const Recipient& r : p.recipients) {
    const bool for_child_only = r.purposes == std::vector<std::string>{"marketing.email"};
    if (for_child_only) {
      EXPECT_THAT(Ids((*parent)["recipients"]), Not(::testing::Contains(r.id)));
      EXPECT_THAT(Ids((*child)["recipients"]), ::testing::Contains(r.id));
    }
  }
  EXPECT_THAT(Ids((*parent)["retention"], "rule"), Not(::testing::Contains("newsletters")));
  EXPECT_THAT(Ids((*parent)["retention"], "rule"), ::testing::Contains("all_marketing"));
  EXPECT_THAT(Ids((*child)["retention"], "rule"), ::testing::Contains("newsletters"));
  EXPECT_THAT(Ids((*child)["retention"], "rule"), ::testing::Contains("all_marketing"));
}

// Each activity lists the subject kinds it concerns: its own `subject_kinds`, inherited, else
// every kind (issue 15).
TEST(Notice, RecordOfProcessingListsEachActivitysOwnSubjectKinds) {
  Policy p = FullPolicy();
  auto find = [&](const std::string& id) -> Purpose& {
    for (Purpose& x : p.purposes) {
      if (x.id == id) return x;
    }
    ADD_FAILURE() << id;
    return p.purposes.front();
  };
  find("marketing").subject_kinds = {"customer"};
  find("provide").subject_kinds = {"customer"};
  const nlohmann::json ropa = nlohmann::json::parse(RenderRecordOfProcessingJson(p));
  for (const char* id : {"marketing", "marketing.email", "provide"}) {
    SCOPED_TRACE(id);
    const nlohmann::json* a = Activity(ropa, id);
    ASSERT_NE(a, nullptr);
    EXPECT_THAT(Ids((*a)["categories_of_data_subjects"]),
                ::testing::ElementsAreArray(find("marketing").subject_kinds));
  }
  // Nothing declared or inferred for analytics: every kind.
  const nlohmann::json* analytics = Activity(ropa, "analytics");
  ASSERT_NE(analytics, nullptr);
  EXPECT_EQ((*analytics)["categories_of_data_subjects"].size(), p.subject_kinds.size());
}

// Art. 30(1)(a) representative and (g) security measures, from the policy when it states them.
TEST(Notice, RecordOfProcessingHasTheRepresentativeAndSecurityMeasures) {
  Policy p = FullPolicy();
  p.controller.representative =
      Representative{.name = "Rep GmbH", .email = "rep@rep.example", .address = "Berlin"};
  p.controller.security_measures = {"Encryption at rest", "Need-to-know access"};
  p.controller.supervisory_authority = SupervisoryAuthority{.name = "DPC", .url = ""};
  const nlohmann::json ropa = nlohmann::json::parse(RenderRecordOfProcessingJson(p));
  EXPECT_EQ(ropa["controller"]["representative"]["name"], p.controller.representative->name);
  EXPECT_EQ(ropa["controller"]["representative"]["email"], p.controller.representative->email);
  EXPECT_EQ(ropa["controller"]["supervisory_authority"]["name"], "DPC");
  EXPECT_EQ(ropa["security_measures"].get<std::vector<std::string>>(),
            p.controller.security_measures);
  const std::string md = RenderNoticeMarkdown(p);
  EXPECT_THAT(md, HasSubstr(p.controller.representative->name));
  EXPECT_THAT(md, HasSubstr("[rep@rep.example](<mailto:rep@rep.example>)"));
}

TEST(Notice, RecordOfProcessingSurvivesInvalidUtf8) {
  Policy p = FullPolicy();
  p.organization = "Acme \xff\xfe Ltd";
  const std::string text = RenderRecordOfProcessingJson(p);
  EXPECT_TRUE(nlohmann::json::accept(text));
}

// The words of `text` a notice shows unchanged: after its first letter (capitalized there), up to
// the first character a renderer escapes or a line break, without a final period.
std::string PlainWords(std::string_view text) {
  std::string out(text.substr(1, text.substr(1).find_first_of("&<>\"'\n\r\t*_[]`#|~\\")));
  while (!out.empty() && (out.back() == '.' || out.back() == ' ')) out.pop_back();
  return out;
}

// Every reference policy renders, and its notice names every element it declares.
TEST(Notice, ReferencePoliciesRenderCompletely) {
  for (const char* name :
       {"starter", "confitrek", "connact", "confect", "connectrex", "customertrackr"}) {
    SCOPED_TRACE(name);
    PolicyLoadResult r =
        LoadPolicyFile(std::string(PRIVET_SOURCE_DIR) + "/policies/" + name + ".yaml");
    ASSERT_TRUE(r.ok()) << (r.diagnostics.empty() ? "" : r.diagnostics.front().ToString());
    const std::string html = RenderNoticeHtml(*r.policy);
    // Every purpose and recipient by its words; no id anywhere (no code spans at all).
    for (const Purpose& x : r.policy->purposes) {
      if (!x.description.empty()) {
        EXPECT_THAT(html, HasSubstr(PlainWords(x.description))) << x.id;
      }
    }
    for (const Recipient& x : r.policy->recipients) {
      if (!x.name.empty()) {
        EXPECT_THAT(html, HasSubstr(PlainWords(x.name))) << x.id;
      }
    }
    EXPECT_THAT(html, Not(HasSubstr("<code>")));
    EXPECT_TRUE(nlohmann::json::accept(RenderRecordOfProcessingJson(*r.policy)));
    EXPECT_THAT(html, Not(HasSubstr("<script")));
  }
}

}  // namespace
}  // namespace privet

namespace privet {
namespace {

// The markdown section whose heading starts with `heading`, up to the next heading of its level.
std::string SectionOf(const std::string& md, const std::string& heading) {
  const size_t at = md.find("## " + heading);
  if (at == std::string::npos) return "";
  const size_t end = md.find("\n## ", at + 1);
  return md.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

// A value the file's author chose where the company is silent is not published as the company's
// statement: the notice is a draft, and the section stating the value says what is unconfirmed.
TEST(Notice, UnconfirmedValuesMakeTheNoticeADraftThatNamesThem) {
  Policy p = FullPolicy();
  const std::string confirmed = RenderNoticeMarkdown(p);
  EXPECT_THAT(confirmed, Not(HasSubstr("draft")));
  EXPECT_THAT(confirmed, Not(HasSubstr("Not yet confirmed")));

  p.unconfirmed.push_back({"recipients[0].country", {40, 14}});
  const std::string md = RenderNoticeMarkdown(p);
  EXPECT_THAT(md.substr(0, md.find('\n')), HasSubstr("(draft)"));
  EXPECT_THAT(md, HasSubstr("not yet confirmed by Acme Widgets Ltd"));
  const std::string sharing = SectionOf(md, "Who we share your data with");
  EXPECT_THAT(sharing, HasSubstr("(draft)"));
  EXPECT_THAT(sharing, HasSubstr("MailCo Inc.: country"));
  EXPECT_THAT(SectionOf(md, "How long we keep your data"), Not(HasSubstr("draft")));
  EXPECT_THAT(RenderNoticeHtml(p), HasSubstr("<strong>Not yet confirmed:</strong>"));
}

// A mark on something the notice does not state (a promise privet cannot keep yet) makes no draft.
TEST(Notice, UnconfirmedValuesTheNoticeDoesNotStateLeaveItAlone) {
  Policy p = FullPolicy();
  p.unconfirmed.push_back({"automatic_collection.drop_fields", {70, 19}});
  EXPECT_EQ(RenderNoticeMarkdown(p), RenderNoticeMarkdown(FullPolicy()));
}

TEST(RecordOfProcessing, ListsUnconfirmedValues) {
  Policy p = FullPolicy();
  EXPECT_THAT(RenderRecordOfProcessingJson(p), Not(HasSubstr("unconfirmed")));
  p.unconfirmed.push_back({"recipients[0].country", {40, 14}});
  const nlohmann::json j = nlohmann::json::parse(RenderRecordOfProcessingJson(p));
  EXPECT_EQ(j["draft"], true);
  EXPECT_EQ(j["unconfirmed"][0], "recipients[0].country");
}

TEST(Notice, HistoryListsEarlierVersionsAndAnnouncesTheNextWithWhatChanges) {
  PolicyLoadResult r = LoadPolicyFile(std::string(PRIVET_SOURCE_DIR) + "/policies/starter.yaml");
  ASSERT_TRUE(r.ok());
  Policy p = *r.policy;
  p.version = 2;
  const NoticeHistory history{
      .earlier = {{.version = 1, .effective = {2024, 1, 1}}},
      .upcoming = NoticeVersion{
          .version = 3,
          .effective = {2025, 6, 1},
          .changes = {{.kind = "version_changed", .subject = "version", .detail = "2 -> 3"},
                      {.kind = "purpose_added",
                       .subject = "service.<b>",
                       .detail = "basis contract",
                       .material = true}}}};
  const std::string md = RenderNoticeMarkdown(p, history);
  EXPECT_THAT(md, HasSubstr("Version 1, effective 2024-01-01"));
  EXPECT_THAT(md, HasSubstr("takes effect on 2025-06-01"));
  EXPECT_THAT(md, HasSubstr("Version 3 of this notice takes effect on 2025-06-01"));
  EXPECT_THAT(md, HasSubstr("service.<b>"));
  EXPECT_THAT(md, Not(HasSubstr("2 -> 3")));  // the version number is not a change to list
  const std::string html = RenderNoticeHtml(p, history);
  EXPECT_THAT(html, HasSubstr("Earlier versions"));
  EXPECT_THAT(html, Not(HasSubstr("service.<b>")));  // escaped
  // Without history the notice is what it always was.
  EXPECT_EQ(RenderNoticeHtml(p, {}), RenderNoticeHtml(p));
  EXPECT_THAT(RenderNoticeHtml(p), Not(HasSubstr("Earlier versions")));
  // A policy that does not announce changes on the website (changes.notify) publishes the
  // version in force and the earlier ones (CX10), not the next one.
  p.changes.notify = {"email"};
  const std::string unannounced = RenderNoticeMarkdown(p, history);
  EXPECT_THAT(unannounced, HasSubstr("Version 1, effective 2024-01-01"));
  EXPECT_THAT(unannounced, Not(HasSubstr("takes effect on 2025-06-01")));
  EXPECT_THAT(unannounced, Not(HasSubstr("service.<b>")));
}

}  // namespace
}  // namespace privet
