// Server: the HTTP JSON API over a vault (`privet serve`).
//
// One process holds the policy, the vault and its key store, and answers HTTP/1.1 (keep-alive)
// on an io_context run by a configurable number of threads (Boost.Beast). Every route but the
// public documents (/healthz, /.well-known/gpc.json, /privacy) and the login (POST /v1/sessions)
// needs an API key or a data subject's session token:
//
//   Authorization: Bearer pvk_<key id>_<secret>      (API key)
//   Authorization: Bearer pss_<session id>_<secret>  (a subject's session: its own record only)
//
// Each key acts as one principal of decision.h, written as "service", "admin",
// "staff:<policy role>", "organization_admin:<organization id>" or "tenant:<tenant id>". Keys
// are 32 random bytes, shown once, stored only as a hash in the key store (keys.db) and compared
// in constant time. On first start (no key stored yet) the server creates an admin key once it
// listens, and hands it out once through initial_admin_key(); an operator who lost it makes a
// new one with ReplaceAdminApiKey (`privet keys admin --new`). Data subjects' passwords are kept as
// Argon2id hashes and their sessions as hashes, in the key store too (docs/api.md).
//
//   privet::ManualClock clock(...);   // or a SystemClock
//   auto server = privet::Server::Start({.vault = {.data_dir = dir, .policy = policy,
//                                                  .clock = &clock},
//                                        .port = 0});
//   if (!server.ok()) return server.status();
//   std::cout << (*server)->port() << " " << *(*server)->initial_admin_key();
//   (*server)->Stop();   // also on destruction
//
// Errors are JSON {"error":{"code","message","field"}} (plus "reason" on 403) with the status
// of HttpStatusFor(); see docs/api.md and api/openapi.yaml for every route. Access logs are
// JSON lines (method, route pattern, status, duration): never bodies, query values, tokens or
// personal data.
//
// Thread-safety: Start/Stop from one thread; CreateApiKey, routes() and AdoptPolicyInForce from
// any other.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "privet/delivery.h"
#include "privet/status.h"
#include "privet/vault.h"

namespace privet {

// Largest request body accepted, in bytes; larger ones are answered 413.
inline constexpr size_t kMaxRequestBodyBytes = size_t{1024} * 1024;

struct ServerOptions {
  // The vault to serve (policy and clock required); its id source, if given, also draws the
  // API keys' ids.
  VaultOptions vault;
  std::string address = "127.0.0.1";  // IPv4 or IPv6 literal
  uint16_t port = 8080;               // 0: any free port (see Server::port())
  int threads = 2;                    // io_context threads, at least 1
  size_t body_limit = kMaxRequestBodyBytes;
  // A request (headers and body) must arrive within this, and an idle keep-alive connection
  // is closed after it: slow or stalled clients cannot hold a connection.
  std::chrono::milliseconds read_timeout{10000};
  // Retention sweeps (RunRetention) run every this long, the first one this long after start;
  // zero: only on POST /v1/retention/run. A failed sweep is counted in /metrics and retried
  // at the next interval.
  std::chrono::milliseconds retention_interval{0};
  // Where the JSON-lines access log goes; null: nowhere. Must outlive the server.
  std::ostream* access_log = nullptr;
  // Access-log lines are buffered and written out this often (and at 64 KiB, and on Stop);
  // zero writes each line as it comes, a system call per request.
  std::chrono::milliseconds access_log_flush{100};
  // Where reads' audit decisions are committed: on the io threads, between the requests they
  // serve (Vault::RunReadCommitsOn), or on the vault's committer thread, which waits
  // vault.read_commit_delay for reads to share a commit. The io threads are faster on a small
  // machine (docs/performance.md); the thread keeps a slow disk's commit off them.
  enum class ReadCommitter { kIoThreads, kCommitterThread };
  ReadCommitter read_committer = ReadCommitter::kIoThreads;
  // What the server delivers (email over SMTP, webhooks; privet/delivery.h), and how often it
  // looks for due messages; zero: only on POST /v1/outbox/deliver.
  DeliveryOptions delivery;
  std::chrono::milliseconds delivery_interval{1000};
  // How often the server looks for a published policy version whose effective day has come
  // (Server::AdoptPolicyInForce); zero: only when that is called.
  std::chrono::milliseconds policy_check_interval{60000};
  // Web sites whose pages include the consent banner (/privet-consent.js) from this server, as
  // origins ("https://www.example.com"): their browsers may call the banner's API (CORS). The
  // server's own origin (and delivery.public_url's) always may.
  std::vector<std::string> site_origins;
};

// A route the server answers, as in api/openapi.yaml ("/v1/subjects/{id}").
struct RouteInfo {
  std::string method;  // GET, POST, PUT, DELETE
  std::string pattern;
};

class Server {
 public:
  // Opens the vault and the API key table, binds, creates the first admin key when none exists
  // (only once bound: a start that fails leaves none behind) and starts serving. Errors: those
  // of Vault::Open (FailedPrecondition, VaultInUse(), while another process holds the vault);
  // Unavailable if the address cannot be bound; InvalidArgument for bad options.
  static StatusOr<std::unique_ptr<Server>> Start(const ServerOptions& options);
  ~Server();

  uint16_t port() const;
  // The admin key created by this start, when it created one (first run). Show it once.
  const std::optional<std::string>& initial_admin_key() const;
  // Creates a key for a principal ("staff:support", ...) and returns the token (shown once).
  // InvalidArgument for a malformed principal or a role the policy does not declare.
  StatusOr<std::string> CreateApiKey(const std::string& principal, const std::string& label);
  // Every route served, for the OpenAPI test.
  std::vector<RouteInfo> routes() const;
  // Switches to the published policy version in force today (PolicyVersionInForce) when it is
  // not the one served, without a restart, and returns the version now served. The requests
  // under way finish under the old version; those arriving meanwhile wait (they are not refused)
  // and are served under the new one. The vault is reopened with the version's published text,
  // so everything the policy drives (decisions, notices, rights, retention, delivery, keys'
  // roles) changes at once, while each datum keeps the version it was collected under (CN17).
  // A version that does not load or compile, or a vault that does not reopen, is an error, and
  // the server goes on with the version it served. Runs every policy_check_interval; also
  // callable from any thread but an io thread (a handler).
  StatusOr<int> AdoptPolicyInForce();
  // Stops accepting, closes connections and joins the threads. Idempotent.
  void Stop();

 private:
  class Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// What ReplaceAdminApiKey did: the new admin key (its only copy) and how many it revoked.
struct ReplacedAdminKey {
  std::string token;
  size_t revoked = 0;
};
// For an operator who lost the admin key (`privet keys admin --new`), with the server stopped:
// creates a new admin key in the vault's key store and revokes every other admin key in it;
// other principals' keys stay. The master key must open the key store, so whoever runs it
// holds the vault's keys (and the admin's power) anyway. Errors: FailedPrecondition while
// another process holds the vault (VaultInUse(): a running server keeps its keys in memory),
// when the key store holds no vault, or for a wrong master key.
StatusOr<ReplacedAdminKey> ReplaceAdminApiKey(const VaultFiles& files, const Clock& clock);

}  // namespace privet
