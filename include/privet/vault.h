// Vault: the personal-data store that puts every write and read through the policy.
//
// A vault is a data file (SQLite) plus a separate key store and a master key. Each subject gets a
// random data key, wrapped by the master key and kept in the key store; each field is sealed
// with its subject's key (XChaCha20-Poly1305, bound to subject, category and field id). Nothing
// personal is stored in plaintext: not values, not lookup keys (blind indexes), not birth dates.
//
//   privet::ManualClock clock(privet::CivilDayToTime({2024, 3, 4}));
//   auto vault = privet::Vault::Open({.data_dir = "/var/lib/privet", .policy = policy,
//                                     .clock = &clock});
//   if (!vault.ok()) return vault.status();
//   auto id = (*vault)->CreateSubject({.kind = "customer", .birth_date = privet::CivilDay{1990, 5,
//   1}}); auto written = (*vault)->Write({.subject_id = *id, .purposes = {"provide"},
//                                   .fields = {{.category = "user.contact.email",
//                                               .value = "ada@example.com"}}});
//   auto read = (*vault)->Read(privet::Principal::Service(), *id, "provide");
//   // read->fields: what the policy allows; read->withheld: the rest, with reason codes.
//   (*vault)->Erase(*id);  // crypto-shredding: the subject's key is destroyed
//
// What every write enforces: a declared purpose (CU01); the decision engine for each purpose
// (consent, restriction, need-to-know, organization and tenant scope); forbidden categories and
// anything that looks like a payment card number, without echoing the value (CX02); special
// categories where the policy refuses them (CF01); the minimum age at sign-up (CN03); the data a
// feature requires (CT02, CU02); a location on each interaction (the subject's own writes and
// reads) where the subject kind requires one, unless the subject holds a recorded exemption (CX03);
// and cookie identifiers never mixed with a named subject's data (CU04).
//
// One process at a time holds a vault: Open takes an exclusive lock on `<data_dir>/privet.lock`
// (0600) for the Vault's lifetime, and so do the file operations below that change a vault
// (RotateMasterKeyFile; SignAuditTreeHead, ReplaceAdminApiKey). A second comer, in another
// process such as a CLI command beside `privet serve` or in this one, is refused with
// FailedPrecondition (VaultInUse()) naming the holder's pid, and changes nothing: two writers
// would each keep a stale picture of the files in memory (the audit log, new subjects' keys
// under a rotated master key). Backups only read, and stay allowed beside the holder.
//
// Errors are Status values: InvalidArgument for bad input (nothing changed), PermissionDenied
// with the decision's reason code, FailedPrecondition for a wrong master key, a missing datum or
// a vault another Vault holds (VaultInUse()),
// NotFound for an unknown or erased subject, DataLoss for corrupt files. Messages never contain
// field values, nor repeat names the policy does not declare (they are the caller's words, not
// ids): Status::field() says which input was wrong.
//
// Thread-safety: a Vault is safe to use from many threads. Ownership: the caller keeps the clock
// (and an id source, if it gives one) alive for the vault's lifetime; the policy is shared.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "privet/breach.h"
#include "privet/clock.h"
#include "privet/compiled_policy.h"
#include "privet/decision.h"
#include "privet/id_source.h"
#include "privet/policy.h"
#include "privet/policy_diff.h"
#include "privet/status.h"
#include "privet/vault_files.h"

