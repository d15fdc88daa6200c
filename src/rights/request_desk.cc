// The request desk: the lifecycle of rights requests (include/privet/rights.h).
//
// A request is one row of the data store: its id, subject, whether it is open and its deadline
// as columns, everything else as a JSON document (request_document.cc). Each transition stores
// the new document together with its audit entry, and with any outbox message it sends, in one
// transaction. Carrying a right out (Fulfil) uses the vault's own operations, each audited.
#include <sodium.h>

#include <algorithm>

#include "common/mutex.h"
#include "common/name_table.h"
#include "common/unix_time.h"
#include "privet/audit.h"
#include "privet/rights.h"
#include "privet/vault.h"
#include "privet/webhook_events.h"
#include "rights/internal.h"
#include "vault/vault_core.h"

namespace privet {

using rights_internal::Tracked;
using vault_internal::CoreOf;

namespace {

constexpr int kCodeAttempts = 5;
constexpr auto kCodeLifetime = std::chrono::minutes(15);

// Eight random digits, uniformly. A secret the subject proves identity with: always from
// libsodium's CSPRNG, never from the vault's IdSource (privet/id_source.h).
std::string NewCode() {
  std::string code(8, '0');
  for (char& c : code) c = static_cast<char>('0' + randombytes_uniform(10));
  return code;
}

// Not a secret (every route that takes it is authenticated): drawn from the vault's IdSource, so
// that a test with a seeded source gets the same request ids every run.
uint64_t NewRequestId(IdSource& ids) {
  uint64_t id = 0;
  while (id == 0) id = ids.Next() & 0x7fffffffffffffffull;  // positive as a signed 64-bit integer
  return id;
}

bool Offered(const Policy& policy, Right right) {
  const auto& offered = policy.rights.offered;
  return std::find(offered.begin(), offered.end(), right) != offered.end();
}

std::string ActorName(const NewRequest& r) {
  switch (r.filed_by) {
    case Requester::kSubject:
      return "subject";
    case Requester::kStaff:
      return StaffPrincipalText(r.staff_role);
    case Requester::kReporter:
      return "reporter";
  }
  return "subject";
}

}  // namespace

namespace {

constexpr auto kRequestStateNames = common::MakeNameTable<RequestState>({
    {RequestState::kReceived, "received"},
    {RequestState::kIdentityPending, "identity_pending"},
    {RequestState::kAwaitingFee, "awaiting_fee"},
    {RequestState::kInProgress, "in_progress"},
    {RequestState::kExtended, "extended"},
    {RequestState::kCompleted, "completed"},
    {RequestState::kDenied, "denied"},
    {RequestState::kRouted, "routed"},
});
static_assert(common::CoversEveryEnumerator(kRequestStateNames));

}  // namespace

std::string_view RequestStateName(RequestState s) { return kRequestStateNames.Name(s); }
std::optional<RequestState> ParseRequestStateName(std::string_view name) {
  return kRequestStateNames.Parse(name);
}

// --- RequestDesk::Impl ---------------------------------------------------------------------------

class RequestDesk::Impl {
 public:
  explicit Impl(Vault& vault) : vault_(vault) {}

  StatusOr<RightsRequest> File(const NewRequest& request);
  StatusOr<RightsRequest> VerifyIdentity(uint64_t id, std::string_view code);
  StatusOr<RightsRequest> ResendCode(uint64_t id);
  StatusOr<RightsRequest> RecordFeePaid(uint64_t id, std::string_view reference);
  StatusOr<RightsRequest> Extend(uint64_t id, std::string_view reason);
  StatusOr<RightsRequest> Deny(uint64_t id, RequestException why);
  StatusOr<FulfilResult> Fulfil(uint64_t id, const Fulfilment& fulfilment);
  StatusOr<RightsRequest> Get(uint64_t id);
  StatusOr<std::vector<RightsRequest>> ForSubject(uint64_t subject_id);
  StatusOr<std::vector<RightsRequest>> Overdue(std::chrono::days within);
  StatusOr<std::vector<OutboxMessage>> Outbox(bool unsent_only);
  Status MarkSent(int64_t seq);
  Status LiftRestriction(uint64_t subject_id, std::string_view reason);
  Vault& vault() { return vault_; }
  StatusOr<std::string> ExportJson(uint64_t subject_id, ExportScope scope) {
    return rights_internal::ExportSubject(vault_, subject_id, scope == ExportScope::kPortable);
  }
  StatusOr<std::string> SubjectCopy(uint64_t subject_id, CopyFormat format, const Principal& by,
                                    std::string_view detail);
  StatusOr<std::vector<FieldHeld>> HeldFields(uint64_t subject_id, const Principal& by,
                                              std::string_view detail) {
    std::vector<std::string> categories;
    PRIVET_ASSIGN_OR_RETURN(std::vector<FieldHeld> fields,
                            rights_internal::FieldsHeld(vault_, subject_id, &categories));
    PRIVET_RETURN_IF_ERROR(RecordCopy(subject_id, by, std::move(categories), detail));
    return fields;
  }
  // Records a copy shown to someone outside a request: a read, stored as Vault::Read stores its
  // decisions (concurrent readers share commits) before the copy is returned.
  Status RecordCopy(uint64_t subject_id, const Principal& by, std::vector<std::string> categories,
                    std::string_view detail) {
    AuditEntry read = CoreOf(vault_).Audit(AuditEvent::kDecision, by, subject_id);
    read.action = "export";
    read.categories = std::move(categories);
    read.detail = std::string(detail);
    return CoreOf(vault_).RecordRead(std::move(read));
  }

