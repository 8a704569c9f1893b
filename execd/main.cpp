#include <sys/prctl.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>
#include <optional>
#include <thread>

#include "api/code_api.hpp"
#include "api/code_contexts.hpp"
#include "api/command_api.hpp"
#include "api/files_api.hpp"
#include "api/metrics_api.hpp"
#include "api/proxy_api.hpp"
#include "api/pty_api.hpp"
#include "api/session_api.hpp"
#include "common/build_info.hpp"
#include "common/log.hpp"
#include "common/resource_sampler.hpp"
#include "common/signals.hpp"
#include "compat/clone3_compat.hpp"
#include "config/execd_config.hpp"
#include "http/server.hpp"
#include "process/command_registry.hpp"
#include "process/process_supervisor.hpp"
#include "process/worker_pool.hpp"
#include "process/workload_cgroups.hpp"
#include "pty/pty_registry.hpp"
#include "sql/sql_runtime.hpp"
#include "telemetry/execd_telemetry.hpp"

namespace {

using namespace std::chrono_literals;

std::vector<std::string> arguments_after_program(int argc, char** argv) {
    return std::vector<std::string>(argv + (argc > 0 ? 1 : 0), argv + argc);
}

// Exit status of a start refused for its settings, as Go's flag package exits on a bad flag.
constexpr int kBadSettings = 2;

int refuse_start(const std::string& reason) {
    std::cerr << "execd: " << reason << "\nRun with --help for the flags and their variables.\n";
    return kBadSettings;
}

// The token check: a token read from a file and followed, a fixed one, or none.
execd::http::AccessToken make_access_token(const execd::ExecdConfig& config) {
    if (config.access_token_file.empty()) {
        return execd::http::AccessToken(config.access_token);
    }
    return execd::http::AccessToken(std::make_shared<execd::http::TokenFile>(config.access_token_file));
}

void init_logging(const execd::ExecdConfig& config) {
    const std::string outputs = config.log_file.empty() ? config.log_output : config.log_file;
    common::init_logging("opensandbox.execd", common::log_level_from_execd(config.log_level), outputs, {},
                         {config.log_max_bytes, config.log_files});
    spdlog::info("Jupyter server host is: {}", config.jupyter_host);
    spdlog::info("Jupyter server token is: {}", execd::mask_token(config.jupyter_token));
}

execd::http::ServerOptions server_options(const execd::ExecdConfig& config) {
    execd::http::ServerOptions options;
    options.address = config.listen_address;
    options.port = config.port;
    options.max_body_bytes = config.max_body_bytes;
    options.idle_timeout = config.idle_timeout;
    options.header_timeout = config.header_timeout;
    options.body_timeout = config.body_timeout;
    options.write_timeout = config.write_timeout;
    options.threads = config.http_threads;
    return options;
}

void log_cgroup_mode(const execd::process::WorkloadCgroups& cgroups) {
    if (const auto& root = cgroups.root()) {
        common::log_fields(
            common::LogLevel::info, "each command, session and PTY runs in a cgroup of its own",
            {{"directory", root->directory.string()},
             {"hierarchy", root->version == execd::process::CgroupVersion::v2 ? "v2" : "v1 freezer"}});
        return;
    }
    common::log_fields(
        common::LogLevel::warn,
        "no writable cgroup: kills fall back to process groups, so processes that leave theirs "
        "(setsid, setpgid) survive timeouts, interrupts, session and PTY deletes and shutdown",
        {{"reason", cgroups.fallback_reason()}});
}

// Waits until `done` holds or `limit` passes, checking every 20 ms.
template <typename Condition>
void wait_until(Condition done, std::chrono::nanoseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(20ms);
    }
}

// SIGTERM/SIGINT: stop accepting, let streams finish within the grace window, terminate the process
// groups still running (SIGTERM, SIGKILL after 3 s), end what is left of the streams, stop.
void shut_down(const execd::ExecdConfig& config, execd::http::Server& server, execd::api::MetricsApi& metrics,
               execd::api::CommandApi& commands, execd::api::SessionApi& sessions, execd::api::CodeApi& code,
               execd::process::ProcessSupervisor& supervisor) {
    spdlog::info("shutting down");
    server.stop_accepting();
    metrics.stop();
    wait_until([&] { return server.active_responses() == 0; }, config.stream_grace);
    sessions.close_all("execd is shutting down");
    supervisor.terminate_all();
    wait_until([&] { return supervisor.live_count() == 0; },
               execd::process::ProcessSupervisor::kKillGrace + 1s);
    commands.cut_streams("execd is shutting down");
    code.cut_streams("execd is shutting down");
    wait_until([&] { return server.active_responses() == 0; }, 1s);
}

// Stops every thread that may call into the APIs, in an order where none can reach an object already
// gone: HTTP handlers and worker tasks post to the loop, loop callbacks use the APIs. Declared after
// the APIs, so it runs first on every way out of main.
class ThreadsStopper {
  public:
    ThreadsStopper(execd::http::Server& server, execd::process::WorkerPool& jupyter_workers,
                   execd::process::WorkerPool& workers, execd::process::ProcessSupervisor& supervisor)
        : server_(server), jupyter_workers_(jupyter_workers), workers_(workers), supervisor_(supervisor) {}
    ~ThreadsStopper() {
        server_.stop();
        jupyter_workers_.stop();
        workers_.stop();
        supervisor_.stop();
    }
    ThreadsStopper(const ThreadsStopper&) = delete;
    ThreadsStopper& operator=(const ThreadsStopper&) = delete;

