#include "keys/master_key_rotation.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace privet::vault_internal {
namespace {

bool UsingEnvironmentKey() { return std::getenv("PRIVET_MASTER_KEY") != nullptr; }

Status FsyncDirectoryOf(const std::string& path) {
  const std::string dir = std::filesystem::path(path).parent_path().string();
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return Internal("cannot open the directory of " + path);
  const int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::Ok() : Internal("cannot sync the directory of " + path);
}

Status WriteKeyFile(const std::string& path, const crypto::SecretKey& key) {
  std::remove(path.c_str());
  const int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) return FailedPrecondition("cannot create the key file " + path);
  const std::string text = key.ToHex() + "\n";
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Internal("cannot write the key file " + path);
  return FsyncDirectoryOf(path);
}

}  // namespace

StatusOr<crypto::SecretKey> LoadMasterKeyFinishingRotation(
    const std::string& key_file, const std::optional<std::string>& key_check) {
  const std::string next_file = key_file + ".next";
  if (!UsingEnvironmentKey() && std::filesystem::exists(next_file) && key_check) {
    StatusOr<crypto::SecretKey> next = crypto::LoadOrCreateMasterKey(next_file);
    if (next.ok() && crypto::VerifyKeyCheck(*next, *key_check).ok()) {
      // The re-wrap committed; finish the rename that the crash interrupted.
      if (std::rename(next_file.c_str(), key_file.c_str()) != 0)
        return Internal("cannot finish the master key rotation: rename " + next_file);
      PRIVET_RETURN_IF_ERROR(FsyncDirectoryOf(key_file));
      return next;
    }
    std::remove(next_file.c_str());  // the rotation never committed
  }
  // A key store that exists was made with some master key: a missing file is an operator's
  // mistake (a wrong --master-key-file), and a new key there would only be refused, and left
  // behind.
  return key_check ? crypto::LoadExistingMasterKey(key_file)
                   : crypto::LoadOrCreateMasterKey(key_file);
}

Status RotateMasterKey(const std::string& key_file, const crypto::SecretKey& current,
                       const crypto::SecretKey& next, store::KeyStore& keys,
                       crypto::NonceSource& nonces) {
  const bool file_key = !UsingEnvironmentKey();
  const std::string next_file = key_file + ".next";
  if (file_key) PRIVET_RETURN_IF_ERROR(WriteKeyFile(next_file, next));
  Status rewrapped = keys.RewrapAll(
      [&](uint64_t subject_id, std::string_view wrapped) -> StatusOr<std::string> {
        PRIVET_ASSIGN_OR_RETURN(crypto::SecretKey key,
                                crypto::UnwrapKey(current, wrapped, subject_id));
        return crypto::WrapKey(next, key, subject_id, nonces);
      },
      [&](std::string_view name, std::string_view value) -> StatusOr<std::string> {
        if (name == store::key_meta::kKeyCheck) {
          PRIVET_RETURN_IF_ERROR(crypto::VerifyKeyCheck(current, value));
          return crypto::MakeKeyCheck(next, nonces);
        }
        if (name == store::key_meta::kIndexRootKey) {
          PRIVET_ASSIGN_OR_RETURN(
              crypto::SecretKey root,
              crypto::UnwrapKey(current, value, store::key_meta::kIndexRootKeyId));
          return crypto::WrapKey(next, root, store::key_meta::kIndexRootKeyId, nonces);
        }
        if (name == store::key_meta::kAuditSigningSeed) {
          PRIVET_ASSIGN_OR_RETURN(
              crypto::SecretKey seed,
              crypto::UnwrapKey(current, value, store::key_meta::kAuditSigningSeedKeyId));
          return crypto::WrapKey(next, seed, store::key_meta::kAuditSigningSeedKeyId, nonces);
        }
        return std::string(value);
      });
  if (!rewrapped.ok()) {
    if (file_key) std::remove(next_file.c_str());
    return rewrapped;
  }
  if (!file_key) return Status::Ok();
  if (std::rename(next_file.c_str(), key_file.c_str()) != 0)
    return Internal("rotation committed but renaming " + next_file +
                    " failed; the next open finishes it");
  return FsyncDirectoryOf(key_file);
}

}  // namespace privet::vault_internal