namespace privet {

namespace store {
class DataStore;
class KeyStore;
}  // namespace store

struct SignedTreeHead;  // privet/audit.h

class Vault;
namespace vault_internal {
class VaultCore;  // src/vault/vault_core.h: what the rights and retention layers build on
VaultCore& CoreOf(Vault& vault);
struct Opener;  // src/vault/vault_internal.h: opens a vault on wrapped stores (fault tests)
}  // namespace vault_internal

struct VaultOptions {
  // Directory for the data file (`data.db`); created if missing.
  std::string data_dir;
  // The key store; default `<data_dir>/keys.db`. Keep it apart from data backups.
  std::string key_store_path;
  // The master key file (64 hex chars, mode 0600), created on first run; default
  // `<data_dir>/master.key`. The environment variable PRIVET_MASTER_KEY, when set, wins.
  std::string master_key_file;
  std::shared_ptr<const CompiledPolicy> policy;  // required
  // The text of the policy file `policy` was loaded from. On a vault's first open it is recorded
  // as the first published version (PolicyVersions), the one later versions are compared with;
  // empty (a policy built in code) records the version without its text. On later opens, a
  // policy given with its text must be the published version in force today (the latest whose
  // effective date has come): an older one, one not yet in force, one never published, or a
  // text that differs from the published one is refused with FailedPrecondition ("policy")
  // naming the version to start with. Without text, the policy is not checked.
  std::string policy_text;
  const Clock* clock = nullptr;  // required
  // Where subject and field ids (and the request desk's request ids) are drawn; null: the
  // default, libsodium's CSPRNG. A SeededIdSource makes them repeatable in tests. Secrets never
  // come from it (privet/id_source.h). The caller keeps it alive for the vault's lifetime.
  IdSource* ids = nullptr;
  // The audit log's tree head is signed on demand (SignTreeHead) and, when this is positive,
  // with the first change after each interval has passed.
  std::chrono::seconds tree_head_interval{3600};
  // When the decision entry of a read is stored. kBeforeReturn: before Read() returns (a commit
  // without fsync; survives a killed process); concurrent reads share commits, a read waiting
  // at most for the commit in progress and its own. kBatched: buffered, and stored with the next
  // change, tree head or close, and at the latest after `read_audit_flush` (or by the read that
  // finds 4,096 waiting), so a crash may lose up to that much of read decisions; reads no longer
  // pay for a commit each.
  enum class ReadAuditing { kBeforeReturn, kBatched };
  ReadAuditing read_auditing = ReadAuditing::kBeforeReturn;
  std::chrono::milliseconds read_audit_flush{5};
  // ReadThen with kBeforeReturn: while reads are concurrent (the previous commit stored more
  // than one decision), the committer waits up to this long for more reads to join the next
  // commit, which then costs each of them less (PostgreSQL's commit_delay); as many reads as
  // the largest of the last 16 commits stored (at most 256) end the wait sooner. A read arriving
  // after a lone one is committed at once; 0 never waits.
  std::chrono::microseconds read_commit_delay{100};
  // Memory for caching subjects' field rows as stored (sealed values, never plaintext), so that
  // reads of recently read subjects need no database fetch; subjects not read again go first.
  // About 1.5 KiB per subject with ten 32-byte fields: the default holds ~175,000 such subjects.
  // 0 turns the cache off. Every change to a subject's fields takes effect in the next read.
  size_t field_cache_bytes = size_t{256} << 20;
};

// Largest value a field may hold, in bytes. A write or rectification with a larger value is
// InvalidArgument (HTTP 400) naming the value, like any other bad value.
inline constexpr size_t kMaxFieldValueBytes = size_t{64} * 1024;

struct NewSubject {
  std::string kind;                    // one of the policy's subject kinds
  std::optional<CivilDay> birth_date;  // or:
  std::optional<int> age_years;        // an age (band lower bound) when no birth date is known
  std::string jurisdiction;            // e.g. EU, US-CA; sealed at rest
  uint64_t organization_id = 0;        // the organization that provides the account (CT11)
  uint64_t tenant_id = 0;              // the customer that submitted this subject (CN05)
  // Location exemptions (CX03) are not declared here by whoever creates the subject: they are
  // recorded with the grant's reference (Vault::GrantLocationExemption).
  Principal principal = Principal::Service();  // who creates it (a tenant for CN05)
};

struct FieldInput {
  std::string category;
  std::string value;
  DataSource source = DataSource::kSubject;
};

struct WriteRequest {
  Principal principal = Principal::Service();
  uint64_t subject_id = 0;
  // The purposes the data is collected for; each must be declared and allow the write.
  std::vector<std::string> purposes;
  std::vector<FieldInput> fields;
  // The feature or action this write serves (e.g. "register"): every category it requires
  // must be in this write or already held (CT02, CU02).
  std::string feature;
};

// One subject to import with its first fields (Vault::Import).
struct ImportedSubject {
  NewSubject subject;
  // The subject's first write, checked exactly as Write() checks it; `write.subject_id` is
  // ignored (the subject gets a new id). No fields: the subject alone is created.
  WriteRequest write;
};

struct FieldValue {
  uint64_t id = 0;
  std::string category;
  std::string value;
  DataSource source = DataSource::kSubject;
  std::vector<std::string> purposes;
  LegalBasis basis = LegalBasis::kContract;
  Time collected_at;
  Time last_activity;
  int policy_version = 0;
};

struct WithheldField {
  std::string category;
  Reason reason = Reason::kAllowed;
};

struct ReadResult {
  std::vector<FieldValue> fields;       // what the policy lets this principal see
  std::vector<WithheldField> withheld;  // the rest, one entry per field, with the reason
};

enum class ConsentAction {
  kGrant,       // opt in to a purpose or channel
  kWithdraw,    // withdraw an opt-in
  kOptOut,      // opt out of an opt-out purpose (or a channel)
  kUndoOptOut,  // take an opt-out back
  kObject,      // Art. 21 objection
  kWithdrawObjection,
  kOverridingGround,  // staff record a compelling ground that overrides an objection (CN07)
  kRestrict,          // Art. 18 restriction starts
  kLiftRestriction,
  kNotified,  // the subject was sent the notice of the policy version in force (CU06)
  kRemovedFromOrganization,  // the organization's admin removed this member (CT12)
  // California's right to limit the use of sensitive personal information (§ 1798.121) starts,
  // and ends when the subject later allows such use again.
  kLimitSensitiveUse,
  kAllowSensitiveUse,
};

enum class ConsentSource {
  kForm,
  kCookieBanner,
  kApi,
  kGpc,
  kDnt,
  kStaff,
  kTcf,  // an IAB TCF v2.2 consent string (Vault::RecordConsentString)
  kGpp,  // an IAB GPP string
  // The subject followed the unsubscribe link of a marketing email (RFC 8058 one-click or its
  // confirmation page): recorded by Vault::Unsubscribe only, never taken from a caller.
  kUnsubscribe,
};

std::string_view ConsentActionName(ConsentAction a);  // "undo_opt_out"
std::string_view ConsentSourceName(ConsentSource s);  // "cookie_banner"
// The inverses: the value of exactly that name, nullopt for any other text.
std::optional<ConsentAction> ParseConsentActionName(std::string_view name);
std::optional<ConsentSource> ParseConsentSourceName(std::string_view name);

struct ConsentChange {
  std::string purpose;  // a purpose id, or empty for a channel-only change
  std::string channel;  // a marketing channel id; its purpose is implied
  // A recipient id, for an opt-out from sharing with that recipient (kOptOut/kUndoOptOut only,
  // with no purpose or channel): its disclosures are refused `opted_out` unless the law requires
  // them (CU06).
  std::string recipient;
  ConsentAction action = ConsentAction::kGrant;
  ConsentSource source = ConsentSource::kApi;
};

// A visitor's choice in the consent banner (privet-consent.js): cookies of the policy allowed or
// declined, and the banner text the choice was made on.
struct CookieChoices {
  std::vector<std::pair<std::string, bool>> cookies;  // cookie id, allowed
  std::string text_hash;  // the SHA-256 (64 lowercase hex digits) of the banner text shown
};

// InvalidArgument for an unknown cookie, one named twice, an essential cookie declined, two
// cookies of one purpose chosen differently, no cookie at all, or a text hash that is not 64
// lowercase hex digits: the checks
// Vault::RecordCookieChoices makes before it records anything.
Status CheckCookieChoices(const CompiledPolicy& policy, const CookieChoices& choices);

// A marketing message to queue (Vault::QueueMarketing). Only the email channel is sent by privet;
// the caller writes the content, privet adds who sends it, how to reach them and the unsubscribe.
struct MarketingMessage {
  uint64_t subject_id = 0;
  std::string channel;                  // a marketing channel of the policy: "email"
  std::string subject;                  // the subject line (one line, at most 200 bytes)
  std::string text;                     // the plain-text body (required)
  std::string html;                     // an HTML body; empty: the text, escaped
  Principal by = Principal::Service();  // who sends it (recorded in the audit log)
};

// What AnnouncePolicyChange did.
struct PolicyChangeAnnouncement {
  int version = 0;             // the policy version announced
  uint64_t subjects_told = 0;  // subjects sent a notice now
  uint64_t already_told = 0;   // concerned subjects told of what is new to them before
  std::vector<uint64_t> subjects_unreadable;  // skipped: their data cannot be read (DATA_LOSS)
};

// A published version of the policy (Vault::PublishPolicy, Vault::PolicyVersions).
enum class PolicyClassification {
  kInitial,      // the version the vault was first opened with: history starts there
  kMaterial,     // at least one material change from the version before (policy_diff.h)
  kNonMaterial,  // changes, none of them material
};
std::string_view PolicyClassificationName(PolicyClassification c);  // "non_material"

struct PolicyVersion {
  int version = 0;
  CivilDay effective;  // the day it takes (or took) effect
  std::string text;    // the policy file as published; empty when recorded without it
  std::string hash;    // SHA-256 of `text`, lowercase hex
  Time published_at;
  std::string published_by;  // the principal that published it, as the audit log names it
  PolicyClassification classification = PolicyClassification::kInitial;
  std::vector<PolicyChange> changes;  // from the version before (none for the first)
  // Its notices to subjects (emails, CU06 announcements) are still being queued: a crash
  // interrupted them, and the next PublishPolicy or Open finishes them.
  bool notices_pending = false;
};

// The version in force at `now`: the latest whose effective day has come, or the first one
// whatever its date (history starts there). Null when `versions` (oldest first) is empty.
const PolicyVersion* PolicyVersionInForce(const std::vector<PolicyVersion>& versions, Time now);

// What PublishPolicy records.
struct PolicyPublication {
  std::string text;  // the policy file (YAML)
  // The day it takes effect; unset: the file's `effective:`. When set, it is what the notice
  // shows and what the server switches on, whatever the file says.
  std::optional<CivilDay> effective;
  Principal by = Principal::Service();  // who publishes (recorded in the audit log)
};

struct ConsentEvent {
  std::string purpose;
  std::string channel;
  std::string recipient;
  ConsentAction action = ConsentAction::kGrant;
  ConsentSource source = ConsentSource::kApi;
  Time at;  // when privet recorded it
  int policy_version = 0;
  // An event from a consent string (source tcf or gpp): the string's own timestamps, when it has
  // them (a TCF string's Created and LastUpdated; a GPP string's TCF EU section's).
  std::optional<Time> string_created;
  std::optional<Time> string_updated;
  // A choice made in the consent banner (source cookie_banner): the SHA-256 (64 hex digits) of
  // the banner text the person was shown, which the banner's current text can be checked
  // against (Vault::RecordCookieChoices); empty otherwise.
  std::string text_hash;
};

// The kinds of IAB consent string privet reads (Vault::RecordConsentString).
enum class ConsentStringFormat {
  kTcf,  // a TCF v2.2 TC string (privet/tcf.h)
  kGpp,  // a GPP string (privet/gpp.h)
};

// A court's or supervising agency's exemption from recording the subject's location (CX03).
struct LocationExemption {
  std::string exemption;   // one of the subject kind's location_exemptions
  std::string reference;   // the grant: court order or agency letter number (a code)
  std::string granted_by;  // the principal that recorded it ("service", "staff:<role>", ...)
  Time granted_at;
};

struct SubjectInfo {
  uint64_t id = 0;
  std::string kind;
  uint64_t organization_id = 0;
  uint64_t tenant_id = 0;
  Time created_at;
  int policy_version = 0;
  std::optional<CivilDay> birth_date;
  std::optional<int> age_years;
  std::string jurisdiction;
  std::vector<LocationExemption> location_exemptions;
};

// A release of a subject's data to a recipient of the policy (the disclosure register).
struct Disclosure {
  std::string recipient;  // a policy recipient id
  uint64_t subject_id = 0;
  std::vector<std::string> categories;  // what the caller would send
  std::string purpose;                  // why
  // Preconditions met, as "<precondition>" or "<precondition>:<reference>", e.g.
  // "court_order:2024-CV-118". References are case numbers, never personal data.
  std::vector<std::string> evidence;
};

struct DisclosureResult {
  std::vector<FieldValue> released;     // the values to hand over: only what may go
  std::vector<WithheldField> withheld;  // requested categories the recipient may not receive
};

// A disclosure as recorded, for the subject's list of who received their data.
struct DisclosureEntry {
  std::string recipient;
  std::string purpose;
  std::vector<std::string> categories;
  std::vector<std::string> evidence;
  Time at;
  int policy_version = 0;
};

// A legal hold on a subject's data (retention and erasure stop for it).
struct LegalHold {
  uint64_t subject_id = 0;
  std::string rule;    // a retention rule id; empty: every rule, and erasure
  std::string ground;  // a code or case reference, never personal data
  Time placed_at;
};

// A count left by retention's anonymize action: fields of `category` collected from `first_day`
// to `last_day` that rule `rule` removed. It identifies no one: at least the policy's
// automatic_collection.min_group_size distinct people stand behind every period, however many
// fields one of them left (CN02). Days are merged, in order, until a day of the period has that
// many people; a last period that never does joins the one before it, and is not reported when
// there is none.
struct RetentionAggregate {
  std::string rule;
  std::string category;
  CivilDay first_day;
  CivilDay last_day;
  int64_t count = 0;
};

class Vault {
 public:
  // Opens (or creates) a vault, and holds its lock until destroyed. FailedPrecondition if the
  // master key does not open the key store ("wrong master key") or another Vault holds the
  // vault (VaultInUse(), checked before anything is read); DataLoss for corrupt or foreign
  // files. Nothing is changed on error.
  static StatusOr<std::unique_ptr<Vault>> Open(VaultOptions options);
  // Reopens `vault` under `options`, which name the same files with another policy (a newly
  // effective version, with its published text): as closing it and opening it again, without
  // reading back the audit log's tree or the keys, which it takes over (milliseconds where an
  // Open of a large vault takes seconds). Nothing stored changes. REQUIRES: no call on `vault`
  // under way. InvalidArgument, with `vault` left open and returned through `back`, for options
  // naming other files, and FailedPrecondition the same way while read decisions wait for a
  // commit that failed (close it and Open in full); other errors are Open's, the vault closed.
  static StatusOr<std::unique_ptr<Vault>> Reopen(std::unique_ptr<Vault> vault, VaultOptions options,
                                                 std::unique_ptr<Vault>* back = nullptr);
  ~Vault();

