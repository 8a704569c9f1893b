#include "config/execd_config.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <stdexcept>

#include "common/cli_env_option.hpp"
#include "common/config.hpp"
#include "common/duration.hpp"
#include "config/go_flags.hpp"

namespace execd {
namespace {

std::string default_command_log_dir() {
    return common::env_or("TMPDIR", "/tmp") + "/execd-commands";
}

void check_jupyter_host_env() {
    const std::string host = common::env_or("JUPYTER_HOST", "");
    if (!host.empty() && host.rfind("http://", 0) != 0 && host.rfind("https://", 0) != 0) {
        throw std::invalid_argument("Invalid JUPYTER_HOST format: must start with http:// or https://");
    }
}

void add_milliseconds_option(CLI::App& app, const std::string& flag, std::chrono::milliseconds& value,
                             const std::string& description, const std::string& env_name) {
    app.add_option_function<std::string>(
           flag,
           [&value](const std::string& text) {
               value = std::chrono::duration_cast<std::chrono::milliseconds>(
                   common::parse_duration_or_throw(text));
           },
           description)
        ->envname(env_name);
}

void add_upstream_options(CLI::App& app, ExecdConfig& config) {
    common::add_option_with_env(app, "--jupyter-host", config.jupyter_host,
                                "Jupyter server base URL, e.g. http://127.0.0.1:44771", "JUPYTER_HOST");
    common::add_option_with_env(app, "--jupyter-token", config.jupyter_token, "Jupyter server token",
                                "JUPYTER_TOKEN");
    app.add_option("--port", config.port, "Listen port")->capture_default_str();
    app.add_option("--log-level", config.log_level, "0-2 fatal, 3 error, 4 warn, 5-6 info, 7 debug")
        ->capture_default_str();
    common::add_option_with_env(app, "--access-token", config.access_token,
                                "Required X-EXECD-ACCESS-TOKEN value (empty: no auth)", "EXECD_ACCESS_TOKEN");
    common::add_duration_option_with_env(app, "--graceful-shutdown-timeout", config.stream_grace,
                                         "How long a /command stream stays open after its last event",
                                         "EXECD_API_GRACE_SHUTDOWN");
    common::add_duration_option_with_env(app, "--jupyter-idle-poll-interval", config.jupyter_idle_poll,
                                         "Accepted for compatibility; not used",
                                         "EXECD_JUPYTER_IDLE_POLL_INTERVAL");
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

void add_own_options(CLI::App& app, ExecdConfig& config) {
    common::add_option_with_env(app, "--listen-address", config.listen_address, "Listen address",
                                "EXECD_LISTEN_ADDRESS");
    common::add_option_with_env(app, "--max-body-bytes", config.max_body_bytes,
                                "Largest accepted request body", "EXECD_MAX_BODY_BYTES");
    add_milliseconds_option(app, "--idle-timeout", config.idle_timeout,
                            "Close a keep-alive connection idle this long", "EXECD_IDLE_TIMEOUT");
    add_milliseconds_option(app, "--header-timeout", config.header_timeout,
                            "Time allowed to send a request header", "EXECD_HEADER_TIMEOUT");
    add_milliseconds_option(app, "--pty-idle-timeout", config.pty_idle_timeout,
                            "Close a PTY session no client held this long (0: never)",
                            "EXECD_PTY_IDLE_TIMEOUT");
    add_milliseconds_option(app, "--pty-write-timeout", config.pty_write_timeout,
                            "Drop a PTY WebSocket client that does not take a frame this long",
                            "EXECD_PTY_WRITE_TIMEOUT");
    common::add_duration_option_with_env(app, "--command-retention", config.command_retention,
                                         "How long finished command records and logs are kept",
                                         "EXECD_COMMAND_RETENTION");
    common::add_option_with_env(app, "--command-retention-count", config.command_retention_count,
                                "How many finished command records and logs are kept",
                                "EXECD_COMMAND_RETENTION_COUNT");
    common::add_option_with_env(app, "--command-log-dir", config.command_log_dir,
                                "Directory of command output logs", "EXECD_COMMAND_LOG_DIR");
    common::add_option_with_env(app, "--sql-host", config.sql_host, "MySQL/MariaDB host of SQL code cells",
                                "EXECD_SQL_HOST");
    common::add_option_with_env(app, "--sql-port", config.sql_port, "MySQL/MariaDB port of SQL code cells",
                                "EXECD_SQL_PORT");
    common::add_option_with_env(app, "--stream-replay-bytes", config.stream_replay_bytes,
                                "Bytes of events kept per execution for clients that resume (0: off)",
                                "EXECD_STREAM_REPLAY_BYTES");
    common::add_duration_option_with_env(app, "--stream-replay-retention", config.stream_replay_retention,
                                         "How long an ended execution's events stay resumable",
                                         "EXECD_STREAM_REPLAY_RETENTION");
    app.add_flag("--version", config.show_version, "Print version, git commit and build time, then exit");
}

}  // namespace

ExecdConfig parse_execd_config(CLI::App& app, const std::vector<std::string>& args) {
    check_jupyter_host_env();
    ExecdConfig config;
    config.command_log_dir = default_command_log_dir();
    config.log_file = common::env_or("EXECD_LOG_FILE", "");
    config.log_output = common::env_or("OPENSANDBOX_LOG_OUTPUT", "stdout");
    add_upstream_options(app, config);
    add_own_options(app, config);
    // As Go's flag package: parsing stops at the first argument that is not a flag, and the rest is
    // left alone (the OpenSandbox server's Docker runtime starts the image as `/execd tail -f /dev/null`).
    app.prefix_command();
    std::vector<std::string> reversed = normalize_go_flags(args);
    std::reverse(reversed.begin(), reversed.end());
    app.parse(reversed);
    if (const auto ignored = app.remaining(); !ignored.empty()) {
        const std::string& first = ignored.front();
        if (first.size() > 1 && first[0] == '-' && first != "--") {
            // An unknown flag, not the end of the flags.
            throw CLI::ExtrasError(std::vector<std::string>{first});
        }
        std::string listed;
        for (const std::string& argument : ignored) {
            listed += listed.empty() ? argument : " " + argument;
        }
        config.warnings.push_back("ignoring the arguments after the flags, as upstream does: " + listed);
    }
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