 private:
  // A request and its stored form, loaded under mu_.
  StatusOr<Tracked> Load(uint64_t id);
  // Moves `r` to `state` (history, audit entry) and stores it with whatever `batch` holds.
  Status Transition(Tracked& r, RequestState state, const std::string& actor,
                    const std::string& note, store::WriteBatch& batch,
                    std::vector<AuditEntry> entries = {});
  // Adds an outbox message for the subject (or its organization's admin) to `batch`.
  Status QueueMessage(uint64_t subject_id, uint64_t organization_id, std::string topic,
                      const nlohmann::json& body, store::WriteBatch& batch);
  // Issues a new code for `r` into `batch`.
  Status IssueCode(Tracked& r, store::WriteBatch& batch);
  // The state a verified request goes to: awaiting the fee, or in progress.
  static RequestState AfterVerification(const RightsRequest& r) {
    return r.fee ? RequestState::kAwaitingFee : RequestState::kInProgress;
  }
  // `exported`: the categories an access or portability export holds.
  Status CarryOut(RightsRequest& r, const Fulfilment& f, FulfilResult& result,
                  std::vector<std::string>& exported);
  Status Erase(RightsRequest& r);
  Status Object(RightsRequest& r);
  // Deletes some of the request's subject's fields, with one audit entry naming the request.
  Status DeleteFields(const RightsRequest& r, const std::vector<store::FieldRecord>& fields,
                      std::vector<std::string> categories, std::string action);

  Time Now() const { return CoreOf(vault_).clock().Now(); }

