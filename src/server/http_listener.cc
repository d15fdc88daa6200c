#include "server/http_listener.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "server/json_io.h"
#include "server/router.h"

namespace privet::server {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr uint32_t kHeaderLimit = 16 * 1024;

// Each connection's operations run on its own strand. Named by its concrete type rather than
// the type-erased any_io_executor of beast::tcp_stream: Beast and Asio copy a connection's
// executor a score of times per request, and a strand does not fit the type-erased one's
// inline storage, so each copy was a heap allocation (measured: 23 per request).
using Strand = net::strand<net::io_context::executor_type>;
using Stream = beast::basic_stream<tcp, Strand>;

struct Shared {
  ListenerOptions options;
  HttpListener::Handler handler;
  HttpListener::Observer observer;
};

// Splits the target into the path, still percent-encoded (the router splits it on '/' before
// decoding each segment, so "%2F" never becomes a separator), and decoded query parameters.
bool ParseTarget(std::string_view target, HttpRequest* out) {
  size_t q = target.find('?');
  out->path = std::string(target.substr(0, q));
  if (out->path.empty() || out->path.front() != '/') return false;
  std::string decoded;
  if (!PercentDecode(out->path, false, &decoded)) return false;  // a bad escape is malformed
  if (q == std::string_view::npos) return true;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    std::string name, value;
    if (!PercentDecode(pair.substr(0, eq), true, &name)) return false;
    if (eq != std::string_view::npos && !PercentDecode(pair.substr(eq + 1), true, &value))
      return false;
    if (!name.empty()) out->query[name] = value;
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return true;
}

// Whether the message's framing is one privet reads the same way as every proxy before it
// (RFC 9112 section 6.3): a Transfer-Encoding other than exactly "chunked" (Beast reads a
// request with "identity" or "gzip" as bodiless, so its body would be taken for the next
// request), or both Transfer-Encoding and Content-Length, is refused and the connection closed.
bool UnambiguousFraming(const http::request<http::string_body>& req) {
  auto [first, last] = req.equal_range(http::field::transfer_encoding);
  if (first == last) return true;
  if (std::next(first) != last) return false;
  if (req.find(http::field::content_length) != req.end()) return false;
  beast::string_view value = first->value();
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  return beast::iequals(value, "chunked");
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Stream::socket_type&& socket, std::shared_ptr<const Shared> shared)
      : stream_(std::move(socket)), shared_(std::move(shared)) {}

  void Run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::Read, shared_from_this()));
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(shared_->options.body_limit);
    parser_->header_limit(kHeaderLimit);
    stream_.expires_after(shared_->options.read_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t) {
    const auto start = std::chrono::steady_clock::now();
    if (ec == http::error::end_of_stream) return Close();
    if (ec == http::error::body_limit) {
      std::string method(parser_->get().method_string());
      return Send(ErrorResponse(413, "PAYLOAD_TOO_LARGE",
                                "the body is over the limit of " +
                                    std::to_string(shared_->options.body_limit) + " bytes",
                                "body"),
                  {.method = method, .route = "malformed"}, start, 11, /*keep_alive=*/false);
    }
    if (ec == http::error::header_limit) {
      return Send(ErrorResponse(431, "HEADERS_TOO_LARGE", "the headers are too large"),
                  {.method = "", .route = "malformed"}, start, 11, false);
    }
    if (ec && ec.category() == http::make_error_code(http::error::bad_target).category() &&
        ec != http::error::partial_message) {
      return Send(ErrorResponse(400, "INVALID_ARGUMENT", "malformed HTTP request"),
                  {.method = "", .route = "malformed"}, start, 11, false);
    }
    if (ec) return Close();  // timeout, reset, partial message: nothing to answer

    http::request<http::string_body> req = parser_->release();
    if (!UnambiguousFraming(req)) {
      // Closed after the answer: whatever follows on the connection is never read as a request.
      return Send(
          ErrorResponse(400, "INVALID_ARGUMENT",
                        "Transfer-Encoding must be exactly \"chunked\", without Content-Length",
                        "Transfer-Encoding"),
          {.method = std::string(req.method_string()), .route = "malformed"}, start, req.version(),
          /*keep_alive=*/false);
    }
    HttpRequest request;
    request.method = std::string(req.method_string());
    request.body = std::move(req.body());
    for (const char* name : {"authorization", "sec-gpc", "dnt", "content-type", "privet-location",
                             "cookie", "origin", "host", "sec-fetch-site"}) {
      auto it = req.find(name);
      if (it != req.end()) request.headers[name] = std::string(it->value());
    }
    if (!ParseTarget(std::string_view(req.target().data(), req.target().size()), &request)) {
      return Send(ErrorResponse(400, "INVALID_ARGUMENT", "malformed request target", "target"),
                  {.method = request.method, .route = "malformed"}, start, req.version(),
                  req.keep_alive());
    }
    // The answer may come from another thread (a read waiting for its decision's commit): it
    // is sent from this session's strand, at once when it comes during the call.
    shared_->handler(
        request, [self = shared_from_this(), method = request.method, start,
                  version = req.version(), keep_alive = req.keep_alive()](Answer answer) {
          net::dispatch(self->stream_.get_executor(), [self, method, start, version, keep_alive,
                                                       answer = std::move(answer)]() mutable {
            Handled handled = answer();
            self->Send(std::move(handled.response),
                       {.method = std::move(method),
                        .route = std::move(handled.route),
                        .principal = std::move(handled.principal)},
                       start, version, keep_alive);
          });
        });
  }

  void Send(HttpResponse response, Exchange exchange, std::chrono::steady_clock::time_point start,
            unsigned version, bool keep_alive) {
    // A member, not an allocation per request: the session lives until the write completes,
    // and OnWrite empties it for the next one.
    response_.result(static_cast<http::status>(response.status));
    response_.version(version);
    response_.set(http::field::server, "privet");
    if (!response.content_type.empty())
      response_.set(http::field::content_type, response.content_type);
    response_.set(http::field::cache_control, "no-store");
    response_.set("X-Content-Type-Options", "nosniff");
    for (const auto& [name, value] : response.headers) {
      if (name == "Set-Cookie") {
        response_.insert(name, value);  // one header per cookie
      } else {
        response_.set(name, value);
      }
    }
    response_.body() = std::move(response.body);
    response_.keep_alive(keep_alive);
    response_.prepare_payload();
    exchange.status = response.status;
    exchange.duration = std::chrono::steady_clock::now() - start;
    if (shared_->observer) shared_->observer(exchange);
    stream_.expires_after(shared_->options.read_timeout);
    http::async_write(stream_, response_,
                      beast::bind_front_handler(&Session::OnWrite, shared_from_this(), keep_alive));
  }

  void OnWrite(bool keep_alive, beast::error_code ec, std::size_t) {
    response_ = {};  // the body may hold personal data: not kept while the connection idles
    if (ec) return;
    if (!keep_alive) return Close();
    Read();
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;  // the one being written, if any
  std::shared_ptr<const Shared> shared_;
};

}  // namespace

