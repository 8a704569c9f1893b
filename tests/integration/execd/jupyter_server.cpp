#include "jupyter_server.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <vector>

#include "execd_process.hpp"
#include "http_test_client.hpp"

namespace execd_test {
namespace {

constexpr const char* kJupyterServer = "/usr/bin/jupyter-server";

}  // namespace

JupyterServer::JupyterServer() {
    port_ = free_loopback_port();
    token_ = "test-token-" + std::to_string(::getpid()) + "-" + std::to_string(port_);
    char pattern[] = "/tmp/execd-jupyter-XXXXXX";
    root_dir_ = ::mkdtemp(pattern);
    log_path_ = root_dir_ + "/jupyter.log";
}

JupyterServer::~JupyterServer() {
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(root_dir_, ignored);
}

bool JupyterServer::available() const {
    return ::access(kJupyterServer, X_OK) == 0;
}

void JupyterServer::start() {
    std::vector<std::string> argv = {kJupyterServer,
                                     "--allow-root",
                                     "--no-browser",
                                     "--ServerApp.ip=127.0.0.1",
                                     "--ServerApp.port=" + std::to_string(port_),
                                     "--ServerApp.port_retries=0",
                                     "--ServerApp.token=" + token_,
                                     "--ServerApp.root_dir=" + root_dir_};
    harness::SpawnOptions options;
    options.working_dir = root_dir_;
    // Keep the user's configuration and caches out of the test.
    for (const auto& [name, dir] : {std::pair{"HOME", "home"}, std::pair{"JUPYTER_CONFIG_DIR", "config"},
                                    std::pair{"JUPYTER_RUNTIME_DIR", "runtime"},
                                    std::pair{"IPYTHONDIR", "ipython"}, std::pair{"MPLCONFIGDIR", "mpl"}}) {
        std::filesystem::create_directories(root_dir_ + "/." + dir);
        options.extra_env.push_back(std::string(name) + "=" + root_dir_ + "/." + dir);
    }
    pid_ = spawn_logged(argv, log_path_, std::move(options));
    const bool up = eventually(
        [this] {
            try {
                return http_request(port_, "GET", "/api/kernelspecs", "", {"Authorization: Token " + token_})
                           .status == 200;
            } catch (const std::exception&) {
                return false;
            }
        },
        std::chrono::seconds(60));
    if (!up) {
        stop();
        throw std::runtime_error("Jupyter did not start; see " + log_path_);
    }
}

void JupyterServer::stop() {
    if (pid_ <= 0) {
        return;
    }
    terminate_child(pid_, pid_, std::chrono::seconds(10));
    pid_ = -1;
}

void JupyterServer::kill() {
    if (pid_ <= 0) {
        return;
    }
    const std::vector<pid_t> kernels = children_of(pid_);
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
    for (const pid_t kernel : kernels) {
        ::kill(kernel, SIGKILL);
    }
}

}  // namespace execd_test