  Vault& vault_;
  Mutex mu_;  // serializes transitions (one request's steps never interleave)
};

Status RequestDesk::Impl::QueueMessage(uint64_t subject_id, uint64_t organization_id,
                                       std::string topic, const nlohmann::json& body,
                                       store::WriteBatch& batch) {
  PRIVET_ASSIGN_OR_RETURN(
      std::string sealed,
      CoreOf(vault_).Seal(subject_id, vault_internal::VaultCore::OutboxContext(topic),
                          body.dump()));
  batch.AppendOutbox({.subject_id = subject_id,
                      .organization_id = organization_id,
                      .topic = std::move(topic),
                      .sealed_body = std::move(sealed),
                      .created_at = ToUnix(Now())});
  return Status::Ok();
}

Status RequestDesk::Impl::IssueCode(Tracked& r, store::WriteBatch& batch) {
  std::string code = NewCode();
  r.code_hash = CoreOf(vault_).CodeHash(std::to_string(r.id), code);
  r.code_expires_at = Now() + kCodeLifetime;
  r.code_attempts_left = kCodeAttempts;
  nlohmann::json body = {{"request", std::to_string(r.id)},
                         {"right", RightName(r.right)},
                         {"code", code},
                         {"expires_at", Rfc3339(r.code_expires_at)}};
  Status queued = QueueMessage(r.subject_id, 0, "identity_code", body, batch);
  sodium_memzero(code.data(), code.size());
  return queued;
}

Status RequestDesk::Impl::Transition(Tracked& r, RequestState state, const std::string& actor,
                                     const std::string& note, store::WriteBatch& batch,
                                     std::vector<AuditEntry> entries) {
  r.state = state;
  r.history.push_back({.state = state, .at = Now(), .actor = actor, .note = note});
  AuditEntry e = CoreOf(vault_).Audit(AuditEvent::kRequest, Principal::Service(), r.subject_id);
  e.action = std::string(RequestStateName(state));
  e.principal = actor;
  e.detail = std::string(RightName(r.right)) + ":" + std::to_string(r.id) +
             (note.empty() ? "" : ":" + note);
  entries.push_back(std::move(e));
  batch.PutRequest(rights_internal::ToRecord(r));
  return CoreOf(vault_).Commit(batch, entries);
}

StatusOr<Tracked> RequestDesk::Impl::Load(uint64_t id) {
  PRIVET_ASSIGN_OR_RETURN(std::optional<store::RequestRecord> record,
                          CoreOf(vault_).data().GetRequest(id));
  if (!record) return NotFound("no such request", "request_id");
  return rights_internal::FromRecord(*record);
}

StatusOr<RightsRequest> RequestDesk::Impl::File(const NewRequest& in) {
  const Policy& policy = vault_.policy().policy();
  if (!Offered(policy, in.right)) {
    return InvalidArgument(
        "the policy does not offer the right '" + std::string(RightName(in.right)) + "'", "right");
  }
  const auto& channels = policy.rights.channels;
  if (in.channel.empty() || (!channels.empty() && std::find(channels.begin(), channels.end(),
                                                            in.channel) == channels.end())) {
    return InvalidArgument("not a rights channel of the policy", "channel");
  }
  if (in.filed_by == Requester::kStaff && !vault_.policy().FindRole(in.staff_role)) {
    return InvalidArgument("not a role of the policy", "staff_role");
  }
  if (in.filed_by == Requester::kReporter && in.right != Right::kChildDataReport) {
    return InvalidArgument("only a child-data report may come from someone other than the subject",
                           "filed_by");
  }
  if (!in.purpose.empty()) {
    std::optional<PurposeId> p = vault_.policy().FindPurpose(in.purpose);
    if (!p) return InvalidArgument("a purpose the policy does not declare", "purpose");
    const CompiledPurpose& cp = vault_.policy().purpose(*p);
    if (in.right == Right::kObjection && !cp.objectable && !cp.direct_marketing) {
      return InvalidArgument("purpose '" + in.purpose +
                                 "' is not open to objection (its basis is " +
                                 std::string(LegalBasisName(cp.basis)) + ")",
                             "purpose");
    }
  }
  PRIVET_ASSIGN_OR_RETURN(SubjectInfo subject, vault_.GetSubject(in.subject_id));

  Tracked r;
  r.id = NewRequestId(CoreOf(vault_).id_source());
  r.right = in.right;
  r.subject_id = in.subject_id;
  r.channel = in.channel;
  r.filed_by = ActorName(in);
  r.purpose = in.purpose;
  r.received_at = Now();
  if (const Deadline* rule = FindDeadline(policy, subject.jurisdiction)) {
    RequestDeadline d = ComputeDeadline(*rule, CivilDayOf(r.received_at));
    r.due = d.due;
    r.extended_due = d.extended_due;
  }
  for (const Fee& fee : policy.rights.fees) {
    if (fee.right == in.right && rights_internal::FeeApplies(fee, subject.jurisdiction) &&
        fee.amount_cents > 0)
      r.fee = fee;
  }
  r.history.push_back({.state = RequestState::kReceived, .at = r.received_at, .actor = r.filed_by});

  MutexLock lock(&mu_);
  store::WriteBatch batch;
  if (policy.rights.route_members_to_organization_admin && subject.organization_id != 0 &&
      in.right != Right::kChildDataReport) {
    // CT13: the organization that provides the account answers its members' requests.
    r.routed_to_organization = subject.organization_id;
    nlohmann::json body = {{"request", std::to_string(r.id)},
                           {"right", RightName(r.right)},
                           {"member", std::to_string(r.subject_id)}};
    PRIVET_RETURN_IF_ERROR(
        QueueMessage(r.subject_id, subject.organization_id, "request_routed", body, batch));
    PRIVET_RETURN_IF_ERROR(Transition(r, RequestState::kRouted, r.filed_by,
                                      "organization:" + std::to_string(subject.organization_id),
                                      batch));
    return r;
  }
  if (in.filed_by == Requester::kReporter) {
    // Anyone may report a child's data (CN04): nothing to verify of the reporter.
    PRIVET_RETURN_IF_ERROR(Transition(r, RequestState::kInProgress, r.filed_by, "", batch));
    return r;
  }
  if (r.right == Right::kLimitSensitiveUse) {
    // California: a request to limit is not a verifiable consumer request (11 CCR § 7027(e)).
    PRIVET_RETURN_IF_ERROR(Transition(r, RequestState::kInProgress, r.filed_by, "", batch));
    return r;
  }
  PRIVET_RETURN_IF_ERROR(IssueCode(r, batch));
  PRIVET_RETURN_IF_ERROR(Transition(r, RequestState::kIdentityPending, r.filed_by, "", batch));
  return r;
}

StatusOr<RightsRequest> RequestDesk::Impl::VerifyIdentity(uint64_t id, std::string_view code) {
  MutexLock lock(&mu_);
  PRIVET_ASSIGN_OR_RETURN(Tracked r, Load(id));
  if (r.state != RequestState::kIdentityPending) {
    return FailedPrecondition(
        "the request is " + std::string(RequestStateName(r.state)) + ", not waiting for a code",
        "request_id");
  }
  auto refuse = [&](Reason why, std::string_view text) -> Status {
    AuditEntry e = CoreOf(vault_).Audit(AuditEvent::kRequest, Principal::Service(), r.subject_id);
    e.action = "identity_refused";
    e.principal = "subject";
    e.outcome = ReasonName(why);
    e.detail = std::string(RightName(r.right)) + ":" + std::to_string(r.id);
    store::WriteBatch batch;
    batch.PutRequest(rights_internal::ToRecord(r));
    PRIVET_RETURN_IF_ERROR(CoreOf(vault_).Commit(batch, {e}));
    return PermissionDenied(
        why,
        std::string(text) + (r.code_attempts_left > 0
                                 ? " (" + std::to_string(r.code_attempts_left) + " attempts left)"
                                 : "; ask for a new code"),
        "code");
  };
  if (r.code_hash.empty() || r.code_attempts_left <= 0)
    return refuse(Reason::kNoAttemptsLeft, "no attempts left");
  if (Now() > r.code_expires_at) {
    r.code_attempts_left = 0;
    return refuse(Reason::kCodeExpired, "the code has expired");
  }
  const std::string hash = CoreOf(vault_).CodeHash(std::to_string(r.id), code);
  if (hash.size() != r.code_hash.size() ||
      sodium_memcmp(hash.data(), r.code_hash.data(), hash.size()) != 0) {  // constant time
    --r.code_attempts_left;
    return refuse(Reason::kWrongCode, "the code does not match");
  }
  r.code_hash.clear();
  r.code_attempts_left = 0;
  store::WriteBatch batch;
  PRIVET_RETURN_IF_ERROR(
      Transition(r, AfterVerification(r), "subject", "identity_verified", batch));
  return r;
}

StatusOr<RightsRequest> RequestDesk::Impl::ResendCode(uint64_t id) {
  MutexLock lock(&mu_);
  PRIVET_ASSIGN_OR_RETURN(Tracked r, Load(id));
  if (r.state != RequestState::kIdentityPending) {
    return FailedPrecondition("the request is not waiting for a code", "request_id");
  }
  store::WriteBatch batch;
  PRIVET_RETURN_IF_ERROR(IssueCode(r, batch));
  PRIVET_RETURN_IF_ERROR(
      Transition(r, RequestState::kIdentityPending, "privet", "code_resent", batch));
  return r;
}

StatusOr<RightsRequest> RequestDesk::Impl::RecordFeePaid(uint64_t id, std::string_view reference) {
  PRIVET_RETURN_IF_ERROR(CheckReference(reference, "payment_reference"));
  MutexLock lock(&mu_);
  PRIVET_ASSIGN_OR_RETURN(Tracked r, Load(id));
  if (r.state != RequestState::kAwaitingFee) {
    return FailedPrecondition(
        "the request is " + std::string(RequestStateName(r.state)) + ", not awaiting a fee",
        "request_id");
  }
  r.fee_reference = std::string(reference);
  store::WriteBatch batch;
  PRIVET_RETURN_IF_ERROR(Transition(r, RequestState::kInProgress, "staff", "fee_paid", batch));
  return r;
}

StatusOr<RightsRequest> RequestDesk::Impl::Extend(uint64_t id, std::string_view reason) {
  PRIVET_RETURN_IF_ERROR(CheckReference(reason, "reason"));
  MutexLock lock(&mu_);
  PRIVET_ASSIGN_OR_RETURN(Tracked r, Load(id));
  if (r.state != RequestState::kInProgress) {
    return FailedPrecondition("only a request in progress can be extended (it is " +
                                  std::string(RequestStateName(r.state)) + ")",
                              "request_id");
  }
  if (!r.extended_due)
    return FailedPrecondition("the deadline rule allows no extension", "request_id");
  r.extended = true;
  r.due = r.extended_due;
  store::WriteBatch batch;
  // The subject is told why, in the same transaction (GDPR Art. 12(3)).
  nlohmann::json body = {{"request", std::to_string(r.id)},
                         {"right", RightName(r.right)},
                         {"reason", reason},
                         {"new_due", DayString(*r.due)}};
  PRIVET_RETURN_IF_ERROR(QueueMessage(r.subject_id, 0, "request_extended", body, batch));
  PRIVET_RETURN_IF_ERROR(
      Transition(r, RequestState::kExtended, "staff", std::string(reason), batch));
  return r;
}

StatusOr<RightsRequest> RequestDesk::Impl::Deny(uint64_t id, RequestException why) {
  PRIVET_RETURN_IF_ERROR(CheckReference(why.ground, "ground"));
  if (!why.scope.empty()) PRIVET_RETURN_IF_ERROR(CheckReference(why.scope, "scope"));
  // The provision is cited in words ("GDPR Art. 17(3)(b)"): bounded, and never a card number.
  if (why.law.empty()) return InvalidArgument("a denial names the provision it relies on", "law");
  if (why.law.size() > kMaxReferenceBytes)
    return InvalidArgument("law: at most " + std::to_string(kMaxReferenceBytes) + " characters",
                           "law");
  PRIVET_RETURN_IF_ERROR(RefuseCardNumber(why.law, "law"));
  MutexLock lock(&mu_);
  PRIVET_ASSIGN_OR_RETURN(Tracked r, Load(id));
  if (!r.open()) return FailedPrecondition("the request is closed", "request_id");
  r.exceptions.push_back(std::move(why));
  store::WriteBatch batch;
  nlohmann::json body = {{"request", std::to_string(r.id)},
                         {"right", RightName(r.right)},
                         {"exceptions", rights_internal::ExceptionsJson(r.exceptions)}};
  if (vault_.GetSubject(r.subject_id).ok()) {
    PRIVET_RETURN_IF_ERROR(QueueMessage(r.subject_id, 0, "request_denied", body, batch));
  }
  PRIVET_RETURN_IF_ERROR(
      Transition(r, RequestState::kDenied, "staff", r.exceptions.back().ground, batch));
  return r;
}

StatusOr<FulfilResult> RequestDesk::Impl::Fulfil(uint64_t id, const Fulfilment& fulfilment) {
  MutexLock lock(&mu_);
  PRIVET_ASSIGN_OR_RETURN(Tracked r, Load(id));
  if (r.state == RequestState::kIdentityPending) {
    return FailedPrecondition(Reason::kIdentityPending,
                              "the subject's identity is not verified yet", "request_id");
  }
  if (r.state == RequestState::kAwaitingFee) {
    return FailedPrecondition(Reason::kAwaitingFee, "the request waits for its fee", "request_id");
  }
  if (r.state != RequestState::kInProgress && r.state != RequestState::kExtended) {
    return FailedPrecondition("the request is " + std::string(RequestStateName(r.state)),
                              "request_id");
  }
  FulfilResult result;
  std::vector<std::string> exported;
  PRIVET_RETURN_IF_ERROR(CarryOut(r, fulfilment, result, exported));
  std::vector<AuditEntry> entries;
  if (r.right == Right::kAccess || r.right == Right::kPortability) {
    // The export is a read of the subject's data by whoever carried the request out.
    AuditEntry read = CoreOf(vault_).Audit(AuditEvent::kDecision, fulfilment.by, r.subject_id);
    read.action = "export";
    read.categories = std::move(exported);
    read.detail = std::string(RightName(r.right)) + ":" + std::to_string(r.id);
    entries.push_back(std::move(read));
  }
  store::WriteBatch batch;
  if (vault_.GetSubject(r.subject_id).ok()) {  // an erased subject has no one left to tell
    nlohmann::json body = {{"request", std::to_string(r.id)},
                           {"right", RightName(r.right)},
                           {"exceptions", rights_internal::ExceptionsJson(r.exceptions)}};
    PRIVET_RETURN_IF_ERROR(QueueMessage(r.subject_id, 0, "request_completed", body, batch));
  }
  // Downstream systems carry the right out on their copies too (Art. 19).
  const nlohmann::json event = {{"request_id", std::to_string(r.id)},
                                {"right", RightName(r.right)},
                                {"subject_id", std::to_string(r.subject_id)}};
  CoreOf(vault_).AddWebhookEvent(batch, webhook_event::kRequestFulfilled, r.subject_id,
                                 event.dump());
  PRIVET_RETURN_IF_ERROR(
      Transition(r, RequestState::kCompleted, "privet", "", batch, std::move(entries)));
  result.request = r;
  return result;
}

Status RequestDesk::Impl::CarryOut(RightsRequest& r, const Fulfilment& f, FulfilResult& result,
                                   std::vector<std::string>& exported) {
  const Principal subject = Principal::Subject(r.subject_id);
  switch (r.right) {
    case Right::kAccess: {
      PRIVET_ASSIGN_OR_RETURN(result.export_json, rights_internal::ExportSubject(
                                                      vault_, r.subject_id, false, &exported));
      PRIVET_ASSIGN_OR_RETURN(result.export_csv, rights_internal::ExportCsv(vault_, r.subject_id));
      return Status::Ok();
    }
    case Right::kPortability: {
      PRIVET_ASSIGN_OR_RETURN(result.export_json, rights_internal::ExportSubject(
                                                      vault_, r.subject_id, true, &exported));
      if (f.push_to) {
        PRIVET_ASSIGN_OR_RETURN(result.push_status,
                                rights_internal::PushExport(*f.push_to, result.export_json));
      }
      return Status::Ok();
    }
    case Right::kRectification: {
      if (f.corrections.empty())
        return InvalidArgument("a rectification needs the corrected values", "corrections");
      for (const auto& [field_id, value] : f.corrections) {
        PRIVET_RETURN_IF_ERROR(vault_.Rectify(subject, r.subject_id, field_id, value));
      }
      return Status::Ok();
    }
    case Right::kErasure:
    case Right::kChildDataReport:
      return Erase(r);
    case Right::kRestriction:
      return vault_.RecordConsent(
          r.subject_id, {.action = ConsentAction::kRestrict, .source = ConsentSource::kForm});
    case Right::kObjection:
      return Object(r);
    case Right::kOptOutOfSale: {
      // The purposes an opt-out of sale or sharing covers are those GPC opts out of.
      const CompiledPolicy& policy = vault_.policy();
      PurposeSet purposes = policy.gpc_opt_outs();
      if (!r.purpose.empty()) purposes.Set(*policy.FindPurpose(r.purpose));
      for (int p = 0; p < policy.purpose_count(); ++p) {
        if (!purposes.Test(p)) continue;
        PRIVET_RETURN_IF_ERROR(vault_.RecordConsent(
            r.subject_id, {.purpose = policy.purpose_decl(static_cast<PurposeId>(p)).id,
                           .action = ConsentAction::kOptOut,
                           .source = ConsentSource::kForm}));
      }
      return Status::Ok();
    }
    case Right::kLegalBasisInquiry: {
      PRIVET_ASSIGN_OR_RETURN(result.export_json,
                              rights_internal::LegalBasisReport(vault_, r.subject_id));
      return Status::Ok();
    }
    case Right::kLimitSensitiveUse:
      return vault_.RecordConsent(r.subject_id, {.action = ConsentAction::kLimitSensitiveUse,
                                                 .source = ConsentSource::kForm});
  }
  return Internal("unknown right");
}

// Erasure, except what a legal hold or a legal obligation keeps (reported with its ground).
Status RequestDesk::Impl::Erase(RightsRequest& r) {
  StatusOr<std::vector<rights_internal::Kept>> kept =
      rights_internal::KeptFields(vault_, r.subject_id);
  if (kept.status().code() == StatusCode::kNotFound) return Status::Ok();  // already gone
  PRIVET_RETURN_IF_ERROR(kept.status());
  if (kept->empty()) return vault_.Erase(r.subject_id);  // crypto-shredding: every copy is noise
  // Some data stays: delete the rest field by field, and report what stayed and why.
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::FieldRecord> fields,
                          CoreOf(vault_).data().GetFields(r.subject_id));
  std::vector<store::FieldRecord> going;
  std::vector<std::string> categories;
  for (store::FieldRecord& f : fields) {
    auto k = std::find_if(kept->begin(), kept->end(),
                          [&](const rights_internal::Kept& x) { return x.field_id == f.id; });
    if (k == kept->end()) {
      categories.push_back(f.category);
      going.push_back(std::move(f));
      continue;
    }
    RequestException e{.scope = f.category, .ground = k->ground, .law = k->law};
    if (std::find(r.exceptions.begin(), r.exceptions.end(), e) == r.exceptions.end())
      r.exceptions.push_back(e);
  }
  return DeleteFields(r, going, std::move(categories), "erase_request");
}

