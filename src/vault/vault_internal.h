// Opening a vault on wrapped stores, for the fault loops (tests/fault). What the rights and
// retention layers build on is VaultCore (vault_core.h). Private to src/.
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
  // Vault::Reopen.
  static StatusOr<std::unique_ptr<Vault>> Reopen(std::unique_ptr<Vault> vault, VaultOptions options,
                                                 std::unique_ptr<Vault>* back);

 private:
  // What every open does once the stores are in place: the background purger, the policy
  // history (checked against options.policy_text), breach notices a crash interrupted.
  static StatusOr<std::unique_ptr<Vault>> Start(std::unique_ptr<Vault::Impl> impl);
};

}  // namespace privet::vault_internal
