#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <string>

// CLI11 options that fall back to an environment variable, giving the precedence both daemons document:
// explicit flag > environment variable > built-in default.
//
// How it works: the bound variable holds the default before parsing. CLI11's Option::envname() makes
// App::parse read the variable only when the flag was absent from the command line, and an empty variable
// counts as unset. So the variable keeps its default unless the environment or the flag supplies a value.
namespace common {

// Adds `flag` (e.g. "--port") bound to `value`, with `env_name` as fallback. The help text shows the
// default (the current content of `value`) and the variable name.
template <typename T>
CLI::Option* add_option_with_env(CLI::App& app, const std::string& flag, T& value,
                                 const std::string& description, const std::string& env_name) {
    return app.add_option(flag, value, description)->envname(env_name)->capture_default_str();
}

// Same, for a Go-syntax duration ("1s", "300ms", "1h30m"; see duration.hpp). A malformed value from either
// the flag or the variable makes App::parse throw CLI::ValidationError naming the option.
CLI::Option* add_duration_option_with_env(CLI::App& app, const std::string& flag,
                                          std::chrono::nanoseconds& value, const std::string& description,
                                          const std::string& env_name);

}  // namespace common
