// decision_bench: how fast is Decide() on a realistic mix, and how does Cedar compare?
//
//   decision_bench [--workload=PATH] [--seconds=S]
//
// Builds a deterministic workload over the five reference policies (policies/*.yaml): for each,
// 1,000 subjects with varied consents, opt-outs, objections, restrictions, organizations,
// tenants and collection versions, and 20 requests per subject from services, staff roles, the
// subject itself, other subjects, organization admins, tenants and privet admins, for purposes
// and category sets drawn from the policy, with both allowed and denied outcomes. It then
// measures, in-process on one core:
//  - throughput: every decision of the (shuffled, policy-mixed) workload, pass after pass,
//    timed as a whole; decisions per second is the median over rounds;
//  - latency p50/p99 of one decision (see MeasureLatency for the method).
// With --workload it also writes the exact same decisions, and privet's answer to each, as JSON
// for bench/cedar/run.mjs, which evaluates them with Cedar and counts disagreements.
// scripts/bench-decisions.sh runs both and prints the comparison; docs/performance.md has the
// figures.
//
// One change is made to each policy before compiling it: it is published as the next version,
// in which one purpose is new (since_version = version). All five reference policies are at
// version 1, so without this the rule "data is used only for purposes declared when it was
// collected" (CN17, CU11) would never be exercised by subjects collected under version 1.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "privet/compiled_policy.h"
#include "privet/decision.h"
#include "privet/policy.h"

namespace privet::bench {
namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::ordered_json;

constexpr std::string_view kPolicyNames[] = {"confitrek", "connact", "confect", "connectrex",
                                             "customertrackr"};
constexpr int kSubjectsPerPolicy = 1000;
constexpr int kRequestsPerSubject = 20;
constexpr uint64_t kSeed = 0x70726976657421;  // "privet!"

// splitmix64: small, fast and the same on every platform (std distributions are not).
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
    z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
    return z ^ (z >> 31);
  }
  int Below(int n) { return static_cast<int>(Next() % static_cast<uint64_t>(n)); }
  bool Percent(int p) { return Below(100) < p; }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[Below(static_cast<int>(v.size()))];
  }

 private:
  uint64_t state_;
};

// One call to Decide(), with everything it reads already in place.
struct Request {
  const CompiledPolicy* policy;
  const SubjectState* subject;
  Principal principal;
  Action action;
  PurposeId purpose;
  CategorySet categories;
};

struct PolicyWorkload {
  std::string name;
  std::shared_ptr<const CompiledPolicy> policy;
  std::vector<SubjectState> subjects;  // never resized once requests point into it
  std::vector<Request> requests;
};

std::string_view ActionName(Action a) {
  switch (a) {
    case Action::kWrite:
      return "write";
    case Action::kRead:
      return "read";
    case Action::kStore:
      return "store";
    case Action::kDisclose:
      return "disclose";
    case Action::kErase:
      return "erase";
  }
  return "unknown";
}

std::string_view ConsentName(ConsentMode m) {
  switch (m) {
    case ConsentMode::kNone:
      return "none";
    case ConsentMode::kRequired:
      return "required";
    case ConsentMode::kOptOut:
      return "opt_out";
  }
  return "none";
}

// Loads, publishes as the next version with one new purpose (see the file comment), compiles.
std::shared_ptr<const CompiledPolicy> LoadNextVersion(std::string_view name) {
  const std::string path =
      std::string(PRIVET_SOURCE_DIR) + "/policies/" + std::string(name) + ".yaml";
  PolicyLoadResult loaded = LoadPolicyFile(path);
  if (!loaded.ok()) {
    for (const auto& d : loaded.diagnostics) std::cerr << d.ToString() << "\n";
    return nullptr;
  }
  Policy& policy = *loaded.policy;
  policy.version += 1;
  // The last declared purpose that is allowed at all and has no children: a leaf added late.
  auto is_parent_of = [](const Purpose& parent, const Purpose& p) {
    return p.parent == parent.id || (p.id != parent.id && IdCovers(parent.id, p.id));
  };
  for (auto it = policy.purposes.rbegin(); it != policy.purposes.rend(); ++it) {
    const bool has_child = std::any_of(policy.purposes.begin(), policy.purposes.end(),
                                       [&](const Purpose& p) { return is_parent_of(*it, p); });
    if (!it->prohibited && !has_child) {
      it->since_version = policy.version;
      break;
    }
  }
  auto compiled = CompiledPolicy::Compile(std::move(policy));
  if (!compiled.ok()) {
    std::cerr << path << ": " << compiled.status().ToString() << "\n";
    return nullptr;
  }
  return *compiled;
}

