// Publishing policy versions and telling subjects about them (CN16, CF17, CX10, CU06, CU11).
//
// A version is recorded with its text, hash, effective date and the diff from the version
// before; a material change needs the policy's advance notice (CF17). Its notices (an email per
// subject where `changes.notify` says email, then the CU06 announcement of what is new to each
// subject's data) are queued in commits of kPolicyNoticeBatch subjects, each recording how far
// it got in the version's row: the first with the version itself, so a crash at any point
// leaves either nothing or a version whose notices the next publication or open finishes,
// never a notice queued twice.
#include <sodium.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/unix_time.h"
#include "vault/vault_impl.h"

namespace privet {
namespace {

constexpr std::string_view kTopic = "policy_updated";
constexpr std::string_view kNoticePath = "/privacy";

std::string Sha256Hex(std::string_view text) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : digest) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

std::string ChangesJson(const std::vector<PolicyChange>& changes) {
  nlohmann::json out = nlohmann::json::array();
  for (const PolicyChange& c : changes) {
    out.push_back(
        {{"kind", c.kind}, {"subject", c.subject}, {"detail", c.detail}, {"material", c.material}});
  }
  return out.dump();
}

std::vector<PolicyChange> ChangesFromJson(const std::string& text) {
  std::vector<PolicyChange> out;
  const nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
  if (!parsed.is_array()) return out;
  for (const nlohmann::json& c : parsed) {
    if (!c.is_object()) continue;
    out.push_back({.kind = c.value("kind", ""),
                   .subject = c.value("subject", ""),
                   .detail = c.value("detail", ""),
                   .material = c.value("material", false)});
  }
  return out;
}

std::optional<PolicyClassification> ParseClassification(std::string_view name) {
  for (PolicyClassification c : {PolicyClassification::kInitial, PolicyClassification::kMaterial,
                                 PolicyClassification::kNonMaterial}) {
    if (PolicyClassificationName(c) == name) return c;
  }
  return std::nullopt;
}

PolicyVersion FromRecord(const store::PolicyVersionRecord& r) {
  return {.version = r.version,
          .effective = CivilDayOf(FromUnix(r.effective)),
          .text = r.text,
          .hash = r.hash,
          .published_at = FromUnix(r.published_at),
          .published_by = r.published_by,
          .classification =
              ParseClassification(r.classification).value_or(PolicyClassification::kMaterial),
          .changes = ChangesFromJson(r.changes),
          .notices_pending = r.notices_pending};
}

// The first error of a policy that does not load, as InvalidArgument naming the place.
Status LoadError(const PolicyLoadResult& loaded) {
  for (const Diagnostic& d : loaded.diagnostics) {
    if (d.severity == Diagnostic::Severity::kError)
      return InvalidArgument("the policy does not load: " + d.ToString(), "policy");
  }
  return InvalidArgument("the policy does not load", "policy");
}

bool NotifiesByEmail(const Policy& p) {
  return std::find(p.changes.notify.begin(), p.changes.notify.end(), "email") !=
         p.changes.notify.end();
}

// What changed, in a sentence per change a subject can read: the material ones, or, when there
// are none, every change but the version number and date.
std::string Summary(const std::vector<PolicyChange>& changes) {
  const bool material =
      std::any_of(changes.begin(), changes.end(), [](const PolicyChange& c) { return c.material; });
  std::string out;
  for (const PolicyChange& c : changes) {
    if (material && !c.material) continue;
    if (c.kind == "version_changed" || c.kind == "effective_changed") continue;
    if (!out.empty()) out += "\n";
    out += c.kind + " " + c.subject + (c.detail.empty() ? "" : ": " + c.detail);
  }
  return out;
}

}  // namespace

std::string_view PolicyClassificationName(PolicyClassification c) {
  switch (c) {
    case PolicyClassification::kInitial:
      return "initial";
    case PolicyClassification::kMaterial:
      return "material";
    case PolicyClassification::kNonMaterial:
      return "non_material";
  }
  return "material";
}

const PolicyVersion* PolicyVersionInForce(const std::vector<PolicyVersion>& versions, Time now) {
  if (versions.empty()) return nullptr;
  const Time today = CivilDayToTime(CivilDayOf(now));
  const PolicyVersion* in_force = &versions.front();
  for (const PolicyVersion& v : versions) {
    if (CivilDayToTime(v.effective) <= today) in_force = &v;
  }
  return in_force;
}

