// Raw Asio relaying behind proxy_connection(); the request head is rebuilt from the parsed request,
// the request body and the response are relayed as they arrive.
#include "http/reverse_proxy.hpp"

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <charconv>
#include <chrono>
#include <optional>

#include "http/access_token.hpp"
#include "http/chunked_body_end.hpp"
#include "http/taken_connection.hpp"
#include "http/websocket_connection.hpp"

namespace execd::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kRelayBufferBytes = 64 * 1024;
// After the response ended, how long a client still sending its body may go on before the
// connection is closed (closing at once could reset the connection before the client read the answer).
constexpr std::chrono::seconds kLingerAfterResponse{1};

const std::string kBadGateway =
    "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 11\r\n"
    "Connection: close\r\n\r\nBad Gateway";
const std::string kBadRequestBody =
    "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 23\r\n"
    "Connection: close\r\n\r\nmalformed request body\n";

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

// How the request body is delimited; passed on to the upstream server unchanged.
struct BodyFraming {
    enum class Kind { none, length, chunked };
    Kind kind = Kind::none;
    uint64_t length = 0;
    std::string transfer_encoding;  // the client's value when chunked
};

std::string_view trimmed(std::string_view text) {
    const auto begin = text.find_first_not_of(" \t");
    if (begin == std::string_view::npos) {
        return {};
    }
    return text.substr(begin, text.find_last_not_of(" \t") - begin + 1);
}

// nullopt for a Transfer-Encoding whose last coding is not chunked (no way to find the body's end).
// The server's parser has already rejected conflicting or malformed framing headers.
std::optional<BodyFraming> body_framing(const Request& request) {
    BodyFraming framing;
    if (const auto encoding = request.header("Transfer-Encoding")) {
        const auto comma = encoding->rfind(',');
        const auto last = trimmed(comma == std::string_view::npos ? *encoding : encoding->substr(comma + 1));
        if (!boost::beast::iequals(boost::beast::string_view(last.data(), last.size()), "chunked")) {
            return std::nullopt;
        }
        framing.kind = BodyFraming::Kind::chunked;
        framing.transfer_encoding = std::string(*encoding);
        return framing;
    }
    if (const auto length = request.header("Content-Length")) {
        const auto first = trimmed(length->substr(0, length->find(',')));
        std::from_chars(first.data(), first.data() + first.size(), framing.length);
        framing.kind = BodyFraming::Kind::length;
    }
    return framing;
}

std::string request_head(const Request& request, const std::string& target, bool upgrade,
                         const BodyFraming& framing, const tcp::socket& client) {
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
        if (framing.kind == BodyFraming::Kind::length) {
            head += "Content-Length: " + std::to_string(framing.length) + "\r\n";
        } else if (framing.kind == BodyFraming::Kind::chunked) {
            head += "Transfer-Encoding: " + framing.transfer_encoding + "\r\n";
        }
    }
    head += "\r\n";
    return head;
}

// One proxied request (or WebSocket session). Everything runs on the client connection's strand,
// which the upstream socket and the timer share. Each direction has one buffer and at most one
// read or write in flight, so a slow reader on either side holds back the other side's sender.
class ProxyExchange : public std::enable_shared_from_this<ProxyExchange> {
  public:
    ProxyExchange(TakenConnection& connection, bool upgrade, BodyFraming framing)
        : client_(std::move(connection.socket)),
          slot_(std::move(connection.slot)),
          upstream_(client_.get_executor()),
          linger_(client_.get_executor()),
          upgrade_(upgrade),
          framing_(std::move(framing)),
          body_left_(framing_.length),
          body_done_(upgrade || framing_.kind == BodyFraming::Kind::none) {}

    // Connects to 127.0.0.1:port and sends `head`, then `buffered` (bytes the client sent after its
    // request head that the server already read).
    void start(uint16_t port, std::string head, const std::string& buffered) {
        first_bytes_ = std::move(head);
        if (upgrade_) {
            first_bytes_ += buffered;  // frames the client sent right after its handshake
        } else {
            first_bytes_ += take_body(buffered);
            if (body_malformed_) {
                reject_body();
                return;
            }
        }
        upstream_.async_connect(
            tcp::endpoint(asio::ip::address_v4::loopback(), port),
            [self = shared_from_this()](boost::system::error_code error) { self->on_connected(error); });
    }

