// audit_bench: what the audit log costs, against the rate at which its leaves can be hashed.
//
//   audit_bench [--entries=1000000] [--batch=1000,10000] [--proof-leaves=10000000]
//               [--proofs=100000] [--durability=full|process-crash] [--dir=PATH]
//
// In one run:
//  1. Entries: `entries` decision entries (AuditEvent::kDecision, as Vault::Read records them:
//     varied subjects, principals, purposes, one to three categories, some withheld with a
//     reason code), serialized with SerializeAuditEntry before any timing. Serialization is
//     timed too, for reference.
//  2. Hashing limit: audit::LeafHash over every serialized entry, one thread, best of three
//     passes: the rate no durable append of these entries can beat.
//  3. Durable appends: for each --batch size, a fresh SQLite data store (store::
//     OpenSqliteDataStore in a new directory, WAL, synchronous=FULL, audit-only durability
//     kFull unless --durability=process-crash) and an audit::AuditLog on it; all entries are
//     appended `batch` per transaction, as ApplyAudited does it: stage into a WriteBatch
//     (leaf hash + AppendAudit), DataStore::Apply (one durable commit), AuditLog::Commit (the
//     Merkle update). Two ways: from the pre-serialized bytes (the bench stages them exactly as
//     AuditLog::Stage does after serializing), and through AuditLog::Stage from AuditEntry
//     structs (serialization included). Reported: entries/s and the ratio to the hashing limit,
//     and where the time went. Then one SignHead (and the Apply of its batch) is timed, and
//     its root is checked against a tree built from the same entries in memory.
//  4. Proofs (run first, while the process is small, so that ru_maxrss is the tree's): an
//     audit::MerkleTree of --proof-leaves leaves (leaf hashes of short distinct
//     entries, as merkle_bench builds it); build time, memory (stored hashes, RSS growth,
//     ru_maxrss); then --proofs inclusion proofs at uniformly random leaves against the full
//     size, each timed alone: p50, p99, max (each proof is also verified, untimed).
//
// Each step is timed with steady_clock. The workload is deterministic (splitmix64, fixed seed).
// scripts/bench-audit.sh builds and runs it at full size; docs/performance.md has the figures.

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit_log.h"
#include "audit/merkle.h"
#include "bench_util.h"
#include "privet/audit.h"
#include "store/store.h"

namespace privet::bench {
namespace {

constexpr uint64_t kSeed = 0x6175646974;  // "audit"

// splitmix64: small, fast and the same on every platform.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return Next() % n; }
  template <typename T, size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[Below(N)];
  }

 private:
  uint64_t state_;
};

struct Options {
  uint64_t entries = 1'000'000;
  std::vector<uint64_t> batches = {1'000, 10'000};
  uint64_t proof_leaves = 10'000'000;
  int proofs = 100'000;
  store::DataStore::AuditOnlyDurability durability = store::DataStore::AuditOnlyDurability::kFull;
  std::string dir;
};

long RssKib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

struct Percentiles {
  double p50 = 0, p99 = 0, max = 0;
};

Percentiles Summarize(std::vector<double> v) {
  if (v.empty()) return {};
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1))]; };
  return {at(0.50), at(0.99), v.back()};
}

// --- Entries ---------------------------------------------------------------------------------

constexpr const char* kPrincipals[] = {"service",
                                       "service",
                                       "service",
                                       "staff:support",
                                       "staff:billing",
                                       "staff:marketing",
                                       "subject",
                                       "organization_admin:4611686018427387911",
                                       "tenant:2305843009213693973"};
constexpr const char* kPurposes[] = {"service",           "service.account",   "billing",
                                     "billing.invoicing", "support",           "marketing.email",
                                     "marketing.sms",     "analytics.product", "fraud_prevention",
                                     "legal.tax_records", "personalization"};
constexpr const char* kCategories[] = {
    "user.contact.email",    "user.contact.phone",        "user.name.given",
    "user.name.family",      "user.address.postal",       "user.financial.card_last4",
    "user.financial.iban",   "user.device.ip_address",    "user.behavior.purchase_history",
    "user.account.username", "user.demographic.age_band", "user.location.country"};
