// rights_bench: access exports among a million subjects, and a retention sweep of a million
// expired fields against a plain SQLite DELETE of the same rows.
//
//   rights_bench [--subjects=1000000] [--fields=10] [--chunk=10000] [--exports=10000]
//                [--batch=10000] [--value-bytes=32] [--dir=PATH]
//
// PRIVET_BENCH_SUBJECTS, when set, is the default for --subjects (a quick smoke run:
// PRIVET_BENCH_SUBJECTS=20000). In one run, in a fresh temporary directory (removed at the end):
//  1. Load: `subjects` subjects of `fields` fields each through Vault::Import, `chunk` subjects
//     per call, on 2024-01-02 under policies/connact.yaml. Each subject is a user (age 30, EU)
//     with its email (a blind-index identifier), `fields` - 2 fields of user.name and
//     user.account, collected for `service`, and one user.device.ip_address collected for
//     `abuse_detection`: a request log, which the policy's `request_logs` rule anonymizes 90
//     days after collection. Every value is `value-bytes` long.
//  2. Access exports: the vault is reopened (empty subject cache), then
//     RequestDesk::ExportJson(id, kEverything) of `exports` distinct random subjects, each timed
//     alone (cold: the subject's first use since opening), then of the same subjects again in
//     another order (warm). Every export is checked to hold the subject's `fields` fields.
//  3. Retention sweep: the clock moves to 2024-04-20 (the request logs are 109 days old, every
//     other field is kept: the `accounts` rule waits for a contract end that never came), and
//     RunRetention with batch_size = `batch` removes one field per subject: `subjects` fields
//     among subjects x fields, each batch one transaction with its aggregates and audit
//     entries. Timed whole (the metadata scan of every field included); the intervals between
//     its progress calls give the per-batch times.
//  4. Baseline: a separate plain SQLite file with the vault data file's subjects and fields
//     tables and the same rows (ids random 63-bit, sealed-size blobs, the same categories,
//     purposes, times), loaded untimed, then reopened with the vault's settings (WAL,
//     synchronous=FULL, foreign keys, 64 MiB page cache). The same fields are deleted by the
//     same predicate (a category under user.device or user.behavior, collected at least 90
//     days before now) in batches of `batch` rows, each one transaction: select the next
//     `batch` keys matching the predicate after the last one deleted, in key order, delete
//     them by primary key, commit. Rate = fields / seconds for both; ratio = vault / plain.
//  5. Peak memory: getrusage(RUSAGE_SELF).ru_maxrss after each phase.
//
// Timed with steady_clock, deterministic workload (splitmix64, fixed seed); the vault's keys,
// nonces and ids are random as in production. scripts/bench-rights.sh builds and runs it at
// full size; docs/performance.md has the figures.

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "bench_util.h"
#include "privet/clock.h"
#include "privet/compiled_policy.h"
#include "privet/policy.h"
#include "privet/retention.h"
#include "privet/rights.h"
#include "privet/vault.h"