  // Creates a subject with a fresh data key. PermissionDenied below the kind's minimum age
  // (CN03); InvalidArgument for an unknown kind or a kind with a minimum age and no age given.
  StatusOr<uint64_t> CreateSubject(const NewSubject& subject);
  StatusOr<SubjectInfo> GetSubject(uint64_t subject_id);

  // Bulk import: creates many subjects, each with its first fields, as CreateSubject followed
  // by Write would, with exactly their checks, but in one key-store transaction and one data
  // transaction for the whole call (all or nothing), so loading existing data does not pay two
  // or three durable commits per subject. Returns the new subject ids in input order.
  // Errors are those of CreateSubject and Write, for the first subject that fails, with the
  // place prefixed ("subjects[3].write: ...", field "subjects[3].write.fields[0].value");
  // nothing is stored then. InvalidArgument for an empty list; ResourceExhausted above 10,000
  // subjects per call. AlreadyExists if an identifier (blind index) belongs to another subject,
  // including another subject of the same call.
  StatusOr<std::vector<uint64_t>> Import(const std::vector<ImportedSubject>& subjects);

  // Writes fields of one subject in one transaction (all or nothing). Returns their ids.
  StatusOr<std::vector<uint64_t>> Write(const WriteRequest& request);

  // Rectification (CX09, CU09): replaces one field's value, keeping its id, purposes and
  // collection date; last-activity becomes now. The new value passes every write check, and
  // the principal must be allowed to write it for the field's purposes.
  Status Rectify(const Principal& principal, uint64_t subject_id, uint64_t field_id,
                 std::string_view new_value);
  // Deletes one field (and its blind-index entry) at the subject's or an allowed principal's
  // request (CT08, CU09).
  Status DeleteField(const Principal& principal, uint64_t subject_id, uint64_t field_id);
  // The decision DeleteField would make now (NotFound, PermissionDenied with the reason, or OK),
  // recording nothing: for a caller with checks of its own to make after the engine's.
  Status MayDeleteField(const Principal& principal, uint64_t subject_id, uint64_t field_id);

