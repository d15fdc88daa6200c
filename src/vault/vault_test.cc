#include "privet/vault.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "privet/audit.h"
#include "privet/retention.h"
#include "store/store.h"
#include "testing/vault_fixture.h"
#include "vault/sealed_field_cache.h"

namespace privet {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

class StarterVault : public testing::VaultTest {
 protected:
  StarterVault() : VaultTest("policies/starter.yaml") {}

  uint64_t Customer() {
    return NewSubject({.kind = "customer", .age_years = 30, .jurisdiction = "EU"});
  }

  StatusOr<std::vector<uint64_t>> WriteOne(uint64_t id, std::string category, std::string value,
                                           std::vector<std::string> purposes = {"service"}) {
    return vault().Write(
        {.subject_id = id,
         .purposes = std::move(purposes),
         .fields = {{.category = std::move(category), .value = std::move(value)}}});
  }

  // Every category and value the principal can read for `purpose`.
  std::vector<std::string> Values(uint64_t id, std::string_view purpose,
                                  Principal who = Principal::Service()) {
    auto r = vault().Read(who, id, purpose);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::string> out;
    if (r.ok())
      for (const auto& f : r->fields) out.push_back(f.category + "=" + f.value);
    return out;
  }
};

TEST_F(StarterVault, WritesAndReadsFieldsThroughThePolicy) {
  const uint64_t id = Customer();
  auto written =
      vault().Write({.subject_id = id,
                     .purposes = {"service"},
                     .fields = {{.category = "user.name", .value = "Ada Lovelace"},
                                {.category = "user.contact.email", .value = "ada@example.com"}}});
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  EXPECT_EQ(written->size(), 2u);
  EXPECT_THAT(Values(id, "service"),
              UnorderedElementsAre("user.name=Ada Lovelace", "user.contact.email=ada@example.com"));
  EXPECT_THAT(Values(id, "service.support"),
              UnorderedElementsAre("user.name=Ada Lovelace", "user.contact.email=ada@example.com"));

  auto read = vault().Read(Principal::Service(), id, "service");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->fields[0].basis, LegalBasis::kContract);
  EXPECT_EQ(read->fields[0].policy_version, compiled().version());
  EXPECT_EQ(read->fields[0].collected_at, clock_.Now());
}

TEST_F(StarterVault, FieldsAreUsedOnlyForThePurposesTheyWereCollectedFor) {
  const uint64_t id = Customer();
  ASSERT_TRUE(WriteOne(id, "user.contact.email", "ada@example.com").ok());
  ASSERT_TRUE(
      vault().RecordConsent(id, {.purpose = "marketing", .action = ConsentAction::kGrant}).ok());
  auto read = vault().Read(Principal::Service(), id, "marketing");
  ASSERT_TRUE(read.ok());
  EXPECT_THAT(read->fields, IsEmpty());
  ASSERT_EQ(read->withheld.size(), 1u);
  EXPECT_EQ(read->withheld[0].reason, Reason::kNotCollectedForPurpose);
}

TEST_F(StarterVault, ConsentLedgerIsAppendOnlyAndDrivesReads) {
  const uint64_t id = Customer();
  ASSERT_TRUE(vault()
                  .RecordConsent(id, {.purpose = "marketing",
                                      .action = ConsentAction::kGrant,
                                      .source = ConsentSource::kForm})
                  .ok());
  ASSERT_TRUE(WriteOne(id, "user.contact.email", "ada@example.com", {"service", "marketing"}).ok());
  EXPECT_THAT(Values(id, "marketing"), UnorderedElementsAre("user.contact.email=ada@example.com"));

  clock_.Advance(std::chrono::hours(1));
  ASSERT_TRUE(
      vault().RecordConsent(id, {.purpose = "marketing", .action = ConsentAction::kWithdraw}).ok());
  auto read = vault().Read(Principal::Service(), id, "marketing");
  ASSERT_TRUE(read.ok());
  EXPECT_THAT(read->fields, IsEmpty());
  EXPECT_EQ(read->withheld[0].reason, Reason::kNoConsent);
  EXPECT_THAT(Values(id, "service"), UnorderedElementsAre("user.contact.email=ada@example.com"));

  auto history = vault().ConsentHistory(id);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].action, ConsentAction::kGrant);
  EXPECT_EQ((*history)[0].source, ConsentSource::kForm);
  EXPECT_EQ((*history)[1].action, ConsentAction::kWithdraw);
  EXPECT_EQ((*history)[1].at - (*history)[0].at, std::chrono::hours(1));

  // The state is derived from the ledger, so it survives a restart.
  Reopen();
  auto state = vault().State(id);
  ASSERT_TRUE(state.ok());
  EXPECT_FALSE(state->consents.Test(*compiled().FindPurpose("marketing")));
}

TEST_F(StarterVault, RestrictionAllowsStorageOnly) {
  const uint64_t id = Customer();
  ASSERT_TRUE(WriteOne(id, "user.name", "Ada").ok());
  ASSERT_TRUE(vault().RecordConsent(id, {.action = ConsentAction::kRestrict}).ok());
  auto read = vault().Read(Principal::Service(), id, "service");
  ASSERT_TRUE(read.ok());
  EXPECT_THAT(read->fields, IsEmpty());
  EXPECT_EQ(read->withheld[0].reason, Reason::kRestricted);
  EXPECT_EQ(WriteOne(id, "user.name", "Ada L").status().code(), StatusCode::kPermissionDenied);
  ASSERT_TRUE(vault().RecordConsent(id, {.action = ConsentAction::kLiftRestriction}).ok());
  EXPECT_THAT(Values(id, "service"), UnorderedElementsAre("user.name=Ada"));
}

TEST_F(StarterVault, StaffSeeOnlyTheirNeedToKnow) {
  const uint64_t id = Customer();
  ASSERT_TRUE(WriteOne(id, "user.name", "Ada").ok());
  ASSERT_TRUE(WriteOne(id, "user.device.ip_address", "192.0.2.7", {"security"}).ok());
  Principal support = Principal::Staff(*compiled().FindRole("support"));
  EXPECT_THAT(Values(id, "service.support", support), UnorderedElementsAre("user.name=Ada"));
  auto security = vault().Read(support, id, "security");
  ASSERT_TRUE(security.ok());
  EXPECT_THAT(security->fields, IsEmpty());
  ASSERT_EQ(security->withheld.size(), 2u);
  for (const WithheldField& w : security->withheld) {
    // The name was never collected for security; the IP address is outside support's need-to-know.
    EXPECT_EQ(w.reason,
              w.category == "user.name" ? Reason::kNotCollectedForPurpose : Reason::kNotNeedToKnow);
  }
}

