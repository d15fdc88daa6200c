// Notice: the human-readable privacy notice and the GDPR Art. 30 record, rendered from a Policy.
//
// The published promise and the running system come from the same policy file, so they cannot
// drift apart. The notice says, in plain English and in sections with headings, who the
// controller is and how to reach them, where the notice applies, every data category (special
// and never-stored ones marked), every purpose with its legal basis and the subject's choice,
// every recipient with its country, transfer safeguard and preconditions, sharing, every
// retention rule, every right and how to exercise it (channels, deadlines, fees), Do Not Track
// and Global Privacy Control, cookies, marketing channels, automatic collection, minimum ages,
// breach and change notification.
//
//   privet::PolicyLoadResult r = privet::LoadPolicyFile("policies/starter.yaml");
//   if (r.ok()) std::cout << privet::RenderNoticeMarkdown(*r.policy);
//
// Every function is deterministic (same policy, same bytes), never throws, and states only what
// the policy states. They accept any Policy value, including hand-built ones with dangling
// references (those are rendered as written). Thread-safe: pure functions of their argument.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "privet/policy.h"
#include "privet/policy_diff.h"

namespace privet {

// What a published notice shows beside the version in force (CX10, CU11): the versions before
// it with their effective dates, and a version announced but not yet in force, with its date
// and what changes (Vault::PolicyVersions has them).
struct NoticeVersion {
  int version = 0;
  CivilDay effective;
  std::vector<PolicyChange> changes;  // from the version before; shown for `upcoming` only
};
// A breach the notice posts (CN15: the policy's breach.channels lists website and the breach
// met its threshold; Vault::Breaches has them). The company's words, no personal data.
struct NoticeBreach {
  std::string what;
  Time started_at;
  std::optional<Time> ended_at;  // unset: still going on when recorded
  Time recorded_at;
  std::vector<std::string> categories;  // policy category ids; empty: every category
  std::string measures;
};
struct NoticeHistory {
  std::vector<NoticeVersion> earlier;     // oldest first
  std::optional<NoticeVersion> upcoming;  // the next version, once published
  std::vector<NoticeBreach> breaches;     // posted on the notice, oldest first
};

// The notice as CommonMark. Policy text is escaped so that it cannot inject markup; ids appear
// as code spans.
std::string RenderNoticeMarkdown(const Policy& p);
// The same with the version history (CX10, CU11): the intro says when the announced version
// takes effect; "Changes to this notice" lists the earlier versions and what the announced one
// changes. Breaches posted on the notice (CN15) are announced in the intro and described under
// "If something goes wrong", newest first.
std::string RenderNoticeMarkdown(const Policy& p, const NoticeHistory& history);

// The notice as a complete, standalone HTML5 document (lang="en", UTF-8, inline CSS, no
// scripts, a Content-Security-Policy that forbids them). Every policy string is HTML-escaped.
std::string RenderNoticeHtml(const Policy& p);
std::string RenderNoticeHtml(const Policy& p, const NoticeHistory& history);

// The record of processing activities (GDPR Art. 30(1)) as pretty-printed JSON:
//
//   {"record": "...", "policy_version": 3, "effective": "2024-03-04",
//    "controller": {"name", "contact": {...}, "data_protection_officer": {"email"}},
//    "jurisdictions": [...], "governing_law": "...",
//    "processing_activities": [{"purpose_id", "purposes", "legal_basis": {"name", "title",
//        "article"}, "consent", "role", "categories_of_data_subjects",
//        "categories_of_personal_data": [{"id", "description", "special"}], "recipients",
//        "transfers_to_third_countries": [{"recipient", "country", "safeguards"}],
//        "retention": [{"rule", "period", "from", "action", ...}]}],
//    "recipients": [...], "automatic_collection": {...}}
//
// Prohibited purposes are not processing activities and are left out; so are never-stored
// (forbidden) categories. Keys with nothing to say (no DPO, no governing law, no security
// measures in the policy) are omitted rather than filled with placeholders. A transfer to a
// third country is a disclosure to a recipient outside the EEA (when a jurisdiction is in the
// EEA) and outside the policy's own jurisdictions. Invalid UTF-8 in policy strings is replaced
// with U+FFFD.
std::string RenderRecordOfProcessingJson(const Policy& p);

// True if a disclosure to `country` (ISO 3166-1 alpha-2) is a transfer to a third country, as
// the notice and the record say, and the access export (Art. 15(2)) too: outside the EEA (and
// the UK) when a jurisdiction of the policy is in the EEA (or the UK), else outside every
// jurisdiction's country ("US-CA" counts as "US"). False for an empty country.
bool IsThirdCountryTransfer(const Policy& p, std::string_view country);

}  // namespace privet