namespace privet::bench {
namespace {

constexpr uint64_t kSeed = 0x726967687473;  // "rights"
constexpr size_t kSealOverhead = 24 + 16;   // nonce + tag
const CivilDay kCollected{2024, 1, 2};
const CivilDay kSweepDay{2024, 4, 20};  // 109 days later: the request logs (90 days) are due
constexpr char kExpiredCategory[] = "user.device.ip_address";

struct Options {
  int subjects = 1'000'000;
  int fields = 10;
  int chunk = 10'000;
  int exports = 10'000;
  int batch = 10'000;
  int value_bytes = 32;
  std::string dir;
};

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

void PrintLatency(const char* name, const Percentiles& p, size_t samples) {
  std::printf("%-34s p50 %8.2f ms  p99 %8.2f ms  max %8.2f ms  (%zu calls)\n", name, p.p50 / 1000,
              p.p99 / 1000, p.max / 1000, samples);
}

int64_t Unix(CivilDay d) {
  return std::chrono::duration_cast<std::chrono::seconds>(CivilDayToTime(d).time_since_epoch())
      .count();
}

// --- The workload -------------------------------------------------------------------------------

// `n` in base 26, as letters: values with long runs of digits could look like card numbers.
std::string Letters(int n, int width) {
  std::string out(static_cast<size_t>(width), 'a');
  for (int i = width - 1; i >= 0 && n > 0; --i, n /= 26) out[i] = static_cast<char>('a' + n % 26);
  return out;
}

// Field k of a subject: 0 its email, the last its request log, the others name and account.
const char* CategoryOf(int k, int fields) {
  if (k == 0) return "user.contact.email";
  if (k == fields - 1) return kExpiredCategory;
  return k % 2 ? "user.name" : "user.account";
}

std::string Value(int subject, int field, int value_bytes) {
  if (field == 0) {
    std::string local = "s" + Letters(subject, 7) + ".";
    const std::string domain = "@example.com";
    local.resize(static_cast<size_t>(value_bytes) - domain.size(), 'x');
    return local + domain;
  }
  std::string v = "Value " + Letters(subject, 7) + " " + Letters(field, 3) + " ";
  v.resize(static_cast<size_t>(value_bytes), 'x');
  return v;
}

ImportedSubject Subject(int i, const Options& o) {
  ImportedSubject s{.subject = {.kind = "user", .age_years = 30, .jurisdiction = "EU"},
                    .write = {.purposes = {"service", "abuse_detection"}}};
  for (int k = 0; k < o.fields; ++k)
    s.write.fields.push_back(
        {.category = CategoryOf(k, o.fields), .value = Value(i, k, o.value_bytes)});
  return s;
}

// --- Plain SQLite -------------------------------------------------------------------------------

// The vault data file's subjects and fields tables (src/store/sqlite/sqlite_data_store.cc).
constexpr char kPlainSchema[] = R"sql(
CREATE TABLE subjects (
  id INTEGER PRIMARY KEY, kind TEXT NOT NULL, organization_id INTEGER NOT NULL,
  tenant_id INTEGER NOT NULL, created_at INTEGER NOT NULL, policy_version INTEGER NOT NULL,
  sealed_profile BLOB NOT NULL);
CREATE INDEX subjects_by_organization ON subjects (organization_id);
CREATE TABLE fields (
  subject_id INTEGER NOT NULL REFERENCES subjects (id), id INTEGER NOT NULL UNIQUE,
  category TEXT NOT NULL, source TEXT NOT NULL, purposes TEXT NOT NULL, basis TEXT NOT NULL,
  collected_at INTEGER NOT NULL, last_activity INTEGER NOT NULL,
  policy_version INTEGER NOT NULL, sealed_value BLOB NOT NULL,
  PRIMARY KEY (subject_id, id)) WITHOUT ROWID;
)sql";

class PlainSqlite {
 public:
  PlainSqlite(const std::string& path, bool loading) {
    Ok(sqlite3_open_v2(path.c_str(), &db_,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr),
       "open");
    Exec("PRAGMA journal_mode=WAL");
    if (loading) {
      // Loading is not measured: no fsyncs, a large cache.
      Exec(kPlainSchema);
      Exec("PRAGMA synchronous=OFF; PRAGMA foreign_keys=OFF; PRAGMA cache_size=-1048576");
    } else {
      // What the vault's data store runs with.
      Exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536");
    }
  }
  ~PlainSqlite() {
    for (sqlite3_stmt* s : statements_) sqlite3_finalize(s);
    sqlite3_close_v2(db_);
  }
  PlainSqlite(const PlainSqlite&) = delete;
  PlainSqlite& operator=(const PlainSqlite&) = delete;

