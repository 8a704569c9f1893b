#include "process/environment.hpp"

#include <fstream>

#include "common/config.hpp"

extern char** environ;

namespace execd::process {
namespace {

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Reads the variable name after '$' at text[pos]; returns (name, characters consumed after '$').
std::pair<std::string, std::size_t> variable_at(std::string_view text, std::size_t pos) {
    if (pos < text.size() && text[pos] == '{') {
        const std::size_t close = text.find('}', pos);
        if (close == std::string_view::npos) {
            return {"", 0};
        }
        return {std::string(text.substr(pos + 1, close - pos - 1)), close - pos + 1};
    }
    std::size_t end = pos;
    while (end < text.size() && is_name_char(text[end])) {
        ++end;
    }
    return {std::string(text.substr(pos, end - pos)), end - pos};
}

template <typename OnVariable>
std::string expand_with(std::string_view text, OnVariable on_variable) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '$' || i + 1 >= text.size()) {
            out.push_back(text[i]);
            continue;
        }
        auto [name, consumed] = variable_at(text, i + 1);
        if (consumed == 0) {
            out.push_back('$');
            continue;
        }
        out += on_variable(name);
        i += consumed;
    }
    return out;
}

}  // namespace

EnvMap current_environment() {
    EnvMap variables;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        const std::string_view text(*entry);
        const std::size_t eq = text.find('=');
        if (eq != std::string_view::npos) {
            variables.emplace(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
        }
    }
    return variables;
}

std::string expand_variables(std::string_view text, const EnvMap& variables) {
    return expand_with(text, [&](const std::string& name) {
        const auto found = variables.find(name);
        return found == variables.end() ? std::string() : found->second;
    });
}

EnvMap read_env_file(const std::string& path, const EnvMap& variables) {
    EnvMap entries;
    std::ifstream file(path);
    std::string line;
    while (std::getline(file, line)) {
        const std::string_view trimmed = common::trim(line);
        if (trimmed.empty() || trimmed.starts_with('#')) {
            continue;
        }
        const std::size_t eq = trimmed.find('=');
        if (eq == std::string_view::npos) {
            continue;
        }
        entries[std::string(trimmed.substr(0, eq))] = expand_variables(trimmed.substr(eq + 1), variables);
    }
    return entries;
}

ExpandedPath expand_path(std::string_view path, const EnvMap& variables) {
    std::string with_home(path);
    if (path == "~" || path.starts_with("~/")) {
        const auto home = variables.find("HOME");
        with_home = (home == variables.end() ? std::string() : home->second) + std::string(path.substr(1));
    }
    std::string missing;
    std::string expanded = expand_with(with_home, [&](const std::string& name) {
        const auto found = variables.find(name);
        if (found == variables.end()) {
            if (missing.empty()) {
                missing = name;
            }
            return std::string();
        }
        return found->second;
    });
    if (!missing.empty()) {
        return {"", "environment variable " + missing + " is not set"};
    }
    return {std::move(expanded), ""};
}

std::vector<std::string> to_envp(const EnvMap& variables) {
    std::vector<std::string> envp;
    envp.reserve(variables.size());
    for (const auto& [name, value] : variables) {
        envp.push_back(name + "=" + value);
    }
    return envp;
}

}  // namespace execd::process
