// The access log: one JSON object per line per response, with the time, method, route pattern,
// status, duration and the kind of principal. Never bodies, query values, path ids, tokens or
// personal data: the route is the pattern ("/v1/subjects/{id}"), not the path.
//
// Lines are buffered and written out together every `flush_interval` (and whenever 64 KiB have
// gathered, and when the log is destroyed), as a web server's buffered access log does: one
// write per request would cost each request a system call. A crash may lose the lines of the
// last interval; the audit log, not this one, is the record of who read what.
//
// Thread-safety: Write() may be called from many threads; lines never interleave.
#pragma once

#include <chrono>
#include <ostream>
#include <string>

#include "common/background_loop.h"
#include "common/mutex.h"
#include "privet/clock.h"
#include "server/http_listener.h"

namespace privet::server {

class AccessLog {
 public:
  // `out` may be null (no log); it must outlive this object. A zero `flush_interval` writes
  // each line as it comes.
  AccessLog(std::ostream* out, const Clock& clock, std::chrono::milliseconds flush_interval);
  ~AccessLog();  // writes out what is buffered
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  void Write(const Exchange& exchange);

 private:
  void Flush() EXCLUDES(mu_, write_mu_);
  // Writes out the buffered lines; releases mu_ while writing, and holds it again on return.
  void WriteOut() REQUIRES(mu_) EXCLUDES(write_mu_);

  std::ostream* const out_;
  const Clock& clock_;
  const std::chrono::milliseconds flush_interval_;
  Mutex write_mu_ ACQUIRED_BEFORE(mu_);        // guards out_ too
  std::string writing_ GUARDED_BY(write_mu_);  // the lines being written out
  Mutex mu_;
  std::string buffer_ GUARDED_BY(mu_);  // lines not yet written out
  BackgroundLoop flusher_;              // when flush_interval_ > 0; declared last, stopped first
};

}  // namespace privet::server
