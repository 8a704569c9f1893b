#include "jupyter/jupyter_endpoint.hpp"

#include "common/config.hpp"

namespace execd::jupyter {

std::variant<JupyterEndpoint, std::string> parse_jupyter_endpoint(std::string_view url, std::string token) {
    constexpr std::string_view kScheme = "http://";
    if (!url.starts_with(kScheme)) {
        return "unsupported Jupyter host " + std::string(url) + " (only http:// is supported)";
    }
    std::string_view rest = url.substr(kScheme.size());
    const auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    JupyterEndpoint endpoint;
    endpoint.token = std::move(token);
    if (slash != std::string_view::npos) {
        endpoint.base_path = std::string(rest.substr(slash));
        while (!endpoint.base_path.empty() && endpoint.base_path.back() == '/') {
            endpoint.base_path.pop_back();
        }
    }
    const auto colon = authority.rfind(':');
    if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
        const auto port = common::parse_int(authority.substr(colon + 1));
        if (!port || *port <= 0 || *port > 65535) {
            return "invalid port in Jupyter host " + std::string(url);
        }
        endpoint.port = static_cast<uint16_t>(*port);
        authority = authority.substr(0, colon);
    }
    if (authority.size() >= 2 && authority.front() == '[' && authority.back() == ']') {
        authority = authority.substr(1, authority.size() - 2);
    }
    if (authority.empty()) {
        return "missing host in Jupyter host " + std::string(url);
    }
    endpoint.host = std::string(authority);
    return endpoint;
}

}  // namespace execd::jupyter
