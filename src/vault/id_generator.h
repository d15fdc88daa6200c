// Ids for subjects and fields: random-looking 63-bit numbers that carry nothing about the
// subject, drawn without a system call. splitmix64 is a bijection, so within one generator
// (one random seed) ids never repeat; across processes the store's uniqueness check catches the
// rare collision. The seed is one draw from the vault's IdSource (privet/id_source.h): a seeded
// source gives the same ids to the same sequence of creations. Thread-safe. Private to
// src/vault/.
#pragma once

#include <atomic>
#include <cstdint>

#include "privet/id_source.h"

namespace privet::vault_internal {

class IdGenerator {
 public:
  explicit IdGenerator(IdSource& source) : seed_(source.Next()) {}

  uint64_t Next() {
    for (;;) {
      uint64_t z = seed_ + counter_.fetch_add(1, std::memory_order_relaxed) * 0x9E3779B97F4A7C15ull;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      z ^= z >> 31;
      z &= 0x7FFFFFFFFFFFFFFFull;  // positive as a signed 64-bit database key
      if (z > 1) return z;         // 0 and 1 name the vault's own wrapped keys (store::key_meta)
    }
  }

 private:
  const uint64_t seed_;
  std::atomic<uint64_t> counter_{1};
};

}  // namespace privet::vault_internal
