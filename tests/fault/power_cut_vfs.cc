// PowerCutVfs (power_cut_vfs.h): every call goes to the default VFS; xWrite and xTruncate first
// keep the bytes they are about to replace (a pre-image), xSync forgets them, and a snapshot
// copies each file and puts the pre-images back, newest first.
#include "fault/power_cut_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <vector>

#include "common/mutex.h"

namespace privet::testing {
namespace {

// What a file held before a write since its last sync.
struct PreImage {
  int64_t offset = 0;
  std::string bytes;  // empty when the write only extended the file
};

struct FileState {
  int64_t synced_size = 0;     // its size at the last sync (or when first opened)
  std::vector<PreImage> undo;  // oldest first
};

// Our file: the default VFS's file follows it in the same allocation.
struct ShimFile {
  sqlite3_file base;
  PowerCutVfs::Impl* owner;
  const std::string* path;  // owned by Impl::files_; null for a file without a name
  sqlite3_file* real() {
    return reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(this) + RealOffset());
  }
  static constexpr size_t RealOffset() { return (sizeof(ShimFile) + 15) / 16 * 16; }
};

ShimFile* Shim(sqlite3_file* f) { return reinterpret_cast<ShimFile*>(f); }

}  // namespace

struct PowerCutVfs::Impl {
  sqlite3_vfs* real = nullptr;
  sqlite3_vfs vfs{};
  sqlite3_io_methods methods{};

  Mutex mu;
  std::map<std::string, FileState> files GUARDED_BY(mu);
  uint64_t syncs GUARDED_BY(mu) = 0;

  // Keeps what [offset, offset + n) holds now (within the file's size) before it is replaced.
  void KeepPreImage(ShimFile* f, int64_t offset, int64_t n) REQUIRES(mu) {
    sqlite3_file* real_file = f->real();
    sqlite3_int64 size = 0;
    if (real_file->pMethods->xFileSize(real_file, &size) != SQLITE_OK) size = 0;
    PreImage pre{.offset = offset};
    const int64_t kept = std::max<int64_t>(0, std::min<int64_t>(offset + n, size) - offset);
    if (kept > 0) {
      pre.bytes.resize(static_cast<size_t>(kept));
      real_file->pMethods->xRead(real_file, pre.bytes.data(), static_cast<int>(kept), offset);
    }
    files[*f->path].undo.push_back(std::move(pre));
  }
};

