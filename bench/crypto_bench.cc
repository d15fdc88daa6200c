// crypto_bench: the per-field cost of the vault's envelope encryption.
//
//   crypto_bench [--benchmark_filter=...]
//
// Seal and Open of a 32-byte field (XChaCha20-Poly1305), one nonce, one blind index (keyed
// BLAKE2b of a normalized email) and one subject key unwrap (what a read of a cold subject pays).

#include <benchmark/benchmark.h>

#include <string>

#include "crypto/crypto.h"

namespace privet::crypto {
namespace {

const std::string kField(32, 'f');

void BM_Seal32(benchmark::State& state) {
  NonceSource nonces;
  SecretKey key = SecretKey::Random();
  const std::string ad = FieldAssociatedData(12345, "contact.email", 7);
  for (auto _ : state) benchmark::DoNotOptimize(Seal(key, kField, ad, nonces));
}
BENCHMARK(BM_Seal32);

void BM_Open32(benchmark::State& state) {
  NonceSource nonces;
  SecretKey key = SecretKey::Random();
  const std::string ad = FieldAssociatedData(12345, "contact.email", 7);
  const std::string sealed = Seal(key, kField, ad, nonces);
  for (auto _ : state) benchmark::DoNotOptimize(Open(key, sealed, ad));
}
BENCHMARK(BM_Open32);

void BM_NonceNext(benchmark::State& state) {
  NonceSource nonces;
  for (auto _ : state) benchmark::DoNotOptimize(nonces.Next());
}
BENCHMARK(BM_NonceNext);
BENCHMARK(BM_NonceNext)->Threads(2);

void BM_BlindIndexEmail(benchmark::State& state) {
  BlindIndexer indexer(SecretKey::Random());
  for (auto _ : state) {
    benchmark::DoNotOptimize(indexer.Compute(IdentifierKind::kEmail, " Alice@Example.COM "));
  }
}
BENCHMARK(BM_BlindIndexEmail);

void BM_UnwrapKey(benchmark::State& state) {
  NonceSource nonces;
  SecretKey master = SecretKey::Random();
  const std::string wrapped = WrapKey(master, SecretKey::Random(), 12345, nonces);
  for (auto _ : state) benchmark::DoNotOptimize(UnwrapKey(master, wrapped, 12345));
}
BENCHMARK(BM_UnwrapKey);

}  // namespace
}  // namespace privet::crypto

BENCHMARK_MAIN();
