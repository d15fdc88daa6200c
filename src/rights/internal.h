// Pieces of the request desk kept out of request_desk.cc: the stored form of a request, the
// exports, the push to another controller, and what erasure must keep. Private to src/rights/.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

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

nlohmann::json ExceptionsJson(const std::vector<RequestException>& exceptions);

// Exports (subject_export.cc). Portable: only what the subject provided, under consent or contract.
StatusOr<std::string> ExportSubject(Vault& vault, uint64_t subject_id, bool portable);
// One CSV per category: field_id,category,value,source,purposes,legal_basis,collected_at.
StatusOr<std::map<std::string, std::string>> ExportCsv(Vault& vault, uint64_t subject_id);
// CN06: for each purpose the subject's data serves, its legal basis and whether providing the
// data is a statutory or contractual requirement.
StatusOr<std::string> LegalBasisReport(Vault& vault, uint64_t subject_id);

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
