#include "server/access_log.h"

#include <nlohmann/json.hpp>

#include "server/json_io.h"

namespace privet::server {

namespace {
// Methods are the client's bytes: only the standard ones are logged as sent.
std::string_view LoggedMethod(std::string_view m) {
  for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    if (m == known) return known;
  }
  return "other";
}
}  // namespace

void AccessLog::Write(const Exchange& e) {
  if (out_ == nullptr) return;
  nlohmann::json line = {
      {"time", Rfc3339(clock_.Now())},
      {"method", LoggedMethod(e.method)},
      {"route", e.route},
      {"status", e.status},
      {"duration_ms", std::chrono::duration<double, std::milli>(e.duration).count()}};
  if (!e.principal.empty()) line["principal"] = e.principal;
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  text += '\n';
  std::lock_guard lock(mu_);
  out_->write(text.data(), static_cast<std::streamsize>(text.size()));  // one write per line
  out_->flush();
}

}  // namespace privet::server
