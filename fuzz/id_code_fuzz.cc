// Fuzz target: the short texts privet reads from requests, stored rows and the policy file —
// ids, dates, durations, principals, percent-encoded paths and every code a name table reads
// (rights, request states, consent actions and sources, audit events, legal bases, reasons,
// status codes, identifier kinds, ...). Any byte string must become a value or an error, never a
// crash or a sanitizer report; and each parser is the exact inverse of its printer:
//   - a code parses only when it is the name printed for what it parses to;
//   - a date parses only when it is DayString of the day it parses to (YYYY-MM-DD, a real date);
//   - an id prints (IdString) to text that parses back to it, and parses exactly when the text is
//     decimal digits that fit in 64 bits;
//   - a principal prints (PrincipalText) to text that parses back to the same principal;
//   - percent-decoding never grows the text, and a path with no '%' (or '+') decodes to itself.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/crypto.h"
#include "policy/yaml_reader.h"
#include "privet/audit.h"
#include "privet/clock.h"
#include "privet/compiled_policy.h"
#include "privet/decision.h"
#include "privet/policy.h"
#include "privet/rights.h"
#include "privet/status.h"
#include "privet/vault.h"
#include "server/json_io.h"
#include "server/router.h"

namespace {

void Require(bool ok) {
  if (!ok) std::abort();
}

// Parse(text) == e implies Name(e) == text.
template <typename Parse, typename Name>
void CheckNames(std::string_view text, Parse parse, Name name) {
  const auto value = parse(text);
  if (value) Require(name(*value) == text);
}

// The starter policy (its roles name the staff principals), compiled once.
const privet::CompiledPolicy& Policy() {
  static const std::shared_ptr<const privet::CompiledPolicy> policy = [] {
    std::ifstream in(PRIVET_SOURCE_DIR "/policies/starter.yaml");
    const std::string yaml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    privet::PolicyLoadResult loaded = privet::LoadPolicy(yaml, "starter.yaml");
    Require(loaded.ok());
    auto compiled = privet::CompiledPolicy::Compile(std::move(*loaded.policy));
    Require(compiled.ok());
    return std::move(compiled).value();
  }();
  return *policy;
}

bool SamePrincipal(const privet::Principal& a, const privet::Principal& b) {
  return a.kind == b.kind && a.role == b.role && a.organization_id == b.organization_id &&
         a.tenant_id == b.tenant_id;
}

void CheckCodes(std::string_view text) {
  CheckNames(text, privet::ParseLegalBasisName, privet::LegalBasisName);
  CheckNames(text, privet::ParseConsentModeName, privet::ConsentModeName);
  CheckNames(text, privet::ParseDataSourceName, privet::DataSourceName);
  CheckNames(text, privet::ParseRecipientKindName, privet::RecipientKindName);
  CheckNames(text, privet::ParseAnchorEventName, privet::AnchorEventName);
  CheckNames(text, privet::ParseRetentionActionName, privet::RetentionActionName);
  CheckNames(text, privet::ParseRightName, privet::RightName);
  CheckNames(text, privet::ParseSignalResponseName, privet::SignalResponseName);
  CheckNames(text, privet::ParseReasonName, privet::ReasonName);
  CheckNames(text, privet::ParsePrincipalKindName, privet::PrincipalKindName);
  CheckNames(text, privet::ParseRequestStateName, privet::RequestStateName);
  CheckNames(text, privet::ParseConsentActionName, privet::ConsentActionName);
  CheckNames(text, privet::ParseConsentSourceName, privet::ConsentSourceName);
  CheckNames(text, privet::ParseStatusCodeName, privet::StatusCodeName);
  CheckNames(text, privet::ParseAuditEventName, privet::AuditEventName);
  CheckNames(text, privet::crypto::ParseIdentifierKindName, privet::crypto::IdentifierKindName);
}

void CheckDates(std::string_view text) {
  const std::optional<privet::CivilDay> day = privet::ParseDayString(text);
  if (day) {
    Require(privet::DayString(*day) == text);
    // Every day that parses is a Time, and back the same day.
    const privet::Time t = privet::CivilDayToTime(*day);
    Require(t != privet::Time::min() && t != privet::Time::max());
    Require(privet::Rfc3339(t).substr(0, 10) == text);
  }
  if (const auto duration = privet::policy_internal::ParseDuration(text)) {
    Require(duration->count >= 0);
  }
}

void CheckIds(std::string_view text) {
  auto id = privet::server::ParseId(text, "id");
  const bool digits = !text.empty() && std::all_of(text.begin(), text.end(),
                                                   [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) Require(!id.ok());
  if (!id.ok()) return;
  auto again = privet::server::ParseId(privet::server::IdString(*id), "id");
  Require(again.ok() && *again == *id);
}

void CheckPrincipal(std::string_view text) {
  auto principal = privet::ParsePrincipal(Policy(), text);
  if (!principal.ok()) {
    Require(principal.status().code() == privet::StatusCode::kInvalidArgument);
    return;
  }
  auto again = privet::ParsePrincipal(Policy(), privet::PrincipalText(Policy(), *principal));
  Require(again.ok() && SamePrincipal(*again, *principal));
}

void CheckPercent(std::string_view text) {
  for (const bool plus_is_space : {false, true}) {
    std::string out;
    if (!privet::server::PercentDecode(text, plus_is_space, &out)) continue;
    Require(out.size() <= text.size());
    if (text.find('%') == std::string_view::npos && text.find('+') == std::string_view::npos)
      Require(out == text);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckCodes(text);
  CheckDates(text);
  CheckIds(text);
  CheckPrincipal(text);
  CheckPercent(text);
  return 0;
}