StatusOr<std::vector<PolicyVersion>> Vault::Impl::PolicyVersions() {
  MutexLock lock(&versions_mu_);
  if (!versions_) {
    PRIVET_ASSIGN_OR_RETURN(std::vector<store::PolicyVersionRecord> records,
                            data_->GetPolicyVersions());
    std::vector<PolicyVersion> out;
    out.reserve(records.size());
    for (const store::PolicyVersionRecord& r : records) out.push_back(FromRecord(r));
    versions_ = std::move(out);
  }
  return *versions_;
}

Status Vault::Impl::StartPolicyHistory() {
  MutexLock publishing(&publish_mu_);
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::PolicyVersionRecord> versions,
                          data_->GetPolicyVersions());
  if (versions.empty()) {
    const Policy& p = policy_->policy();
    const std::string& text = options_.policy_text;
    store::WriteBatch batch;
    batch.PutPolicyVersion(
        {.version = p.version,
         .effective = ToUnix(CivilDayToTime(p.effective)),
         .text = text,
         .hash = Sha256Hex(text),
         .published_at = ToUnix(clock_.Now()),
         .published_by = PrincipalText(*policy_, Principal::Service()),
         .classification = std::string(PolicyClassificationName(PolicyClassification::kInitial)),
         .changes = "[]"});
    // Not audited: nothing was decided; the row says what the vault was created with and when
    // (as the creation of the vault itself, which no entry records either).
    Status recorded = Commit(batch, {});
    ForgetPolicyVersions();
    return recorded;
  }
  PRIVET_RETURN_IF_ERROR(CheckOpeningPolicy(versions));
  return ResumePolicyNotices(versions, Principal::Service());
}

Status Vault::Impl::ResumePolicyNotices(const std::vector<store::PolicyVersionRecord>& versions,
                                        const Principal& by) {
  for (const store::PolicyVersionRecord& v : versions) {
    if (!v.notices_pending) continue;
    PolicyLoadResult loaded = LoadPolicy(v.text, "published policy");
    if (!loaded.ok()) return LoadError(loaded);
    PRIVET_ASSIGN_OR_RETURN(std::shared_ptr<const CompiledPolicy> compiled,
                            CompiledPolicy::Compile(std::move(*loaded.policy)));
    PRIVET_RETURN_IF_ERROR(QueuePolicyNotices(v, *compiled, by));
  }
  return Status::Ok();
}

Status Vault::Impl::CheckOpeningPolicy(const std::vector<store::PolicyVersionRecord>& versions) {
  // A policy built in code (no text) is the caller's to choose.
  if (options_.policy_text.empty() || versions.empty()) return Status::Ok();
  // In force: the latest version whose day has come (the first one, whatever its date).
  const int64_t today = ToUnix(CivilDayToTime(CivilDayOf(clock_.Now())));
  const store::PolicyVersionRecord* in_force = &versions.front();
  for (const store::PolicyVersionRecord& v : versions) {
    if (v.effective <= today) in_force = &v;
  }
  const std::string in_force_name = "version " + std::to_string(in_force->version) +
                                    " (effective " +
                                    DayString(CivilDayOf(FromUnix(in_force->effective))) + ")";
  const int opened = policy_->version();
  if (opened == in_force->version) {
    if (in_force->text.empty() || in_force->hash == Sha256Hex(options_.policy_text))
      return Status::Ok();
    return FailedPrecondition("the policy file is not the published " + in_force_name +
                                  ": its text differs (privet policy versions lists the hashes)",
                              "policy");
  }
  for (const store::PolicyVersionRecord& v : versions) {
    if (v.version != opened) continue;
    const std::string day = DayString(CivilDayOf(FromUnix(v.effective)));
    if (opened < in_force->version) {
      return FailedPrecondition("the policy file is version " + std::to_string(opened) +
                                    ", replaced by " + in_force_name + ": start with that file",
                                "policy");
    }
    return FailedPrecondition("the policy file is version " + std::to_string(opened) +
                                  ", which takes effect on " + day + "; until then start with " +
                                  in_force_name,
                              "policy");
  }
  return FailedPrecondition("the policy file is version " + std::to_string(opened) +
                                ", which was never published: publish it first (privet policy "
                                "publish), or start with " +
                                in_force_name,
                            "policy");
}

