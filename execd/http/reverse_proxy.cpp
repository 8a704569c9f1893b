// Raw Asio relaying behind proxy_connection(); the request head is rebuilt from the parsed request.
#include "http/reverse_proxy.hpp"

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>

#include "http/access_token.hpp"
#include "http/taken_connection.hpp"
#include "http/websocket_connection.hpp"

namespace execd::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

bool header_is(const std::string& name, std::string_view wanted) {
    return boost::beast::iequals(name, boost::beast::string_view(wanted.data(), wanted.size()));
}

// Headers a proxy does not pass on: hop-by-hop ones, those it sets itself, and execd's own token.
bool dropped_header(const std::string& name) {
    for (const std::string_view dropped : std::initializer_list<std::string_view>{
             "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
             "Content-Length", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host",
             AccessToken::kHeader}) {
        if (header_is(name, dropped)) {
            return true;
        }
    }
    return false;
}

// Upstream's X-Forwarded-For: the first element of the incoming one, else X-Real-IP, else the peer.
std::string forwarded_for(const Request& request, const tcp::socket& client) {
    if (const auto incoming = request.header("X-Forwarded-For")) {
        const auto first = incoming->substr(0, incoming->find(','));
        const auto begin = first.find_first_not_of(' ');
        const auto end = first.find_last_not_of(' ');
        if (begin != std::string_view::npos) {
            return std::string(first.substr(begin, end - begin + 1));
        }
    }
    if (const auto real_ip = request.header("X-Real-IP")) {
        return std::string(*real_ip);
    }
    boost::system::error_code error;
    const auto peer = client.remote_endpoint(error);
    return error ? "" : peer.address().to_string() + ":" + std::to_string(peer.port());
}

std::string request_head(const Request& request, const std::string& target, bool upgrade,
                         const tcp::socket& client) {
    std::string head = request.method + " " + target + " HTTP/1.1\r\n";
    for (const auto& [name, value] : request.headers) {
        if (!dropped_header(name)) {
            head += name + ": " + value + "\r\n";
        }
    }
    head += "X-Forwarded-For: " + forwarded_for(request, client) + "\r\n";
    head += "X-Forwarded-Proto: http\r\n";
    if (upgrade) {
        head += "Connection: Upgrade\r\nUpgrade: websocket\r\n";
    } else {
        head += "Connection: close\r\n";
        if (!request.body.empty() || request.header("Content-Length") ||
            request.header("Transfer-Encoding")) {
            head += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
        }
    }
    head += "\r\n";
    return head;
}

class ProxyExchange : public std::enable_shared_from_this<ProxyExchange> {
  public:
    ProxyExchange(TakenConnection& connection, bool upgrade)
        : client_(std::move(connection.socket)), upstream_(client_.get_executor()), upgrade_(upgrade) {}

    void start(uint16_t port, std::string first_bytes) {
        first_bytes_ = std::move(first_bytes);
        upstream_.async_connect(
            tcp::endpoint(asio::ip::address_v4::loopback(), port),
            [self = shared_from_this()](boost::system::error_code error) { self->on_connected(error); });
    }

    tcp::socket& client() { return client_; }

  private:
    struct Direction {
        tcp::socket* from;
        tcp::socket* to;
        std::array<char, 16 * 1024> buffer;
        bool done = false;
    };

    void on_connected(boost::system::error_code error) {
        if (error) {
            static const std::string kBadGateway =
                "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "
                "11\r\n"
                "Connection: close\r\n\r\nBad Gateway";
            asio::async_write(
                client_, asio::buffer(kBadGateway),
                [self = shared_from_this()](boost::system::error_code, std::size_t) { self->close_all(); });
            return;
        }
        upstream_.set_option(tcp::no_delay(true), error);
        asio::async_write(upstream_, asio::buffer(first_bytes_),
                          [self = shared_from_this()](boost::system::error_code write_error, std::size_t) {
                              self->first_bytes_.clear();
                              if (write_error) {
                                  self->close_all();
                                  return;
                              }
                              self->pump(self->to_client_);
                              if (self->upgrade_) {
                                  self->pump(self->to_upstream_);
                              } else {
                                  self->to_upstream_.done = true;  // the request is complete
                              }
                          });
    }

    void pump(Direction& direction) {
        direction.from->async_read_some(
            asio::buffer(direction.buffer),
            [self = shared_from_this(), &direction](boost::system::error_code error, std::size_t bytes) {
                if (error) {
                    self->finish(direction);
                    return;
                }
                asio::async_write(*direction.to, asio::buffer(direction.buffer.data(), bytes),
                                  [self, &direction](boost::system::error_code write_error, std::size_t) {
                                      if (write_error) {
                                          self->close_all();
                                          return;
                                      }
                                      self->pump(direction);
                                  });
            });
    }

    // One side finished sending: pass the end on; once both did (or the answer ended), close.
    void finish(Direction& direction) {
        direction.done = true;
        boost::system::error_code ignored;
        direction.to->shutdown(tcp::socket::shutdown_send, ignored);
        if (to_client_.done && to_upstream_.done) {
            close_all();
        }
    }

    void close_all() {
        boost::system::error_code ignored;
        client_.close(ignored);
        upstream_.close(ignored);
    }

    tcp::socket client_;
    tcp::socket upstream_;
    const bool upgrade_;
    std::string first_bytes_;
    Direction to_client_{&upstream_, &client_, {}};
    Direction to_upstream_{&client_, &upstream_, {}};
};

}  // namespace

void proxy_connection(std::unique_ptr<TakenConnection> connection, const Request& request, uint16_t port,
                      std::string target) {
    const bool upgrade = is_websocket_upgrade(request);
    auto exchange = std::make_shared<ProxyExchange>(*connection, upgrade);
    std::string first_bytes = request_head(request, target, upgrade, exchange->client());
    if (upgrade) {
        first_bytes += connection->buffered;  // frames the client sent right after its handshake
    } else {
        first_bytes += request.body;
    }
    exchange->start(port, std::move(first_bytes));
}

}  // namespace execd::http
