// Data-subject rights, run as tracked requests with legal deadlines (src/rights).
//
// A request moves through
//
//   received → identity_pending → (awaiting_fee) → in_progress → (extended) → completed
//                                                              ↘ denied (exception + legal ground)
//   received → routed (to the organization's admin, CT13)
//
// and every transition is stored with the request and appended to the audit log in the same
// transaction. Identity is verified with a one-time code: 8 digits, valid 15 minutes, 5
// attempts, stored only as a keyed hash, and sent through the outbox (a durable table of
// messages; delivery adapters read it, and so do tests). A child-data report (CN04) comes from
// anyone and needs no code. Where the policy charges a fee for a right in the subject's
// jurisdiction, the request waits in awaiting_fee until the fee is recorded (CX08).
//
// Deadlines come from the policy's rule for the subject's jurisdiction (an exact match, then the
// part before '-': "US-CA" falls back to "US"): calendar months with end-of-month clamping
// (31 January + 1 month = 28 or 29 February), days, weeks, or business days that skip
// weekends and the rule's holidays. An extension runs from the receipt date for the period plus
// the extension (one month + two months = three months after receipt).
//
//   privet::RequestDesk desk(*vault);
//   auto r = desk.File({.right = privet::Right::kAccess, .subject_id = id, .channel = "web_form"});
//   // the code is in desk.Outbox(); the subject types it in:
//   desk.VerifyIdentity(r->id, code);
//   auto done = desk.Fulfil(r->id);  // done->export_json: everything held on the subject
//
// Thread-safety: a RequestDesk is safe to use from many threads; transitions of one request
// are serialized. The vault must outlive the desk.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "privet/clock.h"
#include "privet/decision.h"
#include "privet/policy.h"
#include "privet/status.h"

namespace privet {

class Vault;

// --- Deadlines ---------------------------------------------------------------------------------

// Deadlines are counted with AddPeriod (privet/policy.h) from the day a request is received
// (CivilDayOf, privet/clock.h).

// The policy's deadline rule for a jurisdiction: an exact match, else the rule for the part before
// the first '-' ("US-CA" → "US"); null when the policy states none.
const Deadline* FindDeadline(const Policy& policy, std::string_view jurisdiction);

struct RequestDeadline {
  CivilDay due;  // the last day to answer
  std::optional<CivilDay>
      extended_due;  // the last day with the full extension; none if not allowed
};
// The deadline of a request received on `received` under `rule`.
RequestDeadline ComputeDeadline(const Deadline& rule, CivilDay received);

// --- Requests ----------------------------------------------------------------------------------

enum class RequestState {
  kReceived,
  kIdentityPending,
  kAwaitingFee,
  kInProgress,
  kExtended,  // in progress, with the deadline extended and the subject told why
  kCompleted,
  kDenied,  // refused, with the exception and its legal ground (CF14)
  kRouted,  // handed to the subject's organization admin (CT13); closed for the controller
};
std::string_view RequestStateName(RequestState s);                         // "identity_pending"
std::optional<RequestState> ParseRequestStateName(std::string_view name);  // nullopt if unknown

// Who filed the request.
enum class Requester {
  kSubject,   // the subject, through a channel of the policy
  kStaff,     // staff on the subject's behalf (CU10); the subject still confirms with the code
  kReporter,  // anyone reporting that a child's data was provided (CN04)
};

struct NewRequest {
  Right right = Right::kAccess;
  uint64_t subject_id = 0;
  std::string channel;  // one of the policy's rights channels (dashboard, web_form, support, ...)
  Requester filed_by = Requester::kSubject;
  std::string staff_role;  // kStaff: the policy role of the person filing it
  // Objection and restriction: the purpose concerned; empty for an objection means every
  // objectable purpose.
  std::string purpose;
};

// A part of a right that could not be met, and why (CF14). `scope` is a category or purpose id;
// `ground` a code such as "legal_hold:<reference>", "legal_obligation:<rule id>" or
// "overriding_ground:<purpose id>", followed in `law` by the provision relied on.
struct RequestException {
  std::string scope;
  std::string ground;
  std::string law;
  friend bool operator==(const RequestException&, const RequestException&) = default;
};

struct RequestTransition {
  RequestState state = RequestState::kReceived;
  Time at;
  std::string actor;  // "subject", "staff:<role>", "reporter", "privet"
  std::string note;   // a code (extension reason, fee reference), never personal data
};

struct RightsRequest {
  uint64_t id = 0;
  Right right = Right::kAccess;
  uint64_t subject_id = 0;
  RequestState state = RequestState::kReceived;
  std::string channel;
  std::string filed_by;  // "subject", "staff:<role>", "reporter"
  std::string purpose;
  Time received_at;
  std::optional<CivilDay> due;           // none when no rule applies to the jurisdiction
  std::optional<CivilDay> extended_due;  // the latest an extension may reach
  bool extended = false;
  uint64_t routed_to_organization = 0;
  std::optional<Fee> fee;     // the fee the policy charges for this request
  std::string fee_reference;  // the payment reference once paid
  int code_attempts_left = 0;
  std::vector<RequestException> exceptions;
  std::vector<RequestTransition> history;  // oldest first