StatusOr<PolicyVersion> Vault::Impl::PublishPolicy(const PolicyPublication& publication) {
  MutexLock publishing(&publish_mu_);
  PolicyLoadResult loaded = LoadPolicy(publication.text, "published policy");
  if (!loaded.ok()) return LoadError(loaded);
  StatusOr<std::shared_ptr<const CompiledPolicy>> compiled =
      CompiledPolicy::Compile(*loaded.policy);
  if (!compiled.ok())
    return InvalidArgument("the policy does not compile: " + compiled.status().message(), "policy");
  const Policy& after = (*compiled)->policy();

  PRIVET_ASSIGN_OR_RETURN(std::vector<store::PolicyVersionRecord> versions,
                          data_->GetPolicyVersions());
  if (versions.empty()) return FailedPrecondition("the vault has no policy version recorded");
  const store::PolicyVersionRecord& latest = versions.back();
  // The version before, as published; a first version recorded without its text is the policy
  // the vault was opened with.
  std::optional<Policy> before;
  if (!latest.text.empty()) {
    PolicyLoadResult earlier = LoadPolicy(latest.text, "published policy");
    if (!earlier.ok()) return LoadError(earlier);
    before = std::move(earlier.policy);
  } else if (latest.version == policy_->version()) {
    before = policy_->policy();
  } else {
    return FailedPrecondition("published version " + std::to_string(latest.version) +
                              " has no text to compare with");
  }
  if (after.organization != before->organization) {
    return InvalidArgument(
        "the policy is " + after.organization + "'s, the vault's is " + before->organization + "'s",
        "organization");
  }
  if (after.version != latest.version + 1) {
    return InvalidArgument("the policy's version is " + std::to_string(after.version) +
                               "; the next version to publish is " +
                               std::to_string(latest.version + 1),
                           "version");
  }
  const CivilDay effective = publication.effective.value_or(after.effective);
  const CivilDay today = CivilDayOf(clock_.Now());
  if (CivilDayToTime(effective) < CivilDayToTime(today)) {
    return InvalidArgument(
        "the effective date " + DayString(effective) + " is before today, " + DayString(today),
        "effective");
  }
  if (ToUnix(CivilDayToTime(effective)) < latest.effective) {
    return InvalidArgument("the effective date " + DayString(effective) + " is before version " +
                               std::to_string(latest.version) + "'s",
                           "effective");
  }
  const std::vector<PolicyChange> changes = DiffPolicies(*before, after);
  const bool material =
      std::any_of(changes.begin(), changes.end(), [](const PolicyChange& c) { return c.material; });
  if (material) {
    // The notice promised by the version in force, or the new one if it promises more (CF17).
    std::optional<CivilDay> required;
    for (const std::optional<Duration>& notice :
         {before->changes.advance_notice, after.changes.advance_notice}) {
      if (!notice) continue;
      const CivilDay day = AddPeriod(today, *notice);
      if (!required || CivilDayToTime(*required) < CivilDayToTime(day)) required = day;
    }
    if (required && CivilDayToTime(effective) < CivilDayToTime(*required)) {
      return FailedPrecondition(
          "a material change must be announced in advance "
          "(changes.advance_notice): the earliest effective date is " +
              DayString(*required),
          "effective");
    }
  }

  const PolicyClassification classification =
      material ? PolicyClassification::kMaterial : PolicyClassification::kNonMaterial;
  store::PolicyVersionRecord record{
      .version = after.version,
      .effective = ToUnix(CivilDayToTime(effective)),
      .text = publication.text,
      .hash = Sha256Hex(publication.text),
      .published_at = ToUnix(clock_.Now()),
      .published_by = PrincipalText(*policy_, publication.by),
      .classification = std::string(PolicyClassificationName(classification)),
      .changes = ChangesJson(changes),
      .notices_pending = true};
  const bool email = NotifiesByEmail(*before) || NotifiesByEmail(after);
  // The notices of an earlier version a crash interrupted go out first, in order.
  PRIVET_RETURN_IF_ERROR(ResumePolicyNotices(versions, publication.by));
  // The version and the first batch of its notices in one commit. A subject erased between the
  // look and the commit fails it (its rows are gone): look again.
  Status committed;
  for (int attempt = 0; attempt < 3; ++attempt) {
    store::WriteBatch batch;
    batch.PutPolicyVersion(record);
    NoticeStep step{.done = true};
    if (email) {
      PRIVET_ASSIGN_OR_RETURN(step, AddPolicyNotices(record, **compiled, 0, batch));
    }
    batch.SetPolicyNoticeProgress(record.version, step.through, true);
    AuditEntry entry = Audit(AuditEvent::kPolicyVersion, publication.by, 0);
    entry.action = "publish";
    entry.detail = "version:" + std::to_string(record.version) +
                   ";classification:" + record.classification +
                   ";effective:" + DayString(effective);
    committed = Commit(batch, {entry});
    ForgetPolicyVersions();
    if (committed.ok()) {
      record.notices_through = step.through;
      break;
    }
    if (committed.code() != StatusCode::kFailedPrecondition) return committed;
  }
  PRIVET_RETURN_IF_ERROR(committed);
  PRIVET_RETURN_IF_ERROR(QueuePolicyNotices(record, **compiled, publication.by));
  record.notices_pending = false;
  return FromRecord(record);
}

