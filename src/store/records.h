// The rows of the storage interface (store.h): what a data store keeps for a subject (its record,
// sealed fields, consent events, blind-index entries, disclosures), the audit log and its tree
// heads, and the rights and retention rows (requests, outbox, legal holds, lifecycle events,
// aggregates). Plain structs, copied by value; no behaviour.
//
// Values that are personal data arrive here already sealed (`sealed_*` members); ids, category
// and purpose names, times and versions are stored as they are. Times are Unix seconds (UTC).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace privet::store {

struct SubjectRecord {
  uint64_t id = 0;  // pseudonymous, random; carries no personal data
  std::string kind;
  uint64_t organization_id = 0;  // 0: none
  uint64_t tenant_id = 0;        // 0: none (the controller's own subject)
  int64_t created_at = 0;
  int policy_version = 0;      // in force when the subject was created
  std::string sealed_profile;  // sealed attributes (birth date or age band, jurisdiction, ...)
};

struct FieldRecord {
  uint64_t id = 0;  // random; bound into the seal's associated data
  uint64_t subject_id = 0;
  std::string category;               // policy category id, e.g. user.contact.email
  std::string source;                 // DataSourceName()
  std::vector<std::string> purposes;  // purpose ids it was collected for
  std::string basis;                  // LegalBasisName() at collection
  int64_t collected_at = 0;
  int64_t last_activity = 0;
  int policy_version = 0;
  std::string sealed_value;
};

struct ConsentEventRecord {
  uint64_t subject_id = 0;
  int64_t seq = 0;        // assigned by the store on append: increasing per store
  std::string purpose;    // purpose id; empty when the event is about a channel only
  std::string channel;    // marketing channel id; empty when none
  std::string recipient;  // recipient id of an opt-out from one recipient (CU06); empty when none
  std::string action;     // grant, withdraw, opt_out, opt_in, object, withdraw_objection, ...
  std::string source;     // form, cookie_banner, api, gpc, dnt, staff, tcf, gpp, unsubscribe
  int64_t at = 0;
  int policy_version = 0;
  // A consent string's own Created / LastUpdated (unix seconds); 0 when none.
  int64_t string_created = 0;
  int64_t string_updated = 0;
  // A choice made in the consent banner: the SHA-256 (hex) of the banner's text it was made on.
  std::string text_hash;
};

struct BlindIndexRecord {
  std::string index;  // email, phone, username
  std::string hash;   // 32 bytes
  uint64_t subject_id = 0;
};

// One release of a subject's data to a recipient (the disclosure register).
struct DisclosureRecord {
  uint64_t subject_id = 0;
  int64_t seq = 0;                      // assigned by the store on append
  std::string recipient;                // policy recipient id
  std::string purpose;                  // policy purpose id
  std::vector<std::string> categories;  // released categories
  std::vector<std::string> evidence;    // preconditions met, e.g. court_order:<reference id>
  int64_t at = 0;
  int policy_version = 0;
};

// One entry of the audit log: its position (0-based leaf index) and its canonical bytes.
struct AuditRecord {
  uint64_t index = 0;
  std::string entry;
};

// A signed tree head of the audit log.
struct TreeHeadRecord {
  uint64_t tree_size = 0;
  std::string root;       // 32 bytes
  std::string timestamp;  // RFC 3339, UTC
  std::string signature;  // 64 bytes, Ed25519
};

// A data-subject rights request (src/rights). The store keeps the columns it filters on apart
// and the rest as the rights layer's own JSON document, which holds no personal data (ids,
// codes, times, hashes).
struct RequestRecord {
  uint64_t id = 0;
  uint64_t subject_id = 0;
  bool open = true;    // not yet completed or denied
  int64_t due_at = 0;  // the current deadline (Unix seconds); 0: none applies
  std::string document;
};

// Where an outbox message stands. Pending messages are sent (src/delivery); a message that
// failed its last attempt is dead (the admin sees it), one that can never be sent (its subject
// erased, no address) is undeliverable, and a marketing message whose subject opted out before it
// went is cancelled (not a failure: never retried, never a dead letter). Stored as these numbers.
enum class OutboxState : int {
  kPending = 0,
  kSent = 1,
  kDead = 2,
  kUndeliverable = 3,
  kCancelled = 4
};

// A message waiting to be sent (identity codes, notices to the subject): the outbox. The
// deliverer reads the due ones and records each attempt. The body is sealed with the subject's
// key, so an erasure also makes its messages unreadable; the rows go with the subject's purge.
struct OutboxRecord {
  int64_t seq = 0;  // assigned by the store on append
  uint64_t subject_id = 0;
  uint64_t organization_id = 0;  // set when the message goes to the organization's admin
  std::string topic;             // identity_code, request_extended, restriction_lift, ...
  std::string sealed_body;
  int64_t created_at = 0;
  int64_t sent_at = 0;  // 0: not sent yet
  OutboxState state = OutboxState::kPending;
  int attempts = 0;             // delivery attempts made
  int64_t next_attempt_at = 0;  // not before (Unix seconds); 0: at once
  std::string last_error;       // a code of the last failed attempt (no personal data)
};