    tcp::socket& client() { return client_; }

  private:
    using Buffer = std::array<char, kRelayBufferBytes>;

    // One direction of a WebSocket relay.
    struct Direction {
        tcp::socket* from;
        tcp::socket* to;
        Buffer* buffer;
        bool done = false;
    };

    void on_connected(boost::system::error_code error) {
        if (closed_) {
            return;
        }
        if (error) {
            answer_and_close(kBadGateway);
            return;
        }
        upstream_.set_option(tcp::no_delay(true), error);
        asio::async_write(upstream_, asio::buffer(first_bytes_),
                          [self = shared_from_this()](boost::system::error_code write_error, std::size_t) {
                              self->on_head_written(write_error);
                          });
    }

    void on_head_written(boost::system::error_code error) {
        first_bytes_ = std::string();
        if (closed_) {
            return;
        }
        if (upgrade_) {
            if (error) {
                close_all();
                return;
            }
            pump(to_client_);
            pump(to_upstream_);
            return;
        }
        upstream_writable_ = !error;
        read_response();
        if (!body_done_) {
            read_request_body();
        }
    }

    // --- The request body: client → upstream, piece by piece.

    // The part of `bytes` that belongs to the body; marks the body done or malformed.
    std::string_view take_body(std::string_view bytes) {
        if (body_done_) {
            return {};
        }
        if (framing_.kind == BodyFraming::Kind::length) {
            const auto size = static_cast<std::size_t>(std::min<uint64_t>(body_left_, bytes.size()));
            body_left_ -= size;
            body_done_ = body_left_ == 0;
            return bytes.substr(0, size);
        }
        const std::size_t size = chunked_end_.feed(bytes);
        body_done_ = chunked_end_.complete();
        body_malformed_ = chunked_end_.malformed();
        return bytes.substr(0, size);
    }

    void read_request_body() {
        reading_request_ = true;
        client_.async_read_some(
            asio::buffer(request_buffer_),
            [self = shared_from_this()](boost::system::error_code error, std::size_t bytes) {
                self->on_request_bytes(error, bytes);
            });
    }

    void on_request_bytes(boost::system::error_code error, std::size_t bytes) {
        if (closed_) {
            return;
        }
        if (error) {
            close_all();  // the client went away before the end of its body
            return;
        }
        const std::string_view body = take_body(std::string_view(request_buffer_.data(), bytes));
        if (body_malformed_) {
            reject_body();
            return;
        }
        if (!upstream_writable_ || body.empty()) {
            after_request_piece();  // once the upstream stopped reading, the rest is discarded
            return;
        }
        asio::async_write(upstream_, asio::buffer(body.data(), body.size()),
                          [self = shared_from_this()](boost::system::error_code write_error, std::size_t) {
                              if (self->closed_) {
                                  return;
                              }
                              self->upstream_writable_ = self->upstream_writable_ && !write_error;
                              self->after_request_piece();
                          });
    }

    void after_request_piece() {
        if (!body_done_) {
            read_request_body();
        } else if (response_done_) {
            close_all();
        }
    }

    // A malformed chunked body: 400 unless the answer has begun, and the upstream is dropped.
    void reject_body() {
        if (response_started_) {
            close_all();
            return;
        }
        answer_and_close(kBadRequestBody);
    }

    // --- The response: upstream → client, as it arrives.

    void read_response() {
        upstream_.async_read_some(
            asio::buffer(response_buffer_),
            [self = shared_from_this()](boost::system::error_code error, std::size_t bytes) {
                self->on_response_bytes(error, bytes);
            });
    }

    void on_response_bytes(boost::system::error_code error, std::size_t bytes) {
        if (closed_ || response_done_) {
            return;
        }
        if (error) {
            end_response();
            return;
        }
        response_started_ = true;
        asio::async_write(client_, asio::buffer(response_buffer_.data(), bytes),
                          [self = shared_from_this()](boost::system::error_code write_error, std::size_t) {
                              if (self->closed_) {
                                  return;
                              }
                              if (write_error) {
                                  self->close_all();
                                  return;
                              }
                              self->read_response();
                          });
    }

    // The upstream closed: the response is complete, or there never was one (502).
    void end_response() {
        if (!response_started_) {
            answer_and_close(kBadGateway);
            return;
        }
        response_done_ = true;
        if (body_done_) {
            close_all();
            return;
        }
        linger();
    }

