#include "policy/policy_settings.h"

#include <algorithm>
#include <array>

namespace privet::policy_internal {
namespace {

using enum SettingEffect;

// Ids and descriptions name things; the words readers see are theirs to choose.
constexpr std::string_view kName =
    "a name other settings refer to; the engine uses it only to find them";
constexpr std::string_view kWords = "the controller's own words for readers";

constexpr auto kSettings = std::to_array<PolicySetting>({
    {"privet_policy", kInformational, "the file format's version, read by the loader"},
    {"organization", kInformational, "who the controller is, for readers"},
    {"contact.name", kInformational, "how to reach the controller"},
    {"contact.email", kInformational, "how to reach the controller"},
    {"contact.address", kInformational, "how to reach the controller"},
    {"contact.phone", kInformational, "how to reach the controller"},
    {"contact.web_form", kInformational, "how to reach the controller"},
    {"contact.dpo_email", kInformational, "how to reach the data protection officer"},
    {"controller.supervisory_authority.name", kInformational,
     "whom subjects may complain to (GDPR Art. 77); a fact about the controller, no decision"},
    {"controller.supervisory_authority.url", kInformational,
     "where to find the supervisory authority; words for readers"},
    {"controller.representative.name", kInformational,
     "the controller's representative in the Union (Art. 27); a fact for the record, no decision"},
    {"controller.representative.email", kInformational, "how to reach the representative"},
    {"controller.representative.address", kInformational, "how to reach the representative"},
    {"controller.security_measures", kInformational,
     "the controller's description of its safeguards for the record (Art. 30(1)(g)); privet's "
     "own (encryption, access control, audit) do not depend on it"},
    {"jurisdictions", kEnforced,
     "CompiledPolicy::under_gdpr: transfer mechanisms and DPAs (DecideDisclosure)"},
    {"governing_law", kInformational,
     "the law the controller names (CU12); it changes no decision"},
    {"version", kEnforced,
     "Decide: purposes and recipients newer than the data or the notice (CN17, CU06, CU11)"},
    {"effective", kInformational,
     "published with the version (/privacy, /.well-known/gpc.json: CX10)"},
    {"summary", kInformational, kWords},
    {"special_categories_allowed", kEnforced, "Decide: special categories refused on write (CF01)"},

    {"categories[].id", kInformational, kName},
    {"categories[].description", kInformational, kWords},
    {"categories[].special", kEnforced,
     "Decide: refused on write unless the policy allows them (CF01)"},
    {"categories[].sensitive", kEnforced,
     "Decide (reads, writes, disclosures): after a subject limits the use of sensitive data "
     "(California), only permitted uses"},
    {"categories[].forbidden", kEnforced, "Decide: never written (CX02)"},
    {"categories[].identifier", kEnforced, "Vault: blind-index lookup by email, phone or username"},
    {"categories[].pseudonymous_identifier", kEnforced,
     "Vault::Write: never stored with a named subject's data (CU04)"},
    {"categories[].public_record", kInformational,
     "tells readers the data may be public elsewhere; privet releases it only as the policy "
     "allows, like any "
     "other (CX06)"},

    {"purposes[].id", kInformational, kName},
    {"purposes[].parent", kEnforced,
     "CompiledPolicy: inheritance of basis, consent and categories"},
    {"purposes[].description", kInformational, kWords},
    {"purposes[].basis", kEnforced,
     "Decide: the basis relied on; consent and objection follow from it"},
    {"purposes[].consent", kEnforced, "Decide: opt-in, opt-out or none"},
    {"purposes[].categories", kEnforced, "Decide: the categories a purpose may use"},
    {"purposes[].prohibited", kEnforced, "Decide: never allowed"},
    {"purposes[].processor", kEnforced, "Decide: customers' data only (CN05)"},
    {"purposes[].objectable", kEnforced, "Decide: an objection stops it (CN07)"},
    {"purposes[].direct_marketing", kEnforced, "Decide: an objection always stops it (CF13)"},
    {"purposes[].sensitive_use_permitted", kEnforced,
     "Decide: may still use sensitive data after the subject limits its use"},
    {"purposes[].profiling", kEnforced,
     "Vault::RecordConsent: leaving it deletes the profile (fields derived for it or held for it "
     "alone) in the same commit (CF15)"},
    {"purposes[].subject_kinds", kInformational,
     "whom the processing concerns, for the record of processing (Art. 30(1)(c)); who may use a "
     "feature is features[].subject_kinds, which the engine enforces"},
    {"purposes[].since_version", kEnforced, "Decide: data collected before it (CN17, CU11)"},
    {"purposes[].shown_to_subjects", kEnforced,
     "Decide, Vault::Read: other subjects of these kinds read the purpose's own categories (CF07)"},

    {"subject_kinds[].id", kInformational, kName},
    {"subject_kinds[].description", kInformational, kWords},
    {"subject_kinds[].minimum_age", kEnforced,
     "Vault::CreateSubject: sign-up below it refused (CN03)"},
    {"subject_kinds[].location_required", kEnforced,
     "Vault::Write: every interaction carries a location (CX03)"},
    {"subject_kinds[].location_exemptions", kEnforced,
     "Vault::Write: the recorded exemptions (CX03)"},
    {"subject_kinds[].device", kEnforced,
     "Vault::Write: a device holds pseudonymous identifiers only (CU04); the consent banner "
     "(POST /v1/banner/choices) records an anonymous visitor's choices on one"},

    {"features[].id", kInformational, kName},
    {"features[].description", kInformational, kWords},
    {"features[].purpose", kEnforced, "Vault::Write: the feature's purpose"},
    {"features[].requires", kEnforced,
     "Vault::Write: the data a feature needs, named when missing (CT02, CU02); Vault::DeleteField: "
     "deleting it suspends the feature and tells the subject (CT02)"},
    {"features[].optional", kEnforced,
     "marks a feature the subject may decline; declining is the consent to its purpose, which "
     "Decide enforces (CT01); Vault::DeleteField suspends only features that are not optional "
     "(CT02)"},
    {"features[].subject_kinds", kEnforced, "Vault::Write: who the feature is for"},

    {"roles[].id", kInformational, kName},
    {"roles[].description", kInformational, kWords},
    {"roles[].purposes", kEnforced, "Decide: staff need-to-know (CU08)"},
    {"roles[].categories", kEnforced, "Decide: staff need-to-know (CU08)"},

    {"recipients[].id", kInformational, kName},
    {"recipients[].name", kInformational, "who the recipient is, for readers"},
    {"recipients[].kind", kEnforced,
     "DecideDisclosure: DPAs for processors, no unaffiliated third parties (CN08)",
     "processor|sub_processor;affiliate|partner|authority|controller",
     "the engine asks a DPA of a processor or sub-processor alike, and refuses only an "
     "unaffiliated third party; among the others the kind is the legal relationship told to "
     "readers (Art. 13(1)(e)), which permits the same disclosures"},
    {"recipients[].function", kInformational, kWords},
    {"recipients[].country", kEnforced,
     "DecideDisclosure: transfer mechanism outside the EU/EEA (CF09)"},
    {"recipients[].dpa", kEnforced, "DecideDisclosure: a processor needs one (CF09)"},
    {"recipients[].transfer_mechanism", kEnforced,
     "DecideDisclosure: transfers outside the EU/EEA (CF09)", "scc|bcr|adequacy|derogation|idta",
     "the engine permits a transfer outside the EU/EEA once any mechanism is named; which one "
     "covers it is the controller's legal paperwork, told to readers (Art. 13(1)(f)), with no "
     "decision of its own"},
    {"recipients[].categories", kEnforced, "DecideDisclosure: only what its function needs (CN08)"},
    {"recipients[].purposes", kEnforced, "DecideDisclosure: the purposes it receives for"},
    {"recipients[].preconditions", kEnforced,
     "DecideDisclosure: evidence each disclosure carries (CF08)"},
    {"recipients[].sale", kEnforced,
     "DecideDisclosure: refused where the policy forbids sales (CU05)"},
    {"recipients[].since_version", kEnforced,
     "DecideDisclosure: after notice and the opt-out window (CU06)"},

    {"sharing.sale", kEnforced, "DecideDisclosure: no sale (CU05, CX07)"},
    {"sharing.unaffiliated_third_parties", kEnforced,
     "DecideDisclosure: no unaffiliated third party (CN08)"},

    {"retention[].id", kInformational, kName},
    {"retention[].description", kInformational, kWords},
    {"retention[].categories", kEnforced, "RunRetention: what a rule covers"},
    {"retention[].purposes", kEnforced, "RunRetention: what a rule covers"},
    {"retention[].subject_kinds", kEnforced, "RunRetention: what a rule covers"},
    {"retention[].duration", kEnforced, "RunRetention: when data is due"},
    {"retention[].anchor", kEnforced, "RunRetention: when the period starts"},
    {"retention[].action", kEnforced, "RunRetention: delete or anonymize"},
    {"retention[].legal_obligation", kEnforced, "RequestDesk: erasure keeps what a law requires"},
    {"retention[].unless_consent", kEnforced, "RunRetention: consent extends retention (CF10)"},

    {"rights.offered", kEnforced, "RequestDesk::File: only offered rights"},
    {"rights.channels", kEnforced, "RequestDesk::File: only declared channels"},
    {"rights.deadlines[].jurisdiction", kEnforced,
     "RequestDesk: due dates per jurisdiction (CN18)"},
    {"rights.deadlines[].period", kEnforced, "RequestDesk: due dates (CN18)"},
    {"rights.deadlines[].extension", kEnforced, "RequestDesk::Extend"},
    {"rights.deadlines[].holidays", kEnforced, "RequestDesk: business-day deadlines"},
    {"rights.fees[].right", kEnforced, "RequestDesk: the request waits for its fee (CX08)"},
    {"rights.fees[].jurisdiction", kEnforced, "RequestDesk: where the fee applies (CX08)"},
    {"rights.fees[].amount", kEnforced, "RequestDesk: the fee asked (CX08)"},
    {"rights.fees[].currency", kEnforced, "RequestDesk: the fee asked (CX08)"},
    {"rights.route_members_to_organization_admin", kEnforced, "RequestDesk::File: routing (CT13)"},

    {"signals.dnt", kEnforced, "SignalOptOuts: Do Not Track (CN11)"},
    {"signals.gpc", kEnforced, "SignalOptOuts: Global Privacy Control"},
    {"signals.opt_out_purposes", kEnforced, "SignalOptOuts: what a honoured signal opts out of"},
    {"signals.tcf[].purpose", kEnforced,
     "Vault::RecordConsentString: the purpose an IAB TCF string allows or refuses"},
    {"signals.tcf[].tcf_purposes", kEnforced,
     "Vault::RecordConsentString: the TCF purposes whose consent it needs"},
    {"signals.tcf[].special_features", kEnforced,
     "Vault::RecordConsentString: the TCF special features it needs opted in"},
    {"signals.gpp.sale", kEnforced, "Vault::RecordConsentString: a GPP opt-out of sale"},
    {"signals.gpp.sharing", kEnforced, "Vault::RecordConsentString: a GPP opt-out of sharing"},
    {"signals.gpp.targeted_advertising", kEnforced,
     "Vault::RecordConsentString: a GPP opt-out of targeted advertising"},
    {"signals.gpp.sensitive_data", kEnforced,
     "Vault::RecordConsentString: a GPP refusal to process sensitive data"},
    {"signals.statement", kInformational, kWords},

    {"cookies[].id", kInformational, kName},
    {"cookies[].purpose", kInformational,
     "names the purpose whose consent governs the cookie; the engine enforces that purpose (CT10)"},
    {"cookies[].description", kInformational, kWords},
    {"cookies[].essential", kEnforced,
     "loader: only a cookie whose purpose needs no choice is essential (CX05)"},

    {"marketing_channels[].id", kInformational,
     "the channel's name; the choice it carries is the consent to its purpose, which the engine "
     "enforces (CT07)"},
    {"marketing_channels[].purpose", kEnforced, "Vault::RecordConsent: the channel's purpose"},
    {"marketing_channels[].opt_in", kEnforced,
     "loader: an opt-in channel's purpose needs consent (CN13)"},
    {"marketing_channels[].unsubscribe_link", kEnforced,
     "Deliverer: every marketing email privet sends carries List-Unsubscribe (one-click, RFC "
     "8058) and a footer with the sender, its contact details and the link, which opts out at "
     "once (CN14)",
     "true|false",
     "privet adds the one-click unsubscribe to every marketing email it sends, whatever the "
     "setting; false only keeps the promise out of the notice (a phone call carries no link)"},

    {"breach.notify_subjects", kEnforced,
     "Vault::RecordBreach: affected subjects are sent a notice through the outbox (CN15)"},
    {"breach.channels", kEnforced,
     "Vault::RecordBreach: email queues the notices, website posts the breach on /privacy"},
    {"breach.threshold", kEnforced,
     "Vault::RecordBreach: the least risk that obliges privet to tell the subjects"},
    {"breach.authority_within", kEnforced,
     "Vault::RecordBreach: the authority deadline in the register, GET /v1/breaches and "
     "/metrics"},
    {"breach.subjects_within", kEnforced,
     "Vault::RecordBreach: the subjects' deadline in the register (their notices are queued at "
     "once)"},

    {"changes.notify", kEnforced,
     "Vault::PublishPolicy: email queues a policy_updated message to every subject (CN16); "
     "website announces the next version on /privacy until it takes effect (CU11)"},
    {"changes.advance_notice", kEnforced,
     "Vault::PublishPolicy: a material change sooner than this is refused, naming the first "
     "allowed date (CF17)"},
    {"changes.material_change_requires_consent", kEnforced,
     "Decide: consent (CN17) or the version in force (CU11)"},
    {"changes.opt_out_window", kEnforced,
     "Decide, DecideDisclosure: notice and opt-out first (CU06)"},

    {"messages[].topic", kEnforced,
     "delivery/messages.cc: the outbox topic whose emails this template writes"},
    {"messages[].subject", kEnforced, "delivery/messages.cc: the email's Subject"},
    {"messages[].text", kEnforced, "delivery/messages.cc: the email's plain text"},
    {"messages[].html", kEnforced, "delivery/messages.cc: the email's HTML part"},

    {"automatic_collection.fields", kInformational,
     "what the request logs hold, in readers' words; automatic_collection.categories is what the "
     "engine "
     "enforces"},
    {"automatic_collection.purposes", kEnforced,
     "CompiledPolicy: only they reach request-log data (CN01)"},
    {"automatic_collection.categories", kEnforced,
     "CompiledPolicy: the request-log data (CN01, CX04)"},
    {"automatic_collection.drop_fields", kNotYetEnforced,
     "privet computes no statistics from request logs yet"},
    {"automatic_collection.min_group_size", kEnforced,
     "Vault::Aggregates: no count that fewer distinct people stand behind (CN02)"},
    {"automatic_collection.retention", kNotYetEnforced,
     "the retention rules covering the request-log categories delete them; this figure alone "
     "deletes nothing"},

    {"automated_decisions.used", kInformational,
     "the controller's statement on decisions based solely on automated processing (Art. 22); "
     "privet makes no decisions about subjects, and profiling is purposes[].profiling"},
    {"automated_decisions.description", kInformational, kWords},
});

}  // namespace

std::span<const PolicySetting> PolicySettings() { return kSettings; }

const PolicySetting* FindPolicySetting(std::string_view key) {
  auto it = std::find_if(kSettings.begin(), kSettings.end(),
                         [&](const PolicySetting& s) { return s.key == key; });
  return it == kSettings.end() ? nullptr : &*it;
}

std::string SettingKeyOf(std::string_view path) {
  std::string key;
  bool in_index = false;
  for (char c : path) {
    if (c == '[') in_index = true;
    if (!in_index || c == '[' || c == ']') key += c;
    if (c == ']') in_index = false;
  }
  return key;
}

bool InformationalBetween(const PolicySetting& entry, std::string_view a, std::string_view b) {
  // Groups separated by ';', values within a group by '|'.
  auto next = [](std::string_view& rest, char sep) {
    const size_t at = rest.find(sep);
    const std::string_view item = rest.substr(0, at);
    rest = at == std::string_view::npos ? std::string_view() : rest.substr(at + 1);
    return item;
  };
  for (std::string_view groups = entry.alike_values; !groups.empty();) {
    bool has_a = false, has_b = false;
    for (std::string_view group = next(groups, ';'); !group.empty();) {
      const std::string_view value = next(group, '|');
      has_a |= value == a;
      has_b |= value == b;
    }
    if (a != b && has_a && has_b) return true;
  }
  return false;
}

bool NoticeMayState(std::string_view key) {
  const PolicySetting* s =
      FindPolicySetting(key);  // a key the table does not know promises nothing
  return s != nullptr && s->effect != SettingEffect::kNotYetEnforced;
}

}  // namespace privet::policy_internal