template <int N>
std::vector<int> Members(const BitSet<N>& set, int limit) {
  std::vector<int> out;
  for (int i = 0; i < limit; ++i)
    if (set.Test(i)) out.push_back(i);
  return out;
}

// `later` draws the subject state added after the workload was first fixed (opt-outs of the new
// purpose, the right to limit, removal from an organization, the version the subject was told
// of) from its own stream, so that every other draw of the workload stays as it was.
std::vector<SubjectState> MakeSubjects(const CompiledPolicy& policy, Random& rng, Random& later) {
  bool has_processor_purposes = false;
  for (int p = 0; p < policy.purpose_count(); ++p)
    has_processor_purposes |= policy.purpose(p).processor;

  std::vector<SubjectState> subjects(kSubjectsPerPolicy);
  for (int i = 0; i < kSubjectsPerPolicy; ++i) {
    SubjectState& s = subjects[i];
    s.subject_id = static_cast<uint64_t>(i + 1);
    if (rng.Percent(20)) s.organization_id = 1 + rng.Below(20);
    if (has_processor_purposes && rng.Percent(15)) s.tenant_id = 1 + rng.Below(10);
    for (int p = 0; p < policy.purpose_count(); ++p) {
      const CompiledPurpose& purpose = policy.purpose(p);
      if (purpose.consent == ConsentMode::kRequired && rng.Percent(45)) s.consents.Set(p);
      if (purpose.consent == ConsentMode::kOptOut && rng.Percent(20)) s.opt_outs.Set(p);
      if ((purpose.objectable || purpose.direct_marketing) && rng.Percent(10)) {
        s.objections.Set(p);
        if (rng.Percent(30)) s.overriding_grounds.Set(p);
      }
    }
    s.restricted = rng.Percent(3);
    const int version_draw = rng.Below(4);  // 0: current; older and current versions recorded
    s.collected_under_version = version_draw == 0   ? 0
                                : version_draw == 1 ? policy.version() - 1
                                                    : policy.version();
    // An opt-out of a purpose newer than the data is honoured whatever its consent mode (CU06).
    for (int p = 0; p < policy.purpose_count(); ++p)
      if (policy.purpose(p).since_version == policy.version() &&
          policy.purpose(p).consent != ConsentMode::kOptOut && later.Percent(20))
        s.opt_outs.Set(p);
    s.limited_sensitive_use = later.Percent(10);
    s.removed_from_organization = s.organization_id != kNoId && later.Percent(10);
    s.notified_version = later.Percent(50) ? policy.version() : 0;
  }
  return subjects;
}

