// Boost.Beast's WebSocket stream behind the Beast-free WebSocketConnection interface.
#include "http/websocket_connection.hpp"

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>

#include "http/taken_connection.hpp"

namespace execd::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;

namespace {

constexpr std::chrono::seconds kHandshakeTimeout{30};

bhttp::request<bhttp::empty_body> beast_request(const Request& request) {
    bhttp::request<bhttp::empty_body> message;
    message.method_string(request.method);
    message.target("/");
    message.version(11);
    for (const auto& [name, value] : request.headers) {
        message.insert(name, value);
    }
    return message;
}

// The request's head as it came in (target aside, which the handshake does not use) followed by
// what the client sent after it, for Beast to parse the handshake from.
std::string handshake_bytes(const Request& request, const std::string& buffered) {
    std::string bytes = request.method + " / HTTP/1.1\r\n";
    for (const auto& [name, value] : request.headers) {
        bytes += name + ": " + value + "\r\n";
    }
    bytes += "\r\n";
    bytes += buffered;
    return bytes;
}

class BeastWebSocket : public WebSocketConnection, public std::enable_shared_from_this<BeastWebSocket> {
  public:
    BeastWebSocket(TakenConnection& connection, WebSocketOptions options,
                   std::shared_ptr<WebSocketHandler> handler)
        : ws_(std::move(connection.socket)),
          slot_(std::move(connection.slot)),
          options_(options),
          handler_(std::move(handler)) {}

    void start(std::string handshake) {
        ws_.set_option(reading_timeouts());
        ws_.read_message_max(options_.max_message_bytes);
        ws_.auto_fragment(false);
        handshake_ = std::move(handshake);
        ws_.async_accept(asio::buffer(handshake_),
                         [self = shared_from_this()](beast::error_code error) { self->on_accepted(error); });
    }

    void send(bool binary, std::string payload) override {
        queued_ += payload.size();
        asio::post(ws_.get_executor(),
                   [self = shared_from_this(), binary, payload = std::move(payload)]() mutable {
                       self->enqueue(Frame{Frame::Kind::message, binary, std::move(payload), 0});
                   });
    }

    void close(uint16_t code, std::string reason) override {
        asio::post(ws_.get_executor(),
                   [self = shared_from_this(), code, reason = std::move(reason)]() mutable {
                       self->enqueue(Frame{Frame::Kind::close, false, std::move(reason), code});
                   });
    }

    std::size_t queued_bytes() const override { return queued_.load(); }

    void pause_reading() override {
        paused_ = true;
        asio::post(ws_.get_executor(), [self = shared_from_this()] { self->read_unless_paused(); });
    }

    void resume_reading() override {
        paused_ = false;
        asio::post(ws_.get_executor(), [self = shared_from_this()] { self->read_unless_paused(); });
    }

  private:
    struct Frame {
        enum class Kind { message, ping, close } kind;
        bool binary;
        std::string payload;  // the reason of a close
        uint16_t code;
    };

    void on_accepted(beast::error_code error) {
        handshake_.clear();
        if (error) {
            finish();
            return;
        }
        open_ = true;
        handler_->on_open(shared_from_this());
        read_unless_paused();
        write_next();
    }

    void read_next() {
        reading_ = true;
        ws_.async_read(read_buffer_, [self = shared_from_this()](beast::error_code error, std::size_t) {
            self->on_read(error);
        });
    }

    void on_read(beast::error_code error) {
        reading_ = false;
        if (error || finished_) {
            finish();
            return;
        }
        std::string payload = beast::buffers_to_string(read_buffer_.data());
        read_buffer_.consume(read_buffer_.size());
        handler_->on_message(ws_.got_binary(), std::move(payload));
        read_unless_paused();
    }

    // Strand: reads the next message unless paused, finished or already reading.
    void read_unless_paused() {
        if (finished_ || !open_ || reading_) {
            return;
        }
        if (paused_) {
            hold_while_paused();
            return;
        }
        paused_ping_.cancel();
        ws_.set_option(reading_timeouts());
        read_next();
    }

