// The id seam (include/privet/id_source.h): libsodium's CSPRNG, or a seeded stream for tests.
#include "privet/id_source.h"

#include <sodium.h>

namespace privet {

uint64_t RandomIdSource::Next() {
  uint64_t value = 0;
  // randombytes_buf works (and aborts on an unusable OS RNG) even before sodium_init.
  randombytes_buf(&value, sizeof value);
  return value;
}

IdSource& DefaultIdSource() {
  static RandomIdSource* source = new RandomIdSource;  // never destroyed: used until exit
  return *source;
}

uint64_t SeededIdSource::Next() {
  // The key of the n-th draw is the seed and n (little-endian bytes 0-7 and 8-15, the rest
  // zero): every draw is its own ChaCha20 stream, so no state but the count is shared.
  const uint64_t n = drawn_.fetch_add(1, std::memory_order_relaxed);
  unsigned char key[randombytes_SEEDBYTES] = {};
  for (int i = 0; i < 8; ++i) {
    key[i] = static_cast<unsigned char>(seed_ >> (8 * i));
    key[8 + i] = static_cast<unsigned char>(n >> (8 * i));
  }
  unsigned char bytes[sizeof(uint64_t)];
  randombytes_buf_deterministic(bytes, sizeof bytes, key);
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value |= uint64_t{bytes[i]} << (8 * i);
  return value;
}

}  // namespace privet
