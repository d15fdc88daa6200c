// What the vault keeps in memory about a subject (CachedSubject), and the sealed profile it is
// partly read from: the subject's jurisdiction, age or birth date, and location exemptions.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/crypto.h"
#include "nlohmann/json.hpp"
#include "privet/compiled_policy.h"
#include "privet/vault.h"
#include "store/store.h"

namespace privet::vault_internal {

// Everything the vault keeps in memory about a subject; immutable once built, replaced whole.
struct CachedSubject {
  store::SubjectRecord record;  // sealed_profile kept sealed
  SubjectState state;
  crypto::SecretKey key;
  // The profile, opened once when loaded (it is in memory with the key that opens it anyway):
  // GetSubject runs for every request to a subject's routes.
  std::vector<LocationExemption> location_exemptions;
  std::string jurisdiction;
  std::optional<CivilDay> birth_date;
  std::optional<int> age_years;
  bool profile_readable = true;
};

// Fills the profile's part of `s` from its opened JSON (profile_readable false if it is not).
void DecodeProfile(std::string_view json, CachedSubject& s);

// The profile's JSON, as DecodeProfile reads it.
nlohmann::json EncodeProfile(std::string_view jurisdiction,
                             const std::vector<LocationExemption>& exemptions,
                             const std::optional<CivilDay>& birth_date,
                             const std::optional<int>& age_years);

// The associated data the profile is sealed with, binding it to its subject.
std::string ProfileAd(uint64_t subject_id);

// The subject kind's location requirement (CX03), or null where it has none or the subject holds
// one of its exemptions.
const SubjectKind* UnmetLocationRequirement(const CompiledPolicy& policy,
                                            const CachedSubject& subject);

// The cached state with one more ledger event, as loading the subject would fold it; null if the
// event cannot be folded (the entry is then dropped instead).
std::shared_ptr<const CachedSubject> WithConsentEvent(const CompiledPolicy& policy,
                                                      const CachedSubject& before,
                                                      const store::ConsentEventRecord& event);

// Whole years between `birth` and `today` (today's UTC day: CivilDayOf, privet/clock.h).
int AgeOn(CivilDay birth, CivilDay today);

}  // namespace privet::vault_internal