// Objection (Art. 21): to direct marketing it always succeeds and ends the marketing profile
// (CF13, CF15); to legitimate-interest processing it stops it unless an overriding ground is
// recorded, which is reported as the exception (CN07, CF14).
Status RequestDesk::Impl::Object(RightsRequest& r) {
  const CompiledPolicy& policy = vault_.policy();
  std::vector<PurposeId> purposes;
  if (!r.purpose.empty()) {
    purposes.push_back(*policy.FindPurpose(r.purpose));
  } else {
    for (int p = 0; p < policy.purpose_count(); ++p) {
      const CompiledPurpose& cp = policy.purpose(static_cast<PurposeId>(p));
      if (cp.objectable || cp.direct_marketing) purposes.push_back(static_cast<PurposeId>(p));
    }
  }
  PRIVET_ASSIGN_OR_RETURN(SubjectState state, vault_.State(r.subject_id));
  PurposeSet marketing;
  for (PurposeId p : purposes) {
    const CompiledPurpose& cp = policy.purpose(p);
    const std::string& id = policy.purpose_decl(p).id;
    PRIVET_RETURN_IF_ERROR(vault_.RecordConsent(
        r.subject_id,
        {.purpose = id, .action = ConsentAction::kObject, .source = ConsentSource::kForm}));
    if (cp.direct_marketing) {
      marketing |= cp.self_and_descendants;
    } else if (state.overriding_grounds.Intersects(cp.self_and_ancestors)) {
      r.exceptions.push_back(
          {.scope = id, .ground = "overriding_ground:" + id, .law = "GDPR Art. 21(1)"});
    }
  }
  if (marketing.None()) return Status::Ok();
  // The marketing profile: derived data collected for a direct-marketing purpose (CF15).
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::FieldRecord> fields,
                          CoreOf(vault_).data().GetFields(r.subject_id));
  std::vector<store::FieldRecord> profile;
  std::vector<std::string> categories;
  for (store::FieldRecord& f : fields) {
    if (f.source != DataSourceName(DataSource::kDerived)) continue;
    const bool for_marketing =
        std::any_of(f.purposes.begin(), f.purposes.end(), [&](const std::string& p) {
          std::optional<PurposeId> id = policy.FindPurpose(p);
          return id && marketing.Test(*id);
        });
    if (!for_marketing) continue;
    categories.push_back(f.category);
    profile.push_back(std::move(f));
  }
  return DeleteFields(r, profile, std::move(categories), "profile_deleted");
}

