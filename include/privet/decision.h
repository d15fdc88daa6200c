// Decide: may this principal do this action on these categories of this subject's data, for
// this purpose? The answer is allow or deny, a reason code and the legal basis relied on.
//
//   privet::SubjectState state;               // no consents, no objections
//   state.consents.Set(*policy->FindPurpose("marketing.email"));
//   privet::Decision d = privet::Decide(*policy, privet::Principal::Service(),
//                                       privet::Action::kRead, state, categories, purpose);
//   if (!d.allowed()) return PermissionDenied(d.reason, "not for this purpose");
//
// Semantics (the purpose-based access control of Byun & Li, VLDB J. 2008):
//  - purposes form a tree; a purpose inherits its ancestors' categories, basis and consent
//    mode; a prohibited purpose (or a descendant of one) is always denied, whatever else holds;
//  - the categories asked for must all be ones the purpose may use;
//  - kRequired consent purposes need an active consent on the purpose or an ancestor;
//    kOptOut purposes are allowed until the subject opts out (of it or an ancestor); an
//    opt-out of an ancestor also ends a consent given to a descendant;
//    an objection stops objectable purposes unless an overriding ground is recorded, and always
//    stops direct marketing;
//  - a restricted subject's data may only be stored;
//  - a staff principal sees only the purposes and categories its role's need-to-know covers;
//    an organization admin, its own organization's members only, and of them only what the
//    policy's `organization_admin` role covers (nothing without that role; CT11);
//  - where the policy says material changes need consent, data collected under policy version
//    v is not used for a purpose first declared after v unless the subject consented to that
//    purpose (CN17); otherwise the version in force at the time of use governs (CU11), once the
//    subject was told of the version that declared the purpose and its opt-out window passed,
//    where the policy has one (CU06);
//  - processor purposes serve only the tenant that submitted the data; a tenant's data serves
//    no other purpose, and no principal reaches another tenant's or organization's subject.
//
// Decide() reads only its arguments: no allocation, no locks, no I/O; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "privet/compiled_policy.h"
#include "privet/reason.h"

namespace privet {

enum class Action : uint8_t {
  kWrite,     // collect or update
  kRead,      // use for the purpose
  kStore,     // keep at rest (the only action a restriction allows)
  kDisclose,  // release to a recipient (see the disclosure register for recipient checks)
  kErase,
};

enum class PrincipalKind : uint8_t {
  kSubject,            // the data subject, acting on their own data
  kStaff,              // an employee acting in a policy role
  kService,            // an application of the controller's
  kOrganizationAdmin,  // admin of the organization that provides the subject's account
  kTenant,             // a customer for whom the controller processes data as processor
  kAdmin,              // privet administrator: configuration, never data reads for a purpose
};

inline constexpr uint64_t kNoId = 0;
inline constexpr uint16_t kUnknownSubjectKind = 0xffff;

struct Principal {
  PrincipalKind kind = PrincipalKind::kService;
  RoleId role = 0;                   // kStaff only
  uint64_t subject_id = kNoId;       // kSubject: who they are
  uint64_t organization_id = kNoId;  // kOrganizationAdmin: the organization administered
  uint64_t tenant_id = kNoId;        // kTenant: the customer
  // kSubject: their kind (an index into the policy's subject_kinds), which decides what they may
  // read of other subjects (CF07). The vault fills it from the subject's record.
  uint16_t subject_kind = kUnknownSubjectKind;
  // The API key the caller authenticated with (its public id as a number; 0: none, such as a
  // session or the vault's own work). Decisions do not depend on it; audit entries record it,
  // so that a breach can name whose data a leaked key actually read.
  uint64_t api_key = 0;