  // The subject's fields the principal may use for `purpose`; the others are withheld with the
  // reason. Also withheld: fields not collected for `purpose` or an ancestor of it.
  StatusOr<ReadResult> Read(const Principal& principal, uint64_t subject_id,
                            std::string_view purpose);
  // A subject's own read is one of their interactions (CX03): where the subject's kind requires
  // a location, the read carries one (a user.location field), recorded first as a write for the
  // policy's interaction feature (the feature of that kind that requires a location), and a
  // subject's own read without one is refused (FailedPrecondition "location") unless the subject
  // holds an exemption. `location` may be null; other principals' reads need none.
  StatusOr<ReadResult> Read(const Principal& principal, uint64_t subject_id,
                            std::string_view purpose, const FieldInput* location);
  // Read for callers that must not block, such as an event loop: `done` receives what Read would
  // return, once the read's decision is stored as `read_auditing` says. With kBeforeReturn it
  // runs on the thread that committed the decision (the vault's read committer thread, or one
  // of RunReadCommitsOn's runner's), after the commit that stored it (the decisions of every
  // ReadThen queued meanwhile share that commit); with kBatched, or when the read is refused,
  // on this thread before ReadThen returns. `done` may call the vault, but not
  // DrainReads.
  using ReadDone = std::function<void(StatusOr<ReadResult>)>;
  void ReadThen(const Principal& principal, uint64_t subject_id, std::string_view purpose,
                ReadDone done);
  // ReadThen for a caller that hands the values out in another form, such as a response body:
  // `prepare` makes it from the result on this thread, before ReadThen returns, while the
  // decision waits to be stored; `done` receives it as ReadThen's `done` would the result (or
  // the refusal, or the commit's error). Making the answer while the commit is pending keeps
  // the caller's thread busy rather than idle, and frees the plaintext result sooner.
  using ReadPrepare = std::function<std::string(const ReadResult&)>;
  using PreparedDone = std::function<void(StatusOr<std::string>)>;
  void ReadThen(const Principal& principal, uint64_t subject_id, std::string_view purpose,
                ReadPrepare prepare, PreparedDone done);
  // With the location of a subject's own read, as Read above (recorded before ReadThen returns).
  void ReadThen(const Principal& principal, uint64_t subject_id, std::string_view purpose,
                const FieldInput* location, ReadPrepare prepare, PreparedDone done);
  // Returns once every ReadThen's `done` has run. REQUIRES: no ReadThen at the same time (stop
  // the callers first). The vault's destructor does it too.
  void DrainReads();
  // Where ReadThen's decisions are committed. By default on a committer thread of the vault's
  // own, which waits read_commit_delay for reads to share a commit. A caller with a thread pool
  // that serves the reads, such as the HTTP server's io threads, can have the commits run there
  // instead, without a thread hand-off per commit: `run` must run the task it is given later on
  // one of its threads, after what it already has queued (never inline). At most one task is
  // with it at a time; each commits every read queued by the time it starts (the reads the pool
  // served while the task waited its turn) and hands itself back if more queued meanwhile.
  // DrainReads returns to the committer thread, and commits what a task had not yet taken; a
  // task that starts after it does nothing. A runner must not run a task once the vault is
  // gone. REQUIRES: no ReadThen at the same time.
  using TaskRunner = std::function<void(std::function<void()> task)>;
  void RunReadCommitsOn(TaskRunner run);

