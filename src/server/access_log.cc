#include "server/access_log.h"

#include "server/json_io.h"

namespace privet::server {
namespace {

constexpr size_t kFlushBytes =
    size_t{64} * 1024;  // buffered lines written out at once, whatever the time

}  // namespace

AccessLog::AccessLog(std::ostream* out, const Clock& clock,
                     std::chrono::milliseconds flush_interval)
    : out_(out), clock_(clock), flush_interval_(flush_interval) {
  if (out_ != nullptr && flush_interval_.count() > 0)
    flusher_.Start(flush_interval_, [this] { Flush(); });
}

AccessLog::~AccessLog() {
  flusher_.Stop();
  Flush();
}

void AccessLog::Flush() {
  MutexLock lock(&mu_);
  if (!buffer_.empty()) WriteOut();
}

void AccessLog::Write(const Exchange& e) {
  if (out_ == nullptr) return;
  // Every value is privet's own (a route pattern, a known method, a principal kind).
  JsonWriter line(192);  // a line is ~130 bytes
  line.BeginObject()
      .Key("time")
      .Timestamp(clock_.Now())
      .Key("method")
      .String(LoggedMethod(e.method))
      .Key("route")
      .String(e.route)
      .Key("status")
      .Int(e.status)
      .Key("duration_ms")
      .Double(std::chrono::duration<double, std::milli>(e.duration).count());
  if (!e.principal.empty()) line.Key("principal").String(e.principal);
  std::string text = std::move(line.EndObject()).Take();  // ends with the newline
  MutexLock lock(&mu_);
  buffer_ += text;
  if (flush_interval_.count() == 0 || buffer_.size() >= kFlushBytes) WriteOut();
}

void AccessLog::WriteOut() {
  mu_.Unlock();
  {
    MutexLock write(&write_mu_);  // taken before the lines are: they leave in the order buffered
    mu_.Lock();
    writing_.swap(buffer_);  // buffer_ gets the empty string, and keeps its capacity
    mu_.Unlock();
    out_->write(writing_.data(), static_cast<std::streamsize>(writing_.size()));
    out_->flush();
    writing_.clear();
  }
  mu_.Lock();
}

}  // namespace privet::server