// A principal for a request about `subject` for `purpose`: mostly ones that may act, sometimes
// ones that may not (another subject, another organization's admin or tenant, a staff role
// without the need-to-know, a privet admin). Tenants appear only where the policy has processor
// purposes.
Principal MakePrincipal(const CompiledPolicy& policy, bool has_tenants, const SubjectState& subject,
                        PurposeId purpose, Random& rng) {
  const int draw = rng.Below(100);
  if (draw < 35) return Principal::Service();
  if (draw < 60 && !policy.policy().roles.empty()) {
    std::vector<RoleId> covering;
    for (RoleId r = 0; r < policy.policy().roles.size(); ++r)
      if (policy.role(r).purposes.Test(purpose)) covering.push_back(r);
    if (!covering.empty() && rng.Percent(75)) return Principal::Staff(rng.Pick(covering));
    return Principal::Staff(
        static_cast<RoleId>(rng.Below(static_cast<int>(policy.policy().roles.size()))));
  }
  if (draw < 75) return Principal::Subject(subject.subject_id);
  if (draw < 80)
    return Principal::Subject(1 + (subject.subject_id % kSubjectsPerPolicy));  // another
  if (draw < 87) {
    const bool own = subject.organization_id != kNoId && rng.Percent(80);
    return Principal::OrganizationAdmin(own ? subject.organization_id : 1 + rng.Below(20));
  }
  if (draw < 97) {
    if (!has_tenants) return Principal::Service();
    const bool own = subject.tenant_id != kNoId && rng.Percent(85);
    return Principal::Tenant(own ? subject.tenant_id : 1 + rng.Below(10));
  }
  return Principal{.kind = PrincipalKind::kAdmin};
}

Action MakeAction(Random& rng) {
  const int draw = rng.Below(100);
  if (draw < 55) return Action::kRead;
  if (draw < 75) return Action::kWrite;
  if (draw < 85) return Action::kDisclose;
  if (draw < 95) return Action::kStore;
  return Action::kErase;
}

// One to three categories the purpose (and, for staff, the role) may use, as an application
// would name them; sometimes one it may not use.
CategorySet MakeCategories(const CompiledPolicy& policy, const Principal& principal,
                           PurposeId purpose, Random& rng) {
  CategorySet usable = policy.purpose(purpose).categories;
  if (principal.kind == PrincipalKind::kStaff) {
    const CategorySet for_role = usable & policy.role(principal.role).categories;
    if (for_role.Any()) usable = for_role;
  }
  std::vector<int> candidates = Members(usable, policy.category_count());
  std::vector<std::string> ids;
  if (!candidates.empty()) {
    const int n = 1 + rng.Below(3);
    for (int i = 0; i < n; ++i) ids.push_back(policy.category(rng.Pick(candidates)).id);
  }
  if (candidates.empty() || rng.Percent(12))
    ids.push_back(policy.category(rng.Below(policy.category_count())).id);
  return *policy.Categories(ids);  // ids come from the policy itself, so never unknown
}

std::vector<Request> MakeRequests(const CompiledPolicy& policy,
                                  const std::vector<SubjectState>& subjects, Random& rng) {
  std::vector<PurposeId> processor_purposes;
  for (PurposeId p = 0; p < policy.purpose_count(); ++p)
    if (policy.purpose(p).processor) processor_purposes.push_back(p);

  std::vector<Request> requests;
  requests.reserve(subjects.size() * kRequestsPerSubject);
  for (const SubjectState& subject : subjects) {
    for (int i = 0; i < kRequestsPerSubject; ++i) {
      // A tenant's subjects are mostly used for the tenant's (processor) purposes.
      const bool processor =
          subject.tenant_id != kNoId && !processor_purposes.empty() && rng.Percent(80);
      const PurposeId purpose = processor
                                    ? rng.Pick(processor_purposes)
                                    : static_cast<PurposeId>(rng.Below(policy.purpose_count()));
      const Principal principal =
          MakePrincipal(policy, !processor_purposes.empty(), subject, purpose, rng);
      requests.push_back({.policy = &policy,
                          .subject = &subject,
                          .principal = principal,
                          .action = MakeAction(rng),
                          .purpose = purpose,
                          .categories = MakeCategories(policy, principal, purpose, rng)});
    }
  }
  return requests;
}

Decision Run(const Request& r) {
  return Decide(*r.policy, r.principal, r.action, *r.subject, r.categories, r.purpose);
}

// ---------------------------------------------------------------------------------------------
// Measurement.

struct Throughput {
  double decisions_per_second = 0;
  uint64_t allowed_per_pass = 0;
};

