// Server: wires the vault, the request desk, the API keys, the route table, the listener, the
// access log and the metrics together (include/privet/server.h).
#include "privet/server.h"

#include "keys/vault_files.h"
#include "privet/rights.h"
#include "server/access_log.h"
#include "server/api.h"
#include "server/http_listener.h"
#include "store/account_store.h"
#include "store/api_key_store.h"

namespace privet {

class Server::Impl {
 public:
  // Members in destruction order: the listener (and its threads) go first, the vault last.
  std::unique_ptr<Vault> vault;
  std::unique_ptr<RequestDesk> desk;
  std::unique_ptr<server::ApiKeys> keys;
  std::unique_ptr<server::Accounts> accounts;
  server::Metrics metrics;
  std::unique_ptr<server::RetentionSchedule> retention;
  std::unique_ptr<Deliverer> delivery;
  std::unique_ptr<server::AccessLog> access_log;
  std::unique_ptr<server::Api> api;
  std::unique_ptr<server::HttpListener> listener;  // null once stopped
  uint16_t port = 0;
  std::optional<std::string> initial_admin_key;
};

StatusOr<std::unique_ptr<Server>> Server::Start(const ServerOptions& options) {
  if (options.vault.policy == nullptr || options.vault.clock == nullptr) {
    return InvalidArgument("a policy and a clock are required", "vault");
  }
  if (options.threads < 1) return InvalidArgument("must be at least 1", "threads");
  auto impl = std::make_unique<Impl>();
  VaultFiles files =
      vault_internal::WithDefaults({.data_dir = options.vault.data_dir,
                                    .key_store_path = options.vault.key_store_path,
                                    .master_key_file = options.vault.master_key_file});
  std::shared_ptr<const CompiledPolicy> policy = options.vault.policy;
  const Clock& clock = *options.vault.clock;
  // API key ids come from the vault's id source, so that one seeded source fixes them all.
  IdSource& ids = options.vault.ids != nullptr ? *options.vault.ids : DefaultIdSource();
  PRIVET_ASSIGN_OR_RETURN(impl->vault, Vault::Open(options.vault));
  impl->desk = std::make_unique<RequestDesk>(*impl->vault);
  PRIVET_ASSIGN_OR_RETURN(std::unique_ptr<store::ApiKeyStore> key_table,
                          store::OpenSqliteApiKeyStore(files.key_store_path));
  PRIVET_ASSIGN_OR_RETURN(impl->keys,
                          server::ApiKeys::Load(std::move(key_table), policy, clock, ids));
  PRIVET_ASSIGN_OR_RETURN(std::unique_ptr<store::AccountStore> account_tables,
                          store::OpenSqliteAccountStore(files.key_store_path));
  impl->accounts =
      std::make_unique<server::Accounts>(std::move(account_tables), *impl->vault, clock);
  impl->access_log =
      std::make_unique<server::AccessLog>(options.access_log, clock, options.access_log_flush);
  impl->retention = std::make_unique<server::RetentionSchedule>(*impl->vault, impl->metrics,
                                                                options.retention_interval);
  impl->delivery = std::make_unique<Deliverer>(*impl->vault, options.delivery);
  impl->api = std::make_unique<server::Api>(server::ApiContext{.vault = *impl->vault,
                                                               .desk = *impl->desk,
                                                               .keys = *impl->keys,
                                                               .accounts = *impl->accounts,
                                                               .metrics = impl->metrics,
                                                               .retention = *impl->retention,
                                                               .delivery = *impl->delivery,
                                                               .policy = policy,
                                                               .clock = clock});
  Impl* raw = impl.get();
  auto handler = [raw](const server::HttpRequest& request, server::Reply reply) {
    raw->api->Handle(request, std::move(reply));
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
  // Reads' decisions are committed on the io threads, between the requests they serve: no
  // hand-off to a committer thread and back for each commit.
  if (options.read_committer == ServerOptions::ReadCommitter::kIoThreads) {
    impl->vault->RunReadCommitsOn([listener = impl->listener.get()](std::function<void()> task) {
      listener->Post(std::move(task));
    });
  }
  impl->listener->Run();
  impl->port = impl->listener->port();
  if (options.delivery_interval.count() > 0) impl->delivery->Start(options.delivery_interval);
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
  for (const server::Route& r : impl_->api->router().routes()) out.push_back({r.method, r.pattern});
  return out;
}

void Server::Stop() {
  if (!impl_ || !impl_->listener) return;
  impl_->listener->Stop();
  impl_->retention->Stop();  // no sweep starts on a stopped server (one under way finishes)
  impl_->delivery->Stop();   // nor a delivery pass
  // Reads still waiting for their decisions' commit answer into the stopped listener; none
  // may come after it is gone.
  impl_->vault->DrainReads();
  // Destroying the listener drops what its connections had queued, and closes them: clients
  // waiting for an answer learn at once that none will come.
  impl_->listener.reset();
  impl_->access_log.reset();  // writes out its buffered lines
}

}  // namespace privet