  void Exec(const char* sql) { Ok(sqlite3_exec(db_, sql, nullptr, nullptr, nullptr), sql); }
  sqlite3_stmt* Prepare(const char* sql) {
    sqlite3_stmt* s = nullptr;
    Ok(sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr), sql);
    statements_.push_back(s);
    return s;
  }
  int Step(sqlite3_stmt* s, std::string_view what) {
    const int rc = sqlite3_step(s);
    Ok(rc, what);
    return rc;
  }
  void Done(sqlite3_stmt* s) {
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
  }
  void Ok(int rc, std::string_view what) {
    if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return;
    std::fprintf(stderr, "rights_bench: plain sqlite %.*s: %s\n", static_cast<int>(what.size()),
                 what.data(), db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
    std::exit(1);
  }

 private:
  sqlite3* db_ = nullptr;
  std::vector<sqlite3_stmt*> statements_;
};

// The same rows as the vault holds: subjects with random ids, each with its fields (random ids,
// blobs of the sealed size, the same categories and metadata). Inserted in key order to load fast.
void LoadPlain(const std::string& path, const Options& o) {
  PlainSqlite db(path, /*loading=*/true);
  sqlite3_stmt* subject = db.Prepare(
      "INSERT INTO subjects (id, kind, organization_id, tenant_id, created_at, policy_version, "
      "sealed_profile)"
      " VALUES (?, 'user', 0, 0, ?, 1, ?)");
  sqlite3_stmt* field = db.Prepare(
      "INSERT INTO fields (subject_id, id, category, source, purposes, basis, collected_at, "
      "last_activity,"
      " policy_version, sealed_value) VALUES (?, ?, ?, 'subject', ?, ?, ?, ?, 1, ?)");
  Random rng(kSeed);
  std::vector<uint64_t> ids(static_cast<size_t>(o.subjects));
  for (uint64_t& id : ids) id = rng.Id();
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  const int64_t collected = Unix(kCollected) + int64_t{9} * 3600;
  const std::string profile = rng.Bytes(64 + kSealOverhead);  // about the sealed profile's size
  const size_t sealed_bytes = static_cast<size_t>(o.value_bytes) + kSealOverhead;
  db.Exec("BEGIN");
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0 && i % 100'000 == 0) db.Exec("COMMIT; BEGIN");
    sqlite3_bind_int64(subject, 1, static_cast<int64_t>(ids[i]));
    sqlite3_bind_int64(subject, 2, collected);
    sqlite3_bind_blob(subject, 3, profile.data(), static_cast<int>(profile.size()), SQLITE_STATIC);
    db.Step(subject, "insert subject");
    db.Done(subject);
    std::vector<std::pair<uint64_t, int>> fields;  // (field id, k), in key order
    for (int k = 0; k < o.fields; ++k) fields.push_back({rng.Id(), k});
    std::sort(fields.begin(), fields.end());
    for (const auto& [field_id, k] : fields) {
      const bool request_log = k == o.fields - 1;
      const std::string sealed = rng.Bytes(sealed_bytes);
      sqlite3_bind_int64(field, 1, static_cast<int64_t>(ids[i]));
      sqlite3_bind_int64(field, 2, static_cast<int64_t>(field_id));
      sqlite3_bind_text(field, 3, CategoryOf(k, o.fields), -1, SQLITE_STATIC);
      sqlite3_bind_text(field, 4, request_log ? "[\"abuse_detection\"]" : "[\"service\"]", -1,
                        SQLITE_STATIC);
      sqlite3_bind_text(field, 5, request_log ? "legitimate_interests" : "contract", -1,
                        SQLITE_STATIC);
      sqlite3_bind_int64(field, 6, collected);
      sqlite3_bind_int64(field, 7, collected);
      sqlite3_bind_blob(field, 8, sealed.data(), static_cast<int>(sealed.size()), SQLITE_TRANSIENT);
      db.Step(field, "insert field");
      db.Done(field);
    }
  }
  db.Exec("COMMIT; PRAGMA wal_checkpoint(TRUNCATE)");
}

struct Sweep {
  double seconds = 0;
  uint64_t fields = 0;
  std::vector<double> batch_us;  // per batch
  double first_us = 0;           // until the first batch was committed (the vault: scan included)
  double per_second() const { return static_cast<double>(fields) / seconds; }
};

