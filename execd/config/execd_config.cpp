#include "config/execd_config.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <limits>

#include "common/config.hpp"
#include "common/duration.hpp"
#include "config/go_flags.hpp"

namespace execd {
namespace {

constexpr int64_t kMaxLogFiles = 1000;

std::string default_command_log_dir() {
    return common::env_or("TMPDIR", "/tmp") + "/execd-commands";
}

void check_jupyter_host_env() {
    const std::string host = common::env_or("JUPYTER_HOST", "");
    if (!host.empty() && host.rfind("http://", 0) != 0 && host.rfind("https://", 0) != 0) {
        throw ConfigError("Invalid JUPYTER_HOST format: must start with http:// or https://");
    }
}

void add_upstream_options(FlagsWithVariables& flags, ExecdConfig& config) {
    flags.add_text("--jupyter-host", config.jupyter_host,
                   "Jupyter server base URL, e.g. http://127.0.0.1:44771", "JUPYTER_HOST");
    flags.add_text("--jupyter-token", config.jupyter_token, "Jupyter server token", "JUPYTER_TOKEN");
    flags.add_integer("--port", config.port, "Listen port", "EXECD_PORT");
    flags.add_integer("--log-level", config.log_level, "0-2 fatal, 3 error, 4 warn, 5-6 info, 7 debug",
                      "EXECD_LOG_LEVEL");
    flags.add_text("--access-token", config.access_token,
                   "Required X-EXECD-ACCESS-TOKEN value (empty: no auth)", "EXECD_ACCESS_TOKEN");
    flags.add_duration("--graceful-shutdown-timeout", config.stream_grace,
                       "How long a /command stream stays open after its last event",
                       "EXECD_API_GRACE_SHUTDOWN");
    flags.add_duration("--jupyter-idle-poll-interval", config.jupyter_idle_poll,
                       "Accepted for compatibility; not used", "EXECD_JUPYTER_IDLE_POLL_INTERVAL");
}

// Upstream's rule: a value of zero or less falls back to the default, with a warning.
void replace_non_positive_idle_poll(ExecdConfig& config) {
    if (config.jupyter_idle_poll > std::chrono::nanoseconds::zero()) {
        return;
    }
    config.warnings.push_back("jupyter idle poll interval " +
                              common::format_duration(config.jupyter_idle_poll) + " is not positive; using " +
                              common::format_duration(kDefaultJupyterIdlePoll));
    config.jupyter_idle_poll = kDefaultJupyterIdlePoll;
}

void add_server_options(FlagsWithVariables& flags, ExecdConfig& config) {
    flags.add_text("--listen-address", config.listen_address, "Listen address", "EXECD_LISTEN_ADDRESS");
    flags.add_integer("--max-body-bytes", config.max_body_bytes, "Largest accepted request body",
                      "EXECD_MAX_BODY_BYTES");
    flags.add_milliseconds("--idle-timeout", config.idle_timeout,
                           "Close a keep-alive connection idle this long", "EXECD_IDLE_TIMEOUT");
    flags.add_milliseconds("--header-timeout", config.header_timeout, "Time allowed to send a request header",
                           "EXECD_HEADER_TIMEOUT");
    flags.add_text("--access-token-file", config.access_token_file,
                   "File holding the X-EXECD-ACCESS-TOKEN value, re-read when it changes",
                   "EXECD_ACCESS_TOKEN_FILE");
    flags.add_switch("--banner", config.banner, "Print the start-up banner on stderr (-banner=false: do not)",
                     "EXECD_BANNER");
}

void add_execution_options(FlagsWithVariables& flags, ExecdConfig& config) {
    flags.add_milliseconds("--pty-idle-timeout", config.pty_idle_timeout,
                           "Close a PTY session no client held this long (0: never)",
                           "EXECD_PTY_IDLE_TIMEOUT");
    flags.add_milliseconds("--pty-write-timeout", config.pty_write_timeout,
                           "Drop a PTY WebSocket client that does not take a frame this long",
                           "EXECD_PTY_WRITE_TIMEOUT");
    flags.add_duration("--command-retention", config.command_retention,
                       "How long finished command records and logs are kept", "EXECD_COMMAND_RETENTION");
    flags.add_integer("--command-retention-count", config.command_retention_count,
                      "How many finished command records and logs are kept", "EXECD_COMMAND_RETENTION_COUNT");
    flags.add_text("--command-log-dir", config.command_log_dir, "Directory of command output logs",
                   "EXECD_COMMAND_LOG_DIR");
    flags.add_text("--sql-host", config.sql_host, "MySQL/MariaDB host of SQL code cells", "EXECD_SQL_HOST");
    flags.add_integer("--sql-port", config.sql_port, "MySQL/MariaDB port of SQL code cells",
                      "EXECD_SQL_PORT");
    flags.add_integer("--stream-replay-bytes", config.stream_replay_bytes,
                      "Bytes of events kept per execution for clients that resume (0: off)",
                      "EXECD_STREAM_REPLAY_BYTES");
    flags.add_duration("--stream-replay-retention", config.stream_replay_retention,
                       "How long an ended execution's events stay resumable",
                       "EXECD_STREAM_REPLAY_RETENTION");
}

void read_log_variables(ExecdConfig& config) {
    config.log_file = common::env_or("EXECD_LOG_FILE", "");
    config.log_output = common::env_or("OPENSANDBOX_LOG_OUTPUT", "stdout");
    config.log_max_bytes = static_cast<std::size_t>(
        integer_variable("EXECD_LOG_MAX_BYTES", static_cast<int64_t>(config.log_max_bytes), 0,
                         std::numeric_limits<int64_t>::max()));
    config.log_files = static_cast<std::size_t>(
        integer_variable("EXECD_LOG_FILES", static_cast<int64_t>(config.log_files), 0, kMaxLogFiles));
}

// As Go's flag package: parsing stops at the first argument that is not a flag, and the rest is left
// alone (the OpenSandbox server's Docker runtime starts the image as `/execd tail -f /dev/null`).
void parse_command_line(CLI::App& app, const std::vector<std::string>& args, ExecdConfig& config) {
    app.prefix_command();
    std::vector<std::string> reversed = normalize_go_flags(args, switch_names(app));
    std::reverse(reversed.begin(), reversed.end());
    try {
        app.parse(reversed);
    } catch (const CLI::ParseError& error) {
        if (error.get_exit_code() == 0) {
            throw;  // --help
        }
        throw ConfigError(error.what());
    }
    const std::vector<std::string> ignored = app.remaining();
    if (ignored.empty()) {
        return;
    }
    const std::string& first = ignored.front();
    if (first.size() > 1 && first[0] == '-' && first != "--") {
        throw ConfigError("flag provided but not defined: " + first);
    }
    std::string listed;
    for (const std::string& argument : ignored) {
        listed += listed.empty() ? argument : " " + argument;
    }
    config.warnings.push_back("ignoring the arguments after the flags, as upstream does: " + listed);
}

void check_single_token_source(const ExecdConfig& config) {
    if (!config.access_token.empty() && !config.access_token_file.empty()) {
        throw ConfigError(
            "--access-token (EXECD_ACCESS_TOKEN) and --access-token-file (EXECD_ACCESS_TOKEN_FILE) are both "
            "set; give only one");
    }
}

}  // namespace

ExecdConfig parse_execd_config(CLI::App& app, const std::vector<std::string>& args) {
    check_jupyter_host_env();
    ExecdConfig config;
    config.command_log_dir = default_command_log_dir();
    read_log_variables(config);
    FlagsWithVariables flags(app);
    add_upstream_options(flags, config);
    add_server_options(flags, config);
    add_execution_options(flags, config);
    app.add_flag("--version", config.show_version, "Print version, git commit and build time, then exit");
    parse_command_line(app, args, config);
    flags.apply_variables();
    check_single_token_source(config);
    replace_non_positive_idle_poll(config);
    return config;
}

std::string mask_token(const std::string& token) {
    if (token.size() <= 8) {
        return "****";
    }
    return token.substr(0, 4) + "****" + token.substr(token.size() - 4);
}

}  // namespace execd
