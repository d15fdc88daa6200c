// merkle_bench: what the audit log's Merkle tree costs.
//
//   merkle_bench [--benchmark_filter=...] [--proof_leaves=10000000] [--proofs=100000]
//
// First the Google Benchmark micro-benchmarks: SHA-256 leaf hashes of 200-byte entries (about
// the size of an audit entry), interior node hashes (each also through libsodium's portable
// SHA-256, the baseline the tree used before it hashed with OpenSSL), and appends to
// MerkleAccumulator and MerkleTree (each append including the leaf hash of a 200-byte entry).
// Then, unless --proof_leaves=0, one MerkleTree of --proof_leaves leaves is built and timed, its
// memory reported, and --proofs inclusion and consistency proofs at random positions are
// generated and timed one by one, with their p50, p99 and max latency (verification too, for
// reference).

#include <benchmark/benchmark.h>
#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "audit/merkle.h"

namespace privet::audit {
namespace {

std::string Entry200(uint64_t i) {
  std::string entry(200, 'e');
  const std::string n = std::to_string(i);
  std::memcpy(entry.data(), n.data(), n.size());
  return entry;
}

void BM_LeafHash200(benchmark::State& state) {
  const std::string entry = Entry200(12345);
  for (auto _ : state) benchmark::DoNotOptimize(LeafHash(entry));
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(entry.size()));
}
BENCHMARK(BM_LeafHash200);

void BM_NodeHash(benchmark::State& state) {
  Hash left = LeafHash("left");
  const Hash right = LeafHash("right");
  for (auto _ : state) {
    left = NodeHash(left, right);
    benchmark::DoNotOptimize(left);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NodeHash);

// The baselines: the same hashes with libsodium's crypto_hash_sha256 (portable C).
Hash SodiumSha256(std::initializer_list<std::string_view> parts) {
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  for (std::string_view p : parts)
    crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(p.data()), p.size());
  Hash out;
  crypto_hash_sha256_final(&state, out.data());
  return out;
}

void BM_LeafHash200_Libsodium(benchmark::State& state) {
  const std::string entry = Entry200(12345);
  const std::string prefix(1, '\0');
  if (SodiumSha256({prefix, entry}) != LeafHash(entry))
    state.SkipWithError("the two SHA-256 differ");
  for (auto _ : state) benchmark::DoNotOptimize(SodiumSha256({prefix, entry}));
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(entry.size()));
}
BENCHMARK(BM_LeafHash200_Libsodium);