    // The response is complete while the client is still sending a body nobody will read: take it
    // in for a moment so that the connection is not reset before the client read the response.
    void linger() {
        boost::system::error_code ignored;
        client_.shutdown(tcp::socket::shutdown_send, ignored);
        upstream_writable_ = false;
        upstream_.close(ignored);
        if (!reading_request_) {
            read_request_body();
        }
        linger_.expires_after(kLingerAfterResponse);
        linger_.async_wait([self = shared_from_this()](boost::system::error_code error) {
            if (!error) {
                self->close_all();
            }
        });
    }

    // Sends a response of execd's own instead of the upstream's, then closes (after lingering when
    // the client is still sending its body).
    void answer_and_close(const std::string& response) {
        response_started_ = true;
        response_done_ = true;
        boost::system::error_code ignored;
        upstream_.close(ignored);
        asio::async_write(client_, asio::buffer(response),
                          [self = shared_from_this()](boost::system::error_code error, std::size_t) {
                              if (self->closed_) {
                                  return;
                              }
                              if (error || self->body_done_ || self->body_malformed_) {
                                  self->close_all();
                                  return;
                              }
                              self->linger();
                          });
    }

    // --- WebSocket relaying: both directions raw until either side closes.

    void pump(Direction& direction) {
        direction.from->async_read_some(
            asio::buffer(*direction.buffer),
            [self = shared_from_this(), &direction](boost::system::error_code error, std::size_t bytes) {
                if (error) {
                    self->finish(direction);
                    return;
                }
                asio::async_write(*direction.to, asio::buffer(direction.buffer->data(), bytes),
                                  [self, &direction](boost::system::error_code write_error, std::size_t) {
                                      if (write_error) {
                                          self->close_all();
                                          return;
                                      }
                                      self->pump(direction);
                                  });
            });
    }

    // One side finished sending: pass the end on; once both did, close.
    void finish(Direction& direction) {
        direction.done = true;
        boost::system::error_code ignored;
        direction.to->shutdown(tcp::socket::shutdown_send, ignored);
        if (to_client_.done && to_upstream_.done) {
            close_all();
        }
    }

    void close_all() {
        closed_ = true;
        boost::system::error_code ignored;
        linger_.cancel();
        client_.close(ignored);
        upstream_.close(ignored);
    }

    tcp::socket client_;
    std::shared_ptr<ConnectionLimit::Slot> slot_;  // held while the client's socket is
    tcp::socket upstream_;
    asio::steady_timer linger_;
    const bool upgrade_;
    const BodyFraming framing_;
    std::string first_bytes_;

    uint64_t body_left_;  // Content-Length bodies
    ChunkedBodyEnd chunked_end_;
    bool body_done_;
    bool body_malformed_ = false;
    bool reading_request_ = false;  // the body is being read (and relayed or discarded) until its end
    bool upstream_writable_ = true;
    bool response_started_ = false;  // bytes went to the client
    bool response_done_ = false;
    bool closed_ = false;
    Buffer request_buffer_;   // client → upstream
    Buffer response_buffer_;  // upstream → client

    Direction to_client_{&upstream_, &client_, &response_buffer_};
    Direction to_upstream_{&client_, &upstream_, &request_buffer_};
};

const std::string kUnsupportedEncoding =
    "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 30\r\n"
    "Connection: close\r\n\r\nunsupported transfer encoding\n";

}  // namespace

void proxy_connection(std::unique_ptr<TakenConnection> connection, const Request& request, uint16_t port,
                      std::string target) {
    const bool upgrade = is_websocket_upgrade(request);
    auto framing = body_framing(request);
    if (!framing) {
        auto socket = std::make_shared<tcp::socket>(std::move(connection->socket));
        asio::async_write(*socket, asio::buffer(kUnsupportedEncoding),
                          [socket](boost::system::error_code, std::size_t) {
                              boost::system::error_code ignored;
                              socket->shutdown(tcp::socket::shutdown_send, ignored);
                              socket->close(ignored);
                          });
        return;
    }
    auto exchange = std::make_shared<ProxyExchange>(*connection, upgrade, *framing);
    std::string head = request_head(request, target, upgrade, *framing, exchange->client());
    exchange->start(port, std::move(head), connection->buffered);
}

}  // namespace execd::http