  bool open() const {
    return state != RequestState::kCompleted && state != RequestState::kDenied &&
           state != RequestState::kRouted;
  }
};

// One message in the outbox, opened.
struct OutboxMessage {
  int64_t seq = 0;
  uint64_t subject_id = 0;
  uint64_t organization_id = 0;  // non-zero: for that organization's admin
  std::string topic;             // identity_code, request_routed, request_extended, ...
  std::string body;              // JSON
  Time created_at;
  bool sent = false;
};

// One field as its subject is told of it (RequestDesk::HeldFields; the access export's entry).
struct FieldHeld {
  struct Use {
    std::string purpose;
    std::optional<LegalBasis> basis;  // none: the policy in force no longer declares the purpose
  };
  uint64_t id = 0;
  std::string category;
  std::string value;
  DataSource source = DataSource::kSubject;
  std::vector<Use> uses;  // the purposes it is held for, each with its legal basis
  Time collected_at;
  Time last_activity;
  int policy_version = 0;                 // the notice version it was collected under
  std::optional<Time> retention_ends;     // when the earliest retention rule ends it, if known
  std::vector<std::string> disclosed_to;  // recipients it was released to
};

// Where a portability export goes when the subject asks for it to be sent to another controller.
struct PushTarget {
  std::string url;      // https:// only
  std::string ca_file;  // PEM certificates to trust instead of the system's (private CAs, tests)
  std::chrono::milliseconds timeout{10000};
};

struct Fulfilment {
  // Rectification: field id → corrected value.
  std::map<uint64_t, std::string> corrections;
  // Portability: send the export to another controller as well.
  std::optional<PushTarget> push_to;
  // Who carries the right out. An access or portability export is audited as a read of the
  // exported categories by it (and its API key): a leaked key that exports data leaves the same
  // evidence as one that reads it (Vault::RecordBreach).
  Principal by = Principal::Service();
};

struct FulfilResult {
  RightsRequest request;
  // Access and portability: the structured export (JSON) and, for access, one CSV per category.
  std::string export_json;
  std::map<std::string, std::string> export_csv;
  int push_status = 0;  // the receiving controller's HTTP status, when pushed
};

class RequestDesk {
 public:
  explicit RequestDesk(Vault& vault);

