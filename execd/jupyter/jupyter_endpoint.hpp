#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace execd::jupyter {

// Where the Jupyter server is and how to authenticate to it.
struct JupyterEndpoint {
    std::string host;
    uint16_t port = 80;
    std::string base_path;  // "" or "/prefix", without a trailing slash
    std::string token;
};

// Parses `--jupyter-host` ("http://host[:port][/base]"). Only plain http is supported; the error
// message says why a value is refused.
std::variant<JupyterEndpoint, std::string> parse_jupyter_endpoint(std::string_view url, std::string token);

}  // namespace execd::jupyter
