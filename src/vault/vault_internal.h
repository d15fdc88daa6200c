// What the rights (src/rights) and retention (src/retention) layers need of a vault beyond its
// public API: its store, clock and audit log, sealing under a subject's key, and field deletions
// that keep the blind indexes in step. Private to src/; nothing here is a stable interface.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "privet/audit.h"
#include "privet/vault.h"
#include "store/store.h"

namespace privet::vault_internal {

// Opens a vault as Vault::Open does, with each store it opens passed through a wrapper first:
// how the fault loops (tests/fault) put a store that fails on purpose under a real vault.
struct Opener {
  struct Wrappers {
    std::function<std::unique_ptr<store::DataStore>(std::unique_ptr<store::DataStore>)> data;
    std::function<std::unique_ptr<store::KeyStore>(std::unique_ptr<store::KeyStore>)> keys;
  };
  static StatusOr<std::unique_ptr<Vault>> Open(VaultOptions options, const Wrappers& wrap);
};

struct Access {
  static store::DataStore& Data(Vault& vault);
  static const Clock& ClockOf(Vault& vault);
  // An audit entry stamped now under the vault's policy.
  static AuditEntry Audit(Vault& vault, AuditEvent event, const Principal& principal, uint64_t subject_id);
  // Applies the batch with its audit entries in one transaction, under the vault's write lock.
  // Changes to fields and the consent ledger must go through here (never Data().Apply): the
  // vault's caches of field rows and consent state follow the batches applied here.
  static Status Apply(Vault& vault, store::WriteBatch& batch, const std::vector<AuditEntry>& entries);
  // The context an outbox message's body is sealed under (Seal / Open), by topic.
  static std::string OutboxContext(std::string_view topic) {
    return "privet.outbox." + std::string(topic);
  }
  // Seals / opens bytes under the subject's key, bound to the subject and `context`.
  static StatusOr<std::string> Seal(Vault& vault, uint64_t subject_id, std::string_view context,
                                    std::string_view plaintext);
  static StatusOr<std::string> Open(Vault& vault, uint64_t subject_id, std::string_view context,
                                    std::string_view sealed);
  // A keyed hash of a one-time code bound to `context`.
  static std::string CodeHash(Vault& vault, std::string_view context, std::string_view code);
  // Every field of the subject, opened, whatever its purposes (exports); basis and source as
  // recorded at collection.
  static StatusOr<std::vector<FieldValue>> AllFields(Vault& vault, uint64_t subject_id);
  // Adds to `batch` the deletion of these fields of one subject, with their blind-index entries.
  // NotFound if the subject is erased.
  static Status DeleteFields(Vault& vault, uint64_t subject_id, const std::vector<store::FieldRecord>& fields,
                             store::WriteBatch& batch);
  // Drops the subject's cached state and field rows. (Apply already keeps them in line with
  // the batches it applies.)
  static void Forget(Vault& vault, uint64_t subject_id);
};

}  // namespace privet::vault_internal