Status RequestDesk::Impl::DeleteFields(const RightsRequest& r,
                                       const std::vector<store::FieldRecord>& fields,
                                       std::vector<std::string> categories, std::string action) {
  if (fields.empty()) return Status::Ok();
  store::WriteBatch batch;
  PRIVET_RETURN_IF_ERROR(CoreOf(vault_).DeleteFieldsInto(r.subject_id, fields, batch));
  AuditEntry e = CoreOf(vault_).Audit(AuditEvent::kFieldDeletion, Principal::Subject(r.subject_id),
                                      r.subject_id);
  e.action = std::move(action);
  e.categories = std::move(categories);
  e.detail = "request:" + std::to_string(r.id);
  return CoreOf(vault_).Commit(batch, {e});
}

StatusOr<RightsRequest> RequestDesk::Impl::Get(uint64_t id) {
  MutexLock lock(&mu_);
  PRIVET_ASSIGN_OR_RETURN(Tracked r, Load(id));
  return r;
}

StatusOr<std::vector<RightsRequest>> RequestDesk::Impl::ForSubject(uint64_t subject_id) {
  PRIVET_ASSIGN_OR_RETURN(std::vector<Tracked> requests,
                          rights_internal::RequestsOfSubject(CoreOf(vault_).data(), subject_id));
  return std::vector<RightsRequest>(std::make_move_iterator(requests.begin()),
                                    std::make_move_iterator(requests.end()));
}

