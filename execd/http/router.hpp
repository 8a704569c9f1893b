#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.hpp"
#include "http/response_channel.hpp"

namespace execd::http {

using Handler = std::function<void(Request& request, std::shared_ptr<ResponseChannel> channel)>;
// Wraps every handler added afterwards, e.g. to time requests per route template.
using HandlerDecorator = std::function<Handler(std::string_view method, std::string_view pattern, Handler)>;

// How a route receives its request body: read whole (within the server's size limit) before the
// handler runs, or streamed to the handler through Request::body_reader with no size limit.
enum class BodyMode { buffered, streamed };

// Result of looking a request up: a handler with its path parameters, a redirect (Gin's
// RedirectTrailingSlash), or nothing (Gin answers 404 for unknown paths and for wrong methods).
struct RouteMatch {
    enum class Kind { found, redirect, not_found };
    Kind kind = Kind::not_found;
    const Handler* handler = nullptr;
    BodyMode body_mode = BodyMode::buffered;
    std::map<std::string, std::string> path_params;
    std::string redirect_location;
    int redirect_status = 0;
};

// Method + path-pattern routing. Patterns are "/"-separated; a segment ":name" matches any one
// non-empty segment and is returned as a path parameter. A static segment beats a parameter.
class Router {
  public:
    void add(std::string method, std::string_view pattern, Handler handler,
             BodyMode body_mode = BodyMode::buffered);
    // Every path that starts with `prefix`, any method, before the routes (upstream's /proxy/
    // middleware).
    void add_prefix(std::string prefix, Handler handler, BodyMode body_mode = BodyMode::buffered);
    // Applies to routes added after the call.
    void set_decorator(HandlerDecorator decorator) { decorator_ = std::move(decorator); }
    RouteMatch match(std::string_view method, std::string_view path) const;

  private:
    struct Route {
        std::string method;
        std::vector<std::string> segments;
        Handler handler;
        BodyMode body_mode;
    };
    const Route* find(std::string_view method, const std::vector<std::string_view>& segments,
                      std::map<std::string, std::string>& params) const;

    std::vector<Route> routes_;
    struct Prefix {
        std::string prefix;
        Handler handler;
        BodyMode body_mode;
    };

    std::vector<Prefix> prefixes_;
    HandlerDecorator decorator_;
};

}  // namespace execd::http