void BM_NodeHash_Libsodium(benchmark::State& state) {
  Hash left = LeafHash("left");
  const Hash right = LeafHash("right");
  const std::string prefix(1, '\1');
  auto chars = [](const Hash& h) {
    return std::string_view(reinterpret_cast<const char*>(h.data()), h.size());
  };
  for (auto _ : state) {
    left = SodiumSha256({prefix, chars(left), chars(right)});
    benchmark::DoNotOptimize(left);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NodeHash_Libsodium);

// The append path: hash a 200-byte entry, fold it into the right edge.
void BM_AccumulatorAppend200(benchmark::State& state) {
  std::string entry = Entry200(0);
  MerkleAccumulator accumulator;
  uint64_t i = 0;
  for (auto _ : state) {
    std::memcpy(entry.data(), &i, sizeof(i));
    accumulator.Append(LeafHash(entry));
    ++i;
  }
  benchmark::DoNotOptimize(accumulator.Root());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AccumulatorAppend200);

// The same, keeping every level a proof needs.
void BM_TreeAppend200(benchmark::State& state) {
  std::string entry = Entry200(0);
  MerkleTree tree;
  uint64_t i = 0;
  for (auto _ : state) {
    std::memcpy(entry.data(), &i, sizeof(i));
    tree.Append(LeafHash(entry));
    ++i;
  }
  benchmark::DoNotOptimize(tree.Root());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TreeAppend200);

// The root of the current size, as signing a tree head needs it (size ~ 2^20 - 1: 20 peaks).
void BM_AccumulatorRoot(benchmark::State& state) {
  MerkleAccumulator accumulator;
  for (uint64_t i = 0; i < (uint64_t{1} << 20) - 1; ++i) accumulator.Append(LeafHash("x"));
  for (auto _ : state) benchmark::DoNotOptimize(accumulator.Root());
}
BENCHMARK(BM_AccumulatorRoot);

long RssKib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

struct Percentiles {
  double p50_us;
  double p99_us;
  double max_us;
};

Percentiles Summarize(std::vector<double>& micros) {
  std::sort(micros.begin(), micros.end());
  auto at = [&](double q) { return micros[static_cast<size_t>(q * (micros.size() - 1))]; };
  return {at(0.50), at(0.99), micros.back()};
}

int RunLargeTree(uint64_t leaves, int proofs) {
  using Clock = std::chrono::steady_clock;
  std::printf("\n== MerkleTree of %llu leaves ==\n", static_cast<unsigned long long>(leaves));
  const long rss_before = RssKib();
  MerkleTree tree;
  // Leaf hashes of short distinct entries: building measures the tree, not hashing 200 bytes.
  const auto build_start = Clock::now();
  for (uint64_t i = 0; i < leaves; ++i) tree.Append(LeafHash(std::to_string(i)));
  const double build_s = Seconds(Clock::now() - build_start);
  const long rss_after = RssKib();
  std::printf("build:  %.2f s (%.0f appends/s, leaf hash of a short entry included)\n", build_s,
              leaves / build_s);
  std::printf("memory: %.1f MiB of stored hashes (%.1f bytes a leaf); RSS grew %.1f MiB\n",
              tree.MemoryBytes() / 1048576.0, static_cast<double>(tree.MemoryBytes()) / leaves,
              (rss_after - rss_before) / 1024.0);

  std::mt19937_64 rng(42);
  const Hash root = tree.Root();
  std::vector<double> generate_us;
  std::vector<double> verify_us;
  int failures = 0;

  // Inclusion proofs against the current head, at uniformly random leaves.
  for (int i = 0; i < proofs; ++i) {
    const uint64_t index = rng() % leaves;
    const auto t0 = Clock::now();
    StatusOr<std::vector<Hash>> proof = tree.InclusionProof(index, leaves);
    const auto t1 = Clock::now();
    const bool ok =
        proof.ok() && VerifyInclusion(tree.LeafHashAt(index).value(), index, leaves, *proof, root);
    const auto t2 = Clock::now();
    if (!ok) ++failures;
    generate_us.push_back(Seconds(t1 - t0) * 1e6);
    verify_us.push_back(Seconds(t2 - t1) * 1e6);
  }
  Percentiles gen = Summarize(generate_us);
  Percentiles ver = Summarize(verify_us);
  std::printf("inclusion proof, size %llu, %d random leaves:\n",
              static_cast<unsigned long long>(leaves), proofs);
  std::printf("  generate  p50 %7.1f us  p99 %7.1f us  max %7.1f us\n", gen.p50_us, gen.p99_us,
              gen.max_us);
  std::printf("  verify    p50 %7.1f us  p99 %7.1f us  max %7.1f us\n", ver.p50_us, ver.p99_us,
              ver.max_us);

  // Inclusion proofs against random past heads (RootAt computes the root of that head).
  generate_us.clear();
  for (int i = 0; i < proofs; ++i) {
    const uint64_t size = 1 + rng() % leaves;
    const uint64_t index = rng() % size;
    const auto t0 = Clock::now();
    StatusOr<std::vector<Hash>> proof = tree.InclusionProof(index, size);
    const auto t1 = Clock::now();
    if (!proof.ok()) ++failures;
    generate_us.push_back(Seconds(t1 - t0) * 1e6);
  }
  gen = Summarize(generate_us);
  std::printf("inclusion proof, random past size and leaf:\n");
  std::printf("  generate  p50 %7.1f us  p99 %7.1f us  max %7.1f us\n", gen.p50_us, gen.p99_us,
              gen.max_us);

  // Consistency proofs from a random old size to the current head.
  generate_us.clear();
  verify_us.clear();
  for (int i = 0; i < proofs / 10; ++i) {
    const uint64_t old_size = 1 + rng() % leaves;
    const auto t0 = Clock::now();
    StatusOr<std::vector<Hash>> proof = tree.ConsistencyProof(old_size, leaves);
    const auto t1 = Clock::now();
    StatusOr<Hash> old_root = tree.RootAt(old_size);
    const auto t2 = Clock::now();
    const bool ok =
        proof.ok() && old_root.ok() && VerifyConsistency(old_size, leaves, *old_root, root, *proof);
    const auto t3 = Clock::now();
    if (!ok) ++failures;
    generate_us.push_back(Seconds(t1 - t0) * 1e6);
    verify_us.push_back(Seconds(t3 - t2) * 1e6);
  }
  gen = Summarize(generate_us);
  ver = Summarize(verify_us);
  std::printf("consistency proof, random old size to %llu, %d proofs:\n",
              static_cast<unsigned long long>(leaves), proofs / 10);
  std::printf("  generate  p50 %7.1f us  p99 %7.1f us  max %7.1f us\n", gen.p50_us, gen.p99_us,
              gen.max_us);
  std::printf("  verify    p50 %7.1f us  p99 %7.1f us  max %7.1f us\n", ver.p50_us, ver.p99_us,
              ver.max_us);
  if (failures != 0) {
    std::printf("FAILED: %d proofs did not generate or verify\n", failures);
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace privet::audit

int main(int argc, char** argv) {
  uint64_t leaves = 10'000'000;
  int proofs = 100'000;
  // Take our flags out before Google Benchmark sees the rest.
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--proof_leaves=", 0) == 0) {
      leaves = std::stoull(arg.substr(15));
    } else if (arg.rfind("--proofs=", 0) == 0) {
      proofs = std::max(10, std::stoi(arg.substr(9)));
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (leaves == 0) return 0;
  return privet::audit::RunLargeTree(leaves, proofs);
}
