// Policy: a company's privacy policy as data.
//
// A policy file (YAML, documented key by key in docs/policy.md) states who the controller is,
// which data categories it processes, for which purposes and on which legal basis, who may see
// what, to whom data goes, how long it is kept, which rights are offered and how signals such as
// Do Not Track are treated. LoadPolicy() parses and checks a file into a `Policy`; Compile()
// (see compiled_policy.h) turns it into the dense, integer-indexed form the decision engine uses.
//
//   privet::PolicyLoadResult r = privet::LoadPolicyFile("policies/starter.yaml");
//   for (const auto& d : r.diagnostics) std::cerr << d.ToString() << "\n";
//   if (!r.policy) return 1;
//
// Identifiers are dotted, fideslang-compatible paths (`user.contact.email`); a purpose or
// category is the parent of every id that extends it by one or more segments.
//
// Every element keeps the `SourceLocation` of the YAML node it came from, so later checks and
// tools can point at the line that declared it. Values of this header are plain data:
// copyable, immutable once loaded, thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "privet/clock.h"

namespace privet {

struct SourceLocation {
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based
};

// GDPR Art. 6(1) legal bases, plus vital interests.
enum class LegalBasis {
  kConsent,
  kContract,  // includes steps taken before entering a contract (e.g. a job application)
  kLegalObligation,
  kVitalInterests,
  kPublicTask,
  kLegitimateInterests,
};

// Uses the law requires or a life depends on: no preference (an opt-out) stops them, and they
// may use data whatever it was collected for.
constexpr bool RequiredByLaw(LegalBasis b) {
  return b == LegalBasis::kLegalObligation || b == LegalBasis::kVitalInterests;
}

// How the subject's choice gates a purpose.
enum class ConsentMode {
  kNone,      // no choice: the basis alone suffices (contract, legal obligation, ...)
  kRequired,  // opt-in: allowed only while an active consent is held
  kOptOut,    // allowed until the subject opts out or objects
};

// How a datum reached the controller (CF02).
enum class DataSource {
  kSubject,          // provided by the subject
  kConnectedPerson,  // people connected to the customer (e.g. a colleague)
  kCookies,          // cookies and tracking technologies
  kAggregator,       // third party: data aggregator
  kPartner,          // third party: partner
  kPublicSource,     // public source / public record
  kSocialNetwork,    // social network
  kDerived,          // computed by the controller (profiles, scores)
  kCustomer,         // submitted by a customer about others (controller is the customer)
};

enum class TimeUnit { kDays, kBusinessDays, kWeeks, kMonths, kYears, kHours };

// "6 months", "45 days", "10 business days", "72 hours".
struct Duration {
  int count = 0;
  TimeUnit unit = TimeUnit::kDays;
  friend bool operator==(const Duration&, const Duration&) = default;
};

// The day a period that starts on `start` ends: `start` + the period, months and years clamped
// to the end of the month; business days skip Saturdays, Sundays and `holidays`. Hours round up
// to whole days. Used for request deadlines and retention periods (src/policy/calendar.cc).
CivilDay AddPeriod(CivilDay start, Duration period, const std::vector<CivilDay>& holidays = {});

struct Contact {
  std::string name;
  std::string email;
  std::string address;
  std::string phone;
  std::string web_form;
  std::string dpo_email;  // data protection officer, where one is appointed
};

// The supervisory authority subjects may complain to (GDPR Art. 77), where the policy names one.
struct SupervisoryAuthority {
  std::string name;
  std::string url;  // http or https; empty when not given
};

// The controller's representative in the Union (GDPR Art. 27), where one is designated.
struct Representative {
  std::string name;
  std::string email;
  std::string address;
};

// What the controller says about the controller-side context the engine cannot see: who
// supervises it, who represents it, how it secures data. Words for the notice and the record.
struct ControllerDetails {
  std::optional<SupervisoryAuthority> supervisory_authority;
  std::optional<Representative> representative;
  // Art. 30(1)(g): a general description of the technical and organisational security measures.
  std::vector<std::string> security_measures;
};

// Decisions based solely on automated processing (GDPR Art. 22), as the policy declares them.
struct AutomatedDecisions {
  bool used = false;        // false: the policy declares that none are made
  std::string description;  // required when used: the logic, significance and consequences
};

struct Category {
  std::string id;  // dotted, e.g. user.contact.email
  std::string description;
  bool special = false;  // GDPR Art. 9 special category
  // California "sensitive personal information" (Cal. Civ. Code § 1798.140(ae)): log-in
  // credentials, government ids, precise geolocation, message contents, ... A special category,
  // or one beneath a sensitive one, is sensitive too. A subject may limit its use (§ 1798.121).
  bool sensitive = false;
  bool forbidden = false;  // never stored (e.g. payment card numbers)
  // Lookup key kind for blind indexes: "", "email", "phone" or "username".
  std::string identifier;
  // Identifies a device or browser rather than a named person (cookie ids): never joined
  // with named subjects' data (CU04).
  bool pseudonymous_identifier = false;
  bool public_record = false;  // may be a matter of public record (CX06)
  SourceLocation where;
};

struct Purpose {
  std::string id;      // dotted, e.g. marketing.email
  std::string parent;  // explicit parent id; empty means the dotted prefix (or root)
  std::string description;
  std::optional<LegalBasis> basis;      // inherited from the parent when absent
  std::optional<ConsentMode> consent;   // inherited; default follows the basis
  std::vector<std::string> categories;  // category ids (prefixes cover descendants)
  bool prohibited = false;              // never allowed, whatever else says (e.g. sale of data)
  // Processing on a customer's instructions, as processor (CN05, CF04): only principals of the
  // customer (tenant) that submitted the data may use it.
  bool processor = false;
  // The subject may object to this processing; the objection holds unless an overriding ground
  // is recorded (CN07, CF13). Unset: true for legitimate interests and public task (Art. 21),
  // inherited from the parent otherwise.
  std::optional<bool> objectable;
  bool direct_marketing = false;  // objection always succeeds (CF13)
  bool profiling = false;         // profiling; opt-out deletes the profile (CF15)
  // A use of sensitive personal information the California regulations permit without the right
  // to limit (11 CCR § 7027(m): the service the subject asked for, security, fraud, safety,
  // services on our behalf, ...). Inherited. After a subject limits the use of sensitive data,
  // only such purposes may use it.
  bool sensitive_use_permitted = false;
  // The kinds of subject this processing concerns, for the record of processing (Art. 30(1)(c)).
  // Empty: inherited from the parent; at a root, every kind the features and retention rules name.
  std::vector<std::string> subject_kinds;
  // The policy version that first declared this purpose (CN17, CU11). Defaults to 1.
  int since_version = 1;
  // Subjects of these kinds may read, for this purpose, other subjects' data of the categories
  // this purpose itself declares (not its parents'): forum posts readable by forum users (CF07).
  // Empty: a subject reads only their own data.
  std::vector<std::string> shown_to_subjects;
  SourceLocation where;
};

struct SubjectKind {
  std::string id;  // customer, member, applicant, lead, visitor, supervisee, ...
  std::string description;
  int minimum_age = 0;  // 0: no age gate
  // Every interaction must carry the subject's location (CX03) ...
  bool location_required = false;
  // ... unless the subject holds one of these recorded exemptions.
  std::vector<std::string> location_exemptions;
  // A browser or device known only by a random cookie id: the consent banner records an
  // anonymous visitor's cookie choices on a subject of this kind. It holds pseudonymous
  // identifiers only, never named data (CU04). At most one kind is a device.
  bool device = false;
  SourceLocation where;
};

// A product feature or business action and the data it needs (CT01, CT02, CU02).
struct Feature {
  std::string id;  // e.g. register, personalization
  std::string description;
  std::string purpose;
  std::vector<std::string> requires_categories;
  bool optional = false;  // optional features are off when the data is declined (CT01)
  std::vector<std::string> subject_kinds;  // empty: all
  SourceLocation where;
};

// A staff role and its need-to-know (CU08): categories × purposes.
struct Role {
  std::string id;
  std::string description;
  std::vector<std::string> purposes;
  std::vector<std::string> categories;
  SourceLocation where;
};

enum class RecipientKind {
  kProcessor,
  kSubProcessor,
  kAffiliate,  // group company (CF06)
  kPartner,
  kAuthority,   // courts, police, regulators
  kController,  // an independent controller (e.g. a supervising agency)
  kThirdParty,  // unaffiliated third party
};

struct Recipient {
  std::string id;
  std::string name;
  RecipientKind kind = RecipientKind::kProcessor;
  std::string function;  // what it does for the controller
  std::string country;   // ISO 3166-1 alpha-2
  bool dpa = false;      // a data processing agreement is on file
  // scc, bcr, adequacy, derogation; empty when none.
  std::string transfer_mechanism;
  std::vector<std::string> categories;
  std::vector<std::string> purposes;
  // Evidence each disclosure must carry: court_order, subject_request, contract, ...
  std::vector<std::string> preconditions;
  bool sale = false;      // the disclosure is a sale or lease (refused where the policy forbids it)
  int since_version = 1;  // a recipient new in a version waits for notice + opt-out (CU06)
  SourceLocation where;
};

enum class AnchorEvent {
  kCollection,
  kLastActivity,
  kLastApplication,
  kContractEnd,
  kProcessEnd,
  kAnalysis,  // after the statistical analysis that used it (CX04)
};

enum class RetentionAction { kDelete, kAnonymize };

struct RetentionRule {
  std::string id;
  std::string description;
  std::vector<std::string> categories;     // empty: all
  std::vector<std::string> purposes;       // empty: all
  std::vector<std::string> subject_kinds;  // empty: all
  Duration duration;
  std::optional<AnchorEvent> anchor;  // required; optional only so the loader can say so
  RetentionAction action = RetentionAction::kDelete;
  bool legal_obligation = false;  // kept because a law requires it; survives erasure
  // A purpose whose consent extends retention ("unless the applicant agreed otherwise", CF10).
  std::string unless_consent;
  SourceLocation where;
};

enum class Right {
  kAccess,
  kRectification,
  kErasure,
  kRestriction,
  kPortability,
  kObjection,
  kOptOutOfSale,
  kChildDataReport,
  kLegalBasisInquiry,  // which basis applies, and is it a statutory/contractual requirement (CN06)
  kLimitSensitiveUse,  // California: use sensitive data only for permitted uses (§ 1798.121)
};

struct Deadline {
  std::string jurisdiction;  // EU, UK, US-CA, ...
  Duration period;
  Duration extension;              // zero when no extension is allowed
  std::vector<CivilDay> holidays;  // for business-day rules
};

struct Fee {
  Right right = Right::kAccess;
  std::string jurisdiction;  // where the fee applies; empty: everywhere
  int amount_cents = 0;
  std::string currency;
};

struct RightsPolicy {
  std::vector<Right> offered;
  // How subjects exercise them: dashboard, web_form, email, support, post.
  std::vector<std::string> channels;
  std::vector<Deadline> deadlines;
  std::vector<Fee> fees;
  // Rights requests of organization members go to the organization's admin (CT13).
  bool route_members_to_organization_admin = false;
  SourceLocation where;
};

enum class SignalResponse { kHonor, kIgnore };

// One purpose of the policy that follows IAB TCF v2.2 consent strings (signals.tcf). A string
// allows it only when it consents to every TCF purpose listed and opts in to every special
// feature listed; otherwise the string refuses it: a `required` purpose's consent is withdrawn,
// an `opt_out` purpose is opted out of.
struct TcfMapping {
  std::string purpose;
  std::vector<int> tcf_purposes;      // TCF purposes 1..11 (e.g. 3 and 4: personalised ads)
  std::vector<int> special_features;  // TCF special features 1..2 (1: precise geolocation)
  SourceLocation where;
};
inline constexpr int kTcfPurposeCount = 11;
inline constexpr int kTcfSpecialFeatureCount = 2;

// What the opt-outs of a GPP string's US sections (National, California, Virginia, Colorado,
// Utah, Connecticut) opt the subject out of (signals.gpp). An opt-out of sale or sharing also
// opts out of what a honoured GPC signal does, and a section's GPC flag counts as the signal.
struct GppMapping {
  std::vector<std::string> sale;
  std::vector<std::string> sharing;
  std::vector<std::string> targeted_advertising;
  std::vector<std::string> sensitive_data;  // any sensitive category's processing refused
  SourceLocation where;
};

struct Signals {
  SignalResponse dnt = SignalResponse::kIgnore;
  SignalResponse gpc = SignalResponse::kHonor;
  // Purposes a honoured signal opts the subject out of (sale, sharing, targeted ads).
  std::vector<std::string> opt_out_purposes;
  // Empty: TCF strings are refused (the policy does not say what they mean).
  std::vector<TcfMapping> tcf;
  // Unset: GPP strings are taken only for their GPC flag and sale/sharing opt-outs, and only when
  // GPC is honoured.
  std::optional<GppMapping> gpp;
  std::string statement;  // the notice's words on signals
};

struct Cookie {
  std::string id;
  std::string purpose;
  std::string description;
  bool essential = false;  // needed for the site to work; cannot be declined (CX05)
  SourceLocation where;
};

struct MarketingChannel {
  std::string id;  // email, sms, phone, postal
  std::string purpose;
  bool opt_in = true;            // off until the subject chooses it
  bool unsubscribe_link = true;  // every message carries a working unsubscribe (CN14)
  SourceLocation where;
};

// The company's assessment of the risk to the people affected, in increasing order. The
// policy's `breach.threshold` names the least that obliges privet to tell them: `risk` (GDPR
// Art. 33's "likely to result in a risk"), `reasonable_risk_of_harm` (a real risk of significant
// harm, as Canadian law has it), `high_risk` (Art. 34); `any` and `required_by_law` (the law
// requires notice of any breach that is not unlikely to harm) are met by `risk` and above.
enum class BreachRisk {
  kUnlikely,              // unlikely to result in a risk: recorded, nobody told
  kRisk,                  // likely to result in a risk
  kReasonableRiskOfHarm,  // a real risk of significant harm
  kHighRisk,              // likely to result in a high risk
};
std::string_view BreachRiskName(BreachRisk risk);  // "reasonable_risk_of_harm"
std::optional<BreachRisk> ParseBreachRisk(std::string_view name);
// The risk a policy threshold names (above); nullopt for a threshold privet does not know, which
// `privet policy check` reports.
std::optional<BreachRisk> BreachThresholdRisk(std::string_view threshold);

struct BreachPolicy {
  bool notify_subjects = false;
  std::vector<std::string> channels;  // email, website
  std::string threshold;              // e.g. reasonable_risk_of_harm (BreachThresholdRisk)
  std::optional<Duration> authority_within;
  std::optional<Duration> subjects_within;
};

struct ChangePolicy {
  std::vector<std::string> notify;         // email, website, none
  std::optional<Duration> advance_notice;  // material changes announced before they apply
  bool material_change_requires_consent = false;
  // New recipients / incompatible purposes wait this long after notice (CU06).
  std::optional<Duration> opt_out_window;
};

// The text of the messages privet sends for one outbox topic (identity_code, request_completed,
// policy_change, breach_notice, ...), replacing the default: `{{name}}` placeholders filled from
// the message (src/delivery/messages.h). `html` is optional: without it the text is sent as HTML
// too, escaped.
struct MessageTemplate {
  std::string topic;
  std::string subject;
  std::string text;
  std::string html;
  SourceLocation where;
};

struct AutomaticCollection {
  std::vector<std::string> fields;    // ip, browser, os, language, referrer, pages, ...
  std::vector<std::string> purposes;  // only these may use request logs (CN01)
  // The categories that hold this data. Only `purposes` and purposes beneath them may use them,
  // whatever their basis: another purpose that names one is an error, and one whose categories
  // cover them by prefix (e.g. `user`) does not reach them (CN01, CX04).
  std::vector<std::string> categories;
  std::vector<std::string> drop_fields;  // removed before statistics (CN02)
  int min_group_size = 0;                // no statistic over fewer subjects (CN02)
  std::optional<Duration> retention;
  SourceLocation where;
};

struct Sharing {
  bool sale = false;  // may data be sold, rented or leased?
  bool unaffiliated_third_parties = false;
};

// A value the file marks `!unconfirmed`: where the company's own statement is silent, the file's
// author chose it (a retention period, a threshold, who may see something). The engine enforces
// it like any other value, but the notice does not present it as the company's statement: the
// sections holding one are marked as a draft, and `privet policy check` lists each, until the
// company confirms the value and the mark is removed.
struct UnconfirmedValue {
  std::string path;  // as in diagnostics, list items by position: "purposes[4].shown_to_subjects"
  SourceLocation where;
};

struct Policy {
  int format = 1;
  std::string organization;
  Contact contact;
  ControllerDetails controller;
  std::vector<std::string> jurisdictions;  // where it applies: EU, UK, US-CA, ...
  std::string governing_law;               // e.g. US-MA (CU12)
  int version = 1;
  CivilDay effective;
  std::string summary;

