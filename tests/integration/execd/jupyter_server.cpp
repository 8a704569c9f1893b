#include "jupyter_server.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <vector>

#include "execd_process.hpp"
#include "http_test_client.hpp"

extern char** environ;

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
    std::vector<std::string> envp;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        envp.emplace_back(*entry);
    }
    // Keep the user's configuration and caches out of the test.
    for (const auto& [name, dir] : {std::pair{"HOME", "home"}, std::pair{"JUPYTER_CONFIG_DIR", "config"},
                                    std::pair{"JUPYTER_RUNTIME_DIR", "runtime"},
                                    std::pair{"IPYTHONDIR", "ipython"}, std::pair{"MPLCONFIGDIR", "mpl"}}) {
        std::filesystem::create_directories(root_dir_ + "/." + dir);
        envp.push_back(std::string(name) + "=" + root_dir_ + "/." + dir);
    }
    std::vector<char*> argv_ptrs;
    for (auto& arg : argv) {
        argv_ptrs.push_back(arg.data());
    }
    argv_ptrs.push_back(nullptr);
    std::vector<char*> env_ptrs;
    for (auto& entry : envp) {
        env_ptrs.push_back(entry.data());
    }
    env_ptrs.push_back(nullptr);
    const int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    pid_ = ::fork();
    if (pid_ == 0) {
        ::dup2(log_fd, STDOUT_FILENO);
        ::dup2(log_fd, STDERR_FILENO);
        ::chdir(root_dir_.c_str());
        ::execve(argv_ptrs[0], argv_ptrs.data(), env_ptrs.data());
        ::_exit(127);
    }
    ::close(log_fd);
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