constexpr const char* kReasons[] = {
    "no_consent", "not_need_to_know",         "opted_out",
    "objected",   "category_not_for_purpose", "not_collected_for_purpose",
    "restricted"};
constexpr const char* kBases[] = {"contract", "consent", "legitimate_interests",
                                  "legal_obligation"};

std::vector<AuditEntry> MakeEntries(uint64_t n) {
  Random rng(kSeed);
  std::vector<AuditEntry> out;
  out.reserve(n);
  const Time start = Time(std::chrono::seconds(1'790'000'000));  // 2026-09
  for (uint64_t i = 0; i < n; ++i) {
    AuditEntry e;
    e.event = AuditEvent::kDecision;
    e.at = start + std::chrono::milliseconds(i * 7);
    e.at = std::chrono::time_point_cast<std::chrono::seconds>(e.at);
    e.subject_id = (rng.Next() & 0x7FFFFFFFFFFFFFFFull) | 1;
    e.principal = rng.Pick(kPrincipals);
    e.action = "read";
    e.purpose = rng.Pick(kPurposes);
    const uint64_t released = 1 + rng.Below(2);
    const uint64_t withheld = rng.Below(4) == 0 ? 1 + rng.Below(2) : 0;
    const uint64_t first = rng.Below(std::size(kCategories));
    for (uint64_t k = 0; k < released + withheld; ++k) {
      const std::string category = kCategories[(first + k) % std::size(kCategories)];
      if (k < released) {
        e.categories.push_back(category);
      } else {
        e.withheld.push_back(category + ":" + rng.Pick(kReasons));
      }
    }
    e.outcome = "allowed";
    if (rng.Below(10) == 0) {  // every field withheld: a denial
      for (std::string& c : e.categories) e.withheld.push_back(c + ":" + rng.Pick(kReasons));
      e.categories.clear();
      e.outcome = "denied";
    } else {
      e.basis = rng.Pick(kBases);
    }
    e.policy_version = 3;
    out.push_back(std::move(e));
  }
  return out;
}

// --- Appends ---------------------------------------------------------------------------------

enum class Source { kSerialized, kAuditEntry };

struct AppendRun {
  double seconds = 0;
  double stage_s = 0, apply_s = 0, commit_s = 0;
  std::vector<double> apply_us;  // per transaction
  double sign_us = 0, sign_apply_us = 0;
  std::string root_hex;
  uint64_t db_bytes = 0;
};

AppendRun RunAppends(const Options& options, const std::string& dir, uint64_t batch_size,
                     Source source, const std::vector<AuditEntry>& entries,
                     const std::vector<std::string>& serialized) {
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/data.db";
  std::unique_ptr<store::DataStore> data =
      Check(store::OpenSqliteDataStore(path), "open data store");
  data->SetAuditOnlyDurability(options.durability);
  std::unique_ptr<audit::AuditLog> log =
      Check(audit::AuditLog::Open(*data, audit::NewSigningSeed()), "open audit log");

  AppendRun run;
  const uint64_t n = serialized.size();
  std::vector<AuditEntry> chunk;  // for Source::kAuditEntry: the batch's entries, copied untimed
  const auto t_start = SteadyClock::now();
  SteadyClock::duration untimed{};
  for (uint64_t begin = 0; begin < n; begin += batch_size) {
    const uint64_t end = std::min(n, begin + batch_size);
    if (source == Source::kAuditEntry) {
      // Vault::Impl::ApplyAudited takes a vector of entries; build it outside the clock.
      const auto u0 = SteadyClock::now();
      chunk.assign(entries.begin() + static_cast<long>(begin),
                   entries.begin() + static_cast<long>(end));
      untimed += SteadyClock::now() - u0;
    }
    const auto t0 = SteadyClock::now();
    store::WriteBatch batch;
    std::vector<audit::Hash> staged;
    if (source == Source::kAuditEntry) {
      staged = log->Stage(chunk, batch);
    } else {
      // What AuditLog::Stage does once an entry is serialized.
      staged.reserve(end - begin);
      uint64_t next = log->size();
      for (uint64_t i = begin; i < end; ++i) {
        staged.push_back(audit::LeafHash(serialized[i]));
        batch.AppendAudit({.index = next++, .entry = serialized[i]});
      }
    }
    const auto t1 = SteadyClock::now();
    Check(data->Apply(batch), "apply");
    const auto t2 = SteadyClock::now();
    log->Commit(staged);
    const auto t3 = SteadyClock::now();
    run.stage_s += Seconds(t1 - t0);
    run.apply_s += Seconds(t2 - t1);
    run.commit_s += Seconds(t3 - t2);
    run.apply_us.push_back(Micros(t2 - t1));
  }
  run.seconds = Seconds(SteadyClock::now() - t_start - untimed);

  // One signed tree head, as the vault makes one per interval.
  store::WriteBatch head_batch;
  const auto s0 = SteadyClock::now();
  SignedTreeHead head = log->SignHead(std::chrono::system_clock::now(), head_batch);
  const auto s1 = SteadyClock::now();
  Check(data->Apply(head_batch), "apply tree head");
  const auto s2 = SteadyClock::now();
  run.sign_us = Micros(s1 - s0);
  run.sign_apply_us = Micros(s2 - s1);
  run.root_hex = head.root_hash;
  if (head.tree_size != n) Die("tree head", Internal("tree head has the wrong size"));

  log.reset();
  data.reset();
  std::error_code ec;
  for (const char* suffix : {"", "-wal"}) {
    const auto size = std::filesystem::file_size(path + suffix, ec);
    if (!ec) run.db_bytes += size;
  }
  std::filesystem::remove_all(dir);
  return run;
}

// --- Proofs ----------------------------------------------------------------------------------

int RunProofs(uint64_t leaves, int proofs) {
  std::printf("-- inclusion proofs: MerkleTree of %llu leaves --\n",
              static_cast<unsigned long long>(leaves));
  const long rss_before = RssKib();
  const long peak_before = PeakRssMib();
  audit::MerkleTree tree;
  const auto b0 = SteadyClock::now();
  for (uint64_t i = 0; i < leaves; ++i) tree.Append(audit::LeafHash(std::to_string(i)));
  const double build_s = Seconds(SteadyClock::now() - b0);
  const long rss_after = RssKib();
  std::printf(
      "build                          %.2f s  (%.0f appends/s, leaf hash of a short entry "
      "included)\n",
      build_s, static_cast<double>(leaves) / build_s);
  std::printf(
      "memory                         %.1f MiB of stored hashes (%.1f bytes/leaf); RSS grew %.1f "
      "MiB;"
      " ru_maxrss %ld MiB (was %ld MiB before the build)\n",
      static_cast<double>(tree.MemoryBytes()) / 1048576.0,
      static_cast<double>(tree.MemoryBytes()) / static_cast<double>(leaves),
      static_cast<double>(rss_after - rss_before) / 1024.0, PeakRssMib(), peak_before);

  Random rng(kSeed + 1);
  const audit::Hash root = tree.Root();
  std::vector<double> generate_us;
  generate_us.reserve(static_cast<size_t>(proofs));
  int failures = 0;
  for (int i = 0; i < proofs; ++i) {
    const uint64_t index = rng.Below(leaves);
    const auto t0 = SteadyClock::now();
    StatusOr<std::vector<audit::Hash>> proof = tree.InclusionProof(index, leaves);
    const auto t1 = SteadyClock::now();
    generate_us.push_back(Micros(t1 - t0));
    if (!proof.ok() ||
        !audit::VerifyInclusion(tree.LeafHashAt(index).value(), index, leaves, *proof, root))
      ++failures;
  }
  const Percentiles p = Summarize(generate_us);
  std::printf(
      "InclusionProof at size %llu  p50 %8.2f us   p99 %8.2f us   max %8.2f us   (%d random "
      "leaves)\n",
      static_cast<unsigned long long>(leaves), p.p50, p.p99, p.max, proofs);
  std::printf("target p99 < 1 ms: %s\n", p.p99 < 1000.0 ? "met" : "MISSED");
  if (failures != 0) {
    std::printf("FAILED: %d proofs did not generate or verify\n", failures);
    return 1;
  }
  return 0;
}

// --- Main ------------------------------------------------------------------------------------

int Run(const Options& options) {
  std::string dir = options.dir;
  if (dir.empty()) {
    char tmpl[] = "/tmp/privet-audit-bench-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      std::perror("audit_bench: mkdtemp");
      return 1;
    }
    dir = tmpl;
    CleanupDir() = dir;
    std::atexit(RemoveCleanupDir);
  }
  const uint64_t n = options.entries;
  std::printf("audit_bench: %llu decision entries, batches of", static_cast<unsigned long long>(n));
  for (uint64_t b : options.batches) std::printf(" %llu", static_cast<unsigned long long>(b));
  std::printf(", audit-only durability %s, in %s\n",
              options.durability == store::DataStore::AuditOnlyDurability::kFull
                  ? "full (synchronous=FULL)"
                  : "process-crash (synchronous=NORMAL)",
              dir.c_str());

  // Proofs first, while the process is small, so that ru_maxrss after the build is the tree's.
  if (options.proof_leaves > 0) {
    if (int rc = RunProofs(options.proof_leaves, options.proofs); rc != 0) return rc;
    std::printf("\n");
  }

  // 1. Entries.
  std::vector<AuditEntry> entries = MakeEntries(n);
  std::vector<std::string> serialized;
  serialized.reserve(n);
  const auto z0 = SteadyClock::now();
  for (const AuditEntry& e : entries) serialized.push_back(SerializeAuditEntry(e));
  const double serialize_s = Seconds(SteadyClock::now() - z0);
  size_t total = 0, shortest = SIZE_MAX, longest = 0;
  for (const std::string& s : serialized) {
    total += s.size();
    shortest = std::min(shortest, s.size());
    longest = std::max(longest, s.size());
  }
  std::printf("entries: mean %.0f bytes (min %zu, max %zu); e.g. %s\n",
              static_cast<double>(total) / static_cast<double>(n), shortest, longest,
              serialized[0].c_str());
  const double serialize_rate = static_cast<double>(n) / serialize_s;
  std::printf("SerializeAuditEntry            %10.0f entries/s  (%.2f us/entry)\n", serialize_rate,
              1e6 / serialize_rate);

  // 2. Hashing limit.
  double best_hash_s = 1e300;
  audit::MerkleAccumulator expected;
  for (int pass = 0; pass < 3; ++pass) {
    audit::Hash sink{};
    const auto h0 = SteadyClock::now();
    for (const std::string& s : serialized) {
      const audit::Hash h = audit::LeafHash(s);
      sink[0] ^= h[0];
      sink[31] ^= h[31];
    }
    best_hash_s = std::min(best_hash_s, Seconds(SteadyClock::now() - h0));
    if (sink[0] == 0x5a && sink[31] == 0xa5) std::printf(" ");  // keep the hashes live
  }
  for (const std::string& s : serialized) expected.Append(audit::LeafHash(s));
  const std::string expected_root = audit::HashToHex(expected.Root());
  const double limit = static_cast<double>(n) / best_hash_s;
  std::printf(
      "LeafHash limit (1 thread)      %10.0f entries/s  (%.2f us/entry, %.0f MB/s; best of 3 "
      "passes)\n",
      limit, 1e6 / limit, static_cast<double>(total) / best_hash_s / 1e6);

  // 3. Durable appends.
  std::printf(
      "\n-- durable appends: SQLite data store, 1 transaction per batch, Merkle update included "
      "--\n");
  bool appends_met = true;
  int run_no = 0;
  for (uint64_t batch : options.batches) {
    for (Source source : {Source::kSerialized, Source::kAuditEntry}) {
      const AppendRun r = RunAppends(options, dir + "/run" + std::to_string(run_no++), batch,
                                     source, entries, serialized);
      if (r.root_hex != expected_root) {
        std::printf("FAILED: the signed root %s is not the root of the entries %s\n",
                    r.root_hex.c_str(), expected_root.c_str());
        return 1;
      }
      const double rate = static_cast<double>(n) / r.seconds;
      const Percentiles commit = Summarize(r.apply_us);
      std::printf(
          "batch %6llu, %-14s %10.0f entries/s  ratio to limit %.3f   (%llu txns in %.2f s)\n",
          static_cast<unsigned long long>(batch),
          source == Source::kSerialized ? "pre-serialized" : "from AuditEntry", rate, rate / limit,
          static_cast<unsigned long long>(r.apply_us.size()), r.seconds);
      std::printf(
          "    time: stage %.2f s (%s), Apply %.2f s, Commit (Merkle) %.3f s;"
          " Apply per txn p50 %.1f ms p99 %.1f ms; file %.0f MB\n",
          r.stage_s, source == Source::kSerialized ? "leaf hash" : "serialize + leaf hash",
          r.apply_s, r.commit_s, commit.p50 / 1000, commit.p99 / 1000,
          static_cast<double>(r.db_bytes) / 1e6);
      std::printf(
          "    SignHead %.1f us, Apply of the tree head %.1f us (size %llu, root verified)\n",
          r.sign_us, r.sign_apply_us, static_cast<unsigned long long>(n));
      if (source == Source::kSerialized && (rate < 200'000 || rate < limit / 4))
        appends_met = false;
    }
  }
  std::printf("targets (pre-serialized): >= 200000 entries/s and >= 0.25 of the limit: %s\n",
              appends_met ? "met" : "MISSED");
  std::printf("peak rss (ru_maxrss): %ld MiB\n", PeakRssMib());

  return 0;
}

std::vector<uint64_t> ParseList(const std::string& text) {
  std::vector<uint64_t> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t comma = text.find(',', pos);
    const std::string item =
        text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (!item.empty()) out.push_back(std::stoull(item));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return out;
}

}  // namespace
}  // namespace privet::bench

int main(int argc, char** argv) {
  privet::bench::Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto has = [&](std::string_view flag) { return arg.rfind(flag, 0) == 0; };
    const std::string v = arg.substr(std::min(arg.size(), arg.find('=') + 1));
    try {
      if (has("--entries=")) {
        options.entries = std::stoull(v);
      } else if (has("--batch=")) {
        options.batches = privet::bench::ParseList(v);
      } else if (has("--proof-leaves=")) {
        options.proof_leaves = std::stoull(v);
      } else if (has("--proofs=")) {
        options.proofs = std::stoi(v);
      } else if (has("--dir=")) {
        options.dir = v;
      } else if (v == "full" && has("--durability=")) {
        options.durability = privet::store::DataStore::AuditOnlyDurability::kFull;
      } else if (v == "process-crash" && has("--durability=")) {
        options.durability = privet::store::DataStore::AuditOnlyDurability::kProcessCrash;
      } else {
        throw std::invalid_argument("unknown flag");
      }
    } catch (const std::exception&) {
      std::fprintf(
          stderr,
          "audit_bench: bad argument '%s'\nusage: audit_bench [--entries=N] [--batch=N[,N...]]"
          " [--proof-leaves=N] [--proofs=N] [--durability=full|process-crash] [--dir=PATH]\n",
          arg.c_str());
      return 2;
    }
  }
  if (options.entries == 0 || options.batches.empty() || options.proofs < 1 ||
      std::find(options.batches.begin(), options.batches.end(), 0) != options.batches.end()) {
    std::fprintf(stderr, "audit_bench: --entries, --batch and --proofs must be positive\n");
    return 2;
  }
  return privet::bench::Run(options);
}
