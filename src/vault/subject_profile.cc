// CachedSubject and the sealed subject profile (subject_profile.h).
#include "vault/subject_profile.h"

#include <algorithm>
#include <chrono>

#include "common/unix_time.h"
#include "vault/consent_state.h"

namespace privet::vault_internal {

using crypto::SecretKey;

int AgeOn(CivilDay birth, CivilDay today) {
  int age = today.year - birth.year;
  if (today.month < birth.month || (today.month == birth.month && today.day < birth.day)) --age;
  return age;
}

void DecodeProfile(std::string_view json, CachedSubject& s) {
  nlohmann::json profile = nlohmann::json::parse(json, nullptr, false);
  if (!profile.is_object()) {
    s.profile_readable = false;
    return;
  }
  if (profile.contains("location_exemptions")) {
    for (const nlohmann::json& e : profile["location_exemptions"]) {
      if (!e.is_object()) continue;  // an undocumented, unreferenced exemption is none
      s.location_exemptions.push_back({.exemption = e.value("exemption", ""),
                                       .reference = e.value("reference", ""),
                                       .granted_by = e.value("granted_by", ""),
                                       .granted_at = FromUnix(e.value("granted_at", int64_t{0}))});
    }
  }
  s.jurisdiction = profile.value("jurisdiction", "");
  if (profile.contains("birth_date")) {
    const std::string day = profile["birth_date"].get<std::string>();
    s.birth_date =
        CivilDay{std::stoi(day.substr(0, 4)), static_cast<unsigned>(std::stoi(day.substr(5, 2))),
                 static_cast<unsigned>(std::stoi(day.substr(8, 2)))};
  }
  if (profile.contains("age_years")) s.age_years = profile["age_years"].get<int>();
}

nlohmann::json EncodeProfile(std::string_view jurisdiction,
                             const std::vector<LocationExemption>& exemptions,
                             const std::optional<CivilDay>& birth_date,
                             const std::optional<int>& age_years) {
  nlohmann::json granted = nlohmann::json::array();
  for (const LocationExemption& e : exemptions) {
    granted.push_back({{"exemption", e.exemption},
                       {"reference", e.reference},
                       {"granted_by", e.granted_by},
                       {"granted_at", ToUnix(e.granted_at)}});
  }
  nlohmann::json profile = {{"jurisdiction", jurisdiction},
                            {"location_exemptions", std::move(granted)}};
  if (birth_date) profile["birth_date"] = CivilDayToString(*birth_date);
  if (age_years) profile["age_years"] = *age_years;
  return profile;
}

const SubjectKind* UnmetLocationRequirement(const CompiledPolicy& policy,
                                            const CachedSubject& subject) {
  const auto& kinds = policy.policy().subject_kinds;
  auto kind = std::find_if(kinds.begin(), kinds.end(),
                           [&](const SubjectKind& k) { return k.id == subject.record.kind; });
  if (kind == kinds.end() || !kind->location_required) return nullptr;
  for (const LocationExemption& held : subject.location_exemptions) {
    if (std::find(kind->location_exemptions.begin(), kind->location_exemptions.end(),
                  held.exemption) != kind->location_exemptions.end())
      return nullptr;
  }
  return &*kind;
}

std::string ProfileAd(uint64_t subject_id) {
  return crypto::FieldAssociatedData(subject_id, "privet.subject_profile", 0);
}

std::shared_ptr<const CachedSubject> WithConsentEvent(const CompiledPolicy& policy,
                                                      const CachedSubject& before,
                                                      const store::ConsentEventRecord& event) {
  std::optional<ConsentAction> action = ParseConsentActionName(event.action);
  StatusOr<SecretKey> key = SecretKey::FromBytes(before.key.view());
  if (!action || !key.ok()) return nullptr;
  auto after = std::make_shared<CachedSubject>();
  after->record = before.record;
  after->state = before.state;
  after->location_exemptions = before.location_exemptions;
  after->jurisdiction = before.jurisdiction;
  after->birth_date = before.birth_date;
  after->age_years = before.age_years;
  after->profile_readable = before.profile_readable;
  after->key = std::move(*key);
  vault_internal::ApplyConsentEvent(policy, event.purpose, event.recipient, *action, after->state);
  return after;
}

}  // namespace privet::vault_internal