  static Principal Service() { return {}; }
  static Principal Staff(RoleId role) { return {.kind = PrincipalKind::kStaff, .role = role}; }
  static Principal Subject(uint64_t id) {
    return {.kind = PrincipalKind::kSubject, .subject_id = id};
  }
  static Principal OrganizationAdmin(uint64_t org) {
    return {.kind = PrincipalKind::kOrganizationAdmin, .organization_id = org};
  }
  static Principal Tenant(uint64_t tenant) {
    return {.kind = PrincipalKind::kTenant, .tenant_id = tenant};
  }
};

// "subject", "staff", "service", "organization_admin", "tenant", "admin"; nullopt for other text.
std::string_view PrincipalKindName(PrincipalKind kind);
std::optional<PrincipalKind> ParsePrincipalKindName(std::string_view name);

// A principal's text form, as API keys store it and audit entries and consent events record it:
// "service", "admin", "subject", "staff:<policy role id>", "organization_admin:<organization id>"
// or "tenant:<tenant id>" (ids in decimal). A subject's id is not part of the text. A staff role
// the policy does not have is written "staff:?".
std::string PrincipalText(const CompiledPolicy& policy, const Principal& principal);
// An API key's public id as audit entries and breach reports write it (16 lowercase hex digits,
// the id in the key's token), and back; nullopt for other text.
std::string ApiKeyIdText(uint64_t id);
std::optional<uint64_t> ParseApiKeyId(std::string_view text);
// "staff:<role>" for a role given by its policy id.
std::string StaffPrincipalText(std::string_view role);
// The inverse of PrincipalText for the principals a key can act as: "service", "admin",
// "staff:<role>" (a role the policy declares), "organization_admin:<id>" and "tenant:<id>" (ids
// decimal and not 0). InvalidArgument (field "principal") for any other text, "subject"
// included: a subject acts through a session, never a key.
StatusOr<Principal> ParsePrincipal(const CompiledPolicy& policy, std::string_view text);

// What the engine knows of one subject that bears on decisions; kept as bitsets.
struct SubjectState {
  uint64_t subject_id = kNoId;
  uint64_t organization_id = kNoId;  // the organization that provides the account, if any
  uint64_t tenant_id = kNoId;        // the customer that submitted this subject, if any
  PurposeSet consents;               // active opt-in consents
  PurposeSet opt_outs;               // opt-outs (including honoured GPC/DNT signals)
  PurposeSet objections;             // objections (Art. 21)
  PurposeSet overriding_grounds;     // objections overridden by a recorded compelling ground
  RecipientSet recipient_opt_outs;   // recipients the subject opted out of sharing with (CU06)
  bool restricted = false;           // Art. 18 restriction in force
  bool removed_from_organization = false;  // the organization removed this member (CT12)
  bool limited_sensitive_use = false;      // California right to limit in force (§ 1798.121)
  int collected_under_version = 0;         // policy version in force at collection; 0: current
  // The latest policy version the subject was told of whose opt-out window has passed (CU06);
  // read only where a purpose is newer than the data and the policy has an opt-out window.
  int notified_version = 0;
};

struct Decision {
  Reason reason = Reason::kAllowed;
  LegalBasis basis = LegalBasis::kContract;  // the basis relied on (meaningful when allowed)
  bool allowed() const { return reason == Reason::kAllowed; }
};

Decision Decide(const CompiledPolicy& policy, const Principal& principal, Action action,
                const SubjectState& subject, const CategorySet& categories, PurposeId purpose);

// May these categories go to this recipient for this purpose, given the evidence at hand?
// The policy-level half of a disclosure (the register adds the subject's state and records it):
//  - the recipient must be declared, and the policy must let it receive the purpose (or an
//    ancestor of it) and every category asked for; only what its function needs goes (CN08);
//  - never a sale where the policy forbids sales (CU05, CX07), never an unaffiliated third
//    party where the policy forbids it (CN08);
//  - processors and sub-processors need a DPA; a recipient outside the EU/EEA needs a transfer
//    mechanism when the policy applies under GDPR (CF09);
//  - every precondition the recipient carries (e.g. court_order, CF08) must be among `evidence`;
//  - a recipient first declared in a later version than `notified_version` (the version the
//    subject was notified of and whose opt-out window has passed) receives nothing (CU06).
// `evidence` names the preconditions met, e.g. {"court_order"}. Thread-safe; no allocation.
struct DisclosureRequest {
  RecipientId recipient = 0;
  CategorySet categories;
  PurposeId purpose = 0;
  const std::vector<std::string>* evidence = nullptr;  // may be null: no evidence
  int notified_version = 0;                            // 0: the current version
  // The recipients the subject opted out of (CU06): refused `opted_out`, unless the purpose's
  // basis is a legal obligation or vital interests (the law, not a preference, decides those).
  RecipientSet opted_out;
};
Decision DecideDisclosure(const CompiledPolicy& policy, const DisclosureRequest& request);

// Privacy signals a browser sends with a request.
enum class PrivacySignal : uint8_t { kGlobalPrivacyControl, kDoNotTrack };

// The purposes a signal opts the subject out of under this policy: the policy's
// signals.opt_out_purposes (with their descendants) when it honours the signal, and the empty
// set when it declares that it does not (CN11). Thread-safe.
const PurposeSet& SignalOptOuts(const CompiledPolicy& policy, PrivacySignal signal);

}  // namespace privet
