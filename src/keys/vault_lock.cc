#include "keys/vault_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <utility>

#include "privet/vault_files.h"

namespace privet {
namespace {

constexpr const char* kLockFile = "/privet.lock";
constexpr const char* kInUseField = "data_dir";

// The pid the holder wrote into the lock file, or 0 when it has not (yet).
long HolderPid(int fd) {
  char text[32] = {};
  const ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
  long pid = 0;
  if (n <= 0) return 0;
  auto [end, ec] = std::from_chars(text, text + n, pid);
  return ec == std::errc() && pid > 0 ? pid : 0;
}

Status InUse(const std::string& data_dir, long pid) {
  if (pid == static_cast<long>(::getpid())) {
    return FailedPrecondition("the vault at " + data_dir + " is already open in this process",
                              kInUseField);
  }
  return FailedPrecondition("the vault at " + data_dir + " is in use by another privet process" +
                                (pid > 0 ? " (pid " + std::to_string(pid) + ")" : std::string()) +
                                "; stop it first",
                            kInUseField);
}

}  // namespace

bool VaultInUse(const Status& status) {
  return status.code() == StatusCode::kFailedPrecondition && status.field() == kInUseField;
}

namespace vault_internal {

StatusOr<VaultLock> VaultLock::Acquire(const std::string& data_dir) {
  const std::string path = data_dir + kLockFile;
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR)
      return FailedPrecondition("there is no vault at " + data_dir);
    return Internal("cannot open the lock file " + path);
  }
  VaultLock lock(fd);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return InUse(data_dir, HolderPid(fd));
    return Internal("cannot lock " + path);
  }
  (void)::fchmod(fd, 0600);  // also when an older file was made with other bits
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    return Internal("cannot write " + path);
  }
  return lock;
}

VaultLock::VaultLock(VaultLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

VaultLock& VaultLock::operator=(VaultLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

VaultLock::~VaultLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the only descriptor of the open file releases the lock
}

}  // namespace vault_internal
}  // namespace privet
