// WalCheckpointer: WAL checkpoints of a store file on a background thread, never inside a commit.
//
// SQLite's automatic checkpoint runs in whichever commit finds the WAL over 1,000 pages: that
// commit then copies the WAL into the database file and fsyncs both (synchronous=FULL), which
// takes milliseconds. For the data store that commit is often a read's audit entry, so about one
// read in 400 paid for the whole log's checkpoint (measured: 359 fdatasync calls during 100,000
// reads with ReadAuditing::kBeforeReturn). With a WalCheckpointer the writer's commits only note
// the WAL's length (a WAL hook, which replaces the automatic checkpoint) and, every
// `checkpoint_frames` new frames, wake a thread (a BackgroundLoop that runs only when woken)
// that runs a PASSIVE checkpoint on a connection of its own: it neither blocks nor waits for the
// writer or the readers.
//
// The WAL file only starts over from its beginning when a transaction begins while the WAL is
// entirely checkpointed. Under a steady stream of commits (a read's audit entry every few tens of
// microseconds) a background checkpoint, which takes milliseconds, is never finished at such a
// moment: commits added frames while it copied. So the first commit after a background
// checkpoint that left at most `catch_up_frames` uncopied checkpoints those few inline (about a
// millisecond), and the next transaction starts the WAL over: it stays near `checkpoint_frames`
// long. Should the background fall further behind, the commit that finds the WAL over
// `backstop_frames` checkpoints inline whatever is left, as SQLite's automatic checkpoint would
// (measured: 10-20 ms for the last ~1,000 frames; the catch-up exists to avoid that stall).
//
//   auto checkpointer = WalCheckpointer::Start(*conn, {});   // after OpenStoreFile
//   ...                                                       // commits on conn as usual
//   checkpointer.reset();                                     // before conn is closed
//
// Thread-safety: Start and the destructor are called with no commit running on `writer`; the
// hook itself runs on whichever thread commits. Private to src/store/sqlite/.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "common/background_loop.h"
#include "privet/status.h"
#include "store/sqlite/sqlite_util.h"

namespace privet::store::sqlite {

class WalCheckpointer {
 public:
  struct Options {
    int checkpoint_frames = 1000;  // wake the thread each time the WAL grew by this many frames
    int backstop_frames = 10000;   // checkpoint inline, in the commit, from this many
    int catch_up_frames = 256;     // left uncopied by the background: checkpointed inline
  };

  // Opens a second read-write connection to the file `writer` has open, installs the WAL hook
  // on `writer` and starts the thread. `writer` must outlive the checkpointer.
  static StatusOr<std::unique_ptr<WalCheckpointer>> Start(Connection& writer, Options options);

  // Removes the hook, stops the thread (finishing a checkpoint under way) and closes its
  // connection, so that the writer's own close is the last one (which checkpoints and removes
  // the WAL file).
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // Background checkpoints run so far (for tests).
  uint64_t CheckpointsForTest();

 private:
  WalCheckpointer(Connection& writer, sqlite3* db, Options options)
      : writer_(writer), db_(db), options_(options) {}
  static int OnCommit(void* self, sqlite3* writer_db, const char* schema, int wal_frames);
  void Checkpoint();  // one background checkpoint, on the loop's thread

  Connection& writer_;
  sqlite3* const db_;  // the checkpointer's own connection, used by the loop's thread only
  const Options options_;

  // Where the WAL stood when the thread was last woken. Touched by the hook only, that is by
  // commits, which the store serializes.
  int woken_at_frames_ = 0;
  // Frames the last background checkpoint copied, for the next commit's catch-up; 0 once used.
  std::atomic<int> background_copied_{0};

  std::atomic<uint64_t> checkpoints_{0};  // background checkpoints finished

  // Woken by a commit that found the WAL long; Stop lets a checkpoint under way finish. Declared
  // last: started once everything above is set, stopped (by the destructor) before it goes.
  BackgroundLoop loop_;
};

}  // namespace privet::store::sqlite