  private:
    execd::http::Server& server_;
    execd::process::WorkerPool& jupyter_workers_;
    execd::process::WorkerPool& workers_;
    execd::process::ProcessSupervisor& supervisor_;
};

}  // namespace

int main(int argc, char** argv) {
    // First of all, as upstream: the filter must cover every thread and child, and reexec replaces
    // the process.
    execd::compat::Clone3CompatMode clone3_mode = execd::compat::Clone3CompatMode::off;
    try {
        clone3_mode = execd::compat::apply_clone3_compat_from_environment();
    } catch (const std::invalid_argument& error) {
        return refuse_start(error.what());
    } catch (const std::exception& error) {
        std::cerr << "execd: " << error.what() << "\n";
        return 1;
    }
    CLI::App app{"OpenSandbox execd: the execution agent"};
    execd::ExecdConfig config;
    try {
        config = execd::parse_execd_config(app, arguments_after_program(argc, argv));
    } catch (const CLI::ParseError& error) {
        return app.exit(error);  // --help
    } catch (const execd::ConfigError& error) {
        return refuse_start(error.what());
    }
    if (config.show_version) {
        std::cout << common::version_banner("OpenSandbox Execd") << std::flush;
        return 0;
    }
    std::optional<execd::http::AccessToken> access_token;
    try {
        access_token.emplace(make_access_token(config));
    } catch (const std::runtime_error& error) {
        return refuse_start(std::string("--access-token-file (EXECD_ACCESS_TOKEN_FILE): ") + error.what());
    }
    // stderr, so that stdout carries nothing but the JSON log lines.
    if (config.banner) {
        std::cerr << common::version_banner("OpenSandbox Execd") << std::flush;
    }
    init_logging(config);
    for (const std::string& warning : config.warnings) {
        spdlog::warn("{}", warning);
    }
    if (clone3_mode != execd::compat::Clone3CompatMode::off) {
        spdlog::info("clone3 compatibility on: clone3 fails with ENOSYS (seccomp, no_new_privs set)");
    }

    // Before any thread starts, so every thread inherits the mask.
    auto shutdown_signals = common::BlockedSignals::for_shutdown();
    common::BlockedSignals child_signals{SIGCHLD};
    std::signal(SIGPIPE, SIG_IGN);
    if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
        spdlog::warn("cannot become a child subreaper; orphans go to the container's init");
    }

    // The server outlives everything that may still hold one of its response channels.
    execd::http::Router router;
    execd::http::Server server(server_options(config), router, std::move(*access_token));
    execd::process::WorkerPool workers(config.worker_threads);
    const common::ResourceSampler sampler(std::chrono::seconds(1));  // outlives the loop that uses it
    execd::telemetry::ExecdTelemetry telemetry(sampler);
    router.set_decorator(telemetry.request_timer());
    const auto cgroups = execd::process::WorkloadCgroups::open();  // outlives the supervisor
    log_cgroup_mode(*cgroups);
    execd::process::ProcessSupervisor supervisor(child_signals.fd(), cgroups.get());
    execd::process::CommandRegistry registry({config.command_retention, config.command_retention_count});
    execd::http::ReplayLimits replay;
    replay.bytes_per_execution = config.stream_replay_bytes;
    replay.keep_after_end = config.stream_replay_retention;
    execd::api::CommandApiOptions command_options;
    command_options.log_dir = config.command_log_dir;
    command_options.stream_grace = config.stream_grace;
    command_options.replay = replay;
    execd::api::CommandApi commands(command_options, supervisor, registry, workers);
    router.add("GET", "/ping",
               [](execd::http::Request&, std::shared_ptr<execd::http::ResponseChannel> channel) {
                   channel->respond(execd::http::empty_ok());
               });
    commands.register_routes(router);
    execd::api::SessionApi sessions(supervisor, workers, replay);
    sessions.register_routes(router);
    execd::api::CodeContexts code_contexts({config.jupyter_host, config.jupyter_token});
    // Jupyter calls can block for seconds (a kernel starting); they get their own threads so that
    // commands never wait behind them.
    execd::process::WorkerPool jupyter_workers(16);
    execd::sql::SqlRuntimeOptions sql_options;
    sql_options.host = config.sql_host;
    sql_options.port = config.sql_port;
    execd::sql::SqlRuntime sql(sql_options);
    execd::api::CodeApiOptions code_options;
    code_options.replay = replay;
    execd::api::CodeApi code(code_options, code_contexts, sql, commands, jupyter_workers, supervisor.loop());
    code.register_routes(router);
    execd::api::MetricsApi metrics(sampler, supervisor.loop());
    metrics.register_routes(router);
    execd::api::FilesApi files(workers);
    files.register_routes(router);
    execd::pty::PtyRegistry ptys(supervisor, config.pty_idle_timeout);
    execd::http::WebSocketOptions websocket_options;
    websocket_options.write_timeout = config.pty_write_timeout;
    execd::api::PtyApi pty_api(ptys, workers, websocket_options);
    pty_api.register_routes(router);
    execd::api::register_proxy_routes(router);
    const ThreadsStopper stop_threads_first(server, jupyter_workers, workers, supervisor);

    try {
        const uint16_t port = server.listen();
        common::log_fields(common::LogLevel::info, "execd listening",
                           {{"address", config.listen_address}, {"port", port}});
    } catch (const std::exception& error) {
        spdlog::critical("failed to listen on port {}: {}", config.port, error.what());
        return 1;
    }
    server.start();
    commands.start_pruning();
    ptys.start_pruning();
    telemetry.start_export();
    shutdown_signals.wait();
    telemetry.stop();
    ptys.close_all();
    files.stop_watches();
    shut_down(config, server, metrics, commands, sessions, code, supervisor);
    return 0;
}
