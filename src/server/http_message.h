// The request and response the routes see: plain values, no Beast types, so routes, the
// router and their tests compile without the networking headers. The listener converts.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace privet::server {

struct HttpRequest {
  std::string method;  // "GET", ...
  // The path as sent, without the query and still percent-encoded: the router splits it on
  // '/' before decoding each segment, so an encoded slash never separates segments.
  std::string path;
  std::map<std::string, std::string> query;  // decoded query parameters (last one wins)
  // The few headers privet reads, by lower-case name: authorization, sec-gpc, dnt, content-type,
  // privet-location (CX03); and for the privacy center's pages cookie, origin, host and
  // sec-fetch-site.
  std::map<std::string, std::string> headers;
  std::string body;

  const std::string* Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? nullptr : &it->second;
  }
  const std::string* Query(const std::string& name) const {
    auto it = query.find(name);
    return it == query.end() ? nullptr : &it->second;
  }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Allow, ...)
};

// A request's answer, with what the access log and the metrics need to know of it.
struct Handled {
  HttpResponse response;
  std::string route;      // the matched route pattern, "unmatched" or "malformed"
  std::string principal;  // the key's principal kind, or empty
};
// Makes a request's answer. The listener calls it on the connection's own strand, so that a
// handler whose result comes in on another thread (a read whose decision another thread
// committed) leaves the rest of its work, such as writing the JSON, to the connection's thread.
using Answer = std::function<Handled()>;
// Takes a request's answer: called once, from any thread.
using Reply = std::function<void(Answer)>;

}  // namespace privet::server
