#include <sys/prctl.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <iostream>

#include "common/build_info.hpp"
#include "common/log.hpp"
#include "common/signals.hpp"
#include "config/execd_config.hpp"
#include "http/server.hpp"

namespace {

std::vector<std::string> arguments_after_program(int argc, char** argv) {
    return std::vector<std::string>(argv + (argc > 0 ? 1 : 0), argv + argc);
}

void init_logging(const execd::ExecdConfig& config) {
    const std::string outputs = config.log_file.empty() ? config.log_output : config.log_file;
    common::init_logging("opensandbox.execd", common::log_level_from_execd(config.log_level), outputs);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"OpenSandbox execd: the execution agent"};
    execd::ExecdConfig config;
    try {
        config = execd::parse_execd_config(app, arguments_after_program(argc, argv));
    } catch (const CLI::ParseError& error) {
        return app.exit(error);
    } catch (const std::exception& error) {
        std::cerr << error.what() << "\n";
        return 1;
    }
    std::cout << common::version_banner("OpenSandbox Execd") << std::flush;
    if (config.show_version) {
        return 0;
    }
    init_logging(config);
    auto shutdown_signals = common::BlockedSignals::for_shutdown();
    std::signal(SIGPIPE, SIG_IGN);

    execd::http::Router router;
    router.add("GET", "/ping",
               [](execd::http::Request&, std::shared_ptr<execd::http::ResponseChannel> channel) {
                   channel->respond(execd::http::empty_ok());
               });
    execd::http::ServerOptions options;
    options.address = config.listen_address;
    options.port = config.port;
    execd::http::Server server(options, router, execd::http::AccessToken(config.access_token));
    try {
        server.listen();
    } catch (const std::exception& error) {
        spdlog::critical("failed to listen on port {}: {}", config.port, error.what());
        return 1;
    }
    server.start();
    shutdown_signals.wait();
    server.stop();
    return 0;
}
