#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace execd_test {

// A real MariaDB server (Debian's mariadb-server) of the test's own: a temporary data directory, a free
// loopback port, no grant tables (so root@127.0.0.1 needs no password, as upstream's DSN assumes).
// Killed, and its directory removed, when destroyed; it also dies with the test process.
class MariadbServer {
  public:
    MariadbServer();
    ~MariadbServer();
    MariadbServer(const MariadbServer&) = delete;
    MariadbServer& operator=(const MariadbServer&) = delete;

    // Starts the server (again, on the same port and data) and waits until it accepts connections;
    // throws if it does not within 30 s.
    void start();
    // SIGTERM, SIGKILL after 10 s.
    void stop();

    bool available() const;  // mariadbd is installed
    uint16_t port() const { return port_; }
    const std::string& log_path() const { return log_path_; }

  private:
    pid_t pid_ = -1;
    uint16_t port_ = 0;
    std::string root_dir_;
    std::string log_path_;
};

}  // namespace execd_test
