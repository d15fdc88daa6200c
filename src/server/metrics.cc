#include "server/metrics.h"

#include <array>
#include <cstdio>

#include "server/json_io.h"

namespace privet::server {
namespace {

constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                             0.05,   0.1,   0.25,   0.5,   1.0,  2.5};

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

void Metrics::RecordRequest(std::string_view method, std::string_view route, int status,
                            std::chrono::nanoseconds latency) {
  const double seconds = std::chrono::duration<double>(latency).count();
  MutexLock lock(&mu_);
  auto it = routes_.find(route);
  if (it == routes_.end()) it = routes_.emplace(std::string(route), RouteStats{}).first;
  RouteStats& stats = it->second;
  ++stats.requests[{LoggedMethod(method), status}];
  Histogram& h = stats.latency;
  if (h.buckets.empty()) h.buckets.assign(kBuckets.size(), 0);
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++h.buckets[i];
      break;
    }
  }
  h.sum_seconds += seconds;
  ++h.count;
}

void Metrics::RecordDecision(std::string_view outcome, uint64_t count) {
  MutexLock lock(&mu_);
  auto it = decisions_.find(outcome);
  if (it == decisions_.end()) it = decisions_.emplace(std::string(outcome), 0).first;
  it->second += count;
}

void Metrics::RecordSweep(const SweepReport* report) {
  MutexLock lock(&mu_);
  if (report == nullptr) {
    ++sweeps_.failed;
    return;
  }
  if (report->complete()) {
    ++sweeps_.ok;
  } else {
    ++sweeps_.incomplete;  // some subjects could not be read and were skipped
  }
  sweeps_.fields_deleted += report->fields_deleted;
  sweeps_.fields_held += report->fields_held;
  sweeps_.subjects_erased += report->subjects_erased;
}

void Metrics::RecordPolicy(int version_served, bool switch_failed) {
  MutexLock lock(&mu_);
  if (switch_failed) {
    ++policy_.failed;
  } else {
    if (policy_.served != 0 && policy_.served != version_served) ++policy_.ok;
    policy_.served = version_served;
  }
}

std::string Metrics::Render() const {
  MutexLock lock(&mu_);
  std::string out;
  out += "# HELP privet_http_requests_total HTTP requests by route pattern, method and status.\n";
  out += "# TYPE privet_http_requests_total counter\n";
  for (const auto& [route, stats] : routes_) {
    for (const auto& [key, n] : stats.requests) {
      const auto& [method, status] = key;
      out += "privet_http_requests_total{route=\"" + route + "\",method=\"" + std::string(method) +
             "\",status=\"" + std::to_string(status) + "\"} " + std::to_string(n) + "\n";
    }
  }
  out += "# HELP privet_http_request_duration_seconds Request latency by route pattern.\n";
  out += "# TYPE privet_http_request_duration_seconds histogram\n";
  for (const auto& [route, stats] : routes_) {
    const Histogram& h = stats.latency;
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += h.buckets[i];
      out += "privet_http_request_duration_seconds_bucket{route=\"" + route + "\",le=\"" +
             Number(kBuckets[i]) + "\"} " + std::to_string(cumulative) + "\n";
    }
    out += "privet_http_request_duration_seconds_bucket{route=\"" + route + "\",le=\"+Inf\"} " +
           std::to_string(h.count) + "\n";
    out += "privet_http_request_duration_seconds_sum{route=\"" + route + "\"} " +
           Number(h.sum_seconds) + "\n";
    out += "privet_http_request_duration_seconds_count{route=\"" + route + "\"} " +
           std::to_string(h.count) + "\n";
  }
  out += "# HELP privet_decisions_total Policy decisions by outcome (allowed or reason code).\n";
  out += "# TYPE privet_decisions_total counter\n";
  for (const auto& [outcome, n] : decisions_) {
    out += "privet_decisions_total{outcome=\"" + outcome + "\"} " + std::to_string(n) + "\n";
  }
  out += "# HELP privet_policy_version The published policy version the server enforces.\n";
  out += "# TYPE privet_policy_version gauge\n";
  out += "privet_policy_version " + std::to_string(policy_.served) + "\n";
  out += "# HELP privet_policy_switches_total Switches to a newly effective policy version.\n";
  out += "# TYPE privet_policy_switches_total counter\n";
  out += "privet_policy_switches_total{outcome=\"ok\"} " + std::to_string(policy_.ok) + "\n";
  out += "privet_policy_switches_total{outcome=\"error\"} " + std::to_string(policy_.failed) + "\n";
  out += "# HELP privet_retention_sweeps_total Retention sweeps run, by outcome.\n";
  out += "# TYPE privet_retention_sweeps_total counter\n";
  out += "privet_retention_sweeps_total{outcome=\"ok\"} " + std::to_string(sweeps_.ok) + "\n";
  out +=
      "privet_retention_sweeps_total{outcome=\"error\"} " + std::to_string(sweeps_.failed) + "\n";
  out += "privet_retention_sweeps_total{outcome=\"incomplete\"} " +
         std::to_string(sweeps_.incomplete) + "\n";
  out +=
      "# HELP privet_retention_fields_deleted_total Fields retention sweeps deleted or "
      "anonymized.\n";
  out += "# TYPE privet_retention_fields_deleted_total counter\n";
  out += "privet_retention_fields_deleted_total " + std::to_string(sweeps_.fields_deleted) + "\n";
  out +=
      "# HELP privet_retention_fields_held_total Due fields kept by a legal hold or obligation.\n";
  out += "# TYPE privet_retention_fields_held_total counter\n";
  out += "privet_retention_fields_held_total " + std::to_string(sweeps_.fields_held) + "\n";
  out +=
      "# HELP privet_retention_subjects_erased_total Subjects erased whole by retention sweeps.\n";
  out += "# TYPE privet_retention_subjects_erased_total counter\n";
  out += "privet_retention_subjects_erased_total " + std::to_string(sweeps_.subjects_erased) + "\n";
  return out;
}

}  // namespace privet::server
