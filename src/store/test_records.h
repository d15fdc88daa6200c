// Records and helpers shared by the store tests (store_conformance_test.cc, sqlite/): test-only
// equality of rows, the shared StatusIs matcher, and sample rows whose ids cross 2^63 (the int64
// round trip of the SQL backends).
#pragma once

#include <gmock/gmock.h>

#include <cstdint>
#include <string>
#include <utility>

#include "store/store.h"
#include "testing/status_matchers.h"

namespace privet::store {

// Test-only equality (ADL finds these for gmock matchers).
inline bool operator==(const SubjectRecord& a, const SubjectRecord& b) {
  return a.id == b.id && a.kind == b.kind && a.organization_id == b.organization_id &&
         a.tenant_id == b.tenant_id && a.created_at == b.created_at &&
         a.policy_version == b.policy_version && a.sealed_profile == b.sealed_profile;
}

inline bool operator==(const FieldRecord& a, const FieldRecord& b) {
  return a.id == b.id && a.subject_id == b.subject_id && a.category == b.category &&
         a.source == b.source && a.purposes == b.purposes && a.basis == b.basis &&
         a.collected_at == b.collected_at && a.last_activity == b.last_activity &&
         a.policy_version == b.policy_version && a.sealed_value == b.sealed_value;
}

namespace test_records {

using ::privet::testing::StatusIs;

// Ids above 2^63 check the int64 round trip.
inline constexpr uint64_t kSubject = 0xF00DCAFE12345678ull;
inline constexpr uint64_t kOtherSubject = 42;
inline constexpr uint64_t kOrg = 0x8000000000000001ull;

inline SubjectRecord Subject(uint64_t id, uint64_t org = 0) {
  return {.id = id,
          .kind = "customer",
          .organization_id = org,
          .tenant_id = 7,
          .created_at = 1700000000,
          .policy_version = 3,
          .sealed_profile = std::string("\x00profile\xff", 9)};
}

inline FieldRecord Field(uint64_t id, uint64_t subject,
                         std::string category = "user.contact.email") {
  return {.id = id,
          .subject_id = subject,
          .category = std::move(category),
          .source = "form",
          .purposes = {"service", "marketing"},
          .basis = "consent",
          .collected_at = 1700000001,
          .last_activity = 1700000002,
          .policy_version = 3,
          .sealed_value = std::string("\x01\x00sealed", 8)};
}

inline ConsentEventRecord Consent(uint64_t subject, std::string action) {
  return {.subject_id = subject,
          .purpose = "marketing",
          .channel = "email",
          .action = std::move(action),
          .source = "form",
          .at = 1700000003,
          .policy_version = 3};
}

// A subject with two fields, two consent events and a blind-index entry.
inline WriteBatch PopulateOneBatch(uint64_t id, uint64_t org = 0) {
  WriteBatch batch;
  batch.PutSubject(Subject(id, org));
  batch.PutField(Field(id ^ 1, id));
  batch.PutField(Field(id ^ 2, id, "user.name"));
  batch.AppendConsent(Consent(id, "grant"));
  batch.AppendConsent(Consent(id, "withdraw"));
  batch.PutBlindIndex(
      {.index = "email", .hash = std::string(32, 'h') + std::to_string(id), .subject_id = id});
  return batch;
}

}  // namespace test_records
}  // namespace privet::store
