// Pieces of the request desk kept out of request_desk.cc: the stored form of a request, the
// exports, the push to another controller, and what erasure must keep. Private to src/rights/.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "privet/compiled_policy.h"
#include "privet/rights.h"
#include "privet/vault.h"
#include "store/store.h"

namespace privet::rights_internal {

// A request with the desk's private state: the live identity code's keyed hash and expiry.
struct Tracked : RightsRequest {
  std::string code_hash;
  Time code_expires_at;
};

// The stored row (request_document.cc); the document holds no personal data.
store::RequestRecord ToRecord(const Tracked& r);
StatusOr<Tracked> FromRecord(const store::RequestRecord& record);
// A subject's requests, oldest first (by when they were received, then id: the store lists them
// in id order, and ids are random).
StatusOr<std::vector<Tracked>> RequestsOfSubject(store::DataStore& data, uint64_t subject_id);

nlohmann::json ExceptionsJson(const std::vector<RequestException>& exceptions);

// Exports (subject_export.cc). Portable: only what the subject provided, held under consent or
// contract for at least one of its purposes. `exported`, when given, gets the categories of the
// fields the export holds, each once (what its audit entry records).
StatusOr<std::string> ExportSubject(Vault& vault, uint64_t subject_id, bool portable,
                                    std::vector<std::string>* exported = nullptr);
// One CSV per category: field_id,category,value,source,purposes,legal_bases,collected_at; every
// cell quoted, and one that a spreadsheet would read as a formula prefixed with ' (CsvCell).
// The subject's fields as RequestDesk::HeldFields gives them (not audited here); the categories
// they hold are added to `categories` when given.
StatusOr<std::vector<FieldHeld>> FieldsHeld(Vault& vault, uint64_t subject_id,
                                            std::vector<std::string>* categories = nullptr);

// The first line of every CSV table of ExportCsv.
inline constexpr std::string_view kCsvHeader =
    "field_id,category,value,source,purposes,legal_bases,collected_at\r\n";
StatusOr<std::map<std::string, std::string>> ExportCsv(Vault& vault, uint64_t subject_id);
// A CSV cell (RFC 4180, always quoted, quotes doubled) that a spreadsheet shows as text: one
// that begins with = + - @, a tab or a carriage return gets a leading ' (OWASP CSV injection).
std::string CsvCell(std::string_view text);

// A purpose a field is held for, and the legal basis it is held under.
struct HeldUnder {
  std::string purpose;
  std::optional<LegalBasis> basis;  // none: the policy in force no longer declares the purpose
};
// One entry per purpose of the field, in the field's order, each with the basis the policy in
// force gives it; a purpose the policy no longer declares keeps the basis recorded at collection
// if it is the first (that basis is the first purpose's), none otherwise.
std::vector<HeldUnder> LegalBases(const CompiledPolicy& policy, const FieldValue& field);

// A field with the retention rules that cover it.
struct HeldField {
  const FieldValue* field = nullptr;
  std::vector<const RetentionRule*> retention;
};
// The information GDPR Art. 15(1) and (2) requires beside the copy of the data, computed from
// the policy in force and the subject's fields (access_information.cc; docs/rights.md): the
// controller, the purposes that may use the data with their bases, the categories, the
// recipients (third countries and safeguards marked), the retention rules per category, the
// source of each field, the rights and how to exercise them, and profiling.
nlohmann::json AccessInformation(const CompiledPolicy& policy, const SubjectInfo& subject,
                                 const std::vector<HeldField>& fields,
                                 const std::vector<DisclosureEntry>& disclosures);
// CN06: for each purpose the subject's data serves, its legal basis and whether providing the
// data is a statutory or contractual requirement.
StatusOr<std::string> LegalBasisReport(Vault& vault, uint64_t subject_id);

// True if the policy's `fee` is charged in `jurisdiction`: a fee for everywhere, for that
// jurisdiction, or for the part before its '-' ("US" covers "US-CA").
bool FeeApplies(const Fee& fee, std::string_view jurisdiction);

// POSTs the export to another controller over HTTPS (push.cc); the receiver's HTTP status.
// Unavailable for a failed connection or a non-2xx answer; InvalidArgument for a non-https URL.
StatusOr<int> PushExport(const PushTarget& target, const std::string& json);

// A field an erasure must keep, and why.
struct Kept {
  uint64_t field_id = 0;
  std::string ground;  // legal_hold:<ground> or legal_obligation:<rule>
  std::string law;
};
// NotFound for an erased subject.
StatusOr<std::vector<Kept>> KeptFields(Vault& vault, uint64_t subject_id);

}  // namespace privet::rights_internal