StatusOr<std::vector<RightsRequest>> RequestDesk::Impl::Overdue(std::chrono::days within) {
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::RequestRecord> rows,
                          CoreOf(vault_).data().ListOpenRequests());
  const auto horizon = std::chrono::floor<std::chrono::days>(Now()) + within;
  std::vector<RightsRequest> out;
  for (const auto& row : rows) {
    PRIVET_ASSIGN_OR_RETURN(Tracked r, rights_internal::FromRecord(row));
    if (r.due && CivilDayToTime(*r.due) <= horizon) out.push_back(std::move(r));
  }
  return out;  // the store lists them by deadline
}

StatusOr<std::vector<OutboxMessage>> RequestDesk::Impl::Outbox(bool unsent_only) {
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::OutboxRecord> rows,
                          CoreOf(vault_).data().GetOutbox(unsent_only));
  std::vector<OutboxMessage> out;
  for (auto& m : rows) {
    StatusOr<std::string> body = CoreOf(vault_).Open(
        m.subject_id, vault_internal::VaultCore::OutboxContext(m.topic), m.sealed_body);
    if (body.status().code() == StatusCode::kNotFound)
      continue;  // the subject was erased meanwhile
    PRIVET_RETURN_IF_ERROR(body.status());
    out.push_back({.seq = m.seq,
                   .subject_id = m.subject_id,
                   .organization_id = m.organization_id,
                   .topic = std::move(m.topic),
                   .body = std::move(*body),
                   .created_at = FromUnix(m.created_at),
                   .sent = m.sent_at != 0});
  }
  return out;
}

