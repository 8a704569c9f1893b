#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace execd_test {

// A real Jupyter server (Debian's jupyter-server with ipykernel) on a free loopback port, with a token
// and a temporary root directory. Stopped (kernels included) when destroyed.
class JupyterServer {
  public:
    JupyterServer();
    ~JupyterServer();
    JupyterServer(const JupyterServer&) = delete;
    JupyterServer& operator=(const JupyterServer&) = delete;

    // Starts the server and waits until its REST API answers; throws if it does not within 60 s.
    void start();
    // SIGTERM (Jupyter shuts its kernels down), SIGKILL after 10 s.
    void stop();
    // SIGKILL to the server, then to its kernels: clients lose their connections without a last
    // message (a stopping server first interrupts its kernels, which then report the interrupt).
    void kill();

    bool available() const;  // the jupyter-server binary is installed
    uint16_t port() const { return port_; }
    const std::string& token() const { return token_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    const std::string& log_path() const { return log_path_; }

  private:
    pid_t pid_ = -1;
    uint16_t port_ = 0;
    std::string token_;
    std::string root_dir_;
    std::string log_path_;
};

}  // namespace execd_test
