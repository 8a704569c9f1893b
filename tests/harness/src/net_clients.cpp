#include "harness/net_clients.hpp"

#include <sys/socket.h>

#include <cerrno>

#include "harness/net_socket.hpp"
#include "harness/socket_address.hpp"
#include "socket_io.hpp"

namespace harness {
namespace {

struct Connected {
    UniqueFd fd;
    int error = 0;
};

Connected connect_from(const std::string& netns, const std::string& address, uint16_t port, int type,
                       io::Deadline deadline, uint32_t mark = 0) {
    const SocketAddress target = make_socket_address(address, port);
    Connected connected{make_socket(netns, target.family(), type)};
    if (mark != 0 && ::setsockopt(connected.fd.get(), SOL_SOCKET, SO_MARK, &mark, sizeof mark) != 0) {
        connected.error = errno;
        return connected;
    }
    connected.error = io::connect_before(connected.fd.get(), target, deadline);
    return connected;
}

void parse_http(HttpResult& result) {
    const size_t space = result.raw.find(' ');
    if (!result.raw.starts_with("HTTP/") || space == std::string::npos) {
        return;
    }
    result.status = std::atoi(result.raw.c_str() + space + 1);
    const size_t body = result.raw.find("\r\n\r\n");
    if (body != std::string::npos) {
        result.body = result.raw.substr(body + 4);
    }
}

}  // namespace

ConnectResult tcp_connect(const std::string& netns, const std::string& address, uint16_t port,
                          std::chrono::milliseconds timeout) {
    const Connected connected = connect_from(netns, address, port, SOCK_STREAM, io::deadline_after(timeout));
    return {connected.error == 0, connected.error};
}

ConnectResult tcp_connect_marked(const std::string& netns, const std::string& address, uint16_t port,
                                 uint32_t mark, std::chrono::milliseconds timeout) {
    const Connected connected =
        connect_from(netns, address, port, SOCK_STREAM, io::deadline_after(timeout), mark);
    return {connected.error == 0, connected.error};
}

HttpResult http_get(const std::string& netns, const std::string& address, uint16_t port,
                    const std::string& path, std::chrono::milliseconds timeout) {
    const auto deadline = io::deadline_after(timeout);
    HttpResult result;
    const Connected connected = connect_from(netns, address, port, SOCK_STREAM, deadline);
    result.error = connected.error;
    const std::string request = "GET " + path + " HTTP/1.0\r\nHost: " + address + "\r\n\r\n";
    if (result.error == 0) {
        result.error = io::send_all(connected.fd.get(), request.data(), request.size(), deadline);
    }
    if (result.error == 0) {
        result.error = io::receive_until_eof(connected.fd.get(), result.raw, deadline);
    }
    parse_http(result);
    return result;
}

EchoResult tcp_echo(const std::string& netns, const std::string& address, uint16_t port,
                    const std::string& payload, std::chrono::milliseconds timeout) {
    const auto deadline = io::deadline_after(timeout);
    EchoResult result;
    const Connected connected = connect_from(netns, address, port, SOCK_STREAM, deadline);
    result.error = connected.error;
    if (result.error == 0) {
        result.error = io::send_all(connected.fd.get(), payload.data(), payload.size(), deadline);
    }
    if (result.error == 0) {
        result.error = io::receive_exact(connected.fd.get(), result.reply, payload.size(), deadline);
    }
    return result;
}

HeldTcpConnection::HeldTcpConnection(const std::string& netns, const std::string& address, uint16_t port,
                                     std::chrono::milliseconds timeout) {
    Connected connected = connect_from(netns, address, port, SOCK_STREAM, io::deadline_after(timeout));
    error_ = connected.error;
    fd_ = std::move(connected.fd);
}

int HeldTcpConnection::echo(const std::string& payload, std::chrono::milliseconds timeout) {
    if (error_ != 0) {
        return error_;
    }
    const auto deadline = io::deadline_after(timeout);
    std::string reply;
    int error = io::send_all(fd_.get(), payload.data(), payload.size(), deadline);
    if (error == 0) {
        error = io::receive_exact(fd_.get(), reply, payload.size(), deadline);
    }
    return error != 0 ? error : (reply == payload ? 0 : EPROTO);
}

EchoResult udp_echo(const std::string& netns, const std::string& address, uint16_t port,
                    const std::string& payload, std::chrono::milliseconds timeout) {
    const auto deadline = io::deadline_after(timeout);
    EchoResult result;
    const Connected connected = connect_from(netns, address, port, SOCK_DGRAM, deadline);
    result.error = connected.error;
    if (result.error == 0) {
        result.error = io::send_all(connected.fd.get(), payload.data(), payload.size(), deadline);
    }
    if (result.error == 0) {
        bool eof = false;
        result.error = io::receive_some(connected.fd.get(), result.reply, 65536, deadline, eof);
    }
    return result;
}

}  // namespace harness
