// Server: wires the vault, the request desk, the API keys, the route table, the listener, the
// access log and the metrics together (include/privet/server.h).
#include "privet/server.h"

#include "common/background_loop.h"
#include "keys/vault_files.h"
#include "privet/rights.h"
#include "server/access_log.h"
#include "server/api.h"
#include "server/http_listener.h"
#include "server/json_io.h"
#include "server/request_gate.h"
#include "store/account_store.h"
#include "store/api_key_store.h"

namespace privet {

namespace {

// What serves one policy version: the vault opened under it and everything that holds the vault
// or its policy. The server replaces it whole when a published version takes effect
// (AdoptPolicyInForce); the API keys, accounts, metrics, access log and listener outlive it.
struct Engine {
  // Members in destruction order: the route table first, the vault last.
  std::unique_ptr<Vault> vault;
  std::unique_ptr<RequestDesk> desk;
  std::unique_ptr<server::RetentionSchedule> retention;
  std::unique_ptr<Deliverer> delivery;
  std::unique_ptr<server::Api> api;

  const CompiledPolicy& policy() const { return vault->policy(); }
  // No sweep or delivery pass starts (one under way finishes), and reads waiting for their
  // decisions' commit get it.
  void Stop() {
    retention->Stop();
    delivery->Stop();
    vault->DrainReads();
  }
  // The vault, once everything that holds it has gone.
  std::unique_ptr<Vault> TakeVault() && {
    api.reset();
    delivery.reset();
    retention.reset();
    desk.reset();
    return std::move(vault);
  }
};

}  // namespace

class Server::Impl {
 public:
  explicit Impl(const ServerOptions& o) : options(o) {}

  // The engine over `vault`, or over the vault opened with `vault_options` when null.
  StatusOr<std::unique_ptr<Engine>> OpenEngine(const VaultOptions& vault_options,
                                               std::unique_ptr<Vault> vault = nullptr);
  // Starts what runs beside the requests: reads' commits on the io threads, delivery.
  void Run(Engine& e);
  // The engine over the version last served, its text unchecked (the history has moved on):
  // what a failed switch falls back to.
  StatusOr<std::unique_ptr<Engine>> OpenServedUnchecked() {
    VaultOptions before = served;
    before.policy_text.clear();
    return OpenEngine(before);
  }
  void Dispatch(const server::HttpRequest& request, server::Reply reply);
  StatusOr<int> AdoptPolicyInForce();

