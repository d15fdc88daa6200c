// Audit entries and tree heads: canonical bytes, signatures, JSON (include/privet/audit.h).
#include <sodium.h>

#include <ctime>

#include "common/json_integer.h"
#include "common/name_table.h"
#include "common/unix_time.h"
#include "nlohmann/json.hpp"
#include "privet/audit.h"

namespace privet {
namespace {

constexpr auto kAuditEventNames = common::MakeNameTable<AuditEvent>({
    {AuditEvent::kDecision, "decision"},
    {AuditEvent::kSubjectCreated, "subject_created"},
    {AuditEvent::kWrite, "write"},
    {AuditEvent::kRectification, "rectification"},
    {AuditEvent::kFieldDeletion, "field_deletion"},
    {AuditEvent::kErasure, "erasure"},
    {AuditEvent::kConsent, "consent"},
    {AuditEvent::kKeyEvent, "key_event"},
    {AuditEvent::kDisclosure, "disclosure"},
    {AuditEvent::kRequest, "request"},
    {AuditEvent::kRetention, "retention"},
    {AuditEvent::kLegalHold, "legal_hold"},
    {AuditEvent::kLifecycle, "lifecycle"},
    {AuditEvent::kLocationExemption, "location_exemption"},
    {AuditEvent::kPolicyVersion, "policy_version"},
    {AuditEvent::kBreach, "breach"},
});
static_assert(common::CoversEveryEnumerator(kAuditEventNames));

std::optional<std::string> Base64Decode(std::string_view text) {
  std::string out(text.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
    return std::nullopt;
  out.resize(len);
  return out;
}

// True if nlohmann::json's dump writes `s` unchanged between its quotes: printable ASCII
// other than a quote or a backslash (no escape sequence, no UTF-8 to validate).
bool WrittenAsIs(std::string_view s) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') return false;
  }
  return true;
}

bool WrittenAsIs(const std::vector<std::string>& items) {
  for (const std::string& s : items)
    if (!WrittenAsIs(s)) return false;
  return true;
}

void AppendKey(std::string& out, std::string_view key) {
  out += ",\"";
  out += key;
  out += "\":";
}

void AppendString(std::string& out, std::string_view key, std::string_view value) {
  AppendKey(out, key);
  out += '"';
  out += value;
  out += '"';
}

void AppendArray(std::string& out, std::string_view key, const std::vector<std::string>& items) {
  AppendKey(out, key);
  out += '[';
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    out += items[i];
    out += '"';
  }
  out += ']';
}

// The canonical bytes built directly, for entries whose strings need no escaping (every entry
// the vault writes: ids, codes and policy ids). Byte for byte what the nlohmann::ordered_json
// path below produces for them, at a tenth of the cost (audit_log_test checks the two agree).
std::string SerializePlain(const AuditEntry& e) {
  std::string out;
  out.reserve(160 + e.principal.size() + e.key.size() + e.action.size() + e.purpose.size() +
              e.outcome.size() + e.basis.size() + e.detail.size() +
              32 * (e.categories.size() + e.withheld.size()));
  out += "{\"event\":\"";
  out += AuditEventName(e.event);
  out += '"';
  AppendKey(out, "at");
  out += std::to_string(ToUnix(e.at));
  AppendKey(out, "subject");
  out += std::to_string(e.subject_id);
  AppendString(out, "principal", e.principal);
  if (!e.key.empty()) AppendString(out, "key", e.key);
  AppendString(out, "action", e.action);
  AppendString(out, "purpose", e.purpose);
  AppendArray(out, "categories", e.categories);
  AppendString(out, "outcome", e.outcome);
  AppendString(out, "basis", e.basis);
  AppendArray(out, "withheld", e.withheld);
  AppendString(out, "detail", e.detail);
  AppendKey(out, "policy_version");
  out += std::to_string(e.policy_version);
  out += '}';
  return out;
}

}  // namespace

std::string_view AuditEventName(AuditEvent e) { return kAuditEventNames.Name(e); }
std::optional<AuditEvent> ParseAuditEventName(std::string_view name) {
  return kAuditEventNames.Parse(name);
}

