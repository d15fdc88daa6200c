// Helpers shared by the files of src/crypto/; not part of crypto.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "privet/status.h"

namespace privet::crypto::internal {

inline Status DataLoss(std::string message) {
  return Status(StatusCode::kDataLoss, std::move(message));
}

// Appends `value` as 8 little-endian bytes.
inline void AppendUint64(std::string& out, uint64_t value) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

// Overwrites the contents of `s` (which may hold key material) before it is freed.
void Wipe(std::string& s);

}  // namespace privet::crypto::internal
