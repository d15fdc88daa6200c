// HttpListener: the Boost.Beast HTTP/1.1 server under the API.
//
// Accepts on one address, serves each connection on its own strand with keep-alive, and runs an
// io_context on `threads` threads. A request (headers and body) must arrive within
// `read_timeout`, and an idle keep-alive connection is closed after it. Bodies over
// `body_limit` are answered 413 and the connection closed; unparseable requests 400. Every
// response, including those, is reported to `on_response` (for the access log and metrics).
//
// The handler runs on an io thread and may block (vault calls); it must be thread-safe.
// Thread-safety: Start/Stop from one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "privet/status.h"
#include "server/http_message.h"

namespace privet::server {

struct ListenerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;
  int threads = 1;
  size_t body_limit = size_t{1024} * 1024;
  std::chrono::milliseconds read_timeout{10000};
};

// What the access log records of one exchange: never bodies, query values or tokens.
struct Exchange {
  std::string method;
  std::string route;      // the route pattern, or "unmatched" / "malformed"
  std::string principal;  // the key's principal kind, or empty
  int status = 0;
  std::chrono::nanoseconds duration{0};
};

class HttpListener {
 public:
  // Answers a request by calling `reply` once, from any thread, during or after the call: a
  // handler waiting for a commit need not hold a thread. The request lives until the call
  // returns.
  using Handler = std::function<void(const HttpRequest&, Reply)>;
  using Observer = std::function<void(const Exchange&)>;

  // Binds and listens; connections wait in the backlog until Run. Unavailable if the address
  // cannot be bound; InvalidArgument for a bad address or threads < 1.
  static StatusOr<std::unique_ptr<HttpListener>> Open(const ListenerOptions& options,
                                                      Handler handler, Observer on_response);
  ~HttpListener();
  // Starts the threads, which accept and serve connections. Once only.
  void Run();
  uint16_t port() const;
  // Runs `task` on one of the threads, after the work already queued there; dropped unrun if
  // the listener stops first. From any thread.
  void Post(std::function<void()> task);
  // Stops accepting, drops open connections and joins the threads. Idempotent.
  void Stop();

 private:
  struct State;
  explicit HttpListener(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace privet::server
