#include "http/router.hpp"

namespace execd::http {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> segments;
    std::size_t start = path.starts_with('/') ? 1 : 0;
    while (start <= path.size()) {
        const std::size_t slash = path.find('/', start);
        const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
        segments.push_back(path.substr(start, end - start));
        if (slash == std::string_view::npos) {
            break;
        }
        start = slash + 1;
    }
    return segments;
}

bool is_param(std::string_view segment) {
    return segment.starts_with(':');
}

// Number of static segments: a more specific route wins.
int specificity(const std::vector<std::string>& pattern) {
    int count = 0;
    for (const auto& segment : pattern) {
        count += is_param(segment) ? 0 : 1;
    }
    return count;
}

bool segments_match(const std::vector<std::string>& pattern, const std::vector<std::string_view>& path,
                    std::map<std::string, std::string>& params) {
    if (pattern.size() != path.size()) {
        return false;
    }
    std::map<std::string, std::string> captured;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (is_param(pattern[i])) {
            if (path[i].empty()) {
                return false;
            }
            captured.emplace(pattern[i].substr(1), std::string(path[i]));
        } else if (pattern[i] != path[i]) {
            return false;
        }
    }
    params = std::move(captured);
    return true;
}

std::string toggle_trailing_slash(std::string_view path) {
    if (path.size() > 1 && path.ends_with('/')) {
        return std::string(path.substr(0, path.size() - 1));
    }
    return std::string(path) + "/";
}

}  // namespace

void Router::add(std::string method, std::string_view pattern, Handler handler, BodyMode body_mode) {
    std::vector<std::string> segments;
    for (std::string_view segment : split_path(pattern)) {
        segments.emplace_back(segment);
    }
    if (decorator_) {
        handler = decorator_(method, pattern, std::move(handler));
    }
    routes_.push_back(Route{std::move(method), std::move(segments), std::move(handler), body_mode});
}

void Router::add_prefix(std::string prefix, Handler handler, BodyMode body_mode) {
    prefixes_.push_back(Prefix{std::move(prefix), std::move(handler), body_mode});
}

const Router::Route* Router::find(std::string_view method, const std::vector<std::string_view>& segments,
                                  std::map<std::string, std::string>& params) const {
    const Route* best = nullptr;
    for (const Route& route : routes_) {
        std::map<std::string, std::string> captured;
        if (route.method != method || !segments_match(route.segments, segments, captured)) {
            continue;
        }
        if (best == nullptr || specificity(route.segments) > specificity(best->segments)) {
            best = &route;
            params = std::move(captured);
        }
    }
    return best;
}

RouteMatch Router::match(std::string_view method, std::string_view path) const {
    RouteMatch result;
    for (const auto& [prefix, handler, body_mode] : prefixes_) {
        if (path.starts_with(prefix)) {
            result.kind = RouteMatch::Kind::found;
            result.handler = &handler;
            result.body_mode = body_mode;
            return result;
        }
    }
    if (const Route* route = find(method, split_path(path), result.path_params)) {
        result.kind = RouteMatch::Kind::found;
        result.handler = &route->handler;
        result.body_mode = route->body_mode;
        return result;
    }
    const std::string alternative = toggle_trailing_slash(path);
    std::map<std::string, std::string> ignored;
    if (path != "/" && find(method, split_path(alternative), ignored) != nullptr) {
        result.kind = RouteMatch::Kind::redirect;
        result.redirect_location = alternative;
        result.redirect_status = method == "GET" ? 301 : 307;
    }
    return result;
}

}  // namespace execd::http
