// bare_http_server: the limit privet's HTTP API is measured against (scripts/bench-server.sh).
//
//   bare_http_server [--listen=127.0.0.1:0] [--threads=2] [--body-file=PATH]
//
// A minimal Boost.Beast HTTP/1.1 keep-alive server that answers every request, whatever its
// method and target, 200 with the same fixed JSON body: by default a read response of ten
// fields shaped like privet's GET /v1/subjects/{id}/fields, or the bytes of --body-file (the
// bench passes a response privet actually gave, so both servers send the same number of bytes).
// It prints "listening on HOST:PORT" once bound and runs until SIGINT or SIGTERM.
//
// It is built as privet's own listener is (src/server/http_listener.cc), so that the difference
// between the two is the work privet does per request and nothing else:
//  - one io_context (concurrency hint = threads) run by `threads` threads;
//  - the acceptor on the io_context, each accepted connection on its own strand;
//  - per request a fresh request_parser (1 MiB body limit, 16 KiB header limit) and a read
//    timeout of 10 s on the stream (a beast::basic_stream on the connection's strand type),
//    renewed for the write;
//  - the same response headers (Server, Content-Type, Cache-Control, X-Content-Type-Options,
//    Content-Length) and keep-alive as the request asks;
//  - the same allocator: both link jemalloc where the build does (CMakeLists.txt).
// What it leaves out is privet's own work: target and header extraction, routing,
// authentication, the vault, JSON, the access log and the metrics. It is not deliberately slow:
// the body is shared and sent without a copy (span_body), the response is a member of the
// session rather than an allocation per request, and there are no locks.

#include <getopt.h>
#include <signal.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// privet's listener defaults (src/server/http_listener.h, include/privet/server.h).
constexpr uint32_t kHeaderLimit = 16 * 1024;
constexpr uint64_t kBodyLimit = 1024 * 1024;
constexpr std::chrono::seconds kReadTimeout{10};

using Strand = net::strand<net::io_context::executor_type>;
using Stream = beast::basic_stream<tcp, Strand>;

// About what privet answers for a subject's ten fields read for one purpose (~2.5 KB).
std::string DefaultBody() {
  constexpr char kTime[] = "2026-11-23T03:00:00Z";
  std::string body = "{\"fields\":[";
  for (int i = 0; i < 10; ++i) {
    if (i > 0) body += ",";
    body += "{\"basis\":\"contract\",\"category\":\"user.name\",\"collected_at\":\"";
    body += kTime;
    body += "\",\"id\":\"" + std::to_string(7301234567890123456LL + i);
    body += "\",\"last_activity\":\"";
    body += kTime;
    body += "\",\"policy_version\":1,\"purposes\":[\"service\"],\"source\":\"subject\",";
    body += "\"value\":\"value-" + std::to_string(i) + "-abcdefghijklmnopqrstuvwx\"}";
  }
  body += "],\"withheld\":[]}\n";
  return body;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Stream::socket_type&& socket, std::shared_ptr<const std::string> body)
      : stream_(std::move(socket)), body_(std::move(body)) {}

  void Run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::Read, shared_from_this()));
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(kBodyLimit);
    parser_->header_limit(kHeaderLimit);
    stream_.expires_after(kReadTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) return Close();
    if (ec) return;  // timeout, reset, malformed: the bench never sends those
    const http::request<http::string_body>& req = parser_->get();
    res_ = {};
    res_.result(http::status::ok);
    res_.version(req.version());
    res_.set(http::field::server, "bare");
    res_.set(http::field::content_type, "application/json");
    res_.set(http::field::cache_control, "no-store");
    res_.set("X-Content-Type-Options", "nosniff");
    res_.body() = http::span_body<const char>::value_type(body_->data(), body_->size());
    res_.keep_alive(req.keep_alive());
    res_.prepare_payload();
    stream_.expires_after(kReadTimeout);
    http::async_write(
        stream_, res_,
        beast::bind_front_handler(&Session::OnWrite, shared_from_this(), req.keep_alive()));
  }

  void OnWrite(bool keep_alive, beast::error_code ec, std::size_t) {
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
  http::response<http::span_body<const char>> res_;
  std::shared_ptr<const std::string> body_;
};

class Server {
 public:
  Server(int threads, std::shared_ptr<const std::string> body)
      : ioc_(threads), acceptor_(ioc_), body_(std::move(body)) {}

  bool Listen(const tcp::endpoint& endpoint) {
    beast::error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      std::cerr << "bare_http_server: cannot listen: " << ec.message() << "\n";
      return false;
    }
    Accept();
    return true;
  }

  uint16_t port() const { return acceptor_.local_endpoint().port(); }

  void Run(int threads) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { ioc_.run(); });
  }

  void Stop() {
    ioc_.stop();
    for (std::thread& t : threads_) t.join();
  }

 private:
  void Accept() {
    acceptor_.async_accept(net::make_strand(ioc_),
                           [this](beast::error_code ec, Stream::socket_type socket) {
                             if (ec == net::error::operation_aborted || !acceptor_.is_open())
                               return;
                             if (!ec) std::make_shared<Session>(std::move(socket), body_)->Run();
                             Accept();
                           });
  }

  net::io_context ioc_;
  tcp::acceptor acceptor_;
  std::shared_ptr<const std::string> body_;
  std::vector<std::thread> threads_;
};

// "127.0.0.1:8080" or "[::1]:8080".
bool ParseListen(std::string_view listen, tcp::endpoint* out) {
  size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  std::string host(listen.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  uint16_t port = 0;
  std::string_view digits = listen.substr(colon + 1);
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || digits.empty()) return false;
  beast::error_code bad;
  auto address = net::ip::make_address(host, bad);
  if (bad) return false;
  *out = tcp::endpoint(address, port);
  return true;
}

int Usage() {
  std::cerr << "usage: bare_http_server [--listen=HOST:PORT] [--threads=N] [--body-file=PATH]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen = "127.0.0.1:0";
  int threads = 2;
  std::string body_file;
  const option options[] = {{"listen", required_argument, nullptr, 'l'},
                            {"threads", required_argument, nullptr, 't'},
                            {"body-file", required_argument, nullptr, 'b'},
                            {nullptr, 0, nullptr, 0}};
  for (int c; (c = getopt_long(argc, argv, "", options, nullptr)) != -1;) {
    if (c == 'l')
      listen = optarg;
    else if (c == 't')
      threads = std::atoi(optarg);
    else if (c == 'b')
      body_file = optarg;
    else
      return Usage();
  }
  tcp::endpoint endpoint;
  if (optind != argc || threads < 1 || threads > 256 || !ParseListen(listen, &endpoint))
    return Usage();

  std::string body = DefaultBody();
  if (!body_file.empty()) {
    std::ifstream in(body_file, std::ios::binary);
    if (!in) {
      std::cerr << "bare_http_server: cannot read " << body_file << "\n";
      return 1;
    }
    body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  // Block the stop signals before the threads start, so only sigwait sees them (as privet serve).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Server server(threads, std::make_shared<const std::string>(std::move(body)));
  if (!server.Listen(endpoint)) return 1;
  server.Run(threads);
  std::cout << "listening on " << endpoint.address().to_string() << ":" << server.port()
            << std::endl;
  int received = 0;
  sigwait(&signals, &received);
  server.Stop();
  return 0;
}