struct HttpListener::State {
  explicit State(int thread_count) : ioc(thread_count), acceptor(ioc) {}
  net::io_context ioc;
  tcp::acceptor acceptor;
  std::shared_ptr<const Shared> shared;
  std::vector<std::thread> threads;
  bool stopped = false;
  uint16_t port = 0;

  void Accept() {
    acceptor.async_accept(net::make_strand(ioc),
                          [this](beast::error_code ec, Stream::socket_type socket) {
                            if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
                            if (!ec) std::make_shared<Session>(std::move(socket), shared)->Run();
                            Accept();
                          });
  }
};

StatusOr<std::unique_ptr<HttpListener>> HttpListener::Open(const ListenerOptions& options,
                                                           Handler handler, Observer on_response) {
  if (options.threads < 1) return InvalidArgument("must be at least 1", "threads");
  beast::error_code ec;
  auto address = net::ip::make_address(options.address, ec);
  if (ec) return InvalidArgument("is not an IP address", "listen");
  auto state = std::make_unique<State>(options.threads);
  state->shared =
      std::make_shared<Shared>(Shared{options, std::move(handler), std::move(on_response)});
  tcp::endpoint endpoint(address, options.port);
  state->acceptor.open(endpoint.protocol(), ec);
  if (!ec) state->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) state->acceptor.bind(endpoint, ec);
  if (!ec) state->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Status(StatusCode::kUnavailable, "cannot listen: " + ec.message(), "listen");
  state->port = state->acceptor.local_endpoint(ec).port();
  return std::unique_ptr<HttpListener>(new HttpListener(std::move(state)));
}

void HttpListener::Run() {
  if (state_->stopped || !state_->threads.empty()) return;
  state_->Accept();
  for (int i = 0; i < state_->shared->options.threads; ++i) {
    state_->threads.emplace_back([s = state_.get()] { s->ioc.run(); });
  }
}

void HttpListener::Post(std::function<void()> task) { net::post(state_->ioc, std::move(task)); }

HttpListener::HttpListener(std::unique_ptr<State> state) : state_(std::move(state)) {}
HttpListener::~HttpListener() { Stop(); }

uint16_t HttpListener::port() const { return state_->port; }

void HttpListener::Stop() {
  if (state_->stopped) return;
  state_->stopped = true;
  net::post(state_->acceptor.get_executor(), [s = state_.get()] {
    beast::error_code ignored;
    s->acceptor.close(ignored);
  });
  state_->ioc.stop();
  for (std::thread& t : state_->threads) t.join();
  state_->threads.clear();
}

}  // namespace privet::server
