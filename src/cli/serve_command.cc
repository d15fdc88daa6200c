#include "cli/serve_command.h"

#include <charconv>
#include <csignal>
#include <cstdlib>
#include <fstream>
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

// The delivery options from the flags; false (with a message) when they do not fit together.
bool DeliveryFromFlags(const ServeFlags& flags, DeliveryOptions& out, std::ostream& err) {
  out.webhook_ca_file = flags.webhook_ca_file;
  out.public_url = flags.public_url;
  out.allow_loopback_http = flags.webhooks_allow_loopback_http;
  if (flags.smtp_url.empty()) return true;
  if (flags.smtp_from.empty()) {
    err << "privet serve: --smtp needs --smtp-from (the address mail comes from)\n";
    return false;
  }
  SmtpSettings smtp{.url = flags.smtp_url,
                    .from = flags.smtp_from,
                    .username = flags.smtp_user,
                    .require_tls = flags.smtp_require_tls,
                    .ca_file = flags.smtp_ca_file};
  if (!flags.smtp_password_file.empty()) {
    std::ifstream in(flags.smtp_password_file);
    if (!in || !std::getline(in, smtp.password)) {
      err << "privet serve: cannot read --smtp-password-file " << flags.smtp_password_file << "\n";
      return false;
    }
  } else if (const char* env = std::getenv("PRIVET_SMTP_PASSWORD")) {
    smtp.password = env;
  }
  if (!smtp.username.empty() && smtp.password.empty()) {
    err << "privet serve: --smtp-user needs a password (PRIVET_SMTP_PASSWORD or "
           "--smtp-password-file)\n";
    return false;
  }
  out.smtp = std::move(smtp);
  return true;
}

// "http(s)://host[:port]" with nothing after: what a browser sends as Origin.
bool IsWebOrigin(std::string_view origin) {
  std::string_view rest;
  if (origin.starts_with("https://")) {
    rest = origin.substr(8);
  } else if (origin.starts_with("http://")) {
    rest = origin.substr(7);
  } else {
    return false;
  }
  return !rest.empty() && rest.find_first_of("/?#@ \t") == std::string_view::npos;
}

}  // namespace

int Serve(const ServeFlags& flags, std::ostream& out, std::ostream& err, std::ostream& log) {
  std::string host;
  uint16_t port = 0;
  if (!SplitListen(flags.listen, &host, &port)) {
    err << "privet serve: --listen must be HOST:PORT, e.g. 127.0.0.1:8080\n";
    return 2;
  }
  DeliveryOptions delivery;
  if (!DeliveryFromFlags(flags, delivery, err)) return 2;
  for (const std::string& origin : flags.site_origins) {
    if (!IsWebOrigin(origin)) {
      err << "privet serve: --site-origin must be an origin, scheme and host only, e.g. "
             "https://www.example.com (got '"
          << origin << "')\n";
      return 2;
    }
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
                             : ServerOptions::ReadCommitter::kIoThreads,
       .delivery = std::move(delivery),
       .delivery_interval = std::chrono::milliseconds(flags.delivery_interval_ms),
       .policy_check_interval = std::chrono::seconds(flags.policy_check_interval_seconds),
       .site_origins = flags.site_origins});
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
