// vault_bench: what the vault costs against plain SQLite, on the same rows and the same disk.
//
//   vault_bench [--subjects=100000] [--fields=10] [--per-subject=N] [--batch=1000]
//               [--value-bytes=32] [--erase=200] [--dir=PATH]
//
// In one run, in a fresh temporary directory (removed at the end):
//  1. Writes: `subjects` subjects of `fields` fields each, four ways, one after the other:
//     - plain SQLite, one transaction per subject (its row, its field rows, its email's
//       blind-index row);
//     - the vault's per-subject path: CreateSubject (a key-store commit and a data commit) then
//       Write (a data commit), for the first `per-subject` subjects (default: all);
//     - plain SQLite, `batch` subjects per transaction;
//     - Vault::Import, `batch` subjects per call (one key-store and one data transaction).
//     The plain SQLite file has the vault data file's schema, pragmas (WAL, synchronous=FULL,
//     foreign keys, 64 MiB page cache) and row sizes: each sealed value is a blob of the value's
//     length + 24 (nonce) + 16 (tag) bytes, the subject's profile likewise, ids are random
//     63-bit numbers, and every metadata column holds what the vault stores.
//  2. Reads: Read() of all fields of one subject, over the bulk-imported vault. Cold: the vault
//     is reopened and every subject is read once in random order (each read is the first of
//     that subject since opening; the operating system's file cache stays warm). Warm: then
//     as many reads of random subjects again (all cached). Plain SQLite's SELECT of one
//     subject's rows is timed the same way for comparison. Then the same number of warm reads
//     from 1, 2 and 8 threads at once: reads per second and the latency of each call (with a
//     decision stored before each read returns, concurrent readers share commits).
//  3. Erase: `erase` subjects each with 1, 10 and 100 fields are imported, then erased in a
//     shuffled order; latency per field count. Around the erasures, the disk's own fsync latency
//     (4 KiB appended to a file in the same directory, then fdatasync) is sampled, so the erase
//     figures can be read against it. Then, on the closed vault's files through the store
//     interfaces, the three parts of an erasure are timed separately: destroying the wrapped key
//     (one durable commit: all that Erase waits for), purging the rows, and PurgeDone (which
//     scrubs the key's old bytes: a WAL checkpoint and truncation), the last two being what the
//     vault's background purger does.
//  4. Peak memory: getrusage(RUSAGE_SELF).ru_maxrss after each phase.
//
// Each call is timed with steady_clock, and only the call: set-up and checks stay outside the
// timed span. Read latencies also count the calls during which the thread was preempted
// (getrusage(RUSAGE_THREAD) involuntary context switches, read outside the timed span): on a
// shared machine those are the scheduler's, and the p99 of the others is printed beside it. The
// workload is deterministic (splitmix64, fixed seed); the vault's keys, nonces and ids are random
// as in production. scripts/bench-vault.sh builds and runs it at full size; docs/performance.md has
// the figures.

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "privet/clock.h"
#include "privet/compiled_policy.h"
#include "privet/policy.h"
#include "privet/vault.h"
#include "store/store.h"