// Deletes the expired request logs by predicate, `batch` rows per transaction.
Sweep PlainDelete(const std::string& path, const Options& o) {
  PlainSqlite db(path, /*loading=*/false);
  // The predicate of the `request_logs` rule: a category under user.device or user.behavior,
  // collected at least 90 days ago; keyset pagination from the last key deleted.
  sqlite3_stmt* next = db.Prepare(
      "SELECT subject_id, id FROM fields"
      " WHERE (subject_id, id) > (?, ?)"
      "   AND (category = 'user.device' OR category GLOB 'user.device.*'"
      "        OR category = 'user.behavior' OR category GLOB 'user.behavior.*')"
      "   AND collected_at <= ?"
      " ORDER BY subject_id, id LIMIT ?");
  sqlite3_stmt* del = db.Prepare("DELETE FROM fields WHERE subject_id = ? AND id = ?");
  sqlite3_stmt* begin = db.Prepare("BEGIN IMMEDIATE");
  sqlite3_stmt* commit = db.Prepare("COMMIT");
  const int64_t cutoff = Unix(kSweepDay) - int64_t{90} * 86400;
  int64_t last_subject = -1, last_id = -1;
  Sweep out;
  const auto start = SteadyClock::now();
  std::vector<std::pair<int64_t, int64_t>> keys;
  for (;;) {
    const auto batch_start = SteadyClock::now();
    db.Step(begin, "begin");
    db.Done(begin);
    keys.clear();
    sqlite3_bind_int64(next, 1, last_subject);
    sqlite3_bind_int64(next, 2, last_id);
    sqlite3_bind_int64(next, 3, cutoff);
    sqlite3_bind_int(next, 4, o.batch);
    while (db.Step(next, "select batch") == SQLITE_ROW)
      keys.push_back({sqlite3_column_int64(next, 0), sqlite3_column_int64(next, 1)});
    db.Done(next);
    for (const auto& [s, f] : keys) {
      sqlite3_bind_int64(del, 1, s);
      sqlite3_bind_int64(del, 2, f);
      db.Step(del, "delete");
      db.Done(del);
    }
    db.Step(commit, "commit");
    db.Done(commit);
    if (keys.empty()) break;
    last_subject = keys.back().first;
    last_id = keys.back().second;
    out.fields += keys.size();
    const auto now = SteadyClock::now();
    if (out.first_us == 0) {
      out.first_us = Micros(now - start);
    } else {
      out.batch_us.push_back(Micros(now - batch_start));
    }
  }
  out.seconds = Seconds(SteadyClock::now() - start);
  return out;
}

// --- Phases -------------------------------------------------------------------------------------

std::unique_ptr<Vault> OpenVault(const std::string& dir,
                                 const std::shared_ptr<const CompiledPolicy>& policy,
                                 const Clock& clock) {
  return Check(Vault::Open({.data_dir = dir, .policy = policy, .clock = &clock}), "open vault");
}

Percentiles TimeExports(RequestDesk& desk, const std::vector<uint64_t>& order, int fields) {
  std::vector<double> us;
  us.reserve(order.size());
  for (uint64_t id : order) {
    const auto start = SteadyClock::now();
    std::string json = Check(desk.ExportJson(id, RequestDesk::ExportScope::kEverything), "export");
    us.push_back(Micros(SteadyClock::now() - start));
    const nlohmann::json doc = nlohmann::json::parse(json);
    if (static_cast<int>(doc.at("fields").size()) != fields) {
      std::fprintf(stderr, "rights_bench: export of %llu holds %zu fields, expected %d\n",
                   static_cast<unsigned long long>(id), doc.at("fields").size(), fields);
      std::exit(1);
    }
  }
  return Summarize(std::move(us));
}

