#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "config/flags_with_variables.hpp"

namespace CLI {
class App;
}

namespace execd {

inline constexpr std::chrono::milliseconds kDefaultJupyterIdlePoll{100};

// Everything execd reads from its flags and environment at startup. Flags win over environment
// variables, which win over the defaults below (upstream's precedence).
struct ExecdConfig {
    // Upstream's flags and variables.
    uint16_t port = 44772;
    std::string access_token;                                        // --access-token / EXECD_ACCESS_TOKEN
    int log_level = 6;                                               // --log-level (0..7, see common/log.hpp)
    std::chrono::nanoseconds stream_grace{std::chrono::seconds(1)};  // EXECD_API_GRACE_SHUTDOWN
    std::string jupyter_host;                                        // --jupyter-host / JUPYTER_HOST
    std::string jupyter_token;                                       // --jupyter-token / JUPYTER_TOKEN
    // --jupyter-idle-poll-interval: accepted for compatibility, not used (see docs/execd.md).
    std::chrono::nanoseconds jupyter_idle_poll{kDefaultJupyterIdlePoll};
    std::string log_file;               // EXECD_LOG_FILE
    std::string log_output = "stdout";  // OPENSANDBOX_LOG_OUTPUT

    // This implementation's additions (documented in docs/execd.md).
    std::string listen_address = "0.0.0.0";
    std::size_t max_body_bytes = 16 * 1024 * 1024;
    std::chrono::milliseconds idle_timeout{std::chrono::seconds(90)};
    std::chrono::milliseconds header_timeout{std::chrono::seconds(10)};
    std::chrono::milliseconds body_timeout{std::chrono::seconds(60)};
    std::chrono::milliseconds write_timeout{std::chrono::seconds(60)};
    std::chrono::nanoseconds command_retention{std::chrono::hours(1)};
    std::size_t command_retention_count = 1000;
    std::string command_log_dir;                                        // default: $TMPDIR/execd-commands
    std::chrono::milliseconds pty_idle_timeout{std::chrono::hours(1)};  // 0: never
    std::chrono::milliseconds pty_write_timeout{std::chrono::seconds(10)};
    unsigned http_threads = 2;
    unsigned worker_threads = 4;
    std::string sql_host = "127.0.0.1";  // the MySQL/MariaDB server of `language: "sql"` cells
    uint16_t sql_port = 3306;
    // Events of each command, session run and code run kept for clients that resume (0: off).
    std::size_t stream_replay_bytes = 16 * 1024 * 1024;
    std::chrono::nanoseconds stream_replay_retention{std::chrono::minutes(10)};  // after the end
    // The token read from this file and re-read when it changes (excludes access_token).
    std::string access_token_file;
    bool banner = true;  // the start-up banner on stderr
    // Log files are rotated past this size (0: never), keeping this many older files.
    std::size_t log_max_bytes = 64 * 1024 * 1024;
    std::size_t log_files = 3;

    bool show_version = false;
    // Accepted values that were replaced (logged once logging is up).
    std::vector<std::string> warnings;
};

// Parses the arguments after argv[0] (Go flag syntax accepted) and the environment, declaring the
// options on `app`. Throws CLI::ParseError (print it with app.exit) for --help, and ConfigError,
// naming the flag or variable, for anything execd cannot start with.
ExecdConfig parse_execd_config(CLI::App& app, const std::vector<std::string>& args);

// The token as upstream HEAD logs it: first 4 + "****" + last 4, or "****" when 8 chars or fewer.
std::string mask_token(const std::string& token);

}  // namespace execd
