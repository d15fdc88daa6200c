// `privet serve`: the HTTP JSON API (include/privet/server.h) until SIGINT or SIGTERM.
// Prints the listening address, and on first run the admin API key, once, to `out`; the
// access log (JSON lines) goes to `log`. Exit codes: 0 stopped by a signal, 1 failure, 2 usage.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "cli/rights_command.h"

namespace privet::cli {

struct ServeFlags {
  VaultSpec vault;
  std::string listen = "127.0.0.1:8080";  // HOST:PORT, [IPv6]:PORT
  int threads = 2;
  int retention_interval_seconds = 3600;  // 0: sweeps only on POST /v1/retention/run
  std::string read_committer = "io";      // ServerOptions::read_committer: "io" or "thread"
  int read_commit_delay_us = 100;         // VaultOptions::read_commit_delay (with "thread")
  // Email (privet/delivery.h): smtp://host:port or smtps://host:port; empty: email waits in
  // the outbox. The password comes from the environment (PRIVET_SMTP_PASSWORD) or a file,
  // never the command line (other users can read it in the process list).
  std::string smtp_url;
  std::string smtp_from;
  std::string smtp_user;
  std::string smtp_password_file;
  bool smtp_require_tls = false;
  std::string smtp_ca_file;
  std::string webhook_ca_file;
  bool webhooks_allow_loopback_http = false;
  int delivery_interval_ms = 1000;        // 0: only on POST /v1/outbox/deliver
  std::string public_url;                 // DeliveryOptions::public_url
  std::vector<std::string> site_origins;  // ServerOptions::site_origins
  // How often the server looks for a published policy version whose day has come; 0: never
  // (the operator restarts it with the version's file).
  int policy_check_interval_seconds = 60;
};

int Serve(const ServeFlags& flags, std::ostream& out, std::ostream& err, std::ostream& log);

}  // namespace privet::cli
