// Where a vault's files are when VaultOptions / VaultFiles leave them unset. Private to src/.
#pragma once

#include "privet/vault_files.h"

namespace privet::vault_internal {

// key_store_path defaults to <data_dir>/keys.db, master_key_file to <data_dir>/master.key.
VaultFiles WithDefaults(VaultFiles files);
inline std::string DataFilePath(const VaultFiles& files) { return files.data_dir + "/data.db"; }

}  // namespace privet::vault_internal