// An event for downstream systems (webhooks): a subject erased, a request fulfilled, consent
// withdrawn, a breach recorded. The body (JSON without personal data: pseudonymous ids, codes,
// times) is sealed under the vault's service key, not the subject's: a subject's erasure must
// still reach the systems that have to erase too. Not removed by a subject's purge.
struct WebhookEventRecord {
  int64_t seq = 0;          // assigned by the store on append
  std::string type;         // subject.erased, request.fulfilled, consent.withdrawn, breach.recorded
  uint64_t subject_id = 0;  // 0: about no one subject
  int64_t at = 0;
  std::string sealed_body;
};

// A webhook endpoint the admin configured, with its delivery cursor: every event up to
// `cursor` was delivered to it or dead-lettered; the next is retried at `next_attempt_at`.
struct WebhookEndpointRecord {
  uint64_t id = 0;
  std::string url;
  std::string events;         // JSON array of the event types it receives
  std::string sealed_secret;  // its signing secret, sealed under the service key
  int64_t created_at = 0;
  int64_t cursor = 0;
  int attempts = 0;  // failed attempts at the event after the cursor
  int64_t next_attempt_at = 0;
  std::string last_error;
};

// An event an endpoint never acknowledged, after its last retry: the dead letters.
struct WebhookDeadLetterRecord {
  uint64_t endpoint_id = 0;
  int64_t event_seq = 0;
  int64_t at = 0;
  int attempts = 0;
  std::string error;
};

// A legal hold: suspends a retention rule (or, with an empty rule, every rule and erasure) for
// one subject. The ground is a code or case reference, never personal data.
struct LegalHoldRecord {
  uint64_t subject_id = 0;
  std::string rule;  // retention rule id; empty: all
  std::string ground;
  int64_t placed_at = 0;
};

// When a retention anchor last happened for a subject (last_activity, contract_end, ...); the
// store keeps the latest time per (subject, event). Subject 0 holds events that concern
// everyone (the statistical analysis that used all logs collected before it, CX04).
struct LifecycleEventRecord {
  uint64_t subject_id = 0;
  std::string event;
  int64_t at = 0;
};

// A count that survives the fields it was derived from (retention's anonymize action): how many
// fields of a category a rule removed, per day of collection. It identifies no one.
struct AggregateRecord {
  std::string rule;
  std::string category;
  int64_t day = 0;  // Unix seconds of the UTC day the fields were collected
  int64_t count = 0;
  int64_t subjects = 0;  // the distinct people behind `count`, each counted once per day (CN02)
};

// One published version of the policy (CN16, CF17, CX10, CU11): the file as published, what
// changed from the version before, and how far its notices to subjects have got. A policy holds
// no personal data; neither does this row (the publisher is a principal name, not a person).
struct PolicyVersionRecord {
  int version = 0;
  int64_t effective = 0;  // Unix seconds of the UTC day it takes effect
  std::string text;       // the policy file as published (empty: the vault was opened without it)
  std::string hash;       // SHA-256 of `text`, lowercase hex
  int64_t published_at = 0;
  std::string published_by;    // principal name: "admin", "service", "cli"
  std::string classification;  // initial, material, non_material
  std::string changes;         // the diff from the version before, FormatPolicyChanges lines
  // Notices of this version to subjects (emails, CU06 announcements) still to queue: they are
  // queued in batches, each committed with the progress below, so a crash resumes where the
  // last commit ended and never queues one twice.
  bool notices_pending = false;
  uint64_t notices_through = 0;  // the last subject (DataStore::ListSubjects order) done; 0: none
};

// One breach in the register (CN15). The store keeps the columns it resumes on apart and the
// rest as the vault's own JSON document, which holds no personal data (codes, counts, times,
// the company's description): subjects appear as counts only.
struct BreachRecord {
  uint64_t id = 0;
  int64_t recorded_at = 0;
  std::string document;
  // The notices to affected subjects still to queue: queued in batches, each committed with the
  // progress below, so a crash resumes where the last commit ended and never queues one twice.
  bool notices_pending = false;
  uint64_t notices_through = 0;  // the last affected subject done (ascending ids); 0: none
};

// A field without its value, with its subject's kind: what retention sweeps look at.
struct FieldMetadata {
  uint64_t id = 0;
  uint64_t subject_id = 0;
  std::string subject_kind;
  std::string category;
  std::vector<std::string> purposes;
  int64_t collected_at = 0;
  int64_t last_activity = 0;
};

}  // namespace privet::store
