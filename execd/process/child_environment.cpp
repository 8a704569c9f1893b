#include "process/child_environment.hpp"

#include <array>

namespace execd::process {
namespace {

constexpr std::array<std::string_view, 2> kSecretVariables{"EXECD_ACCESS_TOKEN", "JUPYTER_TOKEN"};

}  // namespace

bool is_execd_secret(std::string_view name) {
    for (const std::string_view secret : kSecretVariables) {
        if (name == secret) {
            return true;
        }
    }
    return false;
}

EnvMap child_environment() {
    EnvMap variables = current_environment();
    std::erase_if(variables, [](const auto& entry) { return is_execd_secret(entry.first); });
    return variables;
}

}  // namespace execd::process
