#include "server/access_log.h"

#include "server/json_io.h"

namespace privet::server {

void AccessLog::Write(const Exchange& e) {
  if (out_ == nullptr) return;
  // Every value is privet's own (a route pattern, a known method, a principal kind).
  JsonWriter line;
  line.BeginObject()
      .Key("time").String(Rfc3339(clock_.Now()))
      .Key("method").String(LoggedMethod(e.method))
      .Key("route").String(e.route)
      .Key("status").Int(e.status)
      .Key("duration_ms").Double(std::chrono::duration<double, std::milli>(e.duration).count());
  if (!e.principal.empty()) line.Key("principal").String(e.principal);
  std::string text = std::move(line.EndObject()).Take();  // ends with the newline
  std::lock_guard lock(mu_);
  out_->write(text.data(), static_cast<std::streamsize>(text.size()));  // one write per line
  out_->flush();
}

}  // namespace privet::server