namespace {

PowerCutVfs::Impl* ImplOf(sqlite3_vfs* vfs) {
  return static_cast<PowerCutVfs::Impl*>(vfs->pAppData);
}

int ShimClose(sqlite3_file* f) {
  sqlite3_file* real = Shim(f)->real();
  const int rc = real->pMethods ? real->pMethods->xClose(real) : SQLITE_OK;
  f->pMethods = nullptr;
  return rc;
}
int ShimRead(sqlite3_file* f, void* buf, int n, sqlite3_int64 offset) {
  return Shim(f)->real()->pMethods->xRead(Shim(f)->real(), buf, n, offset);
}
int ShimWrite(sqlite3_file* f, const void* buf, int n, sqlite3_int64 offset) {
  ShimFile* shim = Shim(f);
  if (shim->path == nullptr) return shim->real()->pMethods->xWrite(shim->real(), buf, n, offset);
  PowerCutVfs::Impl* impl = shim->owner;
  MutexLock lock(&impl->mu);
  impl->KeepPreImage(shim, offset, n);
  return shim->real()->pMethods->xWrite(shim->real(), buf, n, offset);
}
int ShimTruncate(sqlite3_file* f, sqlite3_int64 size) {
  ShimFile* shim = Shim(f);
  if (shim->path == nullptr) return shim->real()->pMethods->xTruncate(shim->real(), size);
  PowerCutVfs::Impl* impl = shim->owner;
  MutexLock lock(&impl->mu);
  sqlite3_int64 now = 0;
  if (shim->real()->pMethods->xFileSize(shim->real(), &now) == SQLITE_OK && now > size)
    impl->KeepPreImage(shim, size, now - size);
  return shim->real()->pMethods->xTruncate(shim->real(), size);
}
int ShimSync(sqlite3_file* f, int flags) {
  ShimFile* shim = Shim(f);
  if (shim->path == nullptr) return shim->real()->pMethods->xSync(shim->real(), flags);
  PowerCutVfs::Impl* impl = shim->owner;
  MutexLock lock(&impl->mu);
  const int rc = shim->real()->pMethods->xSync(shim->real(), flags);
  if (rc == SQLITE_OK) {
    FileState& state = impl->files[*shim->path];
    state.undo.clear();
    sqlite3_int64 size = 0;
    if (shim->real()->pMethods->xFileSize(shim->real(), &size) == SQLITE_OK)
      state.synced_size = size;
    ++impl->syncs;
  }
  return rc;
}
int ShimFileSize(sqlite3_file* f, sqlite3_int64* size) {
  return Shim(f)->real()->pMethods->xFileSize(Shim(f)->real(), size);
}
int ShimLock(sqlite3_file* f, int level) {
  return Shim(f)->real()->pMethods->xLock(Shim(f)->real(), level);
}
int ShimUnlock(sqlite3_file* f, int level) {
  return Shim(f)->real()->pMethods->xUnlock(Shim(f)->real(), level);
}
int ShimCheckReservedLock(sqlite3_file* f, int* out) {
  return Shim(f)->real()->pMethods->xCheckReservedLock(Shim(f)->real(), out);
}
int ShimFileControl(sqlite3_file* f, int op, void* arg) {
  return Shim(f)->real()->pMethods->xFileControl(Shim(f)->real(), op, arg);
}
int ShimSectorSize(sqlite3_file* f) {
  return Shim(f)->real()->pMethods->xSectorSize(Shim(f)->real());
}
int ShimDeviceCharacteristics(sqlite3_file* f) {
  return Shim(f)->real()->pMethods->xDeviceCharacteristics(Shim(f)->real());
}
int ShimShmMap(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return Shim(f)->real()->pMethods->xShmMap(Shim(f)->real(), page, size, extend, out);
}
int ShimShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Shim(f)->real()->pMethods->xShmLock(Shim(f)->real(), offset, n, flags);
}
void ShimShmBarrier(sqlite3_file* f) { Shim(f)->real()->pMethods->xShmBarrier(Shim(f)->real()); }
int ShimShmUnmap(sqlite3_file* f, int delete_flag) {
  return Shim(f)->real()->pMethods->xShmUnmap(Shim(f)->real(), delete_flag);
}
int ShimFetch(sqlite3_file* f, sqlite3_int64 offset, int n, void** out) {
  // No memory-mapped pages: every read goes through xRead, and privet never writes through a
  // mapping (SQLite does not, unless built with SQLITE_MMAP_READWRITE).
  (void)f, (void)offset, (void)n;
  *out = nullptr;
  return SQLITE_OK;
}
int ShimUnfetch(sqlite3_file* f, sqlite3_int64 offset, void* p) {
  (void)f, (void)offset, (void)p;
  return SQLITE_OK;
}

int ShimOpen(sqlite3_vfs* vfs, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  PowerCutVfs::Impl* impl = ImplOf(vfs);
  ShimFile* shim = Shim(f);
  shim->owner = impl;
  shim->path = nullptr;
  f->pMethods = nullptr;
  const int rc = impl->real->xOpen(impl->real, name, shim->real(), flags, out_flags);
  if (shim->real()->pMethods == nullptr) return rc;
  f->pMethods = &impl->methods;
  if (rc == SQLITE_OK && name != nullptr) {
    MutexLock lock(&impl->mu);
    auto [it, first] = impl->files.try_emplace(std::filesystem::absolute(name).string());
    if (first) {  // what it held before this process opened it is on the disk
      sqlite3_int64 size = 0;
      if (shim->real()->pMethods->xFileSize(shim->real(), &size) == SQLITE_OK)
        it->second.synced_size = size;
    }
    shim->path = &it->first;
  }
  return rc;
}

// The rest of the VFS is the default one's.
int ShimDelete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  PowerCutVfs::Impl* impl = ImplOf(vfs);
  MutexLock lock(&impl->mu);
  // A file created again under this name starts empty (the state's entry stays: open files
  // point at its key).
  if (auto it = impl->files.find(std::filesystem::absolute(name).string()); it != impl->files.end())
    it->second = FileState();
  return impl->real->xDelete(impl->real, name, sync_dir);
}
int ShimAccess(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return ImplOf(vfs)->real->xAccess(ImplOf(vfs)->real, name, flags, out);
}
int ShimFullPathname(sqlite3_vfs* vfs, const char* name, int n, char* out) {
  return ImplOf(vfs)->real->xFullPathname(ImplOf(vfs)->real, name, n, out);
}
int ShimRandomness(sqlite3_vfs* vfs, int n, char* out) {
  return ImplOf(vfs)->real->xRandomness(ImplOf(vfs)->real, n, out);
}
int ShimSleep(sqlite3_vfs* vfs, int microseconds) {
  return ImplOf(vfs)->real->xSleep(ImplOf(vfs)->real, microseconds);
}
int ShimCurrentTime(sqlite3_vfs* vfs, double* out) {
  return ImplOf(vfs)->real->xCurrentTime(ImplOf(vfs)->real, out);
}
int ShimGetLastError(sqlite3_vfs* vfs, int n, char* out) {
  return ImplOf(vfs)->real->xGetLastError(ImplOf(vfs)->real, n, out);
}
int ShimCurrentTimeInt64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  return ImplOf(vfs)->real->xCurrentTimeInt64(ImplOf(vfs)->real, out);
}

}  // namespace