  // Appends to the consent ledger (append-only) and updates the cached state. A withdrawal,
  // opt-out or objection that leaves a profiling purpose deletes the profile built for it (the
  // fields derived for that purpose or held for it alone) in the same commit (CF15).
  Status RecordConsent(uint64_t subject_id, const ConsentChange& change);
  // The subject cleared or blocked cookies (CT10): the choices the named cookies carry (every
  // non-essential cookie's when `cookie_ids` is empty) are withdrawn in one commit, source
  // cookie_banner. An id the policy does not declare is InvalidArgument and changes nothing.
  Status CookiesCleared(uint64_t subject_id, const std::vector<std::string>& cookie_ids);
  // Records a choice made in the consent banner, as its proof: for each purpose of the named
  // non-essential cookies, granted or withdrawn (allowed again or opted out of, for an opt-out
  // purpose), in one commit, source cookie_banner, each event with the policy version and the
  // banner text's hash. Every choice is recorded, changed or not: the ledger shows what the
  // person affirmed, on which text, and when (a repeated withdrawal is told to webhooks again,
  // which act on it idempotently). Returns the events. What CheckCookieChoices refuses is
  // InvalidArgument and changes nothing.
  StatusOr<std::vector<ConsentEvent>> RecordCookieChoices(uint64_t subject_id,
                                                          const CookieChoices& choices);
  // Reads an IAB consent string a site's consent tool produced for this subject (a named one, or
  // a device known only by cookie ids: nothing is joined, CU04) and records on the ledger, in one
  // commit with source tcf or gpp and the string's timestamps, what it changes under the
  // policy's signals.tcf / signals.gpp:
  //   - TCF: each mapped purpose is refused unless the string consents to all its TCF purposes
  //     and special features (withdraw a consent, or opt out); allowed again (grant, or undo an
  //     opt-out) only when the string was last updated after the subject's latest choice about
  //     that purpose, and never over an opt-out a GPC/DNT/GPP signal made.
  //   - GPP: opt-outs only: sale, sharing, targeted advertising and sensitive data opt out of the
  //     purposes mapped to them; sale and sharing (and a section's GPC flag) also of what a
  //     honoured GPC signal opts out of. A GPP string never takes an opt-out back.
  // Returns the events recorded (none when the string changes nothing). A malformed string is
  // InvalidArgument naming the position; a format the policy gives no meaning to is
  // FailedPrecondition. Either changes nothing.
  StatusOr<std::vector<ConsentEvent>> RecordConsentString(uint64_t subject_id,
                                                          ConsentStringFormat format,
                                                          std::string_view text);
  StatusOr<std::vector<ConsentEvent>> ConsentHistory(uint64_t subject_id);
  // The derived state the decision engine reads.
  StatusOr<SubjectState> State(uint64_t subject_id);

