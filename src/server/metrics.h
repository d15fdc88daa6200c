// Metrics in the Prometheus text format (/metrics): requests by route pattern, method (the
// standard ones, "other" for the rest) and status, request latency histograms by route, and policy
// decisions by outcome (allowed or the reason code), retention sweeps with what they deleted, and
// the policy version served with the switches to newly effective ones.
// Labels are route patterns and codes only, never ids or personal data.
//
// Thread-safety: safe to use from many threads.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/mutex.h"
#include "privet/retention.h"

namespace privet::server {

class Metrics {
 public:
  void RecordRequest(std::string_view method, std::string_view route, int status,
                     std::chrono::nanoseconds latency);
  // One decision on one field or action; `outcome` is "allowed" or a reason code.
  void RecordDecision(std::string_view outcome, uint64_t count = 1);
  // One retention sweep: its report, or null when it failed. A report that skipped unreadable
  // subjects counts as outcome="incomplete".
  void RecordSweep(const SweepReport* report);
  // The policy version served, and each switch to a newly effective one (ok or failed).
  void RecordPolicy(int version_served, bool switch_failed);
  std::string Render() const;

 private:
  struct Histogram {
    std::vector<uint64_t> buckets;  // cumulative at render time; here per bucket
    double sum_seconds = 0;
    uint64_t count = 0;
  };
  struct RouteStats {
    // Requests by (method, status); methods as LoggedMethod names them (static strings).
    std::map<std::pair<std::string_view, int>, uint64_t> requests;
    Histogram latency;
  };
  mutable Mutex mu_;
  // Looked up by string_view (std::less<>): a request records without allocating.
  std::map<std::string, RouteStats, std::less<>> routes_ GUARDED_BY(mu_);  // by route pattern
  std::map<std::string, uint64_t, std::less<>> decisions_ GUARDED_BY(mu_);
  struct Sweeps {
    uint64_t ok = 0, incomplete = 0, failed = 0, fields_deleted = 0, fields_held = 0;
    uint64_t subjects_erased = 0;
  } sweeps_ GUARDED_BY(mu_);
  struct PolicySwitches {
    int served = 0;
    uint64_t ok = 0, failed = 0;
  } policy_ GUARDED_BY(mu_);
};

}  // namespace privet::server