PowerCutVfs::PowerCutVfs() : impl_(std::make_unique<Impl>()) {
  sqlite3_initialize();
  impl_->real = sqlite3_vfs_find(nullptr);
  sqlite3_vfs& v = impl_->vfs;
  v.iVersion = 2;
  v.szOsFile = static_cast<int>(ShimFile::RealOffset()) + impl_->real->szOsFile;
  v.mxPathname = impl_->real->mxPathname;
  v.zName = "privet_power_cut";
  v.pAppData = impl_.get();
  v.xOpen = ShimOpen;
  v.xDelete = ShimDelete;
  v.xAccess = ShimAccess;
  v.xFullPathname = ShimFullPathname;
  v.xRandomness = ShimRandomness;
  v.xSleep = ShimSleep;
  v.xCurrentTime = ShimCurrentTime;
  v.xGetLastError = ShimGetLastError;
  v.xCurrentTimeInt64 = ShimCurrentTimeInt64;
  sqlite3_io_methods& m = impl_->methods;
  m.iVersion = 3;
  m.xClose = ShimClose;
  m.xRead = ShimRead;
  m.xWrite = ShimWrite;
  m.xTruncate = ShimTruncate;
  m.xSync = ShimSync;
  m.xFileSize = ShimFileSize;
  m.xLock = ShimLock;
  m.xUnlock = ShimUnlock;
  m.xCheckReservedLock = ShimCheckReservedLock;
  m.xFileControl = ShimFileControl;
  m.xSectorSize = ShimSectorSize;
  m.xDeviceCharacteristics = ShimDeviceCharacteristics;
  m.xShmMap = ShimShmMap;
  m.xShmLock = ShimShmLock;
  m.xShmBarrier = ShimShmBarrier;
  m.xShmUnmap = ShimShmUnmap;
  m.xFetch = ShimFetch;
  m.xUnfetch = ShimUnfetch;
  sqlite3_vfs_register(&impl_->vfs, /*makeDflt=*/1);
}

PowerCutVfs::~PowerCutVfs() {
  sqlite3_vfs_unregister(&impl_->vfs);
  sqlite3_vfs_register(impl_->real, /*makeDflt=*/1);
}

Status PowerCutVfs::SnapshotAfterPowerCut(const std::string& dir, const std::string& dest) {
  namespace fs = std::filesystem;
  MutexLock lock(&impl_->mu);  // no write or sync while the copy is taken
  std::error_code ec;
  fs::create_directories(dest, ec);
  if (ec) return Internal("snapshot: " + ec.message());
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    const std::string name = e.path().filename().string();
    if (name.size() > 4 && name.ends_with("-shm")) continue;
    const fs::path to = fs::path(dest) / name;
    fs::copy_file(e.path(), to, fs::copy_options::overwrite_existing, ec);
    if (ec) return Internal("snapshot: copy " + name + ": " + ec.message());
    auto it = impl_->files.find(fs::absolute(e.path()).string());
    if (it == impl_->files.end()) continue;  // not an SQLite file: written and synced by privet
    const FileState& state = it->second;
    {
      std::fstream out(to, std::ios::in | std::ios::out | std::ios::binary);
      for (auto pre = state.undo.rbegin(); pre != state.undo.rend(); ++pre) {
        if (pre->bytes.empty()) continue;
        out.seekp(pre->offset);
        out.write(pre->bytes.data(), static_cast<std::streamsize>(pre->bytes.size()));
      }
      if (!out) return Internal("snapshot: undo writes in " + name);
    }
    fs::resize_file(to, static_cast<uintmax_t>(state.synced_size), ec);
    if (ec) return Internal("snapshot: cut " + name + ": " + ec.message());
  }
  return Status::Ok();
}

uint64_t PowerCutVfs::syncs() const {
  MutexLock lock(&impl_->mu);
  return impl_->syncs;
}

uint64_t PowerCutVfs::unsynced_writes() const {
  MutexLock lock(&impl_->mu);
  uint64_t n = 0;
  for (const auto& [path, state] : impl_->files) n += state.undo.size();
  return n;
}

}  // namespace privet::testing
