#include "mariadb_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>
#include <vector>

#include "execd_process.hpp"

namespace execd_test {
namespace {

constexpr const char* kMariadbd = "/usr/sbin/mariadbd";

bool accepts_connections(uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    ::close(fd);
    return connected;
}

}  // namespace

MariadbServer::MariadbServer() {
    port_ = free_loopback_port();
    char pattern[] = "/tmp/execd-mariadb-XXXXXX";
    root_dir_ = ::mkdtemp(pattern);
    std::filesystem::create_directories(root_dir_ + "/data");
    log_path_ = root_dir_ + "/mariadb.log";
}

MariadbServer::~MariadbServer() {
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(root_dir_, ignored);
}

bool MariadbServer::available() const {
    return ::access(kMariadbd, X_OK) == 0;
}

void MariadbServer::start() {
    // An empty data directory is enough without grant tables; InnoDB sets itself up in well under a
    // second, where mariadb-install-db takes seconds.
    std::vector<std::string> argv = {kMariadbd,
                                     "--no-defaults",
                                     "--datadir=" + root_dir_ + "/data",
                                     "--socket=" + root_dir_ + "/mariadb.sock",
                                     "--pid-file=" + root_dir_ + "/mariadb.pid",
                                     "--port=" + std::to_string(port_),
                                     "--bind-address=127.0.0.1",
                                     "--skip-grant-tables",
                                     "--skip-log-bin",
                                     "--innodb-buffer-pool-size=16M",
                                     "--log-error=" + log_path_};
    if (::geteuid() == 0) {
        argv.emplace_back("--user=root");  // mariadbd refuses to run as root otherwise
    }
    harness::SpawnOptions options;
    options.dies_with_parent = true;
    pid_ = spawn_logged(argv, log_path_, std::move(options));
    if (!eventually([this] { return accepts_connections(port_); }, std::chrono::seconds(30))) {
        stop();
        throw std::runtime_error("MariaDB did not start; see " + log_path_);
    }
}

void MariadbServer::stop() {
    if (pid_ <= 0) {
        return;
    }
    terminate_child(pid_, pid_, std::chrono::seconds(10));
    pid_ = -1;
}

}  // namespace execd_test
