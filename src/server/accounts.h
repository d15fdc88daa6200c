// Accounts: data subjects signing in with a password, and their sessions (CU07).
//
// Passwords are hashed with Argon2id (libsodium crypto_pwhash_str, the "interactive" limits:
// 2 passes over 64 MiB) and never stored or logged in the clear; 10 to 1024 bytes. A login names
// the subject by email (the vault's blind index) and returns a session token
// "pss_<id>_<secret>" (32 random bytes), stored only as a hash, valid for `session_lifetime`
// and ended by Logout. An unknown email and a wrong password are the same 401, and cost the
// same Argon2id verification.
//
// Login rate limiting: after `max_failures` failed logins for one email within `failure_window`,
// further attempts for it are refused (ResourceExhausted → 429) until the window has passed,
// right password or not. The counters are in memory, keyed by a hash of the email as the blind
// index normalises it (trimmed, ASCII lower-cased): every spelling of one address counts alike.
//
// Thread-safety: safe to use from many threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/mutex.h"
#include "privet/clock.h"
#include "privet/decision.h"
#include "privet/status.h"
#include "privet/vault.h"
#include "store/account_store.h"

namespace privet::server {

// The longest password accepted (Argon2id hashes every byte), and the longest email a login
// may name (RFC 5321's 254 for an address); longer in a body is 400.
inline constexpr size_t kMaxPasswordBytes = 1024;
inline constexpr size_t kMaxEmailBytes = 254;

struct AccountOptions {
  std::chrono::seconds session_lifetime{std::chrono::hours(12)};
  int max_failures = 5;
  std::chrono::seconds failure_window{std::chrono::minutes(15)};
  // One-time sign-in codes: how long one works, and how many wrong tries spend it. At most
  // max_failures codes are sent for one email within failure_window.
  std::chrono::seconds code_lifetime{std::chrono::minutes(15)};
  int code_attempts = 5;
};

struct Session {
  std::string token;  // shown once
  Time expires_at;
};

class Accounts {
 public:
  Accounts(std::unique_ptr<store::AccountStore> store, Vault& vault, const Clock& clock,
           AccountOptions options = {});

  // Sets the subject's password. InvalidArgument (field "password") outside 10..1024 bytes.
  Status SetPassword(uint64_t subject_id, std::string_view password);
  // The subject changes its own password: the current one must match (Unauthenticated
  // otherwise, counted against the same failure limit as logins, ResourceExhausted past it).
  Status ChangePassword(uint64_t subject_id, std::string_view current, std::string_view password);
  // Unauthenticated for an unknown email or a wrong password; ResourceExhausted when the email
  // is rate limited. A login racing the subject's erasure returns no session that outlives it:
  // the subject is checked again once the session is stored.
  StatusOr<Session> Login(std::string_view email, std::string_view password);
  // Sends a one-time sign-in code (8 digits) by email through the outbox to the subject whose
  // email this is, for a person without a password. The answer is the same whether or not the
  // email belongs to anyone, so nobody learns who has an account: OK, InvalidArgument for
  // something that is no email, ResourceExhausted once max_failures codes went to that email
  // within failure_window. A new code replaces the previous one. Only the code's hash is kept,
  // in memory: a restart spends every code.
  Status SendSignInCode(std::string_view email);
  // A session for the email's subject if `code` is its live code. Unauthenticated for any other
  // (unknown email, wrong, expired or spent code: one answer), counted against the same login
  // limit as a wrong password; ResourceExhausted past it. A code works once, and
  // code_attempts wrong tries spend it.
  StatusOr<Session> LoginWithCode(std::string_view email, std::string_view code);
  // A session for a subject that proved itself another way: a device the consent banner has
  // just created (its token is the device's only credential, kept in the visitor's browser).
  // NotFound once the subject is erased.
  StatusOr<Session> OpenSession(uint64_t subject_id, std::chrono::seconds lifetime);
  // The subject principal of a live session token; Unauthenticated otherwise, and for a session
  // whose subject was erased since (by any path: DELETE, a fulfilled request, retention).
  StatusOr<Principal> Authenticate(std::string_view token);
  // Ends the session of `token`. Idempotent.
  Status Logout(std::string_view token);
  // Erasure: the password and every session of the subject.
  Status Forget(uint64_t subject_id);
  // The vault subjects are looked up in from now on (the server reopened it under a new policy
  // version). REQUIRES: no other call under way.
  void UseVault(Vault& vault) { vault_ = &vault; }

 private:
  // OK while the subject exists; NotFound once it is erased, after forgetting its account.
  Status SubjectLive(uint64_t subject_id);
  // Counts one attempt against `key`'s limit before it is tried; false (nothing counted) once
  // max_failures are in the window. Forgive clears the count after a success.
  bool TakeAttempt(const std::string& key) EXCLUDES(mu_);
  void Forgive(const std::string& key) EXCLUDES(mu_);

  std::unique_ptr<store::AccountStore> store_;
  Vault* vault_;  // never null
  const Clock& clock_;
  AccountOptions options_;
  std::string dummy_hash_;  // verified against when the email is unknown

  struct Failures {
    int count = 0;
    Time window_start;
  };
  struct PendingCode {
    uint64_t subject_id = 0;
    std::string hash;  // BLAKE2b of the code
    Time expires_at;
    int attempts_left = 0;
  };
  Mutex mu_;
  std::map<std::string, Failures> failures_ GUARDED_BY(mu_);  // by BLAKE2b(email)
  std::map<std::string, PendingCode> codes_ GUARDED_BY(mu_);  // by BLAKE2b(email)
};

// True if `token` looks like a session token (as opposed to an API key).
bool IsSessionToken(std::string_view token);

}  // namespace privet::server
