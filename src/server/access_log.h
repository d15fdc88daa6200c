// The access log: one JSON object per line per response, with the time, method, route pattern,
// status, duration and the kind of principal. Never bodies, query values, path ids, tokens or
// personal data: the route is the pattern ("/v1/subjects/{id}"), not the path.
//
// Thread-safety: Write() may be called from many threads; lines never interleave.
#pragma once

#include <mutex>
#include <ostream>

#include "privet/clock.h"
#include "server/http_listener.h"

namespace privet::server {

class AccessLog {
 public:
  // `out` may be null (no log); it must outlive this object.
  AccessLog(std::ostream* out, const Clock& clock) : out_(out), clock_(clock) {}
  void Write(const Exchange& exchange);

 private:
  std::mutex mu_;
  std::ostream* out_;  // GUARDED_BY(mu_)
  const Clock& clock_;
};

}  // namespace privet::server