  const ServerOptions options;
  VaultFiles files;
  VaultOptions served;  // what the engine's vault was last opened with (policy, text)
  server::Metrics metrics;
  std::unique_ptr<server::ApiKeys> keys;
  std::unique_ptr<server::Accounts> accounts;  // reads the engine's vault
  std::unique_ptr<server::AccessLog> access_log;
  server::RequestGate gate;
  // Null only after a failed switch could not reopen the vault at all (requests get 503 until
  // the next check reopens it). Changed only while the gate is closed.
  std::unique_ptr<Engine> engine;
  Mutex switch_mu;                                 // one switch at a time
  std::unique_ptr<server::HttpListener> listener;  // null once stopped
  BackgroundLoop policy_timer;                     // stopped before what it switches goes
  uint16_t port = 0;
  std::optional<std::string> initial_admin_key;
};

StatusOr<std::unique_ptr<Engine>> Server::Impl::OpenEngine(const VaultOptions& vault_options,
                                                           std::unique_ptr<Vault> vault) {
  auto e = std::make_unique<Engine>();
  if (vault != nullptr) {
    e->vault = std::move(vault);
  } else {
    PRIVET_ASSIGN_OR_RETURN(e->vault, Vault::Open(vault_options));
  }
  served = vault_options;
  e->desk = std::make_unique<RequestDesk>(*e->vault);
  const Clock& clock = *vault_options.clock;
  if (accounts == nullptr) {
    PRIVET_ASSIGN_OR_RETURN(std::unique_ptr<store::AccountStore> account_tables,
                            store::OpenSqliteAccountStore(files.key_store_path));
    accounts = std::make_unique<server::Accounts>(std::move(account_tables), *e->vault, clock);
  } else {
    accounts->UseVault(*e->vault);
  }
  keys->UsePolicy(vault_options.policy);
  e->retention =
      std::make_unique<server::RetentionSchedule>(*e->vault, metrics, options.retention_interval);
  e->delivery = std::make_unique<Deliverer>(*e->vault, options.delivery);
  e->api = std::make_unique<server::Api>(
      server::ApiContext{.vault = *e->vault,
                         .desk = *e->desk,
                         .keys = *keys,
                         .accounts = *accounts,
                         .metrics = metrics,
                         .retention = *e->retention,
                         .delivery = *e->delivery,
                         .policy = vault_options.policy,
                         .clock = clock,
                         .secure_cookies = options.delivery.public_url.starts_with("https://"),
                         .public_url = options.delivery.public_url,
                         .site_origins = options.site_origins});
  metrics.RecordPolicy(e->policy().version(), /*switch_failed=*/false);
  return e;
}

void Server::Impl::Run(Engine& e) {
  // Reads' decisions are committed on the io threads, between the requests they serve: no
  // hand-off to a committer thread and back for each commit.
  if (options.read_committer == ServerOptions::ReadCommitter::kIoThreads) {
    e.vault->RunReadCommitsOn(
        [l = listener.get()](std::function<void()> task) { l->Post(std::move(task)); });
  }
  if (options.delivery_interval.count() > 0) e.delivery->Start(options.delivery_interval);
}

void Server::Impl::Dispatch(const server::HttpRequest& request, server::Reply reply) {
  for (;;) {
    std::optional<server::RequestGate::Ticket> ticket = gate.TryEnter();
    if (!ticket) {
      // The engine is being replaced: this request runs once it is, on an io thread.
      if (gate.Park([this, request, reply] { Dispatch(request, reply); })) return;
      continue;  // the gate opened meanwhile
    }
    if (engine == nullptr) {
      reply([] {
        return server::Handled{
            .response = server::ErrorResponse(
                Status(StatusCode::kUnavailable, "the vault could not be reopened; retrying")),
            .route = "unavailable"};
      });
      return;
    }
    // The ticket rides with the answer, which may run later on the connection's thread: the
    // engine stays until it has.
    engine->api->Handle(request, [reply = std::move(reply), t = *ticket](server::Answer answer) {
      reply([answer = std::move(answer), t] { return answer(); });
    });
    return;
  }
}

StatusOr<int> Server::Impl::AdoptPolicyInForce() {
  MutexLock switching(&switch_mu);
  // Only a switch changes `engine`: reading it here, with the gate open, is safe.
  if (engine == nullptr) {
    // The last switch could not reopen the vault at all: open it with the version it served
    // (its text unchecked: the history has moved on), then look for the version in force.
    gate.Close();
    StatusOr<std::unique_ptr<Engine>> reopened = OpenServedUnchecked();
    if (reopened.ok()) {
      engine = std::move(*reopened);
      Run(*engine);
    }
    for (std::function<void()>& resume : gate.Open()) listener->Post(std::move(resume));
    if (!reopened.ok()) {
      metrics.RecordPolicy(0, /*switch_failed=*/true);
      return reopened.status();
    }
  }
  PRIVET_ASSIGN_OR_RETURN(std::vector<PolicyVersion> versions, engine->vault->PolicyVersions());
  const PolicyVersion* in_force = PolicyVersionInForce(versions, options.vault.clock->Now());
  const int version_served = engine->policy().version();
  if (in_force == nullptr || in_force->version == version_served) return version_served;
  auto refuse = [&](Status why) {
    metrics.RecordPolicy(version_served, /*switch_failed=*/true);
    return why;
  };
  if (in_force->text.empty()) {
    return refuse(
        FailedPrecondition("version " + std::to_string(in_force->version) + " has no text"));
  }
  // Loaded and compiled before anything stops: a version that does not leaves the server as is.
  VaultOptions next = served;
  next.policy_text = in_force->text;
  PolicyLoadResult loaded = LoadPolicy(in_force->text, "published policy");
  if (!loaded.ok()) {
    // Published texts loaded when they were published: only a stricter privet refuses one.
    return refuse(InvalidArgument("published version " + std::to_string(in_force->version) +
                                  " does not load (privet policy check names why)"));
  }
  // The day it was published to take effect on, which the notice shows (publishing may have
  // set another than the file's).
  loaded.policy->effective = in_force->effective;
  StatusOr<std::shared_ptr<const CompiledPolicy>> compiled =
      CompiledPolicy::Compile(std::move(*loaded.policy));
  if (!compiled.ok()) return refuse(compiled.status());
  next.policy = std::move(*compiled);

  gate.Close();  // the requests under way finish; new ones wait
  engine->Stop();
  std::unique_ptr<Vault> vault = std::move(*engine).TakeVault();
  engine.reset();
  // The vault reopened under the new version keeps its stores and its audit tree; one that
  // cannot hand them over is closed and opened in full.
  std::unique_ptr<Vault> kept;
  StatusOr<std::unique_ptr<Vault>> reopened = Vault::Reopen(std::move(vault), next, &kept);
  kept.reset();
  StatusOr<std::unique_ptr<Engine>> opened =
      reopened.ok() ? OpenEngine(next, std::move(*reopened)) : OpenEngine(next);
  const Status result = opened.status();
  if (!opened.ok()) opened = OpenServedUnchecked();
  if (opened.ok()) {
    engine = std::move(*opened);
    Run(*engine);
  }
  for (std::function<void()>& resume : gate.Open()) listener->Post(std::move(resume));
  if (!result.ok()) return refuse(result);
  return engine->policy().version();
}

StatusOr<std::unique_ptr<Server>> Server::Start(const ServerOptions& options) {
  if (options.vault.policy == nullptr || options.vault.clock == nullptr) {
    return InvalidArgument("a policy and a clock are required", "vault");
  }
  if (options.threads < 1) return InvalidArgument("must be at least 1", "threads");
  auto impl = std::make_unique<Impl>(options);
  impl->files = vault_internal::WithDefaults({.data_dir = options.vault.data_dir,
                                              .key_store_path = options.vault.key_store_path,
                                              .master_key_file = options.vault.master_key_file});
  const Clock& clock = *options.vault.clock;
  // API key ids come from the vault's id source, so that one seeded source fixes them all.
  IdSource& ids = options.vault.ids != nullptr ? *options.vault.ids : DefaultIdSource();
  // The vault first: it refuses a second process before the key store is touched.
  PRIVET_ASSIGN_OR_RETURN(std::unique_ptr<Vault> vault, Vault::Open(options.vault));
  PRIVET_ASSIGN_OR_RETURN(std::unique_ptr<store::ApiKeyStore> key_table,
                          store::OpenSqliteApiKeyStore(impl->files.key_store_path));
  PRIVET_ASSIGN_OR_RETURN(
      impl->keys, server::ApiKeys::Load(std::move(key_table), options.vault.policy, clock, ids));
  PRIVET_ASSIGN_OR_RETURN(impl->engine, impl->OpenEngine(options.vault, std::move(vault)));
  impl->access_log =
      std::make_unique<server::AccessLog>(options.access_log, clock, options.access_log_flush);
  Impl* raw = impl.get();
  auto handler = [raw](const server::HttpRequest& request, server::Reply reply) {
    raw->Dispatch(request, std::move(reply));
  };
  auto observer = [raw](const server::Exchange& e) {
    raw->access_log->Write(e);
    raw->metrics.RecordRequest(e.method, e.route, e.status, e.duration);
  };
  PRIVET_ASSIGN_OR_RETURN(impl->listener,
                          server::HttpListener::Open({.address = options.address,
                                                      .port = options.port,
                                                      .threads = options.threads,
                                                      .body_limit = options.body_limit,
                                                      .read_timeout = options.read_timeout},
                                                     handler, observer));
  // The first admin key only once the server listens: a start that cannot (a port taken) must
  // not leave a key behind that nobody was shown, which would keep the next start from making
  // one. Nothing is served before Run, so no request can come before it exists.
  if (impl->keys->empty()) {
    PRIVET_ASSIGN_OR_RETURN(
        std::string token,
        impl->keys->Create(PrincipalKindName(PrincipalKind::kAdmin), "initial admin key"));
    impl->initial_admin_key = std::move(token);
  }
  impl->listener->Run();
  impl->port = impl->listener->port();
  impl->Run(*impl->engine);
  if (options.policy_check_interval.count() > 0) {
    // A failed switch is counted in /metrics and tried again at the next check.
    impl->policy_timer.Start(options.policy_check_interval,
                             [raw] { (void)raw->AdoptPolicyInForce(); });
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() { Stop(); }

uint16_t Server::port() const { return impl_->port; }

const std::optional<std::string>& Server::initial_admin_key() const {
  return impl_->initial_admin_key;
}

StatusOr<std::string> Server::CreateApiKey(const std::string& principal, const std::string& label) {
  return impl_->keys->Create(principal, label);
}

std::vector<RouteInfo> Server::routes() const {
  std::vector<RouteInfo> out;
  MutexLock switching(&impl_->switch_mu);
  if (impl_->engine == nullptr) return out;
  for (const server::Route& r : impl_->engine->api->router().routes())
    out.push_back({r.method, r.pattern});
  return out;
}

StatusOr<int> Server::AdoptPolicyInForce() { return impl_->AdoptPolicyInForce(); }

void Server::Stop() {
  if (!impl_ || !impl_->listener) return;
  impl_->policy_timer.Stop();  // no switch starts (one under way finishes)
  impl_->listener->Stop();
  // No sweep or delivery pass starts on a stopped server, and reads still waiting for their
  // decisions' commit answer into the stopped listener: none may come after it is gone.
  if (impl_->engine != nullptr) impl_->engine->Stop();
  // Destroying the listener drops what its connections had queued, and closes them: clients
  // waiting for an answer learn at once that none will come.
  impl_->listener.reset();
  impl_->access_log.reset();  // writes out its buffered lines
}

}  // namespace privet