StatusOr<Vault::Impl::NoticeStep> Vault::Impl::AddPolicyNotices(const store::PolicyVersionRecord& v,
                                                                const CompiledPolicy& policy,
                                                                uint64_t after,
                                                                store::WriteBatch& batch) {
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::SubjectRecord> page,
                          data_->ListSubjects(after, Vault::kPolicyNoticeBatch));
  if (page.empty()) return NoticeStep{.through = after, .done = true};
  const std::vector<PolicyChange> changes = ChangesFromJson(v.changes);
  const nlohmann::json body = {
      {"version", v.version},
      {"effective", DayString(CivilDayOf(FromUnix(v.effective)))},
      {"organization", policy.policy().organization},
      {"material", v.classification == PolicyClassificationName(PolicyClassification::kMaterial)},
      {"summary", Summary(changes)},
      {"notice", kNoticePath}};
  const std::string text = body.dump();
  for (const store::SubjectRecord& s : page) {
    // Who signs up after publication reads the announced version on the notice.
    if (s.created_at > v.published_at) continue;
    StatusOr<std::string> sealed = Seal(s.id, OutboxContext(kTopic), text);
    if (!sealed.ok()) {
      // Erased meanwhile (nobody to tell), or a key that cannot be read (nothing can be sealed
      // for them: their data is lost to everyone).
      const StatusCode code = sealed.status().code();
      if (code == StatusCode::kNotFound || code == StatusCode::kDataLoss) continue;
      return sealed.status();
    }
    batch.AppendOutbox({.subject_id = s.id,
                        .topic = std::string(kTopic),
                        .sealed_body = std::move(*sealed),
                        .created_at = ToUnix(clock_.Now())});
  }
  return NoticeStep{.through = page.back().id, .done = page.size() < Vault::kPolicyNoticeBatch};
}

Status Vault::Impl::QueuePolicyNotices(const store::PolicyVersionRecord& v,
                                       const CompiledPolicy& policy, const Principal& by) {
  // Whether emails are due: the version's or the one before's `changes.notify` says so.
  bool email = NotifiesByEmail(policy.policy());
  PRIVET_ASSIGN_OR_RETURN(std::vector<store::PolicyVersionRecord> versions,
                          data_->GetPolicyVersions());
  for (const store::PolicyVersionRecord& earlier : versions) {
    if (earlier.version != v.version - 1 || earlier.text.empty()) continue;
    PolicyLoadResult loaded = LoadPolicy(earlier.text, "published policy");
    if (loaded.ok()) email = email || NotifiesByEmail(*loaded.policy);
  }
  uint64_t through = v.notices_through;
  for (bool done = !email; !done;) {
    Status committed;
    for (int attempt = 0; attempt < 3; ++attempt) {
      store::WriteBatch batch;
      PRIVET_ASSIGN_OR_RETURN(NoticeStep step, AddPolicyNotices(v, policy, through, batch));
      if (batch.empty()) {  // nobody left, or nobody in this page to tell
        through = step.through;
        done = step.done;
        committed = Status::Ok();
        if (!done) {
          store::WriteBatch progress;
          progress.SetPolicyNoticeProgress(v.version, through, true);
          committed = Commit(progress, {});
        }
        break;
      }
      batch.SetPolicyNoticeProgress(v.version, step.through, true);
      AuditEntry entry = Audit(AuditEvent::kPolicyVersion, by, 0);
      entry.action = "notify";
      entry.detail =
          "version:" + std::to_string(v.version) + ";messages:" + std::to_string(batch.size() - 1);
      committed = Commit(batch, {entry});
      if (committed.ok()) {
        through = step.through;
        done = step.done;
        break;
      }
      if (committed.code() != StatusCode::kFailedPrecondition) return committed;
    }
    PRIVET_RETURN_IF_ERROR(committed);
  }
  // CU06: whom a purpose or recipient new in this version concerns is told before it applies.
  // Idempotent, so a crash before the mark below repeats nothing.
  PRIVET_RETURN_IF_ERROR(AnnouncePolicyChange(by, policy).status());
  store::WriteBatch finished;
  finished.SetPolicyNoticeProgress(v.version, through, false);
  AuditEntry entry = Audit(AuditEvent::kPolicyVersion, by, 0);
  entry.action = "notices_done";
  entry.detail = "version:" + std::to_string(v.version);
  Status done = Commit(finished, {entry});
  ForgetPolicyVersions();
  return done;
}

}  // namespace privet