Status RequestDesk::Impl::MarkSent(int64_t seq) {
  store::WriteBatch batch;
  batch.MarkOutboxSent(seq, ToUnix(Now()));
  return CoreOf(vault_).Commit(batch, {});
}

Status RequestDesk::Impl::LiftRestriction(uint64_t subject_id, std::string_view reason) {
  PRIVET_RETURN_IF_ERROR(CheckReference(reason, "reason"));
  PRIVET_ASSIGN_OR_RETURN(SubjectState state, vault_.State(subject_id));
  if (!state.restricted)
    return FailedPrecondition("the subject's processing is not restricted", "subject_id");
  store::WriteBatch batch;
  // Art. 18(3): the subject is told before the restriction is lifted. The message is queued
  // first, in the same transaction as the ledger event, so the lift never happens untold.
  PRIVET_RETURN_IF_ERROR(
      QueueMessage(subject_id, 0, "restriction_lift", {{"reason", reason}}, batch));
  batch.AppendConsent({.subject_id = subject_id,
                       .action = std::string(ConsentActionName(ConsentAction::kLiftRestriction)),
                       .source = std::string(ConsentSourceName(ConsentSource::kStaff)),
                       .at = ToUnix(Now()),
                       .policy_version = vault_.policy().version()});
  AuditEntry e = CoreOf(vault_).Audit(AuditEvent::kConsent, Principal::Service(), subject_id);
  e.action = std::string(ConsentActionName(ConsentAction::kLiftRestriction));
  e.detail = std::string(reason);
  PRIVET_RETURN_IF_ERROR(CoreOf(vault_).Commit(batch, {e}));
  CoreOf(vault_).Forget(subject_id);
  return Status::Ok();
}

// --- RequestDesk ---------------------------------------------------------------------------------

