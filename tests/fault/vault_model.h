// What a fault test's script saw the vault acknowledge, and the check that a vault (reopened
// after a failure, a crash or a power cut) holds exactly that. Shared by the fault loop and the
// power-cut test.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "privet/vault.h"

namespace privet::testing {

struct VaultModel {
  struct Subject {
    std::map<uint64_t, std::string> fields;  // field id -> value
    bool marketing = false;                  // consent granted and acknowledged
    bool erased = false;
  };
  std::map<uint64_t, Subject> subjects;
};

// The values a read returned, by field id.
inline std::map<uint64_t, std::string> FieldValues(const ReadResult& r) {
  std::map<uint64_t, std::string> out;
  for (const FieldValue& f : r.fields) out[f.id] = f.value;
  return out;
}

// Every subject of `model` reads back exactly its acknowledged fields (an erased one, none), its
// marketing consent is on record exactly when it was acknowledged, and the vault is healthy.
inline void ExpectVaultHolds(Vault& vault, const VaultModel& model, const std::string& label) {
  for (const auto& [id, s] : model.subjects) {
    StatusOr<ReadResult> r = vault.Read(Principal::Service(), id, "service");
    if (s.erased) {
      EXPECT_FALSE(r.ok() && !r->fields.empty()) << label << ": erased subject " << id;
      continue;
    }
    ASSERT_TRUE(r.ok()) << label << ": " << r.status().ToString();
    EXPECT_EQ(FieldValues(*r), s.fields) << label << ": subject " << id;
    StatusOr<std::vector<ConsentEvent>> history = vault.ConsentHistory(id);
    ASSERT_TRUE(history.ok()) << label;
    const bool granted = std::any_of(history->begin(), history->end(), [](const auto& e) {
      return e.action == ConsentAction::kGrant && e.purpose == "marketing";
    });
    EXPECT_EQ(granted, s.marketing) << label << ": subject " << id;
  }
  EXPECT_TRUE(vault.Health().ok()) << label;
}

}  // namespace privet::testing
