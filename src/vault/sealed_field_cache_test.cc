#include "vault/sealed_field_cache.h"

#include <gtest/gtest.h>

#include "testing/policy_fixture.h"

namespace privet::vault_internal {
namespace {

store::FieldRecord Row(uint64_t id, std::string category, std::vector<std::string> purposes,
                       std::string sealed) {
  return {.id = id,
          .subject_id = 1,
          .category = std::move(category),
          .source = "cookies",
          .purposes = std::move(purposes),
          .basis = "consent",
          .collected_at = 100,
          .last_activity = 200,
          .policy_version = 3,
          .sealed_value = std::move(sealed)};
}

class SealedFieldCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    policy_ = testing::CompileFile("policies/starter.yaml");
    ASSERT_NE(policy_, nullptr);
  }

  // One subject's rows: `fields` fields with 72-byte sealed values.
  SealedFieldCache::Rows Rows(int fields) {
    std::vector<store::FieldRecord> records;
    for (int i = 0; i < fields; ++i)
      records.push_back(Row(i + 1, "user.name", {"service"}, std::string(72, 's')));
    return std::make_shared<const SealedFields>(CompactFields(*policy_, std::move(records)));
  }

  std::shared_ptr<const CompiledPolicy> policy_;
};

TEST_F(SealedFieldCacheTest, CompactFormKeepsEveryColumn) {
  std::vector<store::FieldRecord> records = {
      Row(7, "user.name", {"service", "not.declared"}, "sealed-one"),
      Row(9, "no.longer.declared", {"service", "not.declared"}, "sealed-two"),
      Row(11, "user.contact.email", {"security"}, ""),
  };
  const SealedFields rows = CompactFields(*policy_, records);
  ASSERT_EQ(rows.fields.size(), 3u);
  EXPECT_EQ(rows.fields[0].id, 7u);
  EXPECT_EQ(rows.fields[0].collected_at, 100);
  EXPECT_EQ(rows.fields[0].last_activity, 200);
  EXPECT_EQ(rows.fields[0].policy_version, 3);
  EXPECT_EQ(rows.fields[0].source, DataSource::kCookies);
  EXPECT_EQ(rows.fields[0].basis, LegalBasis::kConsent);
  EXPECT_EQ(rows.sealed_value(0), "sealed-one");
  EXPECT_EQ(rows.sealed_value(1), "sealed-two");
  EXPECT_EQ(rows.sealed_value(2), "");
  EXPECT_EQ(rows.category_name(*policy_, 0), "user.name");
  EXPECT_EQ(rows.category_name(*policy_, 1), "no.longer.declared");
  EXPECT_FALSE(rows.fields[1].declared);
  EXPECT_EQ(rows.category_name(*policy_, 2), "user.contact.email");
  // One list per distinct purpose list; undeclared ids kept as stored, left out of the set.
  ASSERT_EQ(rows.purpose_lists.size(), 2u);
  EXPECT_EQ(rows.fields[0].purposes, rows.fields[1].purposes);
  const SealedFields::PurposeList& first = rows.purpose_lists[rows.fields[0].purposes];
  EXPECT_EQ(first.ids, (std::vector<std::string>{"service", "not.declared"}));
  EXPECT_EQ(first.declared.Count(), 1);
  EXPECT_TRUE(first.declared.Test(*policy_->FindPurpose("service")));
}

TEST_F(SealedFieldCacheTest, RowsReadBeforeAnInvalidationAreNeverPublished) {
  SealedFieldCache cache(1 << 20);
  const uint64_t ticket = cache.Ticket(42);
  cache.Invalidate(42);  // a commit changed the subject's fields while the rows were read
  cache.Publish(42, Rows(3), ticket);
  EXPECT_EQ(cache.Find(42), nullptr);

  cache.Publish(42, Rows(3), cache.Ticket(42));
  EXPECT_NE(cache.Find(42), nullptr);
  cache.Invalidate(42);
  EXPECT_EQ(cache.Find(42), nullptr);
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST_F(SealedFieldCacheTest, TheSizeBoundEvictsWhatWasNotReadAgain) {
  const size_t entry_bytes = Rows(10)->bytes();
  // Room for about 4 entries per shard, 64 in all.
  const size_t capacity = size_t{16} * 4 * entry_bytes + size_t{16} * entry_bytes / 2;
  SealedFieldCache cache(capacity);
  for (uint64_t id = 1; id <= 1000; ++id) {
    cache.Publish(id, Rows(10), cache.Ticket(id));
    ASSERT_NE(cache.Find(1), nullptr) << "the entry used after each publish stays, at " << id;
    EXPECT_LE(cache.bytes(), capacity);
  }
  EXPECT_LE(cache.entries(), 64u);
  EXPECT_GE(cache.entries(), 32u);
  EXPECT_EQ(cache.Find(2), nullptr);  // never used again: evicted
}

TEST_F(SealedFieldCacheTest, AnEntryOverAShardsShareIsNotCached) {
  SealedFieldCache cache(size_t{16} * 1000);
  cache.Publish(5, Rows(100), cache.Ticket(5));
  EXPECT_EQ(cache.Find(5), nullptr);
  SealedFieldCache off(0);
  off.Publish(5, Rows(1), off.Ticket(5));
  EXPECT_EQ(off.Find(5), nullptr);
}

}  // namespace
}  // namespace privet::vault_internal