  // --- Marketing channels (CN13, CN14, CT07) ---------------------------------------------------
  //
  // May marketing reach the subject through `channel` now? The decision for the channel's purpose
  // (each channel has its own, so channels stay separate: CT07) on the subject's state as it is:
  // its consent where the channel is opt-in (CN13), no opt-out of the channel or of its purpose
  // (or an ancestor), no objection (always honoured for direct marketing), no restriction; for
  // email, the purpose must also be one that may use the policy's email category. Reads nothing
  // but the cached state and records nothing. InvalidArgument ("channel") for a channel the
  // policy does not declare; NotFound for an unknown or erased subject.
  StatusOr<Decision> DecideMarketing(uint64_t subject_id, std::string_view channel);
  // Queues a marketing email (outbox topic `marketing`, sealed under the subject's key) if
  // DecideMarketing allows it now; the deliverer decides again when it sends (privet/delivery.h).
  // PermissionDenied with the decision's reason, recorded in the audit log, and nothing queued
  // otherwise. InvalidArgument for a missing or overlong subject line or text, and
  // FailedPrecondition ("channel") for a declared channel other than email (privet decides those,
  // DecideMarketing, but does not send them) and for a policy whose contact gives no email,
  // address, phone or web form (the footer must tell the subject how to reach the sender). Audited
  // (a decision, action "queue_marketing").
  Status QueueMarketing(const MarketingMessage& message);
  // Queues a one-time sign-in code for the subject (outbox topic `sign_in_code`, sealed under
  // the subject's key, sent by email like every outbox message): the code and until when it
  // works. Whoever made the code keeps only its hash. NotFound for an erased subject.
  Status QueueSignInCode(uint64_t subject_id, std::string_view code, Time expires_at);

  // One-click unsubscribe (RFC 8058). The token for the subject's `channel`: the subject id and
  // the channel sealed (XChaCha20-Poly1305, random nonce) under a key derived from the vault's
  // index root key (so it survives restarts and master-key rotations), in unpadded base64url.
  // It reveals nothing (the subject id is encrypted, the nonce makes each token different) and
  // cannot be forged or altered; it does not expire, so a link in an old email still works.
  // NotFound for an unknown or erased subject; InvalidArgument for an undeclared channel.
  StatusOr<std::string> UnsubscribeToken(uint64_t subject_id, std::string_view channel);
  // The channel a token unsubscribes from, changing nothing (the confirmation page). NotFound,
  // saying nothing more, for a token that does not open, names a channel the policy no longer
  // declares, or belongs to an erased subject.
  StatusOr<std::string> UnsubscribeChannel(std::string_view token);
  // Records, at once, the opt-out of the token's channel (ConsentAction::kOptOut with the
  // channel, source kUnsubscribe), audited like any consent change; returns the channel.
  // Idempotent: a channel already opted out of records nothing more. NotFound as above.
  StatusOr<std::string> Unsubscribe(std::string_view token);

  // Releases data to a recipient if the policy lets that recipient receive it for that purpose
  // and its preconditions hold (DecideDisclosure: court orders, DPAs, transfer mechanisms, no
  // sale, no unaffiliated third parties, a new recipient only after notice and the opt-out
  // window), and the subject's state allows the purpose (consent, objection, restriction). Only
  // the requested categories the recipient's function needs are released (CN08); the rest are
  // reported withheld. Recorded in the register and the audit log in one transaction.
  // PermissionDenied "<reason>: ..." when nothing may go.
  StatusOr<DisclosureResult> Disclose(const Disclosure& disclosure);
  // The subject's disclosures, oldest first (CF09: who received my data).
  StatusOr<std::vector<DisclosureEntry>> Disclosures(uint64_t subject_id);

