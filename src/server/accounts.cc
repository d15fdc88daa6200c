#include "server/accounts.h"

#include <sodium.h>

#include "common/unix_time.h"
#include "crypto/crypto.h"

namespace privet::server {
namespace {

constexpr std::string_view kSessionPrefix = "pss_";
constexpr size_t kIdBytes = 8;
constexpr size_t kSecretBytes = 32;
constexpr size_t kMinPassword = 10;

std::string Hash(std::string_view bytes) {
  std::string hash(crypto_generichash_BYTES, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(hash.data()), hash.size(),
                     reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), nullptr,
                     0);
  return hash;
}

// Session ids and secrets, and the dummy password's salt: always libsodium's CSPRNG, never an
// IdSource (privet/id_source.h). A session token must not be guessable, even in a test build.
std::string Random(size_t n, bool hex) {
  std::string raw(n, '\0');
  randombytes_buf(raw.data(), n);
  std::string out;
  if (hex) {
    out.resize(n * 2 + 1);
    sodium_bin2hex(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()), n);
  } else {
    out.resize(sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING));
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()), n,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  }
  sodium_memzero(raw.data(), raw.size());
  out.resize(out.find('\0'));
  return out;
}

StatusOr<std::string> HashPassword(std::string_view password) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(),
                            crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Internal("password hashing ran out of memory");
  }
  return std::string(out);
}

// The key an email's login limit and code are kept under: the email as the blind index
// normalises it (trimmed, lower-cased), hashed, so that re-spelling one address counts alike.
StatusOr<std::pair<std::string, std::string>> EmailKey(std::string_view email) {
  StatusOr<std::string> normalized =
      crypto::NormalizeIdentifier(crypto::IdentifierKind::kEmail, email);
  if (!normalized.ok()) return InvalidArgument(normalized.status().message(), "email");
  return std::pair{*normalized, Hash("email:" + *normalized)};
}

}  // namespace

bool IsSessionToken(std::string_view token) {
  return token.substr(0, kSessionPrefix.size()) == kSessionPrefix;
}

Accounts::Accounts(std::unique_ptr<store::AccountStore> store, Vault& vault, const Clock& clock,
                   AccountOptions options)
    : store_(std::move(store)), vault_(&vault), clock_(clock), options_(options) {
  auto dummy = HashPassword(Random(16, true));
  if (dummy.ok()) dummy_hash_ = *dummy;
}

Status Accounts::SetPassword(uint64_t subject_id, std::string_view password) {
  if (password.size() < kMinPassword || password.size() > kMaxPasswordBytes) {
    return InvalidArgument("must be 10 to 1024 bytes", "password");
  }
  PRIVET_ASSIGN_OR_RETURN(std::string hash, HashPassword(password));
  return store_->PutPassword(subject_id, hash);
}

Status Accounts::ChangePassword(uint64_t subject_id, std::string_view current,
                                std::string_view password) {
  const std::string key = Hash("subject:" + std::to_string(subject_id));
  if (!TakeAttempt(key)) {
    return ResourceExhausted("too many wrong passwords; try again later", "current_password");
  }
  PRIVET_ASSIGN_OR_RETURN(std::optional<std::string> stored, store_->GetPassword(subject_id));
  const bool verified =
      stored && current.size() <= kMaxPasswordBytes &&
      crypto_pwhash_str_verify(stored->c_str(), current.data(), current.size()) == 0;
  if (!verified) return Status(StatusCode::kUnauthenticated, "the current password is wrong");
  Forgive(key);
  return SetPassword(subject_id, password);
}

// One attempt against `key`'s limit, counted before it is tried: concurrent attempts cannot
// all pass the check before any is counted. A success forgives it (Forgive).
bool Accounts::TakeAttempt(const std::string& key) {
  MutexLock lock(&mu_);
  Failures& f = failures_[key];
  if (f.count == 0 || clock_.Now() - f.window_start >= options_.failure_window) {
    f = {.count = 0, .window_start = clock_.Now()};
  }
  if (f.count >= options_.max_failures) return false;
  ++f.count;
  return true;
}

void Accounts::Forgive(const std::string& key) {
  MutexLock lock(&mu_);
  failures_.erase(key);
}

StatusOr<Session> Accounts::Login(std::string_view email, std::string_view password) {
  const Status bad(StatusCode::kUnauthenticated, "unknown email or wrong password");
  // Counted and looked up as the blind index normalises it (trimmed, lower-cased), so that
  // re-spelling one address does not reset its count.
  PRIVET_ASSIGN_OR_RETURN(auto email_key, EmailKey(email));
  const auto& [normalized, key] = email_key;
  if (!TakeAttempt(key)) {
    return ResourceExhausted("too many failed logins; try again later", "email");
  }
  std::optional<std::string> stored;
  PRIVET_ASSIGN_OR_RETURN(std::optional<uint64_t> subject,
                          vault_->FindSubject(Vault::Identifier::kEmail, normalized));
  if (subject) {
    PRIVET_ASSIGN_OR_RETURN(stored, store_->GetPassword(*subject));
  }
  const std::string& against = stored ? *stored : dummy_hash_;
  bool verified = password.size() <= kMaxPasswordBytes &&
                  crypto_pwhash_str_verify(against.c_str(), password.data(), password.size()) == 0;
  if (!verified || !stored) return bad;  // the attempt stays counted
  Forgive(key);
  StatusOr<Session> session = OpenSession(*subject, options_.session_lifetime);
  if (!session.ok() && session.status().code() == StatusCode::kNotFound) return bad;
  return session;
}

