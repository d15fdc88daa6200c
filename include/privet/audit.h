// Audit log: every decision and every change, in a Merkle tree nobody can rewrite unnoticed.
//
// The vault appends an AuditEntry for each decision (allowed and denied), write, rectification,
// deletion, erasure, consent change and key event, in the same transaction as the change it
// records. Entries hold ids and codes only: subjects by their pseudonymous id, categories and
// purposes by their policy ids, never a value and never a secret.
//
// The log is an RFC 6962 / RFC 9162 Merkle tree (SHA-256, leaf prefix 0x00, node prefix 0x01)
// over the entries' canonical bytes (SerializeAuditEntry). Signed tree heads (Ed25519) commit to
// its size and root; inclusion proofs show an entry is in a signed tree, consistency proofs
// show a later tree extends an earlier one. docs/audit.md describes the verification so anyone
// can check proofs with the published public key.
//
//   auto head = vault->SignTreeHead();                      // publish it
//   auto proof = privet::AuditInclusionProofJson(files, 42, head->tree_size);
//   auto report = privet::VerifyAuditLog(files, {});        // recompute everything
//
// Thread-safety: the free functions open their own handles; safe to call concurrently.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "privet/clock.h"
#include "privet/status.h"
#include "privet/vault_files.h"

namespace privet {

enum class AuditEvent {
  kDecision,  // a read: which categories were released, which withheld and why
  kSubjectCreated,
  kWrite,
  kRectification,
  kFieldDeletion,
  kErasure,
  kConsent,
  kKeyEvent,  // master key rotation, signing key creation
  kDisclosure,
  kRequest,
  kRetention,          // fields removed (or anonymized) by a retention rule
  kLegalHold,          // a legal hold placed or released
  kLifecycle,          // a retention anchor recorded (end of contract, of a process, ...)
  kLocationExemption,  // a location exemption granted or revoked (CX03)
  kPolicyVersion,      // a policy version published (its number and classification)
  kBreach,             // a breach recorded, its notices queued, the authority told
};
std::string_view AuditEventName(AuditEvent e);                         // "subject_created"
std::optional<AuditEvent> ParseAuditEventName(std::string_view name);  // nullopt if unknown

struct AuditEntry {
  AuditEvent event = AuditEvent::kDecision;
  Time at;
  uint64_t subject_id = 0;  // pseudonymous; 0 when the event concerns no subject
  std::string principal;    // "service", "staff:<role>", "subject", "organization_admin:<id>", ...
  // The API key that acted: its public id (16 hex digits), empty when none did. Written into the
  // canonical bytes only when set, so entries from before it existed keep their bytes.
  std::string key;
  std::string action;                   // read, write, grant, withdraw, rotate, ...
  std::string purpose;                  // policy purpose id, or empty
  std::vector<std::string> categories;  // policy category ids concerned
  std::string outcome;                  // "allowed" or a reason code
  std::string basis;                    // legal basis relied on, or empty
  std::vector<std::string> withheld;    // decisions: "<category>:<reason>" for each withheld field
  std::string detail;  // a code (recipient id, key event name); never personal data
  int policy_version = 0;
};

// The canonical bytes of an entry: compact JSON with keys in a fixed order. These bytes are the
// Merkle leaves; parsing them back (ParseAuditEntry) and serializing again yields the same bytes.
std::string SerializeAuditEntry(const AuditEntry& entry);
StatusOr<AuditEntry> ParseAuditEntry(std::string_view bytes);

// A signed tree head, as published and as printed by `privet audit`.
struct SignedTreeHead {
  uint64_t tree_size = 0;
  std::string root_hash;  // 64 hex characters
  std::string timestamp;  // RFC 3339, UTC, e.g. 2024-03-04T12:00:00Z
  std::string signature;  // base64 Ed25519 signature over TreeHeadSigningInput()
};

// "privet-tree-head/v1\n<tree_size>\n<root_hash>\n<timestamp>\n": the bytes that are signed.
std::string TreeHeadSigningInput(const SignedTreeHead& head);
// True if `head.signature` is a valid Ed25519 signature by `public_key_base64` (32 bytes).
bool VerifyTreeHeadSignature(const SignedTreeHead& head, std::string_view public_key_base64);
std::string TreeHeadToJson(const SignedTreeHead& head);
StatusOr<SignedTreeHead> TreeHeadFromJson(std::string_view json);

struct AuditVerification {
  uint64_t entries = 0;
  uint64_t tree_heads = 0;
  std::vector<std::string> problems;  // empty when the log verifies
  bool ok() const { return problems.empty(); }
};

// Recomputes the tree from every stored entry and checks: entries are contiguous from 0 and in
// canonical form; every stored tree head's root matches the recomputed root at its size and its
// signature verifies; and, when given, a previously published tree head is still consistent with
// the log (detects truncation and rewriting). The public key is the one in the key store unless
// `public_key_base64` is given (use the published one: a thief could replace the stored one).
StatusOr<AuditVerification> VerifyAuditLog(
    const VaultFiles& files, const std::optional<std::string>& public_key_base64,
    const std::optional<SignedTreeHead>& published = std::nullopt);

// Proofs as JSON documents a third party can check (see docs/audit.md). `tree_size` 0 means the
// latest signed tree head, which the proof includes. These load the whole log from a vault's
// files (for `privet audit`, with no server running); a running Vault gives the same documents
// from its tree in memory (Vault::AuditInclusionProofJson, AuditConsistencyProofJson).
StatusOr<std::string> AuditInclusionProofJson(const VaultFiles& files, uint64_t index,
                                              uint64_t tree_size);
StatusOr<std::string> AuditConsistencyProofJson(const VaultFiles& files, uint64_t old_size,
                                                uint64_t new_size);
// Signs and stores the current tree head of a vault's log, with its key (needs the master key).
// Holds the vault's lock: FailedPrecondition (VaultInUse()) while a Vault such as `privet serve`
// holds it (use its POST /v1/audit/tree-heads, or Vault::SignTreeHead). The other functions
// here only read, and run beside it.
StatusOr<SignedTreeHead> SignAuditTreeHead(const VaultFiles& files, const Clock& clock);
// The audit signing public key (base64), from the key store.
StatusOr<std::string> AuditPublicKey(const VaultFiles& files);

}  // namespace privet