int Run(const Options& o) {
  PolicyLoadResult loaded =
      LoadPolicyFile(std::string(PRIVET_SOURCE_DIR) + "/policies/connact.yaml");
  if (!loaded.ok()) {
    std::fprintf(stderr, "rights_bench: cannot load policies/connact.yaml\n");
    return 1;
  }
  auto policy = Check(CompiledPolicy::Compile(std::move(*loaded.policy)), "compile policy");
  ManualClock clock(CivilDayToTime(kCollected) + std::chrono::hours(9));
  const std::string vault_dir = o.dir + "/vault";

  std::printf(
      "== rights and retention: %d subjects x %d fields, %d-byte values (%d sealed), batch %d ==\n",
      o.subjects, o.fields, o.value_bytes, o.value_bytes + static_cast<int>(kSealOverhead),
      o.batch);
  std::printf("dir: %s\n\n-- load (untimed for the targets) --\n", o.dir.c_str());

  // 1. Load.
  std::vector<uint64_t> ids;
  ids.reserve(static_cast<size_t>(o.subjects));
  {
    auto vault = OpenVault(vault_dir, policy, clock);
    const auto start = SteadyClock::now();
    std::vector<ImportedSubject> items;
    for (int i = 0; i < o.subjects; i += o.chunk) {
      items.clear();
      for (int k = i; k < std::min(o.subjects, i + o.chunk); ++k) items.push_back(Subject(k, o));
      std::vector<uint64_t> got = Check(vault->Import(items), "import");
      ids.insert(ids.end(), got.begin(), got.end());
      if ((i / o.chunk) % 20 == 19) {
        std::printf("  imported %d subjects, %.0f s\n", i + o.chunk,
                    Seconds(SteadyClock::now() - start));
        std::fflush(stdout);
      }
    }
    const double s = Seconds(SteadyClock::now() - start);
    std::printf(
        "vault Import                       %9.0f fields/s  (%d subjects in %.1f s; %d per call)\n",
        static_cast<double>(o.subjects) * o.fields / s, o.subjects, s, o.chunk);
  }
  std::printf("  rss peak after the vault import: %ld MiB\n", PeakRssMib());
  {
    const auto start = SteadyClock::now();
    LoadPlain(o.dir + "/plain.db", o);
    std::printf("plain SQLite load (no fsync)       %9.0f fields/s  (%.1f s)\n",
                static_cast<double>(o.subjects) * o.fields / Seconds(SteadyClock::now() - start),
                Seconds(SteadyClock::now() - start));
  }
  std::printf("  rss peak so far: %ld MiB (the plain load's 1 GiB page cache included)\n",
              PeakRssMib());

  // 2. Access exports.
  std::printf(
      "\n-- access export: RequestDesk::ExportJson(kEverything) of one subject among %d --\n",
      o.subjects);
  Percentiles cold;
  {
    auto start = SteadyClock::now();
    auto vault = OpenVault(vault_dir, policy, clock);
    std::printf("vault reopened in %.2f s\n", Seconds(SteadyClock::now() - start));
    RequestDesk desk(*vault);
    Random rng(kSeed ^ 0x65);
    std::vector<uint64_t> order = ids;
    rng.Shuffle(order);
    order.resize(std::min(order.size(), static_cast<size_t>(o.exports)));
    cold = TimeExports(desk, order, o.fields);
    PrintLatency("export, cold (first use)", cold, order.size());
    rng.Shuffle(order);
    PrintLatency("export, warm (cached subject)", TimeExports(desk, order, o.fields), order.size());
  }
  std::printf("  rss peak so far: %ld MiB\n", PeakRssMib());

  // 3. Retention sweep.
  std::printf("\n-- retention sweep: %d expired fields among %lld --\n", o.subjects,
              static_cast<long long>(o.subjects) * o.fields);
  Sweep vault_sweep;
  {
    clock.Set(CivilDayToTime(kSweepDay));
    auto vault = OpenVault(vault_dir, policy, clock);
    auto last = SteadyClock::now();
    const auto start = last;
    SweepOptions options{.batch_size = static_cast<size_t>(o.batch)};
    options.progress = [&](uint64_t, uint64_t) {
      const auto now = SteadyClock::now();
      if (vault_sweep.first_us == 0) {
        vault_sweep.first_us = Micros(now - start);
      } else {
        vault_sweep.batch_us.push_back(Micros(now - last));
      }
      last = now;
    };
    SweepReport report = Check(RunRetention(*vault, options), "retention sweep");
    vault_sweep.seconds = Seconds(SteadyClock::now() - start);
    vault_sweep.fields = report.fields_deleted;
    if (report.fields_due != static_cast<uint64_t>(o.subjects) ||
        report.fields_deleted != report.fields_due ||
        report.fields_scanned != static_cast<uint64_t>(o.subjects) * o.fields) {
      std::fprintf(stderr,
                   "rights_bench: sweep scanned %llu, due %llu, deleted %llu; expected %d due\n",
                   static_cast<unsigned long long>(report.fields_scanned),
                   static_cast<unsigned long long>(report.fields_due),
                   static_cast<unsigned long long>(report.fields_deleted), o.subjects);
      return 1;
    }
    int64_t counted = 0;
    for (const RetentionAggregate& a : Check(vault->Aggregates(), "aggregates")) counted += a.count;
    if (counted != o.subjects) {
      std::fprintf(stderr, "rights_bench: aggregates count %lld fields, expected %d\n",
                   static_cast<long long>(counted), o.subjects);
      return 1;
    }
  }
  std::printf("  rss peak so far: %ld MiB\n", PeakRssMib());
  const Sweep plain = PlainDelete(o.dir + "/plain.db", o);
  if (plain.fields != static_cast<uint64_t>(o.subjects)) {
    std::fprintf(stderr, "rights_bench: plain DELETE removed %llu rows, expected %d\n",
                 static_cast<unsigned long long>(plain.fields), o.subjects);
    return 1;
  }
  auto print_sweep = [&](const char* name, const Sweep& s) {
    const Percentiles b = Summarize(s.batch_us);
    std::printf(
        "%-34s %9.0f fields/s  (%llu fields in %.2f s; first batch committed at %.2f s,"
        " the %zu after it p50 %.1f ms p99 %.1f ms each)\n",
        name, s.per_second(), static_cast<unsigned long long>(s.fields), s.seconds,
        s.first_us / 1e6, s.batch_us.size(), b.p50 / 1000, b.p99 / 1000);
  };
  print_sweep("vault RunRetention", vault_sweep);
  print_sweep("plain SQLite DELETE", plain);
  const double ratio = vault_sweep.per_second() / plain.per_second();
  std::printf("ratio (vault/plain):                %.3f\n", ratio);

  // 4. Memory.
  std::printf("\n-- memory --\npeak rss (ru_maxrss): %ld MiB\n", PeakRssMib());
  std::printf("\ntargets: export p99 < 10 ms (cold): %s\n", cold.p99 < 10'000 ? "met" : "MISSED");
  return 0;
}

bool Flag(std::string_view arg, std::string_view name, int* out) {
  if (arg.substr(0, name.size()) != name) return false;
  *out = std::atoi(std::string(arg.substr(name.size())).c_str());
  return true;
}

}  // namespace
}  // namespace privet::bench

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress shows as it happens when redirected
  privet::bench::Options o;
  if (const char* env = std::getenv("PRIVET_BENCH_SUBJECTS"); env != nullptr && *env != '\0') {
    o.subjects = std::atoi(env);
  }
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (privet::bench::Flag(a, "--subjects=", &o.subjects) ||
        privet::bench::Flag(a, "--fields=", &o.fields) ||
        privet::bench::Flag(a, "--chunk=", &o.chunk) ||
        privet::bench::Flag(a, "--exports=", &o.exports) ||
        privet::bench::Flag(a, "--batch=", &o.batch) ||
        privet::bench::Flag(a, "--value-bytes=", &o.value_bytes)) {
      continue;
    }
    if (a.substr(0, 6) == "--dir=") {
      o.dir = std::string(a.substr(6));
      keep = true;
      continue;
    }
    std::fprintf(
        stderr,
        "usage: rights_bench [--subjects=N] [--fields=N] [--chunk=N] [--exports=N] [--batch=N]"
        " [--value-bytes=N] [--dir=PATH]   (PRIVET_BENCH_SUBJECTS: default --subjects)\n");
    return 2;
  }
  if (o.subjects < 1 || o.fields < 3 || o.chunk < 1 || o.chunk > 10'000 || o.exports < 1 ||
      o.batch < 1 || o.value_bytes < 24) {
    std::fprintf(stderr,
                 "rights_bench: subjects, exports, batch >= 1; fields >= 3; 1 <= chunk <= 10000;"
                 " value-bytes >= 24\n");
    return 2;
  }
  if (!privet::bench::PrepareScratchDir(o.dir, keep, "rights-bench")) return 1;
  return privet::bench::Run(o);
}
