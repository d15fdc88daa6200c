// LoadOrCreateMasterKey: the master key from PRIVET_MASTER_KEY or from a 0600 key file.

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "crypto/crypto.h"
#include "crypto/internal.h"

namespace privet::crypto {
namespace {

constexpr const char* kMasterKeyVariable = "PRIVET_MASTER_KEY";
constexpr size_t kHexBytes = 2 * kKeyBytes;

std::string Quoted(const std::string& path) { return "'" + path + "'"; }

std::string ErrnoText(int error) { return std::strerror(error); }

// Closes a file descriptor when it goes out of scope.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  // Closes now and reports the error, if any.
  int Close() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

// Zeroes a fixed buffer when it goes out of scope.
template <size_t N>
struct WipedBuffer {
  std::array<char, N> bytes{};
  ~WipedBuffer() { sodium_memzero(bytes.data(), bytes.size()); }
};

StatusOr<SecretKey> ReadKeyFile(const std::string& path, int fd) {
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    return Internal("cannot stat master key file " + Quoted(path) + ": " + ErrnoText(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return FailedPrecondition("master key file " + Quoted(path) + " is not a regular file");
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return FailedPrecondition("master key file " + Quoted(path) + " has mode " + mode +
                              ": group and others must have no access (chmod 600 it)");
  }
  // One byte more than the longest valid file, to detect trailing garbage.
  WipedBuffer<kHexBytes + 2> buffer;
  size_t size = 0;
  while (size < buffer.bytes.size()) {
    ssize_t n = ::read(fd, buffer.bytes.data() + size, buffer.bytes.size() - size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return Internal("cannot read master key file " + Quoted(path) + ": " + ErrnoText(errno));
    }
    if (n == 0) break;
    size += static_cast<size_t>(n);
  }
  const Status corrupt(StatusCode::kDataLoss,
                       "master key file " + Quoted(path) +
                           " is damaged: it must hold exactly 64 hex characters and a newline");
  if (size == kHexBytes + 1 && buffer.bytes[kHexBytes] == '\n') {
    size = kHexBytes;
  }
  if (size != kHexBytes) return corrupt;
  StatusOr<SecretKey> key = SecretKey::FromHex(std::string_view(buffer.bytes.data(), size));
  if (!key.ok()) return corrupt;
  return key;
}

Status FsyncDirectoryOf(const std::string& path) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return Internal("cannot open the directory of master key file " + Quoted(path) + ": " +
                    ErrnoText(errno));
  }
  FdCloser closer(fd);
  if (::fsync(fd) != 0) {
    return Internal("cannot fsync the directory of master key file " + Quoted(path) + ": " +
                    ErrnoText(errno));
  }
  return Status::Ok();
}

// Returns 0, or the errno of the failed write.
int WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return 0;
}

// Writes a fresh key to a temporary file beside `path` and links it into place, so no reader
// ever sees a partial key file. AlreadyExists if another process created `path` first.
Status CreateKeyFile(const std::string& path) {
  std::array<uint8_t, 8> random;
  randombytes_buf(random.data(), random.size());
  char suffix[2 * 8 + 1];
  sodium_bin2hex(suffix, sizeof suffix, random.data(), random.size());
  const std::string temp = path + ".tmp-" + suffix;

  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return Internal("cannot create master key file " + Quoted(path) + " (temporary file " +
                    Quoted(temp) + "): " + ErrnoText(errno));
  }
  FdCloser closer(fd);
  auto fail = [&](const std::string& what, int error) {
    ::unlink(temp.c_str());
    return Internal("cannot " + what + " master key file " + Quoted(path) + ": " +
                    ErrnoText(error));
  };

  {
    SecretKey key = SecretKey::Random();
    WipedBuffer<kHexBytes + 1> line;
    sodium_bin2hex(line.bytes.data(), line.bytes.size(), key.data(), kKeyBytes);
    line.bytes[kHexBytes] = '\n';
    if (int error = WriteAll(fd, line.bytes.data(), line.bytes.size()); error != 0) {
      return fail("write", error);
    }
  }
  if (::fsync(fd) != 0) return fail("fsync", errno);
  if (closer.Close() != 0) return fail("close", errno);
  if (::link(temp.c_str(), path.c_str()) != 0) {
    int error = errno;
    ::unlink(temp.c_str());
    if (error == EEXIST) return Status(StatusCode::kAlreadyExists, "created concurrently");
    return Internal("cannot create master key file " + Quoted(path) + ": " + ErrnoText(error));
  }
  ::unlink(temp.c_str());
  return FsyncDirectoryOf(path);
}

}  // namespace

namespace {

StatusOr<SecretKey> LoadMasterKey(const std::string& key_file, bool create) {
  PRIVET_RETURN_IF_ERROR(InitCrypto());
  if (const char* hex = std::getenv(kMasterKeyVariable); hex != nullptr) {
    StatusOr<SecretKey> key = SecretKey::FromHex(hex);
    if (!key.ok()) {
      return InvalidArgument(std::string(kMasterKeyVariable) +
                             " is set but is not 64 hex characters (a 32-byte key)");
    }
    return key;
  }
  if (key_file.empty()) {
    return InvalidArgument(std::string("no master key: set ") + kMasterKeyVariable +
                           " or give a key file");
  }
  // Open the file, or create it and open it then. If another process creates it between our
  // open and our link, the next round reads the one it wrote.
  for (int attempt = 0; attempt < 3; ++attempt) {
    int fd = ::open(key_file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      FdCloser closer(fd);
      return ReadKeyFile(key_file, fd);
    }
    if (errno != ENOENT) {
      return Internal("cannot open master key file " + Quoted(key_file) + ": " + ErrnoText(errno));
    }
    if (!create) {
      return FailedPrecondition(
          "no master key file " + Quoted(key_file) +
          ": the key store was made with a master key; give its file or set " + kMasterKeyVariable);
    }
    Status created = CreateKeyFile(key_file);
    if (!created.ok() && created.code() != StatusCode::kAlreadyExists) return created;
  }
  return Internal("master key file " + Quoted(key_file) + " disappears as it is created");
}

}  // namespace

StatusOr<SecretKey> LoadOrCreateMasterKey(const std::string& key_file) {
  return LoadMasterKey(key_file, /*create=*/true);
}

StatusOr<SecretKey> LoadExistingMasterKey(const std::string& key_file) {
  return LoadMasterKey(key_file, /*create=*/false);
}

}  // namespace privet::crypto
