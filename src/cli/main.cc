// The privet command. main() only parses flags and dispatches; the work lives in the command
// modules beside this file and in the library.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <map>
#include <string>

#include "cli/audit_command.h"
#include "cli/breach_command.h"
#include "cli/policy_command.h"
#include "cli/rights_command.h"
#include "cli/serve_command.h"
#include "cli/subject_command.h"
#include "cli/vault_command.h"

// CLI11 reports bad arguments itself (CLI11_PARSE); anything else that escapes ends the process
// with its message, which is what a command-line tool should do with the unexpected.
int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  using privet::cli::NoticeFormat;
  CLI::App app{"privet: a personal-data vault and policy engine"};
  app.set_version_flag("--version", std::string("privet ") + PRIVET_VERSION);
  app.require_subcommand(1);

  CLI::App* policy = app.add_subcommand("policy", "Check, render and compare policy files");
  policy->require_subcommand(1);

  std::string path;
  CLI::App* check =
      policy->add_subcommand("check", "Validate a policy file (exit 0 valid, 1 invalid)");
  check->add_option("FILE", path, "Policy file")->required();

  std::string format = "md";
  CLI::App* render = policy->add_subcommand(
      "render", "Render the privacy notice (md, html) or the Art. 30 record of processing (ropa)");
  render->add_option("FILE", path, "Policy file")->required();
  render->add_option("--format", format, "md, html or ropa")
      ->check(CLI::IsMember({"md", "html", "ropa"}));

  std::string before, after;
  CLI::App* diff = policy->add_subcommand(
      "diff", "List changes between two policy versions; material ones marked");
  diff->add_option("OLD", before, "Earlier policy file")->required();
  diff->add_option("NEW", after, "Later policy file")->required();

  privet::VaultFiles files;
  std::string dest;
  CLI::App* backup = app.add_subcommand("backup",
                                        "Copy the data file alone (never the keys), also beside "
                                        "privet serve: privet backup DATA_DIR DEST");
  backup->add_option("DATA_DIR", files.data_dir, "The vault's data directory")->required();
  backup->add_option("DEST", dest, "New file to write")->required();

  CLI::App* keys = app.add_subcommand("keys", "Key store operations");
  keys->require_subcommand(1);
  CLI::App* keys_backup =
      keys->add_subcommand("backup", "Copy the key store alone: privet keys backup DATA_DIR DEST");
  keys_backup->add_option("DATA_DIR", files.data_dir, "The vault's data directory")->required();
  keys_backup->add_option("DEST", dest, "New file to write")->required();
  keys_backup->add_option("--key-store", files.key_store_path,
                          "Key store path (default DATA_DIR/keys.db)");
  std::string new_key_file;
  CLI::App* rotate =
      keys->add_subcommand("rotate", "Re-wrap every subject key under a new master key");
  rotate->add_option("DATA_DIR", files.data_dir, "The vault's data directory")->required();
  rotate->add_option("--key-store", files.key_store_path,
                     "Key store path (default DATA_DIR/keys.db)");
  // --master-key-file as everywhere else; --key-file is its old spelling, still accepted.
  rotate->add_option("--master-key-file,--key-file", files.master_key_file,
                     "Master key file (default DATA_DIR/master.key)");
  rotate->add_option("--new-key-file", new_key_file,
                     "File holding the new key (default: a fresh random key)");
  bool new_admin_key = false;
  CLI::App* keys_admin =
      keys->add_subcommand("admin",
                           "Revoke every admin API key and print a new one, with privet serve "
                           "stopped: privet keys admin --new DATA_DIR");
  keys_admin->add_option("DATA_DIR", files.data_dir, "The vault's data directory")->required();
  keys_admin->add_flag("--new", new_admin_key, "Make a new admin key (required: says what it does)")
      ->required();
  keys_admin->add_option("--key-store", files.key_store_path,
                         "Key store path (default DATA_DIR/keys.db)");
  keys_admin->add_option("--master-key-file", files.master_key_file,
                         "Default DATA_DIR/master.key; PRIVET_MASTER_KEY wins");

  CLI::App* audit = app.add_subcommand("audit", "Verify the audit log and print proofs");
  audit->require_subcommand(1);
  std::string public_key, tree_head_file;
  CLI::App* verify =
      audit->add_subcommand("verify", "Recompute the Merkle tree and check every signed tree head");
  verify->add_option("DATA_DIR", files.data_dir, "The vault's data directory")->required();
  verify->add_option("--public-key", public_key,
                     "The published signing key (base64); default: the key store's");
  verify->add_option("--tree-head", tree_head_file,
                     "A tree head published earlier (JSON): detects truncation");
  uint64_t entry = 0, tree_size = 0, old_size = 0, new_size = 0;
  CLI::App* proof = audit->add_subcommand("proof", "Inclusion proof of an entry in a signed tree");
  proof->add_option("DATA_DIR", files.data_dir, "The vault's data directory")->required();
  proof->add_option("ENTRY", entry, "Entry index (0-based)")->required();
  proof->add_option("--tree-size", tree_size, "Tree size (default: the latest signed tree head)");
  CLI::App* consistency =
      audit->add_subcommand("consistency", "Consistency proof between two tree sizes");
  consistency->add_option("DATA_DIR", files.data_dir, "The vault's data directory")->required();
  consistency->add_option("OLD", old_size, "Earlier tree size")->required();
  consistency->add_option("NEW", new_size, "Later tree size")->required();
  CLI::App* sign =
      audit->add_subcommand("sign", "Sign and store the current tree head (needs the master key)");
  sign->add_option("DATA_DIR", files.data_dir, "The vault's data directory")->required();
  CLI::App* pubkey =
      audit->add_subcommand("public-key", "Print the tree-head signing public key (base64)");
  pubkey->add_option("DATA_DIR", files.data_dir, "The vault's data directory")->required();

  privet::cli::VaultSpec spec;
  int within_days = 0;
  bool dry_run = false;
  auto add_vault_options = [&](CLI::App* cmd) {
    cmd->add_option("--policy", spec.policy_path, "The policy file in force")->required();
    cmd->add_option("--data", spec.files.data_dir, "The vault's data directory")->required();
    cmd->add_option("--key-store", spec.files.key_store_path,
                    "The key store (default DATA/keys.db)");
    cmd->add_option("--master-key-file", spec.files.master_key_file,
                    "Default DATA/master.key; PRIVET_MASTER_KEY wins");
  };
  std::string effective;
  CLI::App* publish = policy->add_subcommand(
      "publish", "Publish FILE as the vault's next policy version (notices, advance notice)");
  publish->add_option("FILE", path, "The new policy file")->required();
  publish->add_option("--effective", effective, "YYYY-MM-DD (default: the file's effective:)");
  add_vault_options(publish);
  CLI::App* versions =
      policy->add_subcommand("versions", "List the vault's published policy versions");
  add_vault_options(versions);
  privet::cli::BreachFlags breach_flags;
  std::string breach_id, breach_at;
  CLI::App* breach = app.add_subcommand("breach", "The breach register (CN15)");
  breach->require_subcommand(1);
  CLI::App* breach_record = breach->add_subcommand(
      "record", "Record a breach: who is affected, their notices, the authority deadline");
  breach_record->add_option("--what", breach_flags.what, "What happened (no personal data)")
      ->required();
  breach_record
      ->add_option("--started", breach_flags.started_at, "When it started, YYYY-MM-DDTHH:MM:SSZ")
      ->required();
  breach_record->add_option("--ended", breach_flags.ended_at,
                            "When it ended (default: still going on)");
  breach_record
      ->add_option("--aware", breach_flags.aware_at,
                   "When the company became aware: the authority clock starts")
      ->required();
  breach_record->add_option("--categories", breach_flags.categories,
                            "Policy category ids concerned (default: every category)");
  breach_record->add_option("--systems", breach_flags.systems, "The systems involved");
  breach_record->add_option("--api-keys", breach_flags.api_keys,
                            "API key ids involved: their reads name who is affected");
  breach_record->add_option("--principals", breach_flags.principals,
                            "Principals involved (staff:<role>, service, ...): likewise");
  breach_record
      ->add_option("--risk", breach_flags.risk,
                   "Your assessment: unlikely, risk, reasonable_risk_of_harm or high_risk")
      ->required();
  breach_record->add_option("--measures", breach_flags.measures,
                            "What was done and what people can do (no personal data)");
  add_vault_options(breach_record);
  CLI::App* breach_list =
      breach->add_subcommand("list", "The register, with each authority deadline");
  add_vault_options(breach_list);
  CLI::App* breach_told = breach->add_subcommand(
      "authority-notified", "Record that the supervisory authority was told of breach ID");
  breach_told->add_option("ID", breach_id, "The breach id (privet breach list)")->required();
  breach_told->add_option("--at", breach_at, "When, YYYY-MM-DDTHH:MM:SSZ (default: now)");
  add_vault_options(breach_told);
  CLI::App* request = app.add_subcommand("request", "Data-subject rights requests");
  request->require_subcommand(1);
  CLI::App* overdue = request->add_subcommand(
      "overdue", "List open requests that are late or due soon (exit 1 if any)");
  add_vault_options(overdue);
  overdue->add_option("--within", within_days, "Also list requests due within this many days")
      ->capture_default_str();
  CLI::App* retention = app.add_subcommand("retention", "Retention rules");
  retention->require_subcommand(1);
  CLI::App* retention_run =
      retention->add_subcommand("run", "Delete (or anonymize) what the retention rules say is due");
  add_vault_options(retention_run);
  retention_run->add_flag("--dry-run", dry_run, "List what would go; change nothing");

  std::string subject_id, event, rule, ground;
  CLI::App* subject =
      app.add_subcommand("subject", "One subject's retention anchors and legal holds");
  subject->require_subcommand(1);
  CLI::App* subject_event = subject->add_subcommand(
      "event", "Record that a retention anchor happened now (the end of a contract, ...)");
  add_vault_options(subject_event);
  subject_event->add_option("--subject", subject_id, "The subject's id")->required();
  subject_event
      ->add_option("--event", event,
                   "last_activity, last_application, contract_end, process_end or analysis")
      ->required();
  CLI::App* subject_hold = subject->add_subcommand(
      "hold", "Place a legal hold: retention and erasure keep the data until it is released");
  add_vault_options(subject_hold);
  subject_hold->add_option("--subject", subject_id, "The subject's id")->required();
  subject_hold->add_option("--ground", ground, "A code or case reference (letters, digits, _-.:/)")
      ->required();
  subject_hold->add_option("--rule", rule,
                           "The retention rule held (default: every rule, and erasure)");
  CLI::App* subject_release = subject->add_subcommand("release", "Release a legal hold");
  add_vault_options(subject_release);
  subject_release->add_option("--subject", subject_id, "The subject's id")->required();
  subject_release->add_option("--rule", rule,
                              "The rule of the hold (default: the whole-subject hold)");

  privet::cli::ServeFlags serve_flags;
  CLI::App* serve = app.add_subcommand("serve", "Serve the HTTP JSON API (docs/api.md)");
  serve->add_option("--policy", serve_flags.vault.policy_path, "The policy file in force")
      ->required();
  serve->add_option("--data", serve_flags.vault.files.data_dir, "The vault's data directory")
      ->required();
  serve->add_option("--key-store", serve_flags.vault.files.key_store_path,
                    "The key store (default DATA/keys.db)");
  serve->add_option("--master-key-file", serve_flags.vault.files.master_key_file,
                    "Default DATA/master.key; PRIVET_MASTER_KEY wins");
  serve->add_option("--listen", serve_flags.listen, "HOST:PORT to listen on")
      ->capture_default_str();
  serve->add_option("--threads", serve_flags.threads, "Server threads")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  serve
      ->add_option("--retention-interval", serve_flags.retention_interval_seconds,
                   "Seconds between retention sweeps; 0: only on POST /v1/retention/run")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  serve
      ->add_option("--read-committer", serve_flags.read_committer,
                   "Where reads' audit decisions are committed: io (the server threads) or "
                   "thread (a committer thread)")
      ->check(CLI::IsMember({"io", "thread"}))
      ->capture_default_str();
  serve
      ->add_option("--read-commit-delay-us", serve_flags.read_commit_delay_us,
                   "With --read-committer thread: microseconds concurrent reads wait for others "
                   "to share their audit commit; 0: none")
      ->check(CLI::Range(0, 100'000))
      ->capture_default_str();
  serve->add_option("--smtp", serve_flags.smtp_url,
                    "Send email through this server: smtp://HOST:PORT (STARTTLS when offered) or "
                    "smtps://HOST:PORT; without it email waits in the outbox");
  serve->add_option("--smtp-from", serve_flags.smtp_from, "The address email comes from");
  serve->add_option("--smtp-user", serve_flags.smtp_user,
                    "SMTP user; the password from PRIVET_SMTP_PASSWORD or --smtp-password-file");
  serve->add_option("--smtp-password-file", serve_flags.smtp_password_file,
                    "A file whose first line is the SMTP password");
  serve->add_flag("--smtp-require-tls", serve_flags.smtp_require_tls,
                  "Never send email in clear: STARTTLS is required");
  serve->add_option("--smtp-ca-file", serve_flags.smtp_ca_file,
                    "PEM certificates to trust for the SMTP server instead of the system's");
  serve->add_option("--webhook-ca-file", serve_flags.webhook_ca_file,
                    "PEM certificates to trust for webhook endpoints instead of the system's");
  serve->add_flag("--webhooks-allow-loopback-http", serve_flags.webhooks_allow_loopback_http,
                  "Accept http:// webhook endpoints on 127.0.0.1 / ::1 (a local relay)");
  serve->add_option("--site-origin", serve_flags.site_origins,
                    "A web site whose pages include the consent banner (/privet-consent.js) "
                    "from this server, e.g. https://www.example.com; repeat for more");
  serve->add_option("--public-url", serve_flags.public_url,
                    "Where the public pages are reached, e.g. https://privacy.example.com: "
                    "emails link the notice there");
  serve
      ->add_option("--delivery-interval-ms", serve_flags.delivery_interval_ms,
                   "Milliseconds between delivery passes; 0: only on POST /v1/outbox/deliver")
      ->check(CLI::Range(0, 3'600'000))
      ->capture_default_str();
  serve
      ->add_option("--policy-check-interval", serve_flags.policy_check_interval_seconds,
                   "Seconds between looks for a published policy version whose day has come, "
                   "which the server then enforces without a restart; 0: never")
      ->check(CLI::Range(0, 86'400))
      ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;  // usage error
  }

  if (*serve) return privet::cli::Serve(serve_flags, std::cout, std::cerr, std::clog);
  if (*check) return privet::cli::PolicyCheck(path, std::cout, std::cerr);
  if (*render) {
    static const std::map<std::string, NoticeFormat> kFormats = {{"md", NoticeFormat::kMarkdown},
                                                                 {"html", NoticeFormat::kHtml},
                                                                 {"ropa", NoticeFormat::kRopa}};
    return privet::cli::PolicyRender(path, kFormats.at(format), std::cout, std::cerr);
  }
  if (*diff) return privet::cli::PolicyDiff(before, after, std::cout, std::cerr);
  // Every command below works on an existing vault: a mistyped directory is a usage error, never
  // a new empty vault (or an empty report of one).
  const bool with_policy = *publish || *versions || *breach_record || *breach_list ||
                           *breach_told || *overdue || *retention_run || *subject_event ||
                           *subject_hold || *subject_release;
  const privet::VaultFiles& named = with_policy ? spec.files : files;
  if (privet::Status found = privet::FindVault(named); !found.ok()) {
    std::cerr << "privet: " << found.message() << "\n";
    return 2;
  }
  if (*backup) return privet::cli::Backup(files, dest, std::cout, std::cerr);
  if (*keys_backup) return privet::cli::KeysBackup(files, dest, std::cout, std::cerr);
  if (*rotate) return privet::cli::KeysRotate(files, new_key_file, std::cout, std::cerr);
  if (*keys_admin) return privet::cli::KeysAdminNew(files, std::cout, std::cerr);
  if (*verify)
    return privet::cli::AuditVerify(files, public_key, tree_head_file, std::cout, std::cerr);
  if (*proof) return privet::cli::AuditProof(files, entry, tree_size, std::cout, std::cerr);
  if (*consistency)
    return privet::cli::AuditConsistency(files, old_size, new_size, std::cout, std::cerr);
  if (*sign) return privet::cli::AuditSign(files, std::cout, std::cerr);
  if (*pubkey) return privet::cli::AuditPublicKeyCommand(files, std::cout, std::cerr);
  if (*publish) return privet::cli::PolicyPublish(spec, path, effective, std::cout, std::cerr);
  if (*versions) return privet::cli::PolicyVersions(spec, std::cout, std::cerr);
  if (*breach_record) return privet::cli::BreachRecord(spec, breach_flags, std::cout, std::cerr);
  if (*breach_list) return privet::cli::BreachList(spec, std::cout, std::cerr);
  if (*breach_told) {
    return privet::cli::BreachAuthorityNotified(spec, breach_id, breach_at, std::cout, std::cerr);
  }
  if (*overdue) return privet::cli::RequestOverdue(spec, within_days, std::cout, std::cerr);
  if (*subject_event)
    return privet::cli::SubjectEvent(spec, subject_id, event, std::cout, std::cerr);
  if (*subject_hold)
    return privet::cli::SubjectHold(spec, subject_id, rule, ground, std::cout, std::cerr);
  if (*subject_release)
    return privet::cli::SubjectRelease(spec, subject_id, rule, std::cout, std::cerr);
  if (*retention_run) {
    return privet::cli::RetentionRun(spec, dry_run, isatty(STDERR_FILENO) != 0, std::cout,
                                     std::cerr);
  }
  return 2;
}
