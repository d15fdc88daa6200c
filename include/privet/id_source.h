// IdSource: where privet draws the random numbers that name things, and the one seam that lets a
// test fix them, as a ManualClock fixes "now" (privet/clock.h).
//
// Ids are drawn from it: subject and field ids (the vault seeds its id generator with one draw
// at open), rights request ids and API key ids. An id must not say anything about whom it names,
// and two must not collide, but it is not a secret: it is printed in responses, logs, exports
// and URLs, and knowing it grants nothing.
//
// Secrets are never drawn from an IdSource: data keys, the master key, the blind-index and audit
// signing keys, nonces, API key secrets, session tokens, password salts and the verification
// codes of rights requests always come from libsodium's CSPRNG (randombytes_buf), whatever
// source a vault or server is given. A seeded source makes ids predictable, which a test wants;
// it must never be able to make a secret predictable, so no secret goes through this interface.
//
//   privet::SeededIdSource ids(42);   // the same ids for the same sequence of creations
//   auto vault = privet::Vault::Open({..., .clock = &clock, .ids = &ids});
//
// Without one (VaultOptions::ids left null) privet uses DefaultIdSource(), libsodium's CSPRNG.
// Thread-safe: Next may be called from many threads. Ownership: the caller keeps a source it
// passes alive for the lifetime of what it was passed to.
#pragma once

#include <atomic>
#include <cstdint>

namespace privet {

class IdSource {
 public:
  virtual ~IdSource() = default;
  // 64 bits, uniformly distributed (callers mask or retry what they cannot use).
  virtual uint64_t Next() = 0;
};

// Every draw from libsodium's CSPRNG: different ids in every vault and every process.
class RandomIdSource final : public IdSource {
 public:
  uint64_t Next() override;
};

// The process's RandomIdSource, used wherever no source is given.
IdSource& DefaultIdSource();

// For tests: the n-th draw is a function of the seed and n alone (ChaCha20 keyed by both, through
// randombytes_buf_deterministic), so two sources with the same seed give the same sequence.
// Draws from several threads at once get the same values, in an order that depends on timing.
// To reopen a vault, pass the same source again (it goes on with its sequence), not a new one
// with the same seed: that would draw again the ids the vault already holds (a new subject's id
// is then drawn again, but a request filed with a repeated id replaces the stored request).
class SeededIdSource final : public IdSource {
 public:
  explicit SeededIdSource(uint64_t seed) : seed_(seed) {}
  uint64_t Next() override;

 private:
  const uint64_t seed_;
  std::atomic<uint64_t> drawn_{0};
};

}  // namespace privet