std::string SerializeAuditEntry(const AuditEntry& e) {
  if (WrittenAsIs(e.principal) && WrittenAsIs(e.key) && WrittenAsIs(e.action) &&
      WrittenAsIs(e.purpose) && WrittenAsIs(e.categories) && WrittenAsIs(e.outcome) &&
      WrittenAsIs(e.basis) && WrittenAsIs(e.withheld) && WrittenAsIs(e.detail))
    return SerializePlain(e);
  nlohmann::ordered_json j;
  j["event"] = AuditEventName(e.event);
  j["at"] = ToUnix(e.at);
  j["subject"] = e.subject_id;
  j["principal"] = e.principal;
  if (!e.key.empty()) j["key"] = e.key;
  j["action"] = e.action;
  j["purpose"] = e.purpose;
  j["categories"] = e.categories;
  j["outcome"] = e.outcome;
  j["basis"] = e.basis;
  j["withheld"] = e.withheld;
  j["detail"] = e.detail;
  j["policy_version"] = e.policy_version;
  return j.dump(-1, ' ', /*ensure_ascii=*/true);
}

StatusOr<AuditEntry> ParseAuditEntry(std::string_view bytes) {
  nlohmann::json j = nlohmann::json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return InvalidArgument("audit entry is not a JSON object");
  try {
    AuditEntry e;
    const std::string event = j.at("event").get<std::string>();
    const std::optional<AuditEvent> known = ParseAuditEventName(event);
    if (!known) return InvalidArgument("audit entry has an unknown event");
    e.event = *known;
    // Integers as the serializer writes them: a float or a value out of range is not an entry
    // (get<T>() would cast it, undefined behaviour for a float out of range), nor a time that
    // Time cannot hold (it would not serialize back to the same bytes).
    const std::optional<int64_t> at = common::JsonInteger<int64_t>(j.at("at"));
    const std::optional<uint64_t> subject = common::JsonInteger<uint64_t>(j.at("subject"));
    const std::optional<int> policy_version = common::JsonInteger<int>(j.at("policy_version"));
    if (!at || !UnixTimeInRange(*at) || !subject || !policy_version)
      return InvalidArgument("audit entry has a number that is not an integer in range");
    e.at = FromUnix(*at);
    e.subject_id = *subject;
    e.principal = j.at("principal").get<std::string>();
    const bool with_key = j.contains("key");
    if (with_key) {
      e.key = j.at("key").get<std::string>();
      // Absent and empty are the same entry: only one of them is canonical.
      if (e.key.empty()) return InvalidArgument("audit entry has an empty key");
    }
    e.action = j.at("action").get<std::string>();
    e.purpose = j.at("purpose").get<std::string>();
    e.categories = j.at("categories").get<std::vector<std::string>>();
    e.outcome = j.at("outcome").get<std::string>();
    e.basis = j.at("basis").get<std::string>();
    e.withheld = j.at("withheld").get<std::vector<std::string>>();
    e.detail = j.at("detail").get<std::string>();
    e.policy_version = *policy_version;
    if (j.size() != (with_key ? 13u : 12u))
      return InvalidArgument("audit entry has unexpected keys");
    return e;
  } catch (const nlohmann::json::exception&) {
    return InvalidArgument("audit entry is missing a key or has a wrong type");
  }
}

std::string TreeHeadSigningInput(const SignedTreeHead& head) {
  return "privet-tree-head/v1\n" + std::to_string(head.tree_size) + "\n" + head.root_hash + "\n" +
         head.timestamp + "\n";
}

bool VerifyTreeHeadSignature(const SignedTreeHead& head, std::string_view public_key_base64) {
  if (sodium_init() < 0) return false;
  std::optional<std::string> key = Base64Decode(public_key_base64);
  std::optional<std::string> sig = Base64Decode(head.signature);
  if (!key || !sig || key->size() != crypto_sign_PUBLICKEYBYTES || sig->size() != crypto_sign_BYTES)
    return false;
  const std::string message = TreeHeadSigningInput(head);
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(sig->data()),
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(),
                                     reinterpret_cast<const unsigned char*>(key->data())) == 0;
}

std::string TreeHeadToJson(const SignedTreeHead& head) {
  nlohmann::ordered_json j;
  j["tree_size"] = head.tree_size;
  j["root_hash"] = head.root_hash;
  j["timestamp"] = head.timestamp;
  j["signature"] = head.signature;
  return j.dump(2);
}

StatusOr<SignedTreeHead> TreeHeadFromJson(std::string_view json) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (!j.is_object()) return InvalidArgument("a tree head is a JSON object");
  try {
    const std::optional<uint64_t> tree_size = common::JsonInteger<uint64_t>(j.at("tree_size"));
    if (!tree_size) return InvalidArgument("a tree head's tree_size is a whole number");
    return SignedTreeHead{.tree_size = *tree_size,
                          .root_hash = j.at("root_hash").get<std::string>(),
                          .timestamp = j.at("timestamp").get<std::string>(),
                          .signature = j.at("signature").get<std::string>()};
  } catch (const nlohmann::json::exception&) {
    return InvalidArgument("a tree head needs tree_size, root_hash, timestamp and signature");
  }
}

}  // namespace privet