namespace privet::bench {
namespace {

constexpr uint64_t kSeed = 0x7661756c74;   // "vault"
constexpr size_t kSealOverhead = 24 + 16;  // nonce + tag

struct Options {
  int subjects = 100'000;
  int fields = 10;
  int per_subject = -1;  // subjects for the two one-subject-per-transaction runs; -1: all
  int batch = 1'000;
  int value_bytes = 32;
  int erase = 200;
  std::string dir;
};

// The temporary directory to remove on exit (also after a failure), if the bench made it.

struct Percentiles {
  double p50 = 0, p99 = 0, max = 0;
};
Percentiles Summarize(std::vector<double> us) {
  if (us.empty()) return {};
  std::sort(us.begin(), us.end());
  auto at = [&](double q) {
    return us[std::min(us.size() - 1, static_cast<size_t>(q * static_cast<double>(us.size())))];
  };
  return {at(0.50), at(0.99), us.back()};
}

// --- The workload -------------------------------------------------------------------------------

// `n` in base 26, as letters: values with long runs of digits could look like card numbers.
std::string Letters(int n, int width) {
  std::string out(static_cast<size_t>(width), 'a');
  for (int i = width - 1; i >= 0 && n > 0; --i, n /= 26) out[i] = static_cast<char>('a' + n % 26);
  return out;
}

// Subject i's values: field 0 its email (a blind-index identifier), the others names; every
// value exactly `value_bytes` long and distinct.
std::string Value(int subject, int field, int value_bytes) {
  if (field == 0) {
    std::string local = "s" + Letters(subject, 7) + ".";
    const std::string domain = "@example.com";
    local.resize(static_cast<size_t>(value_bytes) - domain.size(), 'x');
    return local + domain;
  }
  std::string v = "Name " + Letters(subject, 7) + " " + Letters(field, 3) + " ";
  v.resize(static_cast<size_t>(value_bytes), 'x');
  return v;
}

privet::NewSubject Subject() { return {.kind = "customer", .age_years = 30, .jurisdiction = "EU"}; }

WriteRequest Fields(int subject, int fields, int value_bytes) {
  WriteRequest w{.purposes = {"service"}};
  for (int k = 0; k < fields; ++k) {
    w.fields.push_back({.category = k == 0 ? "user.contact.email" : "user.name",
                        .value = Value(subject, k, value_bytes)});
  }
  return w;
}

// What the vault seals as a subject's profile, for the baseline's row size.
size_t ProfileBytes() {
  nlohmann::json profile = {{"jurisdiction", "EU"},
                            {"location_exemptions", std::vector<std::string>()}};
  profile["age_years"] = 30;
  return profile.dump().size();
}

// --- Plain SQLite -------------------------------------------------------------------------------

// The vault data file's schema (src/store/sqlite/sqlite_data_store.cc), as a plain application
// storing the same rows would have it.
constexpr char kPlainSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS subjects (
  id INTEGER PRIMARY KEY, kind TEXT NOT NULL, organization_id INTEGER NOT NULL,
  tenant_id INTEGER NOT NULL, created_at INTEGER NOT NULL, policy_version INTEGER NOT NULL,
  sealed_profile BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS subjects_by_organization ON subjects (organization_id);
CREATE TABLE IF NOT EXISTS fields (
  subject_id INTEGER NOT NULL REFERENCES subjects (id), id INTEGER NOT NULL UNIQUE,
  category TEXT NOT NULL, source TEXT NOT NULL, purposes TEXT NOT NULL, basis TEXT NOT NULL,
  collected_at INTEGER NOT NULL, last_activity INTEGER NOT NULL,
  policy_version INTEGER NOT NULL, sealed_value BLOB NOT NULL,
  PRIMARY KEY (subject_id, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS consent_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, subject_id INTEGER NOT NULL REFERENCES subjects (id),
  purpose TEXT NOT NULL, channel TEXT NOT NULL, action TEXT NOT NULL, source TEXT NOT NULL,
  at INTEGER NOT NULL, policy_version INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS consent_events_by_subject ON consent_events (subject_id);
CREATE TABLE IF NOT EXISTS blind_index (
  index_name TEXT NOT NULL, hash BLOB NOT NULL,
  subject_id INTEGER NOT NULL REFERENCES subjects (id),
  PRIMARY KEY (index_name, hash)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS blind_index_by_subject ON blind_index (subject_id);
)sql";

class PlainSqlite {
 public:
  explicit PlainSqlite(const std::string& path) {
    Ok(sqlite3_open_v2(path.c_str(), &db_,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr),
       "open");
    Exec("PRAGMA journal_mode=WAL");
    Exec(kPlainSchema);
    Exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536");
    subject_ = Prepare(
        "INSERT INTO subjects (id, kind, organization_id, tenant_id, created_at, policy_version,"
        " sealed_profile) VALUES (?, ?, ?, ?, ?, ?, ?)");
    field_ = Prepare(
        "INSERT OR REPLACE INTO fields (id, subject_id, category, source, purposes, basis,"
        " collected_at, last_activity, policy_version, sealed_value)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    index_ = Prepare("INSERT INTO blind_index (index_name, hash, subject_id) VALUES (?, ?, ?)");
    read_ = Prepare(
        "SELECT id, category, source, purposes, basis, collected_at, last_activity,"
        " policy_version, sealed_value FROM fields WHERE subject_id = ? ORDER BY id");
    begin_ = Prepare("BEGIN IMMEDIATE");
    commit_ = Prepare("COMMIT");
  }
  ~PlainSqlite() {
    for (sqlite3_stmt* s : {subject_, field_, index_, read_, begin_, commit_}) sqlite3_finalize(s);
    sqlite3_close_v2(db_);
  }
  PlainSqlite(const PlainSqlite&) = delete;
  PlainSqlite& operator=(const PlainSqlite&) = delete;

  void Begin() { Step(begin_, "begin"); }
  void Commit() { Step(commit_, "commit"); }

  // One subject as the vault stores it: its row, its field rows and its email's index row.
  // Returns its id.
  uint64_t PutSubject(Random& rng, int fields, size_t profile_bytes, size_t sealed_bytes,
                      int64_t now) {
    const uint64_t id = rng.Id();
    const std::string profile = rng.Bytes(profile_bytes + kSealOverhead);
    sqlite3_bind_int64(subject_, 1, static_cast<int64_t>(id));
    sqlite3_bind_text(subject_, 2, "customer", -1, SQLITE_STATIC);
    sqlite3_bind_int64(subject_, 3, 0);
    sqlite3_bind_int64(subject_, 4, 0);
    sqlite3_bind_int64(subject_, 5, now);
    sqlite3_bind_int64(subject_, 6, 1);
    sqlite3_bind_blob(subject_, 7, profile.data(), static_cast<int>(profile.size()), SQLITE_STATIC);
    Step(subject_, "insert subject");
    for (int k = 0; k < fields; ++k) {
      const uint64_t field_id = rng.Id();
      const std::string sealed = rng.Bytes(sealed_bytes);
      sqlite3_bind_int64(field_, 1, static_cast<int64_t>(field_id));
      sqlite3_bind_int64(field_, 2, static_cast<int64_t>(id));
      sqlite3_bind_text(field_, 3, k == 0 ? "user.contact.email" : "user.name", -1, SQLITE_STATIC);
      sqlite3_bind_text(field_, 4, "subject", -1, SQLITE_STATIC);
      sqlite3_bind_text(field_, 5, "[\"service\"]", -1, SQLITE_STATIC);
      sqlite3_bind_text(field_, 6, "contract", -1, SQLITE_STATIC);
      sqlite3_bind_int64(field_, 7, now);
      sqlite3_bind_int64(field_, 8, now);
      sqlite3_bind_int64(field_, 9, 1);
      sqlite3_bind_blob(field_, 10, sealed.data(), static_cast<int>(sealed.size()), SQLITE_STATIC);
      Step(field_, "insert field");
    }
    const std::string hash = rng.Bytes(32);
    sqlite3_bind_text(index_, 1, "email", -1, SQLITE_STATIC);
    sqlite3_bind_blob(index_, 2, hash.data(), static_cast<int>(hash.size()), SQLITE_STATIC);
    sqlite3_bind_int64(index_, 3, static_cast<int64_t>(id));
    Step(index_, "insert blind index");
    return id;
  }

  // Every row of one subject's fields, copied out as the vault's store does. Returns the count.
  int ReadFields(uint64_t subject_id) {
    sqlite3_bind_int64(read_, 1, static_cast<int64_t>(subject_id));
    int rows = 0;
    int rc;
    while ((rc = sqlite3_step(read_)) == SQLITE_ROW) {
      for (int c : {1, 2, 3, 4}) {
        std::string text(reinterpret_cast<const char*>(sqlite3_column_text(read_, c)),
                         static_cast<size_t>(sqlite3_column_bytes(read_, c)));
        if (text.empty()) std::abort();
      }
      std::string blob(static_cast<const char*>(sqlite3_column_blob(read_, 8)),
                       static_cast<size_t>(sqlite3_column_bytes(read_, 8)));
      rows += blob.empty() ? 0 : 1;
    }
    if (rc != SQLITE_DONE) Ok(rc, "read fields");
    sqlite3_reset(read_);
    return rows;
  }

 private:
  void Ok(int rc, std::string_view what) {
    if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return;
    std::fprintf(stderr, "vault_bench: plain sqlite %.*s: %s\n", static_cast<int>(what.size()),
                 what.data(), db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
    std::exit(1);
  }
  void Exec(const char* sql) { Ok(sqlite3_exec(db_, sql, nullptr, nullptr, nullptr), sql); }
  sqlite3_stmt* Prepare(const char* sql) {
    sqlite3_stmt* s = nullptr;
    Ok(sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr), sql);
    return s;
  }
  void Step(sqlite3_stmt* s, std::string_view what) {
    Ok(sqlite3_step(s), what);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
  }

  sqlite3* db_ = nullptr;
  sqlite3_stmt* subject_ = nullptr;
  sqlite3_stmt* field_ = nullptr;
  sqlite3_stmt* index_ = nullptr;
  sqlite3_stmt* read_ = nullptr;
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
};

// --- Phases -------------------------------------------------------------------------------------

struct Rate {
  double seconds = 0;
  long fields = 0;
  double per_second() const { return static_cast<double>(fields) / seconds; }
};

void PrintRate(const char* name, const Rate& r, int subjects, const char* granularity) {
  std::printf("%-34s %9.0f fields/s  (%d subjects, %ld fields in %.1f s; %s)\n", name,
              r.per_second(), subjects, r.fields, r.seconds, granularity);
}

Rate PlainWrites(const std::string& path, const Options& o, int per_txn,
                 std::vector<uint64_t>* ids) {
  PlainSqlite db(path);
  Random rng(kSeed);
  const size_t profile_bytes = ProfileBytes();
  const size_t sealed_bytes = static_cast<size_t>(o.value_bytes) + kSealOverhead;
  const int64_t now = 1'709'510'400;
  const auto start = SteadyClock::now();
  for (int i = 0; i < o.subjects; i += per_txn) {
    db.Begin();
    for (int k = i; k < std::min(o.subjects, i + per_txn); ++k) {
      const uint64_t id = db.PutSubject(rng, o.fields, profile_bytes, sealed_bytes, now);
      if (ids) ids->push_back(id);
    }
    db.Commit();
  }
  return {Seconds(SteadyClock::now() - start), static_cast<long>(o.subjects) * o.fields};
}

std::unique_ptr<Vault> OpenVault(
    const std::string& dir, const std::shared_ptr<const CompiledPolicy>& policy, const Clock& clock,
    VaultOptions::ReadAuditing reads = VaultOptions::ReadAuditing::kBeforeReturn) {
  return Check(
      Vault::Open({.data_dir = dir, .policy = policy, .clock = &clock, .read_auditing = reads}),
      "open vault");
}

Rate VaultPerSubject(Vault& vault, int subjects, const Options& o) {
  const auto start = SteadyClock::now();
  for (int i = 0; i < subjects; ++i) {
    WriteRequest w = Fields(i, o.fields, o.value_bytes);
    w.subject_id = Check(vault.CreateSubject(Subject()), "create subject");
    Check(vault.Write(w), "write");
  }
  return {Seconds(SteadyClock::now() - start), static_cast<long>(subjects) * o.fields};
}

// Imports subjects [first, first + count) with `fields` fields each, `batch` per call; returns
// their ids and adds the time spent to `elapsed`.
std::vector<uint64_t> VaultImport(Vault& vault, int first, int count, int fields, const Options& o,
                                  SteadyClock::duration* elapsed) {
  std::vector<uint64_t> ids;
  std::vector<ImportedSubject> items;
  for (int i = first; i < first + count; i += o.batch) {
    items.clear();
    for (int k = i; k < std::min(first + count, i + o.batch); ++k)
      items.push_back({.subject = Subject(), .write = Fields(k, fields, o.value_bytes)});
    const auto start = SteadyClock::now();
    std::vector<uint64_t> got = Check(vault.Import(items), "import");
    *elapsed += SteadyClock::now() - start;
    ids.insert(ids.end(), got.begin(), got.end());
  }
  return ids;
}

void PrintLatency(const char* name, const Percentiles& p, size_t samples) {
  std::printf("%-34s p50 %8.1f us   p99 %8.1f us   max %9.1f us   (%zu calls)\n", name, p.p50,
              p.p99, p.max, samples);
}

long InvoluntarySwitches() {
  rusage usage{};
  getrusage(RUSAGE_THREAD, &usage);
  return usage.ru_nivcsw;
}

struct ReadLatency {
  Percentiles all;
  Percentiles unpreempted;  // calls the scheduler did not interrupt
  size_t calls = 0;
  size_t preempted = 0;
};

ReadLatency TimeReads(Vault& vault, const std::vector<uint64_t>& order, int fields) {
  std::vector<double> us;
  std::vector<double> unpreempted;
  us.reserve(order.size());
  unpreempted.reserve(order.size());
  for (uint64_t id : order) {
    const long switches = InvoluntarySwitches();
    const auto start = SteadyClock::now();
    StatusOr<ReadResult> r = vault.Read(Principal::Service(), id, "service");
    us.push_back(Micros(SteadyClock::now() - start));
    if (InvoluntarySwitches() == switches) unpreempted.push_back(us.back());
    if (static_cast<int>(Check(std::move(r), "read").fields.size()) != fields) {
      std::fprintf(stderr, "vault_bench: read the wrong number of fields, expected %d\n", fields);
      std::exit(1);
    }
  }
  return {.all = Summarize(us),
          .unpreempted = Summarize(unpreempted),
          .calls = us.size(),
          .preempted = us.size() - unpreempted.size()};
}

// `threads` threads read random subjects of `ids`, `total` reads in all (split evenly); each
// call is timed alone. On a machine with fewer cores than threads, a call's latency includes
// the time its thread waited for a core.
struct ConcurrentReads {
  double per_second = 0;
  Percentiles latency;
  size_t calls = 0;
};
ConcurrentReads TimeConcurrentReads(Vault& vault, const std::vector<uint64_t>& ids, int threads,
                                    int total, int fields) {
  std::vector<std::vector<double>> us(static_cast<size_t>(threads));
  std::vector<std::thread> workers;
  const auto start = SteadyClock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      Random rng(kSeed ^ (0x7468 + static_cast<uint64_t>(t)));
      std::vector<double>& mine = us[static_cast<size_t>(t)];
      mine.reserve(static_cast<size_t>(total / threads));
      for (int i = 0; i < total / threads; ++i) {
        const uint64_t id = ids[rng.Next() % ids.size()];
        const auto call = SteadyClock::now();
        StatusOr<ReadResult> r = vault.Read(Principal::Service(), id, "service");
        mine.push_back(Micros(SteadyClock::now() - call));
        if (static_cast<int>(Check(std::move(r), "read").fields.size()) != fields) {
          std::fprintf(stderr, "vault_bench: read the wrong number of fields, expected %d\n",
                       fields);
          std::exit(1);
        }
      }
    });
  }
  for (std::thread& w : workers) w.join();
  const double seconds = Seconds(SteadyClock::now() - start);
  std::vector<double> all;
  for (const std::vector<double>& u : us) all.insert(all.end(), u.begin(), u.end());
  return {.per_second = static_cast<double>(all.size()) / seconds,
          .latency = Summarize(all),
          .calls = all.size()};
}

void PrintConcurrentReads(Vault& vault, const char* auditing, const std::vector<uint64_t>& ids,
                          int total, int fields) {
  for (int threads : {1, 2, 8}) {
    const ConcurrentReads r = TimeConcurrentReads(vault, ids, threads, total, fields);
    char name[64];
    std::snprintf(name, sizeof name, "%s, %d thread%s", auditing, threads, threads == 1 ? "" : "s");
    std::printf("%-34s %8.0f reads/s   p50 %8.1f us   p99 %8.1f us   (%zu calls)\n", name,
                r.per_second, r.latency.p50, r.latency.p99, r.calls);
  }
}

void PrintReads(const char* name, const ReadLatency& r) {
  PrintLatency(name, r.all, r.calls);
  std::printf("%-34s p50 %8.1f us   p99 %8.1f us   (%zu of %zu calls preempted)\n",
              "  not preempted", r.unpreempted.p50, r.unpreempted.p99, r.preempted, r.calls);
}

// The disk's own durable-write latency, for reading the erase figures against: `samples` times
// 4 KiB appended to a file in `dir` and fdatasync'd (what a WAL commit does).
std::vector<double> FsyncLatencies(const std::string& dir, int samples) {
  const std::string path = dir + "/fsync-probe";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::perror("vault_bench: fsync probe");
    std::exit(1);
  }
  const std::string block(4096, 'x');
  std::vector<double> us;
  for (int i = 0; i < samples; ++i) {
    const auto start = SteadyClock::now();
    if (::pwrite(fd, block.data(), block.size(), static_cast<off_t>(i) * 4096) !=
            static_cast<ssize_t>(block.size()) ||
        ::fdatasync(fd) != 0) {
      std::perror("vault_bench: fsync probe");
      std::exit(1);
    }
    us.push_back(Micros(SteadyClock::now() - start));
  }
  ::close(fd);
  ::unlink(path.c_str());
  return us;
}

int Run(const Options& o) {
  const int per_subject = o.per_subject < 0 ? o.subjects : std::min(o.per_subject, o.subjects);
  PolicyLoadResult loaded =
      LoadPolicyFile(std::string(PRIVET_SOURCE_DIR) + "/policies/starter.yaml");
  if (!loaded.ok()) {
    std::fprintf(stderr, "vault_bench: cannot load policies/starter.yaml\n");
    return 1;
  }
  auto policy = Check(CompiledPolicy::Compile(std::move(*loaded.policy)), "compile policy");
  ManualClock clock(CivilDayToTime({2024, 3, 4}));

  std::printf("== vault vs plain SQLite: %d subjects x %d fields, %d-byte values (%d sealed) ==\n",
              o.subjects, o.fields, o.value_bytes, o.value_bytes + static_cast<int>(kSealOverhead));
  std::printf("dir: %s\n\n-- writes --\n", o.dir.c_str());

  // 1. Writes.
  Options few = o;
  few.subjects = per_subject;
  const Rate plain_one = PlainWrites(o.dir + "/plain-per-subject.db", few, 1, nullptr);
  PrintRate("plain SQLite, 1 subject/txn", plain_one, per_subject, "1 commit per subject");
  std::printf("  rss peak so far: %ld MiB\n", PeakRssMib());
  Rate vault_one;
  {
    auto vault = OpenVault(o.dir + "/vault-per-subject", policy, clock);
    vault_one = VaultPerSubject(*vault, per_subject, o);
  }
  PrintRate("vault, CreateSubject + Write", vault_one, per_subject,
            "3 commits per subject: key store, subject, fields");
  Rate vault_one_import;
  {
    Options one = o;
    one.batch = 1;
    auto vault = OpenVault(o.dir + "/vault-import-one", policy, clock);
    SteadyClock::duration elapsed{};
    (void)VaultImport(*vault, 0, per_subject, o.fields, one, &elapsed);
    vault_one_import = {Seconds(elapsed), static_cast<long>(per_subject) * o.fields};
  }
  PrintRate("vault, Import of 1 subject", vault_one_import, per_subject,
            "2 commits per subject: key store, data");
  std::printf("  rss peak so far: %ld MiB\n", PeakRssMib());
  std::vector<uint64_t> plain_ids;
  const Rate plain_bulk = PlainWrites(o.dir + "/plain-bulk.db", o, o.batch, &plain_ids);
  char granularity[96];
  std::snprintf(granularity, sizeof granularity, "%d subjects per txn", o.batch);
  PrintRate("plain SQLite, batched", plain_bulk, o.subjects, granularity);
  std::printf("  rss peak so far: %ld MiB\n", PeakRssMib());
  std::vector<uint64_t> ids;
  Rate vault_bulk;
  {
    auto vault = OpenVault(o.dir + "/vault-bulk", policy, clock);
    SteadyClock::duration elapsed{};
    ids = VaultImport(*vault, 0, o.subjects, o.fields, o, &elapsed);
    vault_bulk = {Seconds(elapsed), static_cast<long>(o.subjects) * o.fields};
  }
  std::snprintf(granularity, sizeof granularity,
                "%d subjects per Import: 1 key-store + 1 data commit", o.batch);
  PrintRate("vault, Import", vault_bulk, o.subjects, granularity);
  std::printf("  rss peak so far: %ld MiB\n", PeakRssMib());
  const double ratio_one = vault_one.per_second() / plain_one.per_second();
  const double ratio_bulk = vault_bulk.per_second() / plain_bulk.per_second();
  const double ratio_one_import = vault_one_import.per_second() / plain_one.per_second();
  std::printf("ratio per-subject (vault/plain):   %.3f  (CreateSubject + Write)\n", ratio_one);
  std::printf("ratio per-subject (vault/plain):   %.3f  (Import of 1 subject)\n", ratio_one_import);
  std::printf("ratio bulk (vault/plain):          %.3f\n", ratio_bulk);

  // 2. Reads.
  std::printf("\n-- reads: all %d fields of one subject among %d --\n", o.fields, o.subjects);
  Random rng(kSeed ^ 0x52);
  {
    PlainSqlite plain(o.dir + "/plain-bulk.db");
    std::vector<uint64_t> order = plain_ids;
    rng.Shuffle(order);
    std::vector<double> us;
    for (uint64_t id : order) {
      const auto start = SteadyClock::now();
      const int rows = plain.ReadFields(id);
      us.push_back(Micros(SteadyClock::now() - start));
      if (rows != o.fields) std::abort();
    }
    PrintLatency("plain SQLite SELECT", Summarize(std::move(us)), order.size());
  }
  auto vault = OpenVault(o.dir + "/vault-bulk", policy, clock);
  ReadLatency warm;
  {
    std::vector<uint64_t> order = ids;
    rng.Shuffle(order);
    PrintReads("vault Read, cold (first read)", TimeReads(*vault, order, o.fields));
    std::vector<uint64_t> again(ids.size());
    for (uint64_t& id : again) id = ids[rng.Next() % ids.size()];
    PrintReads("vault Read, warm (cached subject)", TimeReads(*vault, again, o.fields));
    std::printf("  concurrent warm reads (every subject cached), %d in all:\n", o.subjects);
    PrintConcurrentReads(*vault, "  stored before return", ids, o.subjects, o.fields);
  }
  {
    // The same reads with decision entries batched (stored by the next change or within 5 ms)
    // instead of one commit per read.
    vault.reset();
    auto batched =
        OpenVault(o.dir + "/vault-bulk", policy, clock, VaultOptions::ReadAuditing::kBatched);
    std::vector<uint64_t> order = ids;
    rng.Shuffle(order);
    PrintReads("vault Read, cold, batched audit", TimeReads(*batched, order, o.fields));
    std::vector<uint64_t> again(ids.size());
    for (uint64_t& id : again) id = ids[rng.Next() % ids.size()];
    warm = TimeReads(*batched, again, o.fields);
    PrintReads("vault Read, warm, batched audit", warm);
    PrintConcurrentReads(*batched, "  batched audit", ids, o.subjects, o.fields);
    batched.reset();
    vault = OpenVault(o.dir + "/vault-bulk", policy, clock);
  }
  std::printf("  rss peak so far: %ld MiB\n", PeakRssMib());

  // 3. Erase.
  std::printf("\n-- erase: one subject among %d --\n", o.subjects);
  const int kFieldCounts[] = {1, 10, 100};
  struct Victim {
    uint64_t id;
    int group;
  };
  std::vector<Victim> victims;
  std::vector<std::vector<uint64_t>> spare(3);  // for the breakdown below
  for (int g = 0; g < 3; ++g) {
    SteadyClock::duration ignored{};
    const int first = o.subjects + g * 2 * o.erase;
    for (uint64_t id : VaultImport(*vault, first, o.erase, kFieldCounts[g], o, &ignored))
      victims.push_back({id, g});
    spare[g] = VaultImport(*vault, first + o.erase, o.erase, kFieldCounts[g], o, &ignored);
  }
  rng.Shuffle(victims);
  std::vector<std::vector<double>> erase_us(3);
  double erase_p99 = 0;
  double erase_p50 = 0;
  // The disk's fsync latency just before and just after the erasures.
  std::vector<double> fsync_us = FsyncLatencies(o.dir, o.erase);
  for (const Victim& v : victims) {
    const auto start = SteadyClock::now();
    Check(vault->Erase(v.id), "erase");
    erase_us[v.group].push_back(Micros(SteadyClock::now() - start));
  }
  vault.reset();  // waits for the background purges (and scrubs) to finish
  for (double us : FsyncLatencies(o.dir, o.erase)) fsync_us.push_back(us);
  const Percentiles disk_fsync = Summarize(fsync_us);
  PrintLatency("disk: 4 KiB append + fdatasync", disk_fsync, fsync_us.size());
  for (int g = 0; g < 3; ++g) {
    char name[64];
    std::snprintf(name, sizeof name, "vault Erase, %d field%s", kFieldCounts[g],
                  kFieldCounts[g] == 1 ? "" : "s");
    const Percentiles p = Summarize(erase_us[g]);
    erase_p99 = std::max(erase_p99, p.p99);
    erase_p50 = std::max(erase_p50, p.p50);
    PrintLatency(name, p, erase_us[g].size());
  }

  // Where an erasure's time goes: its two steps, through the store interfaces on the same files.
  {
    auto keys = Check(store::OpenSqliteKeyStore(o.dir + "/vault-bulk/keys.db"), "open key store");
    auto data = Check(store::OpenSqliteDataStore(o.dir + "/vault-bulk/data.db"), "open data store");
    std::vector<Victim> more;
    for (int g = 0; g < 3; ++g)
      for (uint64_t id : spare[g]) more.push_back({id, g});
    rng.Shuffle(more);
    std::vector<double> destroy_us;
    std::vector<double> scrub_us;
    std::vector<std::vector<double>> purge_us(3);
    for (const Victim& v : more) {
      auto start = SteadyClock::now();
      Check(keys->DestroyWrappedKey(v.id), "destroy wrapped key");
      destroy_us.push_back(Micros(SteadyClock::now() - start));
      start = SteadyClock::now();
      Check(data->PurgeSubject(v.id), "purge subject");
      purge_us[v.group].push_back(Micros(SteadyClock::now() - start));
      start = SteadyClock::now();
      Check(keys->PurgeDone(v.id), "purge done");
      scrub_us.push_back(Micros(SteadyClock::now() - start));
    }
    PrintLatency("  of which: destroy wrapped key", Summarize(destroy_us), destroy_us.size());
    PrintLatency("  then, in the background: scrub", Summarize(scrub_us), scrub_us.size());
    for (int g = 0; g < 3; ++g) {
      char name[64];
      std::snprintf(name, sizeof name, "  of which: purge rows, %d field%s", kFieldCounts[g],
                    kFieldCounts[g] == 1 ? "" : "s");
      PrintLatency(name, Summarize(purge_us[g]), purge_us[g].size());
    }
  }

  // 4. Memory.
  std::printf("\n-- memory --\npeak rss (ru_maxrss): %ld MiB\n", PeakRssMib());
  std::printf(
      "\ntargets: ratio >= 0.5: bulk %s, per-subject %s (Import of 1: %s);"
      " warm read p99 < 50 us (batched audit): %s; erase < 1 ms: p50 %s, p99 %s"
      " (erase p99 / disk fdatasync p99: %.2f)\n",
      ratio_bulk >= 0.5 ? "met" : "MISSED", ratio_one >= 0.5 ? "met" : "MISSED",
      ratio_one_import >= 0.5 ? "met" : "MISSED", warm.all.p99 < 50 ? "met" : "MISSED",
      erase_p50 < 1000 ? "met" : "MISSED", erase_p99 < 1000 ? "met" : "MISSED",
      erase_p99 / disk_fsync.p99);
  return 0;
}

bool Flag(std::string_view arg, std::string_view name, int* out) {
  if (arg.substr(0, name.size()) != name) return false;
  *out = std::atoi(std::string(arg.substr(name.size())).c_str());
  return true;
}

}  // namespace
}  // namespace privet::bench

