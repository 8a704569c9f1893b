#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "common/build_info.hpp"

int main(int argc, char** argv) {
    CLI::App app{"OpenSandbox execd: the execution agent"};
    bool show_version = false;
    app.add_flag("--version", show_version, "Print version, git commit and build time, then exit");
    CLI11_PARSE(app, argc, argv);

    std::cout << common::version_banner("OpenSandbox Execd") << std::flush;
    if (show_version) {
        return 0;
    }

    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
    int received = 0;
    sigwait(&stop_signals, &received);
    return 0;
}