    // Without a read in flight nothing else may hold the connection: the ping timer does, and its
    // pings make a client that went away noticed (the ping's write fails) while nothing is read.
    void hold_while_paused() {
        ws_.set_option(paused_timeouts());
        if (!ping_scheduled_) {
            schedule_paused_ping();
        }
    }

    void schedule_paused_ping() {
        ping_scheduled_ = true;
        paused_ping_.expires_after(options_.idle_timeout / 2);
        paused_ping_.async_wait([self = shared_from_this()](beast::error_code error) {
            self->ping_scheduled_ = false;
            if (self->finished_ || !self->paused_) {
                return;  // over, or reading again: the read holds the connection
            }
            if (!error) {
                self->enqueue(Frame{Frame::Kind::ping, false, {}, 0});
            }
            self->schedule_paused_ping();  // also after a cancel that a new pause overtook
        });
    }

    websocket::stream_base::timeout reading_timeouts() const {
        return websocket::stream_base::timeout{kHandshakeTimeout, options_.idle_timeout, true};
    }

    // While execd holds the client back it reads nothing, not even the client's pongs: the idle
    // timeout, which counts only what is read, would take the client for gone.
    static websocket::stream_base::timeout paused_timeouts() {
        return websocket::stream_base::timeout{kHandshakeTimeout, websocket::stream_base::none(), false};
    }

    void enqueue(Frame frame) {
        if (finished_) {
            queued_ -= frame.kind == Frame::Kind::message ? frame.payload.size() : 0;
            return;
        }
        queue_.push_back(std::move(frame));
        if (open_ && !writing_) {
            write_next();
        }
    }

    void write_next() {
        if (queue_.empty() || finished_) {
            writing_ = false;
            return;
        }
        writing_ = true;
        Frame& frame = queue_.front();
        beast::get_lowest_layer(ws_).expires_after(options_.write_timeout);
        if (frame.kind == Frame::Kind::ping) {
            ws_.async_ping({},
                           [self = shared_from_this()](beast::error_code error) { self->on_written(error); });
            return;
        }
        if (frame.kind == Frame::Kind::close) {
            ws_.async_close(
                websocket::close_reason(static_cast<websocket::close_code>(frame.code), frame.payload),
                [self = shared_from_this()](beast::error_code) { self->finish(); });
            return;
        }
        ws_.binary(frame.binary);
        ws_.async_write(
            asio::buffer(frame.payload),
            [self = shared_from_this()](beast::error_code error, std::size_t) { self->on_written(error); });
    }

    void on_written(beast::error_code error) {
        beast::get_lowest_layer(ws_).expires_never();
        queued_ -= queue_.front().payload.size();
        queue_.pop_front();
        if (error) {
            finish();
            return;
        }
        write_next();
    }

    void finish() {
        if (finished_) {
            return;
        }
        finished_ = true;
        paused_ping_.cancel();
        beast::error_code ignored;
        beast::get_lowest_layer(ws_).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
        beast::get_lowest_layer(ws_).close();
        if (auto handler = std::move(handler_)) {
            handler->on_closed();
        }
    }

    websocket::stream<beast::tcp_stream> ws_;
    std::shared_ptr<ConnectionLimit::Slot> slot_;  // held while the socket is
    WebSocketOptions options_;
    std::shared_ptr<WebSocketHandler> handler_;  // dropped when the connection ends (breaks the cycle)
    std::string handshake_;
    beast::flat_buffer read_buffer_;
    std::deque<Frame> queue_;
    std::atomic<std::size_t> queued_{0};
    bool open_ = false;
    bool writing_ = false;
    bool reading_ = false;  // a read is in flight
    std::atomic<bool> paused_{false};
    asio::steady_timer paused_ping_{ws_.get_executor()};
    bool ping_scheduled_ = false;  // a paused_ping_ wait is in flight
    bool finished_ = false;
};

}  // namespace

bool is_websocket_upgrade(const Request& request) {
    return websocket::is_upgrade(beast_request(request));
}

void accept_websocket(std::unique_ptr<TakenConnection> connection, const Request& request,
                      WebSocketOptions options, std::shared_ptr<WebSocketHandler> handler) {
    auto socket = std::make_shared<BeastWebSocket>(*connection, options, std::move(handler));
    socket->start(handshake_bytes(request, connection->buffered));
}

}  // namespace execd::http