Status Accounts::SendSignInCode(std::string_view email) {
  if (email.size() > kMaxEmailBytes) return InvalidArgument("too long for an email", "email");
  PRIVET_ASSIGN_OR_RETURN(auto key, EmailKey(email));
  const auto& [normalized, login_key] = key;
  const std::string sent_key = Hash("code:" + normalized);
  // Counts the codes asked for, known email or not.
  if (!TakeAttempt(sent_key)) {
    return ResourceExhausted("too many codes asked for this email; try again later", "email");
  }
  PRIVET_ASSIGN_OR_RETURN(std::optional<uint64_t> subject,
                          vault_->FindSubject(Vault::Identifier::kEmail, normalized));
  if (!subject) return Status::Ok();  // the same answer: nobody learns who has an account
  std::string code(8, '0');
  for (char& c : code) c = static_cast<char>('0' + randombytes_uniform(10));
  const Time expires = clock_.Now() + options_.code_lifetime;
  {
    MutexLock lock(&mu_);
    codes_[login_key] = {.subject_id = *subject,
                         .hash = Hash(code),
                         .expires_at = expires,
                         .attempts_left = options_.code_attempts};
  }
  Status queued = vault_->QueueSignInCode(*subject, code, expires);
  sodium_memzero(code.data(), code.size());
  if (queued.code() == StatusCode::kNotFound) return Status::Ok();  // erased meanwhile
  return queued;
}

StatusOr<Session> Accounts::LoginWithCode(std::string_view email, std::string_view code) {
  const Status bad(StatusCode::kUnauthenticated, "unknown email, or a wrong or expired code");
  if (email.size() > kMaxEmailBytes) return InvalidArgument("too long for an email", "email");
  PRIVET_ASSIGN_OR_RETURN(auto key, EmailKey(email));
  const std::string& login_key = key.second;
  if (!TakeAttempt(login_key)) {
    return ResourceExhausted("too many failed sign-ins; try again later", "email");
  }
  const std::string hash = Hash(code);
  std::optional<uint64_t> subject;
  {
    MutexLock lock(&mu_);
    auto it = codes_.find(login_key);
    if (it != codes_.end()) {
      PendingCode& pending = it->second;
      const bool live = clock_.Now() < pending.expires_at;
      if (live && sodium_memcmp(pending.hash.data(), hash.data(), hash.size()) == 0) {
        subject = pending.subject_id;
        codes_.erase(it);  // works once
      } else if (!live || --pending.attempts_left <= 0) {
        codes_.erase(it);
      }
    }
  }
  if (!subject) return bad;  // the attempt stays counted
  Forgive(login_key);
  StatusOr<Session> session = OpenSession(*subject, options_.session_lifetime);
  if (!session.ok() && session.status().code() == StatusCode::kNotFound) return bad;
  return session;
}

StatusOr<Session> Accounts::OpenSession(uint64_t subject_id, std::chrono::seconds lifetime) {
  const std::string id = Random(kIdBytes, true);
  const std::string secret = Random(kSecretBytes, false);
  const Time expires = clock_.Now() + lifetime;
  PRIVET_RETURN_IF_ERROR(store_->PutSession({.id = id,
                                             .secret_hash = Hash(secret),
                                             .subject_id = subject_id,
                                             .expires_at = ToUnix(expires)}));
  // An erasure that ran meanwhile (Forget before the session was stored) must not leave a
  // session behind: the subject is checked again once the session is stored. An erasure after
  // this point removes the session itself (Forget), and Authenticate refuses a session whose
  // subject is gone whatever erased it.
  if (Status live = SubjectLive(subject_id); !live.ok()) {
    PRIVET_RETURN_IF_ERROR(store_->DeleteSession(id));
    return live;
  }
  return Session{.token = std::string(kSessionPrefix) + id + "_" + secret, .expires_at = expires};
}

Status Accounts::SubjectLive(uint64_t subject_id) {
  StatusOr<SubjectInfo> subject = vault_->GetSubject(subject_id);
  if (subject.ok()) return Status::Ok();
  if (subject.status().code() == StatusCode::kNotFound) {
    // Erased (by a request, retention, or DELETE): its account goes with it.
    PRIVET_RETURN_IF_ERROR(store_->ForgetSubject(subject_id));
  }
  return subject.status();
}

StatusOr<Principal> Accounts::Authenticate(std::string_view token) {
  const Status bad(StatusCode::kUnauthenticated, "invalid or expired session");
  if (!IsSessionToken(token)) return bad;
  token.remove_prefix(kSessionPrefix.size());
  if (token.size() < kIdBytes * 2 + 1 || token[kIdBytes * 2] != '_') return bad;
  PRIVET_ASSIGN_OR_RETURN(std::optional<store::SessionRecord> session,
                          store_->GetSession(token.substr(0, kIdBytes * 2)));
  if (!session) return bad;
  const std::string hash = Hash(token.substr(kIdBytes * 2 + 1));
  if (session->secret_hash.size() != hash.size() ||
      sodium_memcmp(session->secret_hash.data(), hash.data(), hash.size()) != 0) {
    return bad;
  }
  if (ToUnix(clock_.Now()) >= session->expires_at) {
    PRIVET_RETURN_IF_ERROR(store_->DeleteSession(session->id));
    return bad;
  }
  if (Status live = SubjectLive(session->subject_id); !live.ok()) {
    return live.code() == StatusCode::kNotFound ? bad : live;
  }
  return Principal::Subject(session->subject_id);
}

Status Accounts::Logout(std::string_view token) {
  PRIVET_RETURN_IF_ERROR(Authenticate(token).status());
  token.remove_prefix(kSessionPrefix.size());
  return store_->DeleteSession(token.substr(0, kIdBytes * 2));
}

Status Accounts::Forget(uint64_t subject_id) { return store_->ForgetSubject(subject_id); }

}  // namespace privet::server