// An exception that escapes ends the run with its message: what a benchmark should do.
int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  privet::bench::Options o;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (privet::bench::Flag(a, "--subjects=", &o.subjects) ||
        privet::bench::Flag(a, "--fields=", &o.fields) ||
        privet::bench::Flag(a, "--per-subject=", &o.per_subject) ||
        privet::bench::Flag(a, "--batch=", &o.batch) ||
        privet::bench::Flag(a, "--value-bytes=", &o.value_bytes) ||
        privet::bench::Flag(a, "--erase=", &o.erase)) {
      continue;
    }
    if (a.substr(0, 6) == "--dir=") {
      o.dir = std::string(a.substr(6));
      keep = true;
      continue;
    }
    std::fprintf(stderr,
                 "usage: vault_bench [--subjects=N] [--fields=N] [--per-subject=N] [--batch=N]"
                 " [--value-bytes=N] [--erase=N] [--dir=PATH]\n");
    return 2;
  }
  if (o.subjects < 1 || o.fields < 1 || o.batch < 1 || o.erase < 1 || o.value_bytes < 24) {
    std::fprintf(stderr, "vault_bench: subjects, fields, batch, erase >= 1; value-bytes >= 24\n");
    return 2;
  }
  if (!privet::bench::PrepareScratchDir(o.dir, keep, "vault-bench")) return 1;
  return privet::bench::Run(o);
}
