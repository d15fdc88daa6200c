#include "store/sqlite/wal_checkpointer.h"

#include <string>
#include <utility>

namespace privet::store::sqlite {

StatusOr<std::unique_ptr<WalCheckpointer>> WalCheckpointer::Start(Connection& writer,
                                                                  Options options) {
  const std::string what = std::string(writer.label()) + " " + writer.path() + " (checkpointer)";
  sqlite3* db = nullptr;
  // Read-write: a checkpoint writes the database file.
  int rc = sqlite3_open_v2(writer.path().c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc == SQLITE_OK) {
    // FULL: the WAL is synced before its pages are copied and the database file after, as the
    // writer's own checkpoints did.
    rc = sqlite3_exec(db, "PRAGMA synchronous=FULL", nullptr, nullptr, nullptr);
  }
  if (rc != SQLITE_OK) {
    sqlite3_close_v2(db);
    return SqliteStatus(rc, what + ": open");
  }
  std::unique_ptr<WalCheckpointer> checkpointer(new WalCheckpointer(writer, db, options));
  checkpointer->loop_.Start(BackgroundLoop::kOnlyWhenWoken,
                            [c = checkpointer.get()] { c->Checkpoint(); });
  // Replaces SQLite's automatic checkpoint (itself a WAL hook) on the writer.
  sqlite3_wal_hook(writer.db(), &WalCheckpointer::OnCommit, checkpointer.get());
  return checkpointer;
}

WalCheckpointer::~WalCheckpointer() {
  sqlite3_wal_hook(writer_.db(), nullptr, nullptr);
  loop_.Stop();  // a checkpoint under way finishes; none is started after
  sqlite3_close_v2(db_);
}

uint64_t WalCheckpointer::CheckpointsForTest() { return checkpoints_.load(); }

int WalCheckpointer::OnCommit(void* self, sqlite3* writer_db, const char* schema, int wal_frames) {
  auto* c = static_cast<WalCheckpointer*>(self);
  if (wal_frames < c->woken_at_frames_) c->woken_at_frames_ = 0;  // the WAL started over
  const int copied = c->background_copied_.exchange(0);
  const bool catch_up =
      copied > 0 && copied <= wal_frames && wal_frames - copied <= c->options_.catch_up_frames;
  if (catch_up || wal_frames >= c->options_.backstop_frames) {
    // See the header: checkpoint here so that the next transaction can start the WAL over.
    // Errors (e.g. the thread holding the checkpoint lock) are left for the next commit.
    (void)sqlite3_wal_checkpoint_v2(writer_db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  } else if (wal_frames >= c->woken_at_frames_ + c->options_.checkpoint_frames) {
    c->woken_at_frames_ = wal_frames;
    c->loop_.Wake();
  }
  return SQLITE_OK;  // the commit itself succeeded whatever happens here
}

void WalCheckpointer::Checkpoint() {
  // PASSIVE: copies what no reader still needs without waiting for anyone. A failure or a
  // partial checkpoint is retried when a later commit finds the WAL still long.
  int copied = 0;
  if (sqlite3_wal_checkpoint_v2(db_, "main", SQLITE_CHECKPOINT_PASSIVE, nullptr, &copied) ==
      SQLITE_OK) {
    background_copied_.store(copied);
  }
  ++checkpoints_;
}

}  // namespace privet::store::sqlite