  // Tells every subject whom the policy in force concerns anew (CU06): a subject holding data
  // that a purpose or recipient declared after that data's collection (`since_version`) may
  // use gets one sealed outbox message (topic `policy_change`: what is new, the opt-out window,
  // how to opt out) and the `notified` event that starts the window, in one commit. Until the
  // window has passed the engine keeps the data from what is new; an opt-out of the purpose or
  // recipient keeps it from it for good. Idempotent: a subject already told of what is new to
  // it is counted, not told again. A subject whose data cannot be read is reported and skipped.
  // `by` is who asked (recorded in the audit log).
  StatusOr<PolicyChangeAnnouncement> AnnouncePolicyChange(const Principal& by);

  // Publishes a new version of the policy (CN16, CF17, CX10, CU06, CU11). The text must load and
  // compile, name the same organization as the latest published version, and carry `version:`
  // exactly the latest + 1; the effective date must be today or later and not before the
  // latest version's. The change is classified against the latest version as `privet policy
  // diff` does. A material change whose effective date comes sooner than today + the policy's
  // `changes.advance_notice` (the longer of the latest and the new version's) is refused with
  // FailedPrecondition naming the first allowed date (CF17). Bad input is InvalidArgument
  // ("policy", "version", "organization", "effective"); a refusal changes nothing.
  //
  // When either version's `changes.notify` lists email, one sealed outbox message per subject
  // that exists at publication (topic `policy_updated`; body a flat JSON object: version,
  // effective, organization, material, summary, notice) is queued: the first batch in the same
  // commit as the version record, the rest in further commits of kPolicyNoticeBatch subjects
  // that each record how far they got, so a crash neither loses nor repeats a notice (the next
  // PublishPolicy or Open resumes). Then the subjects whom a purpose or recipient new in this
  // version concerns are told as AnnouncePolicyChange tells them (CU06), before it applies.
  // Audited (event policy_version: who, version, classification). The vault keeps running its
  // opening policy: the version takes effect where the vault is opened or reopened under it
  // (Reopen; a running server does so on its effective day, Server::AdoptPolicyInForce).
  StatusOr<PolicyVersion> PublishPolicy(const PolicyPublication& publication);
  // Every published version, oldest first (the first is the one the vault was first opened with).
  StatusOr<std::vector<PolicyVersion>> PolicyVersions();
  static constexpr size_t kPolicyNoticeBatch = 500;

  // Records a personal data breach in the register and does what the policy's `breach:` section
  // says (privet/breach.h; CN15). The report must name a start not after its end, an end and an
  // awareness not in the future, categories the policy declares, and API key ids and principals
  // in their text forms: InvalidArgument naming the field otherwise, and nothing changes.
  //
  // Who is affected is worked out from the data and the audit log (read decisions buffered so
  // far are committed first, so every read up to now counts). Where the risk meets the
  // policy's threshold and `breach.channels` lists email, a sealed outbox message (topic
  // `breach_notice`) is queued for every affected subject. The breach commits first, with its
  // audit entry and a breach.recorded webhook event, marked as having notices pending; the
  // notices follow in commits of kBreachNoticeBatch that each record their progress with the
  // breach, so that a crash neither loses nor repeats a notice: the next open finishes them.
  // `breach.channels` listing website puts the breach on the notice (/privacy) once the threshold
  // is met.
  StatusOr<Breach> RecordBreach(const BreachReport& report);
  // The register, oldest first.
  StatusOr<std::vector<Breach>> Breaches();
  // Records that the supervisory authority was told of breach `id` at `at` (not in the future):
  // its deadline stops running. NotFound for an unknown breach; audited.
  StatusOr<Breach> RecordAuthorityNotified(uint64_t id, Time at, const Principal& by);
  // Finishes the notices a failure left pending (Breach::notices_pending); OK at once when none
  // are. Open, every RecordBreach and every delivery pass call it: a failure after a breach is
  // recorded never undoes the record, and its notices go out once the store takes writes again.
  Status ResumeBreachNotices();
  static constexpr size_t kBreachNoticeBatch = 500;

  // Exact-match lookup by email, phone or username through blind indexes.
  enum class Identifier { kEmail, kPhone, kUsername };
  StatusOr<std::optional<uint64_t>> FindSubject(Identifier kind, std::string_view value);

  // Subjects of an organization (for its admins, CT11). NotFound for 0, which is no
  // organization (the subjects without one are nobody's members).
  StatusOr<std::vector<uint64_t>> OrganizationMembers(uint64_t organization_id);

  // Crypto-shredding: returns once the destruction of the subject's wrapped key is durable (from
  // then on every copy of its fields is noise). Its rows, blind-index entries and cached state
  // are purged, and the key's old bytes scrubbed from the key store's files, in the background,
  // at the latest when the vault closes. Idempotent.
  Status Erase(uint64_t subject_id);

  // Re-wraps every subject key (and the index root key) under `new_master_key_hex` without
  // re-encrypting fields, then replaces the master key file (if the vault uses one). Crash-safe:
  // the new key is written beside the old one first, and Open() finishes an interrupted rotation.
  Status RotateMasterKey(std::string_view new_master_key_hex);

