#include "cli/serve_command.h"

#include <charconv>
#include <csignal>
#include <ostream>

#include "privet/server.h"

namespace privet::cli {
namespace {

// "127.0.0.1:8080" or "[::1]:8080".
bool SplitListen(const std::string& listen, std::string* host, uint16_t* port) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  *host = listen.substr(0, colon);
  if (host->size() > 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  const char* begin = listen.data() + colon + 1;
  const char* end = listen.data() + listen.size();
  auto [ptr, ec] = std::from_chars(begin, end, *port);
  return ec == std::errc() && ptr == end && begin != end;
}

}  // namespace

int Serve(const ServeFlags& flags, std::ostream& out, std::ostream& err, std::ostream& log) {
  std::string host;
  uint16_t port = 0;
  if (!SplitListen(flags.listen, &host, &port)) {
    err << "privet serve: --listen must be HOST:PORT, e.g. 127.0.0.1:8080\n";
    return 2;
  }
  PolicyLoadResult loaded = LoadPolicyFile(flags.vault.policy_path);
  if (!loaded.ok()) {
    err << flags.vault.policy_path << ": the policy does not load (run `privet policy check`)\n";
    return 1;
  }
  auto policy = CompiledPolicy::Compile(std::move(*loaded.policy));
  if (!policy.ok()) {
    err << "privet serve: " << policy.status().ToString() << "\n";
    return 1;
  }
  // Block the stop signals before the server's threads start, so only sigwait sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  static SystemClock clock;
  auto server = Server::Start(
      {.vault = {.data_dir = flags.vault.files.data_dir,
                 .key_store_path = flags.vault.files.key_store_path,
                 .master_key_file = flags.vault.files.master_key_file,
                 .policy = *policy,
                 .policy_text = ReadPolicyText(flags.vault.policy_path),
                 .clock = &clock,
                 .read_commit_delay = std::chrono::microseconds(flags.read_commit_delay_us)},
       .address = host,
       .port = port,
       .threads = flags.threads,
       .retention_interval = std::chrono::seconds(flags.retention_interval_seconds),
       .access_log = &log,
       .read_committer = flags.read_committer == "thread"
                             ? ServerOptions::ReadCommitter::kCommitterThread
                             : ServerOptions::ReadCommitter::kIoThreads});
  if (!server.ok()) {
    err << "privet serve: " << server.status().ToString() << "\n";
    return 1;
  }
  if (const auto& key = (*server)->initial_admin_key()) {
    out << "admin API key (shown once, keep it safe): " << *key << "\n";
  }
  out << "listening on " << host << ":" << (*server)->port() << "\n" << std::flush;
  int received = 0;
  sigwait(&signals, &received);
  (*server)->Stop();
  return 0;
}

}  // namespace privet::cli