// Every decision of the workload in order, pass after pass; decisions per second per round, the
// median of the rounds reported. Consecutive decisions are independent, so the CPU may overlap
// them: this is what a server deciding many requests gets from one core.
Throughput MeasureThroughput(const std::vector<Request>& requests, double seconds) {
  constexpr int kRounds = 7;
  std::vector<double> rates;
  uint64_t allowed = 0;
  for (int round = 0; round < kRounds; ++round) {
    uint64_t done = 0;
    const Clock::time_point start = Clock::now();
    Clock::duration elapsed{};
    do {
      allowed = 0;
      for (const Request& r : requests) allowed += Run(r).allowed();
      benchmark::DoNotOptimize(allowed);
      done += requests.size();
      elapsed = Clock::now() - start;
    } while (elapsed < std::chrono::duration<double>(seconds / kRounds));
    rates.push_back(static_cast<double>(done) / std::chrono::duration<double>(elapsed).count());
  }
  std::sort(rates.begin(), rates.end());
  return {.decisions_per_second = rates[kRounds / 2], .allowed_per_pass = allowed};
}

struct Latency {
  double p50_ns = 0;
  double p99_ns = 0;
  double timer_overhead_ns = 0;
  int batch = 0;
};

// One decision takes a few tens of nanoseconds, about as long as reading steady_clock, so timing
// each call alone would mostly measure the clock. Instead we time batches of kBatch decisions
// with steady_clock, subtract the clock's own cost (the median time of an empty batch), and
// divide by kBatch; p50 and p99 are taken over those per-decision batch times. Within a batch
// each decision's input depends on the previous decision's result (the index of the next
// request adds `reason & zero`, where `zero` is read from a volatile so the compiler cannot fold
// it), so the CPU cannot overlap one decision with the next: this is the latency of a single
// call, not throughput in disguise. Averaging over kBatch smooths the tail somewhat; p99 is
// therefore the 99th percentile of 8-decision means.
Latency MeasureLatency(const std::vector<Request>& requests, int samples) {
  constexpr int kBatch = 8;
  volatile uint32_t zero_source = 0;
  const uint32_t zero = zero_source;

  std::vector<int64_t> overhead(samples / 10 + 1);
  for (auto& o : overhead) {
    const Clock::time_point t0 = Clock::now();
    const Clock::time_point t1 = Clock::now();
    o = std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
  }
  std::nth_element(overhead.begin(), overhead.begin() + overhead.size() / 2, overhead.end());
  const int64_t clock_ns = overhead[overhead.size() / 2];

  std::vector<double> per_decision(samples);
  const size_t n = requests.size();
  size_t next = 0;
  for (int s = 0; s < samples; ++s) {
    const Clock::time_point t0 = Clock::now();
    for (int i = 0; i < kBatch; ++i) {
      const Decision d = Run(requests[next]);
      next += 1 + (static_cast<uint32_t>(d.reason) & zero);
      if (next == n) next = 0;
    }
    const Clock::time_point t1 = Clock::now();
    const int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
    per_decision[s] = static_cast<double>(std::max<int64_t>(ns - clock_ns, 0)) / kBatch;
  }
  std::sort(per_decision.begin(), per_decision.end());
  auto at = [&](double q) { return per_decision[static_cast<size_t>(q * (samples - 1))]; };
  return {.p50_ns = at(0.50),
          .p99_ns = at(0.99),
          .timer_overhead_ns = static_cast<double>(clock_ns),
          .batch = kBatch};
}

// ---------------------------------------------------------------------------------------------
// The workload as JSON, for the Cedar side (bench/cedar/run.mjs). Everything is by id, and every
// category set is already expanded (an id covers its dotted descendants), exactly the sets
// Decide() compares.

template <int N>
Json CategoryIds(const CompiledPolicy& policy, const BitSet<N>& set) {
  Json out = Json::array();
  for (int c : Members(set, policy.category_count())) out.push_back(policy.category(c).id);
  return out;
}

