// How the commands that change a vault report an error, and what to do instead when the vault is
// held by another process (a running `privet serve`): one line more, naming the HTTP route.
#pragma once

#include <ostream>
#include <string_view>

#include "privet/vault.h"

namespace privet::cli {

// Writes `status` to `err` as "privet: CODE: message"; when another process holds the vault
// (VaultInUse), adds `instead`, what to use while `privet serve` runs (empty: nothing).
inline void PrintVaultError(const Status& status, std::string_view instead, std::ostream& err) {
  err << "privet: " << status.ToString() << "\n";
  if (VaultInUse(status) && !instead.empty())
    err << "privet: while `privet serve` runs, " << instead << "\n";
}

}  // namespace privet::cli