  // Files a request. InvalidArgument for a right the policy does not offer, an unknown channel
  // or purpose; NotFound for an unknown subject. Members of an organization are routed to its
  // admin when the policy says so (CT13); otherwise a code goes out and the request waits for it.
  StatusOr<RightsRequest> File(const NewRequest& request);
  // PermissionDenied for a wrong code (one attempt used), an expired code, or no attempts left
  // (the code is void: ResendCode). On success the request moves on (fee, or in progress).
  StatusOr<RightsRequest> VerifyIdentity(uint64_t request_id, std::string_view code);
  StatusOr<RightsRequest> ResendCode(uint64_t request_id);
  // Records the fee as paid (CX08); FailedPrecondition unless the request awaits a fee.
  StatusOr<RightsRequest> RecordFeePaid(uint64_t request_id, std::string_view payment_reference);
  // Extends the deadline as far as the rule allows and tells the subject why (`reason` is a code:
  // complexity, number_of_requests). FailedPrecondition if no extension is allowed or it is spent.
  StatusOr<RightsRequest> Extend(uint64_t request_id, std::string_view reason);
  // Refuses the request with the exception and its legal ground (CF14).
  StatusOr<RightsRequest> Deny(uint64_t request_id, RequestException why);
  // Carries the right out and completes the request. FailedPrecondition while the identity or
  // the fee is pending, or once closed.
  StatusOr<FulfilResult> Fulfil(uint64_t request_id, const Fulfilment& fulfilment = {});

  StatusOr<RightsRequest> Get(uint64_t request_id);
  // The subject's requests, oldest first.
  StatusOr<std::vector<RightsRequest>> ForSubject(uint64_t subject_id);
  // Open requests that are late, or due within `within` of today, soonest first.
  StatusOr<std::vector<RightsRequest>> Overdue(std::chrono::days within = std::chrono::days(0));

  StatusOr<std::vector<OutboxMessage>> Outbox(bool unsent_only = true);
  Status MarkSent(int64_t seq);

  // Lifts a restriction (Art. 18(3)): the subject is told first (an outbox message in the same
  // transaction as the lift), then processing may resume.
  Status LiftRestriction(uint64_t subject_id, std::string_view reason);

  // The structured export of a subject (what an access request returns): every field with its
  // source, purposes, the legal basis of each purpose, collection date, retention end and the
  // recipients it was disclosed to; the GDPR Art. 15 information computed from the policy
  // (purposes, categories, recipients, retention, sources, rights, profiling; docs/rights.md);
  // the consent history, disclosures and requests. Portable: only what the subject provided,
  // held under consent or contract for at least one purpose.
  enum class ExportScope { kEverything, kPortable };
  StatusOr<std::string> ExportJson(uint64_t subject_id, ExportScope scope);
  // The subject's own copy of everything held, shown to it or downloaded by it outside a request
  // (the privacy center's "My data", CT08): the export as JSON (ExportJson's kEverything) or as
  // CSV (one row per field: id, category, value, source, purposes, legal bases, collected).
  // Recorded in the audit log like any read: a decision entry, action "export", by `by`, with
  // the categories it holds and `detail` (where it was shown: "privacy_center:data").
  enum class CopyFormat { kJson, kCsv };
  // A subject clears one of its own fields (CT08; the privacy center's Clear, and DELETE on a
  // field with the subject's session): Vault::DeleteField, whose refusals answer first, unless a
  // legal hold or a legal obligation keeps the field (GDPR Art. 17(3)(b), (e)), or it is
  // the address the subject signs in with (the policy's email identifier: changed by rectification,
  // never left without one); either is FailedPrecondition saying why, and changes nothing. The
  // field is checked just before the deletion: a hold placed between the two is not seen.
  Status ClearField(const Principal& by, uint64_t subject_id, uint64_t field_id);
  // The fields of the subject that a legal hold or obligation keeps (ClearField refuses them).
  StatusOr<std::vector<uint64_t>> KeptFieldIds(uint64_t subject_id);
  // The same copy's fields, typed, for a page that shows them (the privacy center's "My data"),
  // audited the same way. NotFound for an unknown or erased subject.
  StatusOr<std::vector<FieldHeld>> HeldFields(uint64_t subject_id, const Principal& by,
                                              std::string_view detail);
  StatusOr<std::string> SubjectCopy(uint64_t subject_id, CopyFormat format, const Principal& by,
                                    std::string_view detail);

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace privet