  // A consistent online copy of the data file alone (never the key store) to `dest`.
  Status BackupData(const std::string& dest);

  // The audit log (include/privet/audit.h): every call above that decides or changes something
  // appends an entry in the same transaction as the change. SignTreeHead() signs and stores the
  // current tree head (publish it); AuditSize() is the number of entries.
  StatusOr<SignedTreeHead> SignTreeHead();
  uint64_t AuditSize() const;
  // Proofs from the tree this Vault keeps in memory, as the documents of include/privet/audit.h's
  // functions of the same names (which load the tree from a vault's files instead): the proof
  // costs O(log n) hashes and one entry read, whatever the log's length, and covers every entry
  // committed so far. `tree_size` 0 means the latest signed tree head (FailedPrecondition when
  // none was signed). InvalidArgument ("index", "tree_size", "old_size", "new_size") for a size
  // beyond the log or an index not below the size; nothing is changed or recorded. Thread-safe.
  StatusOr<std::string> AuditInclusionProofJson(uint64_t index, uint64_t tree_size = 0);
  StatusOr<std::string> AuditConsistencyProofJson(uint64_t old_size, uint64_t new_size);

  // Whether the vault can serve, for a health check; cheap (one indexed read), but it waits for
  // a commit under way. Unavailable when the last write to the data store failed and none has
  // succeeded since, when the data store cannot be read, or when its audit log holds entries
  // this Vault did not append (something wrote the files under it, and every change would now
  // fail: reopen the vault). OK otherwise. The message holds no personal data.
  Status Health();

  const CompiledPolicy& policy() const;

  // --- Retention (include/privet/retention.h) and organizations --------------------------------

  // Records that a retention anchor happened for a subject, at `at` (default: now): the end of a
  // contract, of a recruitment process, the last application or activity, or the statistical
  // analysis (subject 0: of everything collected before `at`, CX04). Only the latest time per
  // subject and event is kept. InvalidArgument for `collection` (fields carry their own).
  Status RecordLifecycleEvent(uint64_t subject_id, AnchorEvent event,
                              std::optional<Time> at = std::nullopt);
  // A legal hold keeps, until released, the fields its retention rule covers (every field of the
  // subject with an empty rule): retention sweeps and erasure requests leave them, and report
  // them with the hold's `ground`, a code or case reference.
  Status PlaceLegalHold(uint64_t subject_id, std::string_view rule, std::string_view ground);
  Status ReleaseLegalHold(uint64_t subject_id, std::string_view rule);

  // Records a court's or supervising agency's exemption from the location requirement (CX03),
  // once its grant has been seen: `exemption` must be one the subject's kind lists, `reference`
  // names the grant (a court order or agency letter number: a code, never personal data). The
  // subject cannot declare one for itself: the service, the admin, or staff whose role may see
  // location data record it (PermissionDenied otherwise). Audited; replaces an earlier grant of
  // the same exemption. RevokeLocationExemption ends one (NotFound if it is not held).
  Status GrantLocationExemption(const Principal& by, uint64_t subject_id,
                                std::string_view exemption, std::string_view reference);
  Status RevokeLocationExemption(const Principal& by, uint64_t subject_id,
                                 std::string_view exemption);
  StatusOr<std::vector<LegalHold>> LegalHolds(uint64_t subject_id);
  StatusOr<std::vector<RetentionAggregate>> Aggregates();

  // The organization's admin removes a member (CT12): the account and its content stay with the
  // organization, the member no longer reaches them (Reason::kRemovedFromOrganization).
  // PermissionDenied unless `admin` administers the subject's organization.
  Status RemoveFromOrganization(const Principal& admin, uint64_t subject_id);

 private:
  friend vault_internal::VaultCore& vault_internal::CoreOf(Vault& vault);
  friend struct vault_internal::Opener;
  class Impl;
  explicit Vault(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// VaultFiles, VaultInUse and the operations on a vault's files that need no policy (backups,
// master-key rotation) are in privet/vault_files.h, included above.

// True if `text` contains a run of 13-19 digits (single spaces or dashes allowed between
// them) that passes the Luhn check: what a payment card number looks like (CX02).
bool LooksLikePaymentCardNumber(std::string_view text);
// OK, or PermissionDenied (reason payment_card_number, `field` as Status::field()) when `text`
// looks like a payment card number: the one refusal of every input privet keeps. Never echoes
// the text.
Status RefuseCardNumber(std::string_view text, std::string_view field);

// Checks a code or reference privet keeps beside personal data: a disclosure's evidence, a legal
// hold's ground, a fee's payment reference, an extension's or a lift's reason, a denial's ground.
// It must be 1 to kMaxReferenceBytes letters, digits and _-.:/ (a case number such as
// "B-1234/24" or a code, never
// prose about a person), and never anything that looks like a payment card number (CX02).
// InvalidArgument, or PermissionDenied for a card number, with `field` as Status::field(); the
// value is never echoed.
inline constexpr size_t kMaxReferenceBytes = 200;
Status CheckReference(std::string_view value, std::string_view field);

}  // namespace privet