  std::vector<Category> categories;
  std::vector<Purpose> purposes;
  std::vector<SubjectKind> subject_kinds;
  std::vector<Feature> features;
  std::vector<Role> roles;
  std::vector<Recipient> recipients;
  Sharing sharing;
  // Special-category (Art. 9) data may be stored only if this is true; otherwise every write of
  // a `special` category is refused (CF01).
  bool special_categories_allowed = false;
  std::vector<RetentionRule> retention;
  RightsPolicy rights;
  Signals signals;
  std::vector<Cookie> cookies;
  std::vector<MarketingChannel> marketing_channels;
  BreachPolicy breach;
  ChangePolicy changes;
  std::vector<MessageTemplate> messages;  // by topic; the defaults for the rest
  std::optional<AutomaticCollection> automatic_collection;
  // Unset: the policy says nothing about automated decisions, and the notice claims nothing.
  std::optional<AutomatedDecisions> automated_decisions;
  // In file order. Empty when every value is the company's own statement.
  std::vector<UnconfirmedValue> unconfirmed;
};

// One finding about a policy file, as `path:line:column: severity: message`.
struct Diagnostic {
  enum class Severity { kError, kWarning };
  Severity severity = Severity::kError;
  std::string path;
  SourceLocation where;
  std::string message;
  std::string ToString() const;
};

struct PolicyLoadResult {
  std::optional<Policy> policy;  // set iff there is no error
  std::vector<Diagnostic> diagnostics;
  bool ok() const { return policy.has_value(); }
};

// Limits a policy file must stay under; larger inputs are refused before parsing.
inline constexpr std::size_t kMaxPolicyFileBytes = std::size_t{10} * 1024 * 1024;
inline constexpr int kMaxPolicyNesting = 32;

// Parses and checks a policy. Never throws; every problem is a Diagnostic. `path` is used only
// in diagnostics. Unknown keys, duplicate keys, wrong types, dangling references, cycles,
// invalid UTF-8, files over kMaxPolicyFileBytes and nesting over kMaxPolicyNesting are errors;
// risky-but-legal choices are warnings.
PolicyLoadResult LoadPolicy(std::string_view yaml_text, std::string_view path);
PolicyLoadResult LoadPolicyFile(const std::string& path);

// Names used in the file format and in rendered output.
std::string_view LegalBasisName(LegalBasis b);        // "legitimate_interests"
std::string_view LegalBasisTitle(LegalBasis b);       // "Legitimate interests"
std::string_view ConsentModeName(ConsentMode m);      // "opt_out"
std::string_view DataSourceName(DataSource s);        // "social_network"
std::string_view RecipientKindName(RecipientKind k);  // "sub_processor"
std::string_view AnchorEventName(AnchorEvent a);      // "last_activity"
std::string_view RetentionActionName(RetentionAction a);
std::string_view RightName(Right r);                    // "portability"
std::string_view SignalResponseName(SignalResponse r);  // "honor"
// The inverse of each name function above: the value of exactly that name, nullopt for any
// other text (the titles are not parsed).
std::optional<LegalBasis> ParseLegalBasisName(std::string_view name);
std::optional<ConsentMode> ParseConsentModeName(std::string_view name);
std::optional<DataSource> ParseDataSourceName(std::string_view name);
std::optional<RecipientKind> ParseRecipientKindName(std::string_view name);
std::optional<AnchorEvent> ParseAnchorEventName(std::string_view name);
std::optional<RetentionAction> ParseRetentionActionName(std::string_view name);
std::optional<Right> ParseRightName(std::string_view name);
std::optional<SignalResponse> ParseSignalResponseName(std::string_view name);
std::string DurationToString(const Duration& d);  // "6 months"
std::string CivilDayToString(const CivilDay& d);  // "2024-03-04"

// The policy's marketing channel of that id, or null.
const MarketingChannel* FindMarketingChannel(const Policy& policy, std::string_view id);
// The policy's cookie of that id, or null.
const Cookie* FindCookie(const Policy& policy, std::string_view id);
// The policy's device kind (SubjectKind::device), or null when it has none.
const SubjectKind* DeviceKind(const Policy& policy);
// True when `kind` is the policy's device kind.
bool IsDeviceKind(const Policy& policy, std::string_view kind);

// True for ISO codes of EU/EEA member states (and "EU"/"EEA" themselves).
bool IsEeaCountry(std::string_view iso_code);
// True if `id` equals `ancestor` or extends it by dotted segments ("a.b" covers "a.b.c").
bool IdCovers(std::string_view ancestor, std::string_view id);

}  // namespace privet