RequestDesk::RequestDesk(Vault& vault) : impl_(std::make_shared<Impl>(vault)) {}
StatusOr<RightsRequest> RequestDesk::File(const NewRequest& r) { return impl_->File(r); }
StatusOr<RightsRequest> RequestDesk::VerifyIdentity(uint64_t id, std::string_view code) {
  return impl_->VerifyIdentity(id, code);
}
StatusOr<RightsRequest> RequestDesk::ResendCode(uint64_t id) { return impl_->ResendCode(id); }
StatusOr<RightsRequest> RequestDesk::RecordFeePaid(uint64_t id, std::string_view reference) {
  return impl_->RecordFeePaid(id, reference);
}
StatusOr<RightsRequest> RequestDesk::Extend(uint64_t id, std::string_view reason) {
  return impl_->Extend(id, reason);
}
StatusOr<RightsRequest> RequestDesk::Deny(uint64_t id, RequestException why) {
  return impl_->Deny(id, std::move(why));
}
StatusOr<FulfilResult> RequestDesk::Fulfil(uint64_t id, const Fulfilment& f) {
  return impl_->Fulfil(id, f);
}
StatusOr<RightsRequest> RequestDesk::Get(uint64_t id) { return impl_->Get(id); }
StatusOr<std::vector<RightsRequest>> RequestDesk::ForSubject(uint64_t s) {
  return impl_->ForSubject(s);
}
StatusOr<std::vector<RightsRequest>> RequestDesk::Overdue(std::chrono::days within) {
  return impl_->Overdue(within);
}
StatusOr<std::vector<OutboxMessage>> RequestDesk::Outbox(bool unsent_only) {
  return impl_->Outbox(unsent_only);
}
Status RequestDesk::MarkSent(int64_t seq) { return impl_->MarkSent(seq); }
Status RequestDesk::LiftRestriction(uint64_t s, std::string_view reason) {
  return impl_->LiftRestriction(s, reason);
}
StatusOr<std::string> RequestDesk::Impl::SubjectCopy(uint64_t subject_id, CopyFormat format,
                                                     const Principal& by, std::string_view detail) {
  std::vector<std::string> categories;
  std::string copy;
  if (format == CopyFormat::kJson) {
    PRIVET_ASSIGN_OR_RETURN(copy,
                            rights_internal::ExportSubject(vault_, subject_id, false, &categories));
  } else {
    PRIVET_ASSIGN_OR_RETURN(auto by_category, rights_internal::ExportCsv(vault_, subject_id));
    // One table: the header once, then every category's rows.
    for (const auto& [category, table] : by_category) {
      const std::size_t header_end = table.find("\r\n") + 2;
      if (copy.empty()) copy = table.substr(0, header_end);
      copy += table.substr(header_end);
      categories.push_back(category);
    }
    if (copy.empty()) copy = std::string(rights_internal::kCsvHeader);
  }
  PRIVET_RETURN_IF_ERROR(RecordCopy(subject_id, by, std::move(categories), detail));
  return copy;
}

StatusOr<std::string> RequestDesk::SubjectCopy(uint64_t s, CopyFormat format, const Principal& by,
                                               std::string_view detail) {
  return impl_->SubjectCopy(s, format, by, detail);
}

Status RequestDesk::ClearField(const Principal& by, uint64_t subject_id, uint64_t field_id) {
  // The engine answers first: a refusal (a member its organization removed, CT12; a field that
  // is not there) is DeleteField's own, audited like any.
  if (!impl_->vault().MayDeleteField(by, subject_id, field_id).ok())
    return impl_->vault().DeleteField(by, subject_id, field_id);
  // The address the subject signs in with (the policy's email identifier): clearing it would
  // lock the subject out of its own account; it is changed by rectification.
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::FieldRecord> fields,
                          CoreOf(impl_->vault()).data().GetFields(subject_id));
  const CompiledPolicy& policy = impl_->vault().policy();
  for (const store::FieldRecord& f : fields) {
    if (f.id != field_id) continue;
    std::optional<CategoryId> c = policy.FindCategory(f.category);
    if (c && policy.category(*c).identifier == "email") {
      return FailedPrecondition(
          "this is the address you sign in with; to change it, ask for a rectification",
          "field_id");
    }
  }
  PRIVET_ASSIGN_OR_RETURN(std::vector<rights_internal::Kept> kept,
                          rights_internal::KeptFields(impl_->vault(), subject_id));
  for (const rights_internal::Kept& k : kept) {
    if (k.field_id == field_id) {
      return FailedPrecondition(
          "the law requires this data to be kept (" + k.ground + ", " + k.law + ")", "field_id");
    }
  }
  return impl_->vault().DeleteField(by, subject_id, field_id);
}

StatusOr<std::vector<uint64_t>> RequestDesk::KeptFieldIds(uint64_t subject_id) {
  PRIVET_ASSIGN_OR_RETURN(std::vector<rights_internal::Kept> kept,
                          rights_internal::KeptFields(impl_->vault(), subject_id));
  std::vector<uint64_t> ids;
  for (const rights_internal::Kept& k : kept) ids.push_back(k.field_id);
  return ids;
}

StatusOr<std::vector<FieldHeld>> RequestDesk::HeldFields(uint64_t s, const Principal& by,
                                                         std::string_view detail) {
  return impl_->HeldFields(s, by, detail);
}

StatusOr<std::string> RequestDesk::ExportJson(uint64_t s, ExportScope scope) {
  return impl_->ExportJson(s, scope);
}

}  // namespace privet