Json PurposeIds(const CompiledPolicy& policy, const PurposeSet& set) {
  Json out = Json::array();
  for (int p : Members(set, policy.purpose_count())) out.push_back(policy.purpose_decl(p).id);
  return out;
}

// The nearest ancestor in the compiled tree, or "" for a root.
std::string ParentId(const CompiledPolicy& policy, PurposeId id) {
  const CompiledPurpose& p = policy.purpose(id);
  for (int a : Members(p.self_and_ancestors, policy.purpose_count()))
    if (policy.purpose(a).depth == p.depth - 1) return policy.purpose_decl(a).id;
  return "";
}

Json PolicyJson(const CompiledPolicy& policy) {
  Json purposes = Json::array();
  for (PurposeId id = 0; id < policy.purpose_count(); ++id) {
    const CompiledPurpose& p = policy.purpose(id);
    const Purpose& decl = policy.purpose_decl(id);
    purposes.push_back({{"id", decl.id},
                        {"parent", ParentId(policy, id)},
                        {"categories", CategoryIds(policy, p.categories)},
                        {"consent", ConsentName(p.consent)},
                        {"objectable", p.objectable},
                        {"direct_marketing", p.direct_marketing},
                        {"since_version", p.since_version},
                        {"sensitive_use_permitted", p.sensitive_use_permitted},
                        // Declared, not inherited: Cedar's `in` walks the tree itself.
                        {"prohibited", decl.prohibited},
                        {"processor", decl.processor}});
  }
  Json roles = Json::array();
  for (RoleId id = 0; id < policy.policy().roles.size(); ++id) {
    const Role& decl = policy.policy().roles[id];
    roles.push_back({{"id", decl.id},
                     {"purposes", decl.purposes},  // declared; Cedar's `in` covers descendants
                     {"categories", CategoryIds(policy, policy.role(id).categories)}});
  }
  return {{"version", policy.version()},
          {"purposes", purposes},
          {"roles", roles},
          {"refused_on_write", CategoryIds(policy, policy.refused_on_write())},
          {"sensitive_categories", CategoryIds(policy, policy.sensitive_categories())},
          {"use_bound_to_collection_version", policy.use_bound_to_collection_version()},
          {"changes_wait_for_notice", policy.changes_wait_for_notice()}};
}

Json SubjectJson(const CompiledPolicy& policy, const SubjectState& s) {
  Json j = {{"id", s.subject_id},
            {"consents", PurposeIds(policy, s.consents)},
            {"opt_outs", PurposeIds(policy, s.opt_outs)},
            {"objections", PurposeIds(policy, s.objections)},
            {"overriding_grounds", PurposeIds(policy, s.overriding_grounds)},
            {"restricted", s.restricted},
            {"removed_from_organization", s.removed_from_organization},
            {"limited_sensitive_use", s.limited_sensitive_use},
            {"collected_under_version", s.collected_under_version},
            {"notified_version", s.notified_version}};
  if (s.organization_id != kNoId) j["organization"] = s.organization_id;
  if (s.tenant_id != kNoId) j["tenant"] = s.tenant_id;
  return j;
}

Json PrincipalJson(const CompiledPolicy& policy, const Principal& p) {
  switch (p.kind) {
    case PrincipalKind::kService:
      return {{"kind", "service"}};
    case PrincipalKind::kStaff:
      return {{"kind", "staff"}, {"role", policy.policy().roles[p.role].id}};
    case PrincipalKind::kSubject:
      return {{"kind", "subject"}, {"id", p.subject_id}};
    case PrincipalKind::kOrganizationAdmin:
      return {{"kind", "organization_admin"}, {"organization", p.organization_id}};
    case PrincipalKind::kTenant:
      return {{"kind", "tenant"}, {"tenant", p.tenant_id}};
    case PrincipalKind::kAdmin:
      return {{"kind", "admin"}};
  }
  return {};
}