TEST_F(StarterVault, BadInputIsRefusedAndChangesNothing) {
  const uint64_t id = Customer();
  auto unknown = WriteOne(id, "user.shoe_size", "42");
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(unknown.status().field(), "fields[0].category");
  EXPECT_THAT(unknown.status().message(),
              Not(HasSubstr("shoe_size")));  // the caller's words stay theirs
  // A value over the limit is a bad value (400 over HTTP), not a body over the limit (413).
  EXPECT_EQ(WriteOne(id, "user.name", std::string(kMaxFieldValueBytes + 1, 'a')).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(WriteOne(id, "user.name", "bad \xC3\x28 utf8").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(WriteOne(id, "user.name", "x", {"no_such_purpose"}).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(WriteOne(id, "user.name", "x", {}).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(WriteOne(999, "user.name", "x").status().code(), StatusCode::kNotFound);
  // A batch with one bad field writes none of them.
  auto batch = vault().Write(
      {.subject_id = id,
       .purposes = {"service"},
       .fields = {{.category = "user.name", .value = "Ada"},
                  {.category = "user.contact.email", .value = "4111 1111 1111 1111"}}});
  EXPECT_EQ(batch.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(Values(id, "service"), IsEmpty());
}

TEST_F(StarterVault, PaymentCardNumbersAreRefusedWithoutEchoingThem) {
  const uint64_t id = Customer();
  for (std::string value : {"4111111111111111", "my card is 4111-1111-1111-1111 thanks",
                            "5500 0000 0000 0004", "378282246310005"}) {
    auto r = WriteOne(id, "user.name", value);
    EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied) << value;
    EXPECT_THAT(r.status().message(), Not(HasSubstr("1111"))) << value;
    EXPECT_THAT(r.status().message(), HasSubstr("payment card"));
  }
  // Not Luhn-valid, or not 13-19 digits: ordinary data.
  EXPECT_TRUE(WriteOne(id, "user.name", "4111111111111112").ok());
  EXPECT_TRUE(WriteOne(id, "user.name", "order 123456789012").ok());
  EXPECT_EQ(WriteOne(id, "user.financial.payment_card", "tok_123", {"service"}).status().code(),
            StatusCode::kPermissionDenied);
}

TEST_F(StarterVault, MinimumAgeIsEnforcedAtSignUp) {
  clock_.Set(CivilDayToTime({2024, 6, 1}));
  auto young = vault().CreateSubject({.kind = "customer", .birth_date = CivilDay{2008, 6, 2}});
  EXPECT_EQ(young.status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(vault().CreateSubject({.kind = "customer", .birth_date = CivilDay{2008, 6, 1}}).ok());
  EXPECT_EQ(vault().CreateSubject({.kind = "customer"}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(vault().CreateSubject({.kind = "martian", .age_years = 30}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(StarterVault, FeatureRefusesWhenRequiredDataIsMissingAndNamesIt) {
  const uint64_t id = Customer();
  auto r = vault().Write({.subject_id = id,
                          .purposes = {"service"},
                          .fields = {{.category = "user.name", .value = "Ada"}},
                          .feature = "sign_up"});
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("user.contact.email"));
  EXPECT_TRUE(vault()
                  .Write({.subject_id = id,
                          .purposes = {"service"},
                          .fields = {{.category = "user.name", .value = "Ada"},
                                     {.category = "user.contact.email", .value = "a@example.com"}},
                          .feature = "sign_up"})
                  .ok());
}

TEST_F(StarterVault, FindsSubjectsByBlindIndexOnly) {
  const uint64_t id = Customer();
  ASSERT_TRUE(WriteOne(id, "user.contact.email", "Ada@Example.com").ok());
  auto found = vault().FindSubject(Vault::Identifier::kEmail, "  ada@example.COM ");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(*found, id);
  auto missing = vault().FindSubject(Vault::Identifier::kEmail, "bob@example.com");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(*missing, std::nullopt);
}

TEST_F(StarterVault, ErasureShredsTheSubject) {
  const uint64_t id = Customer();
  ASSERT_TRUE(WriteOne(id, "user.contact.email", "ada@example.com").ok());
  ASSERT_TRUE(vault().Erase(id).ok());
  EXPECT_EQ(vault().Read(Principal::Service(), id, "service").status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(*vault().FindSubject(Vault::Identifier::kEmail, "ada@example.com"), std::nullopt);
  EXPECT_TRUE(vault().Erase(id).ok());  // idempotent
}

// One erasure, and then none: its rows are purged (and the purge audited) within moments, not
// at the next erasure or at close.
TEST_F(StarterVault, ALoneErasureIsPurgedWithoutWaitingForAnother) {
  const uint64_t id = Customer();
  ASSERT_TRUE(WriteOne(id, "user.contact.email", "alone@example.com").ok());
  const uint64_t before = vault().AuditSize();
  ASSERT_TRUE(vault().Erase(id).ok());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (vault().AuditSize() == before && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_EQ(vault().AuditSize(), before + 1);  // the kErasure entry, committed with the purge
}

TEST_F(StarterVault, PurgeLeftPendingByACrashFinishesAtTheNextOpen) {
  const uint64_t id = Customer();
  ASSERT_TRUE(WriteOne(id, "user.contact.email", "pending@example.com").ok());
  vault_.reset();
  {  // A crash right after Erase destroyed the key, before the rows were purged.
    auto keys = store::OpenSqliteKeyStore(dir_ / "keys.db");
    ASSERT_TRUE(keys.ok());
    ASSERT_TRUE((*keys)->DestroyWrappedKey(id).ok());
  }
  {
    auto data = store::OpenSqliteDataStore(dir_ / "data.db");
    ASSERT_TRUE(data.ok());
    EXPECT_TRUE((*data)->GetSubject(id)->has_value());
  }
  Reopen();
  EXPECT_EQ(*vault().FindSubject(Vault::Identifier::kEmail, "pending@example.com"), std::nullopt);
  vault_.reset();  // closing drains the purge queue
  auto data = store::OpenSqliteDataStore(dir_ / "data.db");
  ASSERT_TRUE(data.ok());
  EXPECT_FALSE((*data)->GetSubject(id)->has_value());
  EXPECT_TRUE((*data)->GetFields(id)->empty());
  auto keys = store::OpenSqliteKeyStore(dir_ / "keys.db");
  ASSERT_TRUE(keys.ok());
  EXPECT_TRUE((*keys)->PendingPurges()->empty());
}

TEST_F(StarterVault, WrongMasterKeyIsRefused) {
  const uint64_t id = Customer();
  ASSERT_TRUE(WriteOne(id, "user.name", "Ada").ok());
  vault_.reset();
  const std::string key_file = dir_ / "master.key";
  const std::string good = ReadFile(key_file);
  std::filesystem::remove(key_file);
  // No key file: refused, and no new key left behind (it could never open this key store).
  auto missing = Vault::Open({.data_dir = dir_.path(), .policy = policy_, .clock = &clock_});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(missing.status().message(), HasSubstr("no master key file"));
  EXPECT_FALSE(std::filesystem::exists(key_file));
  // Another key: refused.
  {
    std::ofstream out(key_file);
    out << std::string(64, 'a') << "\n";
  }
  std::filesystem::permissions(
      key_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  auto opened = Vault::Open({.data_dir = dir_.path(), .policy = policy_, .clock = &clock_});
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(opened.status().message(), HasSubstr("wrong master key"));
  // The right key opens it again, data intact.
  std::filesystem::remove(key_file);
  {
    std::ofstream out(key_file);
    out << good;
  }
  std::filesystem::permissions(
      key_file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  Reopen();
  EXPECT_THAT(Values(id, "service"), UnorderedElementsAre("user.name=Ada"));
}

TEST_F(StarterVault, MasterKeyRotationRewrapsWithoutLosingData) {
  const uint64_t id = Customer();
  ASSERT_TRUE(WriteOne(id, "user.contact.email", "ada@example.com").ok());
  const std::string old_key = ReadFile(dir_ / "master.key");
  const std::string new_key(64, 'a');
  ASSERT_TRUE(vault().RotateMasterKey(new_key).ok());
  EXPECT_EQ(ReadFile(dir_ / "master.key"), new_key + "\n");
  EXPECT_FALSE(std::filesystem::exists(dir_ / "master.key.next"));
  Reopen();
  EXPECT_THAT(Values(id, "service"), UnorderedElementsAre("user.contact.email=ada@example.com"));
  EXPECT_EQ(*vault().FindSubject(Vault::Identifier::kEmail, "ada@example.com"), id);
  EXPECT_EQ(vault().RotateMasterKey("not hex").code(), StatusCode::kInvalidArgument);
}

// One process at a time changes a vault: a second Open of it (by another process, or here) is
// refused before it reads or changes anything, and so is a master key rotation of its files,
// which would otherwise wrap what the open vault writes next under a key about to be replaced.
TEST_F(StarterVault, ASecondOpenOrARotationIsRefusedWhileTheVaultIsOpen) {
  const uint64_t id = Customer();
  ASSERT_TRUE(WriteOne(id, "user.name", "Ada").ok());
  auto second = Vault::Open({.data_dir = dir_.path(), .policy = policy_, .clock = &clock_});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(second.status().message(), HasSubstr("already open in this process"));
  const std::string key = ReadFile(dir_ / "master.key");
  const Status rotated = RotateMasterKeyFile({.data_dir = dir_.path()}, std::string(64, 'b'));
  EXPECT_EQ(rotated.code(), StatusCode::kFailedPrecondition) << rotated.ToString();
  EXPECT_EQ(ReadFile(dir_ / "master.key"), key);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "master.key.next"));
  EXPECT_THAT(Values(id, "service"), UnorderedElementsAre("user.name=Ada"));
  // The lock file is its owner's alone.
  namespace fs = std::filesystem;
  EXPECT_EQ(fs::status(dir_ / "privet.lock").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);

  vault_.reset();  // closing releases the vault
  ASSERT_TRUE(RotateMasterKeyFile({.data_dir = dir_.path()}, std::string(64, 'b')).ok());
  Reopen();
  EXPECT_THAT(Values(id, "service"), UnorderedElementsAre("user.name=Ada"));
  // A rotation of a vault that is not there creates nothing.
  EXPECT_EQ(RotateMasterKeyFile({.data_dir = dir_ / "elsewhere"}, std::string(64, 'c')).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_FALSE(fs::exists(dir_ / "elsewhere"));
}

TEST_F(StarterVault, BackupHoldsDataButNoKeys) {
  const uint64_t id = Customer();
  ASSERT_TRUE(WriteOne(id, "user.name", "Ada").ok());
  const std::string backup = dir_ / "backup.db";
  ASSERT_TRUE(vault().BackupData(backup).ok());
  EXPECT_TRUE(std::filesystem::exists(backup));
  EXPECT_EQ(vault().BackupData(backup).code(), StatusCode::kAlreadyExists);
}

TEST_F(StarterVault, CorruptOrTruncatedFilesAreRefusedWithoutChange) {
  const uint64_t id = Customer();
  ASSERT_TRUE(WriteOne(id, "user.name", "Ada").ok());
  vault_.reset();
  for (const char* name : {"data.db", "keys.db"}) {
    const std::string path = dir_ / name;
    const std::string original = ReadFile(path);
    {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out << original.substr(0, original.size() / 3);
    }
    auto opened = Vault::Open({.data_dir = dir_.path(), .policy = policy_, .clock = &clock_});
    ASSERT_FALSE(opened.ok()) << name;
    EXPECT_EQ(opened.status().code(), StatusCode::kDataLoss)
        << name << ": " << opened.status().ToString();
    {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out << "this is not a database, just some text that is long enough to look like one";
    }
    opened = Vault::Open({.data_dir = dir_.path(), .policy = policy_, .clock = &clock_});
    EXPECT_EQ(opened.status().code(), StatusCode::kDataLoss) << name;
    std::ofstream(path, std::ios::binary | std::ios::trunc) << original;
  }
  Reopen();
  EXPECT_THAT(Values(id, "service"), UnorderedElementsAre("user.name=Ada"));
}

// What a running server does when a new policy version takes effect (Server::AdoptPolicyInForce):
// the vault reopened under it keeps its data, its keys, its audit log and its lock.
TEST_F(StarterVault, AReopenUnderTheNextVersionKeepsTheDataTheLogAndTheLock) {
  const uint64_t id = Customer();
  ASSERT_TRUE(WriteOne(id, "user.contact.email", "kim@example.com").ok());
  ASSERT_TRUE(WriteOne(id, "user.name", "Kim").ok());
  auto head = vault().SignTreeHead();
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  const uint64_t logged = vault().AuditSize();

  ASSERT_NO_FATAL_FAILURE(ReopenUnder([](Policy& p) {
    p.version = 2;
    Purpose recommendations;
    recommendations.id = "service.recommendations";
    recommendations.description = "Recommendations";
    recommendations.categories = {"user.name"};
    recommendations.since_version = 2;
    p.purposes.push_back(recommendations);
  }));
  EXPECT_EQ(vault().policy().version(), 2);
  EXPECT_EQ(vault().AuditSize(), logged);
  // The sealed data opens, the blind index finds the subject, the new version's purpose works.
  EXPECT_THAT(Values(id, "service"), ::testing::UnorderedElementsAre(
                                         "user.contact.email=kim@example.com", "user.name=Kim"));
  auto found = vault().FindSubject(Vault::Identifier::kEmail, "kim@example.com");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->value_or(0), id);
  const uint64_t later = Customer();
  ASSERT_TRUE(WriteOne(later, "user.name", "Lee", {"service.recommendations"}).ok());
  EXPECT_THAT(Values(later, "service.recommendations"), ::testing::ElementsAre("user.name=Lee"));
  // The log goes on from where it was, consistent with the head signed before.
  EXPECT_GT(vault().AuditSize(), logged);
  ASSERT_TRUE(vault().SignTreeHead().ok());
  auto verified = VerifyAuditLog({.data_dir = dir_.path()}, std::nullopt, *head);
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_TRUE(verified->ok()) << ::testing::PrintToString(verified->problems);
  // The reopened vault holds the lock.
  auto second = Vault::Open({.data_dir = dir_.path(), .policy = policy_, .clock = &clock_});
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);

  // Other files are refused, and the vault comes back open.
  std::unique_ptr<Vault> back;
  auto elsewhere = Vault::Reopen(
      std::move(vault_), {.data_dir = dir_.path() + "/other", .policy = policy_, .clock = &clock_},
      &back);
  EXPECT_EQ(elsewhere.status().code(), StatusCode::kInvalidArgument);
  ASSERT_NE(back, nullptr);
  vault_ = std::move(back);
  EXPECT_THAT(Values(later, "service.recommendations"), ::testing::ElementsAre("user.name=Lee"));
}

TEST(PaymentCard, DetectsLuhnValidRunsOfThirteenToNineteenDigits) {
  EXPECT_TRUE(LooksLikePaymentCardNumber("4111111111111111"));
  EXPECT_TRUE(LooksLikePaymentCardNumber("card: 4111 1111 1111 1111, exp 12/25"));
  EXPECT_TRUE(LooksLikePaymentCardNumber("4222222222222"));  // 13 digits
  EXPECT_FALSE(LooksLikePaymentCardNumber("4111111111111112"));
  EXPECT_FALSE(LooksLikePaymentCardNumber("123456789012"));  // 12 digits
  EXPECT_FALSE(LooksLikePaymentCardNumber("call 555 0100"));
  EXPECT_FALSE(LooksLikePaymentCardNumber(""));
}

TEST_F(StarterVault, ImportCreatesSubjectsWithTheirFirstFields) {
  auto ids = vault().Import(
      {{.subject = {.kind = "customer", .age_years = 30, .jurisdiction = "EU"},
        .write = {.purposes = {"service"},
                  .fields = {{.category = "user.name", .value = "Ada"},
                             {.category = "user.contact.email", .value = "ada@example.com"}},
                  .feature = "sign_up"}},
       {.subject = {.kind = "customer", .birth_date = CivilDay{1990, 5, 1}}},
       {.subject = {.kind = "customer", .age_years = 40},
        .write = {.purposes = {"service"},
                  .fields = {{.category = "user.name", .value = "Bob"}}}}});
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  ASSERT_EQ(ids->size(), 3u);
  Reopen();
  EXPECT_THAT(Values((*ids)[0], "service"),
              UnorderedElementsAre("user.name=Ada", "user.contact.email=ada@example.com"));
  EXPECT_THAT(Values((*ids)[1], "service"), IsEmpty());
  EXPECT_THAT(Values((*ids)[2], "service"), UnorderedElementsAre("user.name=Bob"));
  EXPECT_EQ(*vault().FindSubject(Vault::Identifier::kEmail, "ada@example.com"), (*ids)[0]);
  auto info = vault().GetSubject((*ids)[1]);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->birth_date, (CivilDay{1990, 5, 1}));
  EXPECT_EQ(info->created_at, clock_.Now());
  ASSERT_TRUE(vault().Erase((*ids)[0]).ok());
  EXPECT_EQ(vault().Read(Principal::Service(), (*ids)[0], "service").status().code(),
            StatusCode::kNotFound);
}

TEST_F(StarterVault, ImportChecksLikeCreateAndWriteAndStoresNothingOnError) {
  const privet::NewSubject adult{.kind = "customer", .age_years = 30};
  const WriteRequest ada{
      .purposes = {"service"},
      .fields = {{.category = "user.contact.email", .value = "ada@example.com"}}};
  auto young = vault().Import(
      {{.subject = adult, .write = ada}, {.subject = {.kind = "customer", .age_years = 12}}});
  EXPECT_EQ(young.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(young.status().field(), "subjects[1].subject.birth_date");

  auto card = vault().Import(
      {{.subject = adult, .write = ada},
       {.subject = adult,
        .write = {.purposes = {"service"},
                  .fields = {{.category = "user.name", .value = "4111 1111 1111 1111"}}}}});
  EXPECT_EQ(card.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(card.status().field(), "subjects[1].write.fields[0].value");
  EXPECT_THAT(card.status().message(), Not(HasSubstr("4111")));

  auto feature = vault().Import({{.subject = adult,
                                  .write = {.purposes = {"service"},
                                            .fields = {{.category = "user.name", .value = "Ada"}},
                                            .feature = "sign_up"}}});
  EXPECT_EQ(feature.status().code(), StatusCode::kFailedPrecondition);

  auto same_email =
      vault().Import({{.subject = adult, .write = ada}, {.subject = adult, .write = ada}});
  EXPECT_EQ(same_email.status().code(), StatusCode::kAlreadyExists);

  EXPECT_EQ(vault().Import({}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(*vault().FindSubject(Vault::Identifier::kEmail, "ada@example.com"), std::nullopt);
  // None of the failed calls left a subject behind.
  auto ok = vault().Import({{.subject = adult, .write = ada}});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(*vault().FindSubject(Vault::Identifier::kEmail, "ada@example.com"), (*ok)[0]);
}

// --- Reads served from the cache of sealed field rows --------------------------------------------
// Each test reads before the change, so the subject's rows are cached when it comes.

TEST_F(StarterVault, ReadAfterAWriteSeesTheNewField) {
  const uint64_t id = Customer();
  ASSERT_TRUE(WriteOne(id, "user.name", "Ada").ok());
  EXPECT_THAT(Values(id, "service"), UnorderedElementsAre("user.name=Ada"));
  ASSERT_TRUE(WriteOne(id, "user.contact.email", "ada@example.com").ok());
  EXPECT_THAT(Values(id, "service"),
              UnorderedElementsAre("user.name=Ada", "user.contact.email=ada@example.com"));
}

TEST_F(StarterVault, ReadAfterRectificationSeesTheNewValue) {
  const uint64_t id = Customer();
  auto ids = WriteOne(id, "user.name", "Ada");
  ASSERT_TRUE(ids.ok());
  EXPECT_THAT(Values(id, "service"), UnorderedElementsAre("user.name=Ada"));
  clock_.Advance(std::chrono::hours(2));
  ASSERT_TRUE(vault().Rectify(Principal::Subject(id), id, (*ids)[0], "Ada Lovelace").ok());
  auto read = vault().Read(Principal::Service(), id, "service");
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->fields.size(), 1u);
  EXPECT_EQ(read->fields[0].value, "Ada Lovelace");
  EXPECT_EQ(read->fields[0].last_activity, clock_.Now());
}

TEST_F(StarterVault, ReadAfterAFieldDeletionMissesIt) {
  const uint64_t id = Customer();
  auto ids =
      vault().Write({.subject_id = id,
                     .purposes = {"service"},
                     .fields = {{.category = "user.name", .value = "Ada"},
                                {.category = "user.contact.email", .value = "ada@example.com"}}});
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(Values(id, "service").size(), 2u);
  ASSERT_TRUE(vault().DeleteField(Principal::Subject(id), id, (*ids)[1]).ok());
  EXPECT_THAT(Values(id, "service"), UnorderedElementsAre("user.name=Ada"));
}

TEST_F(StarterVault, ReadAfterErasureIsNotFound) {
  const uint64_t id = Customer();
  ASSERT_TRUE(WriteOne(id, "user.name", "Ada").ok());
  EXPECT_EQ(Values(id, "service").size(), 1u);
  ASSERT_TRUE(vault().Erase(id).ok());
  EXPECT_EQ(vault().Read(Principal::Service(), id, "service").status().code(),
            StatusCode::kNotFound);
}

TEST_F(StarterVault, ReadAfterARetentionSweepMissesTheFieldsItDeleted) {
  const uint64_t id = Customer();
  ASSERT_TRUE(WriteOne(id, "user.device.ip_address", "203.0.113.9", {"security"}).ok());
  ASSERT_TRUE(WriteOne(id, "user.name", "Ada").ok());
  EXPECT_THAT(Values(id, "security"), UnorderedElementsAre("user.device.ip_address=203.0.113.9"));
  clock_.Advance(std::chrono::days(31));  // security logs are kept 30 days
  auto report = RunRetention(vault());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->fields_deleted, 1u);
  EXPECT_THAT(Values(id, "security"), IsEmpty());
  EXPECT_THAT(Values(id, "service"), UnorderedElementsAre("user.name=Ada"));
}

TEST_F(StarterVault, ReadAfterARestrictionOrConsentChangeDecidesAnew) {
  const uint64_t id = Customer();
  ASSERT_TRUE(
      vault().RecordConsent(id, {.purpose = "marketing", .action = ConsentAction::kGrant}).ok());
  ASSERT_TRUE(WriteOne(id, "user.contact.email", "ada@example.com", {"service", "marketing"}).ok());
  EXPECT_EQ(Values(id, "marketing").size(), 1u);
  ASSERT_TRUE(vault().RecordConsent(id, {.action = ConsentAction::kRestrict}).ok());
  auto restricted = vault().Read(Principal::Service(), id, "service");
  ASSERT_TRUE(restricted.ok());
  EXPECT_THAT(restricted->fields, IsEmpty());
  EXPECT_EQ(restricted->withheld[0].reason, Reason::kRestricted);
  ASSERT_TRUE(vault().RecordConsent(id, {.action = ConsentAction::kLiftRestriction}).ok());
  EXPECT_EQ(Values(id, "marketing").size(), 1u);
  ASSERT_TRUE(
      vault().RecordConsent(id, {.purpose = "marketing", .action = ConsentAction::kWithdraw}).ok());
  EXPECT_THAT(Values(id, "marketing"), IsEmpty());
  EXPECT_EQ(Values(id, "service").size(), 1u);
}

// A commit that lands while another thread reads the subject's rows from the store (a cache
// miss) must not leave those older rows cached: every read that starts after a rectification
// returned sees that value or a later one. To make such misses frequent, the cache has room for
// the rectified subject (100 fields, slow to fetch) and nothing beside it in its shard, and a
// second thread reads a thousand other subjects round the clock, evicting it again and again.
TEST_F(StarterVault, ConcurrentRectificationsNeverLeaveAStaleCachedValue) {
  std::vector<store::FieldRecord> like_target(100, {.category = "user.name",
                                                    .purposes = {"service"},
                                                    .sealed_value = std::string(24 + 16 + 8, 's')});
  const size_t target_bytes = vault_internal::CompactFields(compiled(), like_target).bytes();
  ReopenWith({.read_auditing = VaultOptions::ReadAuditing::kBatched,
              .field_cache_bytes = 16 * (target_bytes + 200)});
  const uint64_t id = Customer();
  WriteRequest fields{.subject_id = id, .purposes = {"service"}};
  for (int i = 0; i < 100; ++i)
    fields.fields.push_back({.category = "user.name", .value = "name-" + std::to_string(100 + i)});
  auto ids = vault().Write(fields);
  ASSERT_TRUE(ids.ok());
  const uint64_t rectified = (*ids)[0];
  std::vector<ImportedSubject> many(
      1000, {.subject = {.kind = "customer", .age_years = 30},
             .write = {.purposes = {"service"},
                       .fields = {{.category = "user.name", .value = "other"}}}});
  auto others = vault().Import(many);
  ASSERT_TRUE(others.ok());

  constexpr int kRectifications = 100;
  std::atomic<int> returned{0};
  std::atomic<bool> stale{false};
  auto value_of_rectified = [&](const ReadResult& r) {
    for (const FieldValue& f : r.fields)
      if (f.id == rectified) return f.value;
    return std::string();
  };
  std::thread reader([&] {
    while (returned.load() < kRectifications && !stale.load()) {
      const int at_least = returned.load();
      auto read = vault().Read(Principal::Service(), id, "service");
      if (!read.ok()) {
        stale = true;
        break;
      }
      const std::string value = value_of_rectified(*read);
      const int seen = value.rfind("name-", 0) == 0 ? 0 : std::stoi(value.substr(1));
      if (seen < at_least) stale = true;
    }
  });
  std::thread evictor([&] {
    for (size_t i = 0; returned.load() < kRectifications && !stale.load(); ++i)
      (void)vault().Read(Principal::Service(), (*others)[i % others->size()], "service");
  });
  for (int v = 1; v <= kRectifications && !stale.load(); ++v) {
    EXPECT_TRUE(
        vault().Rectify(Principal::Subject(id), id, rectified, "v" + std::to_string(v)).ok());
    returned = v;
  }
  returned = kRectifications;
  reader.join();
  evictor.join();
  EXPECT_FALSE(stale.load());
  auto read = vault().Read(Principal::Service(), id, "service");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(value_of_rectified(*read), "v" + std::to_string(kRectifications));
}

// Consent changes made concurrently all reach the cached state (each commit folds its own
// event into the state cached at that moment, never into a copy taken before the write lock).
TEST_F(StarterVault, ConcurrentConsentChangesAllReachTheCachedState) {
  const uint64_t id = Customer();
  ASSERT_TRUE(vault().State(id).ok());
  std::thread grants([&] {
    for (int i = 0; i < 20; ++i)
      ASSERT_TRUE(vault()
                      .RecordConsent(id, {.purpose = "marketing", .action = ConsentAction::kGrant})
                      .ok());
  });
  std::thread opt_outs([&] {
    for (int i = 0; i < 20; ++i)
      ASSERT_TRUE(vault()
                      .RecordConsent(id, {.purpose = "analytics", .action = ConsentAction::kOptOut})
                      .ok());
  });
  grants.join();
  opt_outs.join();
  auto cached = vault().State(id);
  ASSERT_TRUE(cached.ok());
  Reopen();  // the state folded from the ledger alone
  auto folded = vault().State(id);
  ASSERT_TRUE(folded.ok());
  EXPECT_EQ(cached->consents, folded->consents);
  EXPECT_EQ(cached->opt_outs, folded->opt_outs);
  EXPECT_TRUE(folded->consents.Test(*compiled().FindPurpose("marketing")));
}

// Concurrent reads share commits of their decision entries (ReadAuditing::kBeforeReturn): every
// read that returned has its entry stored, once.
TEST_F(StarterVault, ConcurrentReadsStoreEveryDecisionOnce) {
  const uint64_t id = Customer();
  ASSERT_TRUE(WriteOne(id, "user.name", "Ada").ok());
  const uint64_t before = vault().AuditSize();
  constexpr int kThreads = 4;
  constexpr int kReads = 50;
  std::atomic<int> returned{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < kThreads; ++t) {
    readers.emplace_back([&] {
      for (int i = 0; i < kReads; ++i)
        if (vault().Read(Principal::Service(), id, "service").ok()) ++returned;
    });
  }
  for (std::thread& r : readers) r.join();
  EXPECT_EQ(returned.load(), kThreads * kReads);
  EXPECT_EQ(vault().AuditSize(), before + uint64_t{kThreads} * kReads);
  Reopen();  // the stored log has no gap and holds them all
  EXPECT_EQ(vault().AuditSize(), before + uint64_t{kThreads} * kReads);
}

// ReadThen of a subject whose one field is user.name "Ada", from several threads at once.
struct ConcurrentReads {
  std::atomic<int> answered{0};  // right answers
  std::atomic<int> unstored{0};  // answers handed out before their decision was in the log

  // Returns once every read is issued (not answered).
  void IssueFromThreads(Vault& vault, uint64_t id, int threads, int reads_each) {
    std::vector<std::thread> readers;
    for (int t = 0; t < threads; ++t) {
      readers.emplace_back([&] {
        for (int i = 0; i < reads_each; ++i) {
          const uint64_t issued = vault.AuditSize();
          vault.ReadThen(Principal::Service(), id, "service", [&, issued](StatusOr<ReadResult> r) {
            if (vault.AuditSize() <= issued) ++unstored;
            if (r.ok() && r->fields.size() == 1 && r->fields[0].value == "Ada") ++answered;
          });
        }
      });
    }
    for (std::thread& r : readers) r.join();
  }
};

TEST_F(StarterVault, ReadThenAnswersAfterItsDecisionIsStored) {
  const uint64_t id = Customer();
  ASSERT_TRUE(WriteOne(id, "user.name", "Ada").ok());
  const uint64_t before = vault().AuditSize();
  constexpr int kThreads = 4;
  constexpr int kReads = 50;
  ConcurrentReads reads;
  reads.IssueFromThreads(vault(), id, kThreads, kReads);
  vault().DrainReads();
  EXPECT_EQ(reads.answered.load(), kThreads * kReads);
  EXPECT_EQ(reads.unstored.load(), 0);
  EXPECT_EQ(vault().AuditSize(), before + uint64_t{kThreads} * kReads);
  Reopen();
  EXPECT_EQ(vault().AuditSize(), before + uint64_t{kThreads} * kReads);
}

TEST_F(StarterVault, ReadThenRefusesAtOnce) {
  const uint64_t id = Customer();
  bool called = false;
  vault().ReadThen(Principal::Service(), id, "no_such_purpose", [&](const StatusOr<ReadResult>& r) {
    called = true;
    EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  });
  EXPECT_TRUE(called);  // on this thread, before ReadThen returned
}

// The prepared form: the answer is made on the caller's thread before the decision is stored,
// and handed out only after.
TEST_F(StarterVault, PreparedReadThenHandsOutItsAnswerOnlyOnceTheDecisionIsStored) {
  const uint64_t id = Customer();
  ASSERT_TRUE(WriteOne(id, "user.name", "Ada").ok());
  const uint64_t before = vault().AuditSize();
  std::thread::id prepared_on;
  uint64_t stored_when_prepared = 0;
  std::promise<std::pair<StatusOr<std::string>, uint64_t>> answered;
  vault().ReadThen(
      Principal::Service(), id, "service",
      [&](const ReadResult& r) {
        prepared_on = std::this_thread::get_id();
        stored_when_prepared = vault().AuditSize();
        return r.fields.size() == 1 ? "answer: " + r.fields[0].value : std::string("wrong");
      },
      [&](StatusOr<std::string> answer) {
        answered.set_value({std::move(answer), vault().AuditSize()});
      });
  EXPECT_EQ(prepared_on, std::this_thread::get_id());
  EXPECT_EQ(stored_when_prepared, before);
  std::future<std::pair<StatusOr<std::string>, uint64_t>> answer = answered.get_future();
  ASSERT_EQ(answer.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  auto [body, stored_when_answered] = answer.get();
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body, "answer: Ada");
  EXPECT_EQ(stored_when_answered, before + 1);

  bool prepared = false;
  bool refused = false;
  vault().ReadThen(
      Principal::Service(), id, "no_such_purpose",
      [&](const ReadResult&) {
        prepared = true;
        return std::string();
      },
      [&](const StatusOr<std::string>& r) {
        refused = r.status().code() == StatusCode::kPermissionDenied;
      });
  EXPECT_FALSE(prepared);
  EXPECT_TRUE(refused);  // on this thread, before ReadThen returned
}

TEST_F(StarterVault, ClosingTheVaultAnswersQueuedReads) {
  const uint64_t id = Customer();
  ASSERT_TRUE(WriteOne(id, "user.name", "Ada").ok());
  std::atomic<int> answered{0};
  for (int i = 0; i < 20; ++i)
    vault().ReadThen(Principal::Service(), id, "service",
                     [&](const StatusOr<ReadResult>& r) { answered += r.ok(); });
  vault_.reset();
  EXPECT_EQ(answered.load(), 20);
}

// VaultOptions::read_commit_delay holds back only reads that come while others do: one read at a
// time is committed at once, however long the delay.
TEST_F(StarterVault, AReadAfterALoneOneIsCommittedAtOnce) {
  ReopenWith({.read_commit_delay = std::chrono::hours(1)});
  const uint64_t id = Customer();
  ASSERT_TRUE(WriteOne(id, "user.name", "Ada").ok());
  for (int i = 0; i < 5; ++i) {
    std::promise<bool> answered;
    vault().ReadThen(Principal::Service(), id, "service",
                     [&](const StatusOr<ReadResult>& r) { answered.set_value(r.ok()); });
    std::future<bool> answer = answered.get_future();
    ASSERT_EQ(answer.wait_for(std::chrono::seconds(30)), std::future_status::ready) << "read " << i;
    EXPECT_TRUE(answer.get());
  }
}

// Concurrent reads wait at most for as many reads as recent commits stored (at most 256) to
// queue, or for the vault to close: with an hour's delay, only the last group below that size
// is still waiting, and closing the vault answers it, every decision stored.
TEST_F(StarterVault, AFullGroupOrClosingEndsTheReadCommitDelay) {
  ReopenWith({.read_commit_delay = std::chrono::hours(1)});
  const uint64_t id = Customer();
  ASSERT_TRUE(WriteOne(id, "user.name", "Ada").ok());
  const uint64_t before = vault().AuditSize();
  constexpr int kReads = 1'000;
  constexpr int kMaxWaiting = 255;
  std::atomic<int> answered{0};
  for (int i = 0; i < kReads; ++i)
    vault().ReadThen(Principal::Service(), id, "service",
                     [&](const StatusOr<ReadResult>& r) { answered += r.ok(); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (answered.load() < kReads - kMaxWaiting && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_GE(answered.load(), kReads - kMaxWaiting);
  const auto closing = std::chrono::steady_clock::now();
  vault_.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - closing, std::chrono::seconds(30));
  EXPECT_EQ(answered.load(), kReads);
  Reopen();
  EXPECT_EQ(vault().AuditSize(), before + kReads);
}

// A TaskRunner whose tasks the test runs by hand (Vault::RunReadCommitsOn).
class HandRunTasks {
 public:
  Vault::TaskRunner runner() {
    return [this](std::function<void()> task) {
      std::lock_guard lock(mu_);
      tasks_.push_back(std::move(task));
    };
  }
  size_t queued() {
    std::lock_guard lock(mu_);
    return tasks_.size();
  }
  // Runs the task handed out first; false if there is none.
  bool RunOne() {
    std::function<void()> task;
    {
      std::lock_guard lock(mu_);
      if (tasks_.empty()) return false;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
    return true;
  }

 private:
  std::mutex mu_;
  std::deque<std::function<void()>> tasks_;
};

// With the commits on a runner's threads, the reads queued before its task starts share one
// commit, and each answer goes out only once that commit stored its decision.
TEST_F(StarterVault, ReadsCommittedOnARunnerShareTheCommitOfItsTask) {
  const uint64_t id = Customer();
  ASSERT_TRUE(WriteOne(id, "user.name", "Ada").ok());
  HandRunTasks tasks;
  vault().RunReadCommitsOn(tasks.runner());
  const uint64_t before = vault().AuditSize();
  std::vector<uint64_t> stored_when_answered;
  auto read = [&] {
    vault().ReadThen(Principal::Service(), id, "service", [&](const StatusOr<ReadResult>& r) {
      EXPECT_TRUE(r.ok() && r->fields.size() == 1 && r->fields[0].value == "Ada");
      stored_when_answered.push_back(vault().AuditSize());
    });
  };
  for (int i = 0; i < 5; ++i) read();
  EXPECT_TRUE(stored_when_answered.empty());  // nothing out before the commit
  EXPECT_EQ(tasks.queued(), 1u);              // one task for the five
  EXPECT_EQ(vault().AuditSize(), before);
  ASSERT_TRUE(tasks.RunOne());
  EXPECT_EQ(stored_when_answered, std::vector<uint64_t>(5, before + 5));
  EXPECT_EQ(tasks.queued(), 0u);  // nothing was left queued: no task handed back

  // A read that queues while a task commits gets the next task, handed out as this one ends
  // (not at once: two tasks would hold two threads, one of them waiting for the other).
  stored_when_answered.clear();
  vault().ReadThen(Principal::Service(), id, "service", [&](const StatusOr<ReadResult>& r) {
    ASSERT_TRUE(r.ok());
    stored_when_answered.push_back(vault().AuditSize());
    if (stored_when_answered.size() == 1) {
      read();  // during the first task, after its commit
      EXPECT_EQ(tasks.queued(), 0u);
    }
  });
  ASSERT_TRUE(tasks.RunOne());
  EXPECT_EQ(stored_when_answered, std::vector<uint64_t>{before + 6});
  ASSERT_EQ(tasks.queued(), 1u);
  ASSERT_TRUE(tasks.RunOne());
  EXPECT_EQ(stored_when_answered, (std::vector<uint64_t>{before + 6, before + 7}));
  Reopen();
  EXPECT_EQ(vault().AuditSize(), before + 7);
}

// A runner that stops running tasks (a server's io threads, stopped) loses no read: DrainReads
// commits and answers what its task never took, and the task, run late, does nothing.
TEST_F(StarterVault, DrainReadsCommitsWhatARunnersTaskNeverTook) {
  const uint64_t id = Customer();
  ASSERT_TRUE(WriteOne(id, "user.name", "Ada").ok());
  HandRunTasks tasks;
  vault().RunReadCommitsOn(tasks.runner());
  const uint64_t before = vault().AuditSize();
  int answered = 0;
  for (int i = 0; i < 3; ++i)
    vault().ReadThen(Principal::Service(), id, "service",
                     [&](const StatusOr<ReadResult>& r) { answered += r.ok(); });
  ASSERT_EQ(tasks.queued(), 1u);
  vault().DrainReads();
  EXPECT_EQ(answered, 3);
  EXPECT_EQ(vault().AuditSize(), before + 3);
  ASSERT_TRUE(tasks.RunOne());  // late: nothing left to commit or answer
  EXPECT_EQ(answered, 3);
  EXPECT_EQ(vault().AuditSize(), before + 3);
  // Back on the vault's own committer thread.
  std::promise<bool> again;
  vault().ReadThen(Principal::Service(), id, "service",
                   [&](const StatusOr<ReadResult>& r) { again.set_value(r.ok()); });
  std::future<bool> answer = again.get_future();
  ASSERT_EQ(answer.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_TRUE(answer.get());
  EXPECT_EQ(tasks.queued(), 0u);
}

// Many threads reading while two others run the tasks, as a server's io threads do.
TEST_F(StarterVault, ReadsCommittedOnARunnersThreadsAreEachStoredOnce) {
  const uint64_t id = Customer();
  ASSERT_TRUE(WriteOne(id, "user.name", "Ada").ok());
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::function<void()>> queue;
  bool stop = false;
  vault().RunReadCommitsOn([&](std::function<void()> task) {
    {
      std::lock_guard lock(mu);
      queue.push_back(std::move(task));
    }
    cv.notify_one();
  });
  std::vector<std::thread> pool;
  for (int i = 0; i < 2; ++i) {
    pool.emplace_back([&] {
      std::unique_lock lock(mu);
      for (;;) {
        cv.wait(lock, [&] { return stop || !queue.empty(); });
        if (queue.empty()) return;
        std::function<void()> task = std::move(queue.front());
        queue.pop_front();
        lock.unlock();
        task();
        lock.lock();
      }
    });
  }
  const uint64_t before = vault().AuditSize();
  constexpr int kThreads = 4;
  constexpr int kReads = 200;
  ConcurrentReads reads;
  reads.IssueFromThreads(vault(), id, kThreads, kReads);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (reads.answered.load() < kThreads * kReads && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  {
    std::lock_guard lock(mu);
    stop = true;
  }
  cv.notify_all();
  for (std::thread& t : pool) t.join();
  vault().DrainReads();
  EXPECT_EQ(reads.answered.load(), kThreads * kReads);
  EXPECT_EQ(reads.unstored.load(), 0);
  EXPECT_EQ(vault().AuditSize(), before + uint64_t{kThreads} * kReads);
  Reopen();
  EXPECT_EQ(vault().AuditSize(), before + uint64_t{kThreads} * kReads);
}

TEST_F(StarterVault, ReadsAreRightWhateverTheFieldCacheHolds) {
  for (size_t bytes : {size_t{0}, size_t{16} * 600}) {  // off; room for about one subject per shard
    ReopenWith({.field_cache_bytes = bytes});
    std::vector<uint64_t> ids;
    for (int i = 0; i < 40; ++i) {
      ids.push_back(Customer());
      ASSERT_TRUE(WriteOne(ids.back(), "user.name", "name " + std::to_string(i)).ok());
    }
    for (int pass = 0; pass < 2; ++pass) {
      for (int i = 0; i < 40; ++i)
        EXPECT_THAT(Values(ids[i], "service"),
                    UnorderedElementsAre("user.name=name " + std::to_string(i)));
    }
    ASSERT_TRUE(WriteOne(ids[0], "user.name", "second").ok());
    EXPECT_THAT(Values(ids[0], "service"),
                UnorderedElementsAre("user.name=name 0", "user.name=second"));
  }
}

// Issue 15: data.db and keys.db were created 0644 (as SQLite makes files, less the umask), so
// any local user could copy the sealed data and the wrapped keys. Every file of a fresh vault,
// WAL and SHM included, is its owner's alone, whatever the process's umask.
TEST(VaultFiles, EveryFileOfAFreshVaultIsOwnerOnly) {
  namespace fs = std::filesystem;
  const mode_t umask_before = ::umask(022);
  testing::TempDir dir;
  const std::string data_dir = dir / "vault";
  {
    ManualClock clock(CivilDayToTime({2024, 3, 4}));
    auto vault = Vault::Open({.data_dir = data_dir,
                              .policy = testing::CompileFile("policies/starter.yaml"),
                              .clock = &clock});
    ASSERT_TRUE(vault.ok()) << vault.status().ToString();
    auto id = (*vault)->CreateSubject({.kind = "customer", .age_years = 30});
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    ASSERT_TRUE((*vault)
                    ->Write({.subject_id = *id,
                             .purposes = {"service"},
                             .fields = {{.category = "user.name", .value = "Ada"}}})
                    .ok());
    EXPECT_EQ(fs::status(data_dir).permissions() & fs::perms::all, fs::perms::owner_all);
    std::set<std::string> names;
    for (const fs::directory_entry& entry : fs::directory_iterator(data_dir)) {
      const std::string name = entry.path().filename().string();
      names.insert(name);
      EXPECT_EQ(entry.symlink_status().permissions() & fs::perms::all,
                fs::perms::owner_read | fs::perms::owner_write)
          << name;
    }
    for (const char* expected :
         {"data.db", "data.db-wal", "data.db-shm", "keys.db", "master.key", "privet.lock"}) {
      EXPECT_TRUE(names.count(expected)) << expected;
    }
  }
  ::umask(umask_before);
}

// The id seam (privet/id_source.h): the ids a vault assigns, in the order it creates subjects and
// fields, and nothing else.
std::vector<uint64_t> IdsOfThreeSubjects(const std::string& data_dir, IdSource* ids) {
  ManualClock clock(CivilDayToTime({2024, 3, 4}));
  auto vault = Vault::Open({.data_dir = data_dir,
                            .policy = testing::CompileFile("policies/starter.yaml"),
                            .clock = &clock,
                            .ids = ids});
  EXPECT_TRUE(vault.ok()) << vault.status().ToString();
  if (!vault.ok()) return {};
  std::vector<uint64_t> out;
  for (int i = 0; i < 3; ++i) {
    auto id = (*vault)->CreateSubject({.kind = "customer", .age_years = 30, .jurisdiction = "EU"});
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    if (!id.ok()) return {};
    out.push_back(*id);
    auto fields = (*vault)->Write(
        {.subject_id = *id,
         .purposes = {"service"},
         .fields = {{.category = "user.name", .value = "Ada " + std::to_string(i)}}});
    EXPECT_TRUE(fields.ok()) << fields.status().ToString();
    if (fields.ok()) out.insert(out.end(), fields->begin(), fields->end());
  }
  return out;
}

TEST(IdSource, VaultsWithTheSameSeedAssignTheSameIds) {
  testing::TempDir dir;
  SeededIdSource first(42);
  SeededIdSource second(42);
  const std::vector<uint64_t> a = IdsOfThreeSubjects(dir / "a", &first);
  const std::vector<uint64_t> b = IdsOfThreeSubjects(dir / "b", &second);
  ASSERT_EQ(a.size(), 6u);  // three subjects, a field each
  EXPECT_EQ(a, b);
  EXPECT_EQ(std::set<uint64_t>(a.begin(), a.end()).size(), a.size());

  SeededIdSource other(43);
  EXPECT_NE(IdsOfThreeSubjects(dir / "c", &other), a);
}

TEST(IdSource, TheDefaultSourceGivesEachVaultItsOwnIds) {
  testing::TempDir dir;
  const std::vector<uint64_t> a = IdsOfThreeSubjects(dir / "a", nullptr);
  const std::vector<uint64_t> b = IdsOfThreeSubjects(dir / "b", nullptr);
  ASSERT_EQ(a.size(), 6u);
  ASSERT_EQ(b.size(), 6u);
  std::set<uint64_t> all(a.begin(), a.end());
  all.insert(b.begin(), b.end());
  EXPECT_EQ(all.size(), 12u);
}

}  // namespace
}  // namespace privet
