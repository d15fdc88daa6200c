// `privet audit verify|proof|consistency|sign|public-key`. Exit codes: 0 ok (verify: the log
// verifies), 1 failure or a log that does not verify, 2 usage.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

#include "privet/vault.h"

namespace privet::cli {

int AuditVerify(const VaultFiles& files, const std::string& public_key,
                const std::string& tree_head_file, std::ostream& out, std::ostream& err);
int AuditProof(const VaultFiles& files, uint64_t entry, uint64_t tree_size, std::ostream& out,
               std::ostream& err);
int AuditConsistency(const VaultFiles& files, uint64_t old_size, uint64_t new_size,
                     std::ostream& out, std::ostream& err);
int AuditSign(const VaultFiles& files, std::ostream& out, std::ostream& err);
int AuditPublicKeyCommand(const VaultFiles& files, std::ostream& out, std::ostream& err);

}  // namespace privet::cli