bool WriteWorkload(const std::vector<PolicyWorkload>& workloads, const std::string& path) {
  Json policies = Json::array();
  for (const PolicyWorkload& w : workloads) {
    const CompiledPolicy& policy = *w.policy;
    Json subjects = Json::array();
    for (const SubjectState& s : w.subjects) subjects.push_back(SubjectJson(policy, s));
    Json decisions = Json::array();
    for (const Request& r : w.requests) {
      const Decision d = Run(r);
      decisions.push_back({{"principal", PrincipalJson(policy, r.principal)},
                           {"action", ActionName(r.action)},
                           {"subject", r.subject->subject_id},
                           {"purpose", policy.purpose_decl(r.purpose).id},
                           {"categories", CategoryIds(policy, r.categories)},
                           {"allowed", d.allowed()},
                           {"reason", ReasonName(d.reason)}});
    }
    Json entry = PolicyJson(policy);
    entry["name"] = w.name;
    entry["subjects"] = std::move(subjects);
    entry["decisions"] = std::move(decisions);
    policies.push_back(std::move(entry));
  }
  std::ofstream out(path);
  out << Json{{"policies", policies}}.dump() << "\n";
  return out.good();
}

struct Flags {
  std::string workload_path;
  double seconds = 3.0;
};

Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.starts_with("--workload="))
      flags.workload_path = arg.substr(11);
    else if (arg.starts_with("--seconds="))
      flags.seconds = std::stod(std::string(arg.substr(10)));
    else
      std::cerr << "decision_bench: ignoring unknown argument " << arg << "\n";
  }
  return flags;
}

int Main(int argc, char** argv) {
  const Flags flags = ParseFlags(argc, argv);
  Random rng(kSeed);
  Random later(~kSeed);
  std::vector<PolicyWorkload> workloads;
  workloads.reserve(std::size(kPolicyNames));
  for (std::string_view name : kPolicyNames) {
    auto policy = LoadNextVersion(name);
    if (!policy) return 1;
    PolicyWorkload& w = workloads.emplace_back();
    w.name = std::string(name);
    w.policy = std::move(policy);
    w.subjects = MakeSubjects(*w.policy, rng, later);
    w.requests = MakeRequests(*w.policy, w.subjects, rng);
  }

  // All five policies interleaved, as one server serving five companies would see them.
  std::vector<Request> mix;
  for (const PolicyWorkload& w : workloads)
    mix.insert(mix.end(), w.requests.begin(), w.requests.end());
  for (size_t i = mix.size() - 1; i > 0; --i) std::swap(mix[i], mix[rng.Next() % (i + 1)]);

  if (!flags.workload_path.empty() && !WriteWorkload(workloads, flags.workload_path)) {
    std::cerr << "decision_bench: cannot write " << flags.workload_path << "\n";
    return 1;
  }

  const Throughput throughput = MeasureThroughput(mix, flags.seconds);
  const Latency latency = MeasureLatency(mix, 2'000'000);

  std::printf(
      "privet decision benchmark: %zu policies, %d subjects each, %zu decisions "
      "(%llu allowed, %llu denied)\n",
      workloads.size(), kSubjectsPerPolicy, mix.size(),
      static_cast<unsigned long long>(throughput.allowed_per_pass),
      static_cast<unsigned long long>(mix.size() - throughput.allowed_per_pass));
  std::printf("privet_decisions=%zu\n", mix.size());
  std::printf("privet_allowed=%llu\n",
              static_cast<unsigned long long>(throughput.allowed_per_pass));
  std::printf("privet_decisions_per_second=%.0f\n", throughput.decisions_per_second);
  std::printf("privet_p50_ns=%.1f\n", latency.p50_ns);
  std::printf("privet_p99_ns=%.1f\n", latency.p99_ns);
  std::printf("privet_latency_batch=%d\n", latency.batch);
  std::printf("privet_timer_overhead_ns=%.0f\n", latency.timer_overhead_ns);
  return 0;
}

}  // namespace
}  // namespace privet::bench

int main(int argc, char** argv) { return privet::bench::Main(argc, argv); }
