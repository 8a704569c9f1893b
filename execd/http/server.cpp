// One of the few translation units that include Boost.Beast (with websocket_connection.cpp and
// reverse_proxy.cpp): keeps the slow headers out of the rest.
#include "http/server.hpp"

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <deque>
#include <limits>
#include <optional>
#include <thread>
#include <vector>

#include "common/log.hpp"
#include "common/percent_encoding.hpp"
#include "http/taken_connection.hpp"
#include "http/url.hpp"

namespace execd::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

struct Server::Impl {
    Impl(ServerOptions server_options, const Router& server_router, AccessToken access_token)
        : options(std::move(server_options)),
          router(server_router),
          token(std::move(access_token)),
          io(static_cast<int>(options.threads)),
          keep_running(io.get_executor()),
          acceptor(asio::make_strand(io)),
          accept_pause(acceptor.get_executor()),
          connections(options.max_connections != 0 ? options.max_connections : default_max_connections()) {}

    void accept();
    void admit(tcp::socket socket);
    void pause_accepting();

    ServerOptions options;
    const Router& router;
    AccessToken token;
    asio::io_context io;
    // Keeps the threads running while no socket operation is pending (a stream between two events,
    // after the acceptor closed), so work posted by handlers' channels still runs.
    asio::executor_work_guard<asio::io_context::executor_type> keep_running;
    tcp::acceptor acceptor;
    asio::steady_timer accept_pause;  // on the acceptor's strand
    ConnectionLimit connections;
    std::vector<std::thread> threads;
    std::atomic<std::size_t> active{0};
};

namespace {

std::string reason_phrase(int status) {
    const auto reason = bhttp::obsolete_reason(static_cast<bhttp::status>(status));
    return std::string(reason.data(), reason.size());
}

std::string format_head(int status, const HeaderList& headers, const std::string& framing, bool close) {
    std::string head = "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) + "\r\n";
    for (const auto& [name, value] : headers) {
        head += name + ": " + value + "\r\n";
    }
    head += framing;
    if (close) {
        head += "Connection: close\r\n";
    }
    head += "\r\n";
    return head;
}

std::string chunk(const std::string& bytes) {
    char size[32];
    const int length = std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
    std::string framed(size, static_cast<std::size_t>(length));
    framed.reserve(framed.size() + bytes.size() + 2);
    framed += bytes;
    framed += "\r\n";
    return framed;
}

// Time to wait before accepting again when the process is out of descriptors.
constexpr std::chrono::milliseconds kAcceptPause{50};

bool out_of_descriptors(const beast::error_code& error) {
    return error == asio::error::no_descriptors || error.value() == ENFILE ||
           error == asio::error::no_buffer_space || error == asio::error::no_memory;
}

class Session : public std::enable_shared_from_this<Session>, public ConnectionLimit::Idler {
  public:
    Session(tcp::socket socket, Server::Impl& server, std::shared_ptr<ConnectionLimit::Slot> slot)
        : stream_(std::move(socket)), server_(server), slot_(std::move(slot)) {}

    // ConnectionLimit::Idler: closes the connection if it still waits for a request.
    void evict() override {
        on_strand([self = shared_from_this()] {
            if (self->waiting_for_request_) {
                self->fail();
            }
        });
    }

    void run() {
        asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_next_request(); });
    }

    template <typename Task>
    void on_strand(Task task) {
        asio::post(stream_.get_executor(), std::move(task));
    }

    bool peer_gone() const { return peer_gone_.load(); }
    void respond(uint64_t number, Response response);
    void start(uint64_t number, ResponseHead head);
    void write(uint64_t number, std::string bytes, ResponseChannel::WriteDone done);
    void finish(uint64_t number);
    void abandon(uint64_t number);
    void read_piece(uint64_t number, BodyReader::OnPiece on_piece);
    void hand_over(uint64_t number, ConnectionTaker taker);

  private:
    struct Pending {
        std::string bytes;
        ResponseChannel::WriteDone done;
    };

    void read_next_request();
    void on_first_bytes(beast::error_code error, std::size_t bytes);
    void read_header();
    void on_header(beast::error_code error);
    void on_body(beast::error_code error);
    void answer_read_error(beast::error_code error);
    void dispatch_request();
    bool dispatch_streamed();
    bool apply_body_limit();
    void on_piece_read(uint64_t number, beast::error_code error, const BodyReader::OnPiece& on_piece);
    Request build_request(bool& valid);
    uint64_t begin_response();
    bool is_current(uint64_t number) const { return number == request_number_ && !response_complete_; }
    void enqueue(std::string bytes, ResponseChannel::WriteDone done);
    void write_next();
    void on_written(beast::error_code error);
    void after_response();
    void fail();
    void release_active();

    beast::tcp_stream stream_;
    Server::Impl& server_;
    std::shared_ptr<ConnectionLimit::Slot> slot_;  // moves with the connection when a route takes it
    bool waiting_for_request_ = false;
    beast::flat_buffer buffer_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    uint64_t request_number_ = 0;
    bool response_started_ = false;
    bool response_complete_ = true;
    bool chunked_ = false;
    bool close_after_response_ = false;
    bool counted_active_ = false;
    bool writing_ = false;
    std::deque<Pending> queue_;                 // growing it keeps references to its elements valid
    std::vector<asio::const_buffer> gathered_;  // the front of queue_ being written
    std::atomic<bool> peer_gone_{false};
    // A streamed body (BodyMode::streamed): the parser reads into piece_ one read() at a time.
    std::optional<bhttp::request_parser<bhttp::buffer_body>> streamed_parser_;
    std::string piece_;
    bool keep_alive_after_body_ = false;
    bool continue_pending_ = false;

    static constexpr std::size_t kMaxGatheredPieces = 64;
    static constexpr std::size_t kMaxGatheredBytes = 256 * 1024;
};

// The ResponseChannel a handler receives: forwards to its session's strand, tagged with the request
// number so that a late call for an earlier request on the same connection is ignored.
class Exchange : public ResponseChannel {
  public:
    Exchange(std::shared_ptr<Session> session, uint64_t number)
        : session_(std::move(session)), number_(number) {}
    ~Exchange() override {
        session_->on_strand([session = session_, number = number_] { session->abandon(number); });
    }

    void respond(Response response) override {
        session_->on_strand([session = session_, number = number_, response = std::move(response)]() mutable {
            session->respond(number, std::move(response));
        });
    }
    void start(ResponseHead head) override {
        session_->on_strand([session = session_, number = number_, head = std::move(head)]() mutable {
            session->start(number, std::move(head));
        });
    }
    void write(std::string bytes, WriteDone done) override {
        session_->on_strand([session = session_, number = number_, bytes = std::move(bytes),
                             done = std::move(done)]() mutable {
            session->write(number, std::move(bytes), std::move(done));
        });
    }
    void finish() override {
        session_->on_strand([session = session_, number = number_] { session->finish(number); });
    }
    bool peer_gone() const override { return session_->peer_gone(); }
    void take_connection(ConnectionTaker taker) override {
        session_->on_strand([session = session_, number = number_, taker = std::move(taker)]() mutable {
            session->hand_over(number, std::move(taker));
        });
    }

  private:
    std::shared_ptr<Session> session_;
    uint64_t number_;
};

// The BodyReader a streamed route's handler receives.
class StreamedBody : public BodyReader {
  public:
    StreamedBody(std::shared_ptr<Session> session, uint64_t number)
        : session_(std::move(session)), number_(number) {}

    void read(OnPiece on_piece) override {
        session_->on_strand([session = session_, number = number_, on_piece = std::move(on_piece)]() mutable {
            session->read_piece(number, std::move(on_piece));
        });
    }

  private:
    std::shared_ptr<Session> session_;
    uint64_t number_;
};

void Session::read_next_request() {
    waiting_for_request_ = true;
    slot_->waiting(weak_from_this());
    parser_.emplace();
    // The body limit is applied once the route is known (apply_body_limit): streamed routes have none.
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.max_header_bytes));
    if (buffer_.size() > 0) {
        read_header();
        return;
    }
    stream_.expires_after(server_.options.idle_timeout);
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](beast::error_code error, std::size_t bytes) {
                                self->on_first_bytes(error, bytes);
                            });
}

void Session::on_first_bytes(beast::error_code error, std::size_t bytes) {
    if (error) {
        fail();
        return;
    }
    buffer_.commit(bytes);
    read_header();
}

void Session::read_header() {
    stream_.expires_after(server_.options.header_timeout);
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code error, std::size_t) { self->on_header(error); });
}

void Session::on_header(beast::error_code error) {
    waiting_for_request_ = false;
    slot_->busy();
    if (error) {
        answer_read_error(error);
        return;
    }
    if (dispatch_streamed() || !apply_body_limit()) {
        return;
    }
    stream_.expires_after(server_.options.body_timeout);
    auto read_body = [self = shared_from_this()] {
        bhttp::async_read(self->stream_, self->buffer_, *self->parser_,
                          [self](beast::error_code body_error, std::size_t) { self->on_body(body_error); });
    };
    const auto expect = parser_->get()[bhttp::field::expect];
    if (!beast::iequals(expect, "100-continue") || parser_->is_done()) {
        read_body();
        return;
    }
    static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    asio::async_write(stream_, asio::buffer(kContinue),
                      [self = shared_from_this(), read_body](beast::error_code write_error, std::size_t) {
                          if (write_error) {
                              self->fail();
                              return;
                          }
                          read_body();
                      });
}

void Session::on_body(beast::error_code error) {
    if (error) {
        answer_read_error(error);
        return;
    }
    stream_.expires_never();
    dispatch_request();
}

void Session::answer_read_error(beast::error_code error) {
    const uint64_t number = begin_response();
    close_after_response_ = true;
    if (error == bhttp::error::body_limit) {
        respond(number, json_error(413, error_code::kInvalidRequestBody, "request body too large"));
    } else if (error == bhttp::error::header_limit) {
        respond(number, json_error(431, error_code::kInvalidRequestBody, "request header too large"));
    } else if (error.category() == bhttp::make_error_code(bhttp::error::bad_target).category()) {
        respond(number, Response{400, {{"Content-Type", "text/plain"}}, "400 Bad Request"});
    } else {
        fail();
    }
}

uint64_t Session::begin_response() {
    ++request_number_;
    response_started_ = false;
    response_complete_ = false;
    chunked_ = false;
    close_after_response_ = false;
    counted_active_ = true;
    server_.active.fetch_add(1);
    return request_number_;
}

Request Session::build_request(bool& valid) {
    auto& message = parser_->get();
    Request request;
    request.method = std::string(message.method_string());
    const std::string_view target(message.target().data(), message.target().size());
    const std::size_t question = target.find('?');
    auto path = common::percent_decode(target.substr(0, question), false);
    valid = path.has_value() && path->starts_with('/');
    request.path = path.value_or("");
    if (question != std::string_view::npos) {
        request.raw_query = std::string(target.substr(question + 1));
        request.query = parse_query(request.raw_query);
    }
    for (const auto& field : message) {
        request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    request.body = std::move(message.body());
    return request;
}

void Session::dispatch_request() {
    const uint64_t number = begin_response();
    close_after_response_ = !parser_->get().keep_alive();
    bool valid = false;
    Request request = build_request(valid);
    auto exchange = std::make_shared<Exchange>(shared_from_this(), number);
    common::log_fields(common::LogLevel::debug, "request",
                       {{"method", request.method}, {"path", request.path}});
    if (!valid) {
        exchange->respond(Response{400, {{"Content-Type", "text/plain"}}, "400 Bad Request"});
        return;
    }
    if (!server_.token.allows(request.header(AccessToken::kHeader))) {
        exchange->respond(unauthorized());
        return;
    }
    RouteMatch match = server_.router.match(request.method, request.path);
    if (match.kind == RouteMatch::Kind::not_found) {
        exchange->respond(not_found_page());
        return;
    }
    if (match.kind == RouteMatch::Kind::redirect) {
        exchange->respond(Response{match.redirect_status, {{"Location", match.redirect_location}}, ""});
        return;
    }
    request.path_params = std::move(match.path_params);
    try {
        (*match.handler)(request, exchange);
    } catch (const std::exception& error) {
        common::log_fields(common::LogLevel::err, "handler failed",
                           {{"path", request.path}, {"error", error.what()}});
        exchange->respond(Response{500, {}, ""});
    }
}

// The limit of a buffered body: a declared length over it is refused at once, a chunked body as it
// grows past it.
bool Session::apply_body_limit() {
    const auto length = parser_->content_length();
    if (length && *length > server_.options.max_body_bytes) {
        answer_read_error(bhttp::error::body_limit);
        return false;
    }
    parser_->body_limit(server_.options.max_body_bytes);
    return true;
}

bool Session::dispatch_streamed() {
    const auto& message = parser_->get();
    const std::string_view target(message.target().data(), message.target().size());
    const auto path = common::percent_decode(target.substr(0, target.find('?')), false);
    if (!path) {
        return false;
    }
    const RouteMatch match = server_.router.match(std::string(message.method_string()), *path);
    if (match.kind != RouteMatch::Kind::found || match.body_mode != BodyMode::streamed) {
        return false;
    }
    const uint64_t number = begin_response();
    keep_alive_after_body_ = message.keep_alive();
    close_after_response_ = true;  // until the body has been read to its end
    continue_pending_ = beast::iequals(message[bhttp::field::expect], "100-continue");
    bool valid = false;
    Request request = build_request(valid);
    streamed_parser_.emplace(std::move(*parser_));
    streamed_parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    auto exchange = std::make_shared<Exchange>(shared_from_this(), number);
    if (!valid) {
        exchange->respond(Response{400, {{"Content-Type", "text/plain"}}, "400 Bad Request"});
        return true;
    }
    if (!server_.token.allows(request.header(AccessToken::kHeader))) {
        exchange->respond(unauthorized());
        return true;
    }
    common::log_fields(common::LogLevel::debug, "request",
                       {{"method", request.method}, {"path", request.path}});
    request.path_params = match.path_params;
    request.body_reader = std::make_shared<StreamedBody>(shared_from_this(), number);
    try {
        (*match.handler)(request, exchange);
    } catch (const std::exception& error) {
        common::log_fields(common::LogLevel::err, "handler failed",
                           {{"path", request.path}, {"error", error.what()}});
        exchange->respond(Response{500, {}, ""});
    }
    return true;
}

void Session::read_piece(uint64_t number, BodyReader::OnPiece on_piece) {
    if (number != request_number_ || !streamed_parser_ || peer_gone_) {
        on_piece(BodyPiece{{}, false, true});
        return;
    }
    if (streamed_parser_->is_done()) {
        if (!response_started_) {
            close_after_response_ = !keep_alive_after_body_;
        }
        on_piece(BodyPiece{{}, true, false});
        return;
    }
    if (continue_pending_) {
        continue_pending_ = false;
        static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        stream_.expires_after(server_.options.write_timeout);
        asio::async_write(stream_, asio::buffer(kContinue),
                          [self = shared_from_this(), number, on_piece = std::move(on_piece)](
                              beast::error_code error, std::size_t) mutable {
                              if (error) {
                                  self->streamed_parser_.reset();
                              }
                              self->read_piece(number, std::move(on_piece));
                          });
        return;
    }
    constexpr std::size_t kPieceBytes = 1024 * 1024;
    piece_.resize(kPieceBytes);
    auto& body = streamed_parser_->get().body();
    body.data = piece_.data();
    body.size = piece_.size();
    stream_.expires_after(server_.options.body_timeout);
    bhttp::async_read_some(
        stream_, buffer_, *streamed_parser_,
        [self = shared_from_this(), number, on_piece = std::move(on_piece)](
            beast::error_code error, std::size_t) { self->on_piece_read(number, error, on_piece); });
}

void Session::on_piece_read(uint64_t number, beast::error_code error, const BodyReader::OnPiece& on_piece) {
    if (!writing_) {
        stream_.expires_never();
    }
    if (error == bhttp::error::need_buffer) {
        error = {};
    }
    if (error || number != request_number_ || !streamed_parser_) {
        streamed_parser_.reset();
        on_piece(BodyPiece{{}, false, true});
        return;
    }
    if (!streamed_parser_->is_done() && streamed_parser_->get().body().size > 0) {
        // Fill the piece before handing it on: one hand-off per piece rather than per socket read.
        stream_.expires_after(server_.options.body_timeout);
        bhttp::async_read_some(
            stream_, buffer_, *streamed_parser_,
            [self = shared_from_this(), number, on_piece](beast::error_code next_error, std::size_t) {
                self->on_piece_read(number, next_error, on_piece);
            });
        return;
    }
    piece_.resize(piece_.size() - streamed_parser_->get().body().size);
    BodyPiece piece{std::move(piece_), streamed_parser_->is_done(), false};
    piece_ = std::string();
    if (piece.end && !response_started_) {
        close_after_response_ = !keep_alive_after_body_;
    }
    on_piece(std::move(piece));
}

void Session::respond(uint64_t number, Response response) {
    if (!is_current(number) || response_started_) {
        return;
    }
    response_started_ = true;
    response_complete_ = true;
    std::string bytes = format_head(response.status, response.headers,
                                    "Content-Length: " + std::to_string(response.body.size()) + "\r\n",
                                    close_after_response_);
    bytes += response.body;
    enqueue(std::move(bytes), {});
}

void Session::start(uint64_t number, ResponseHead head) {
    if (!is_current(number) || response_started_) {
        return;
    }
    response_started_ = true;
    chunked_ = !head.content_length.has_value();
    if (close_after_response_) {
        std::erase_if(head.headers,
                      [](const auto& header) { return beast::iequals(header.first, "Connection"); });
    }
    const std::string framing = chunked_ ? "Transfer-Encoding: chunked\r\n"
                                         : "Content-Length: " + std::to_string(*head.content_length) + "\r\n";
    enqueue(format_head(head.status, head.headers, framing, close_after_response_), {});
}

void Session::write(uint64_t number, std::string bytes, ResponseChannel::WriteDone done) {
    if (!is_current(number) || !response_started_ || peer_gone_) {
        if (done) {
            done(false);
        }
        return;
    }
    if (bytes.empty()) {
        if (done) {
            done(true);
        }
        return;
    }
    enqueue(chunked_ ? chunk(bytes) : std::move(bytes), std::move(done));
}

void Session::finish(uint64_t number) {
    if (!is_current(number) || !response_started_) {
        return;
    }
    response_complete_ = true;
    if (chunked_) {
        enqueue("0\r\n\r\n", {});
    } else if (!writing_) {
        after_response();
    }
}

void Session::abandon(uint64_t number) {
    if (!is_current(number)) {
        return;
    }
    if (!response_started_) {
        respond(number, Response{500, {}, ""});
        return;
    }
    // A body was begun but never finished: the client cannot tell where it ends, so close.
    fail();
}

void Session::hand_over(uint64_t number, ConnectionTaker taker) {
    if (!is_current(number) || response_started_) {
        return;
    }
    response_started_ = true;
    response_complete_ = true;
    release_active();
    auto taken = std::make_unique<TakenConnection>(TakenConnection{
        stream_.release_socket(), beast::buffers_to_string(buffer_.data()), std::move(slot_)});
    buffer_.consume(buffer_.size());
    taker(std::move(taken));
}

void Session::enqueue(std::string bytes, ResponseChannel::WriteDone done) {
    if (peer_gone_) {
        if (done) {
            done(false);
        }
        return;
    }
    queue_.push_back(Pending{std::move(bytes), std::move(done)});
    if (!writing_) {
        write_next();
    }
}

// Everything queued while the previous write was in flight goes out in one gathered write: a fast
// stream costs one send (and one deadline) per batch of events, not per event.
void Session::write_next() {
    if (queue_.empty()) {
        writing_ = false;
        stream_.expires_never();
        if (response_complete_) {
            after_response();
        }
        return;
    }
    writing_ = true;
    gathered_.clear();
    std::size_t bytes = 0;
    for (const auto& pending : queue_) {
        if (!gathered_.empty() && (gathered_.size() == kMaxGatheredPieces || bytes >= kMaxGatheredBytes)) {
            break;
        }
        gathered_.emplace_back(pending.bytes.data(), pending.bytes.size());
        bytes += pending.bytes.size();
    }
    stream_.expires_after(server_.options.write_timeout);
    asio::async_write(stream_, gathered_, [self = shared_from_this()](beast::error_code error, std::size_t) {
        self->on_written(error);
    });
}

void Session::on_written(beast::error_code error) {
    if (peer_gone_) {
        return;  // fail() has already settled every queued write
    }
    for (std::size_t i = 0; i < gathered_.size(); ++i) {
        auto done = std::move(queue_.front().done);
        queue_.pop_front();
        if (done) {
            done(!error);
        }
    }
    gathered_.clear();
    if (error) {
        fail();
        return;
    }
    write_next();
}

void Session::after_response() {
    release_active();
    if (close_after_response_) {
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        stream_.close();
        return;
    }
    read_next_request();
}

void Session::release_active() {
    if (counted_active_) {
        counted_active_ = false;
        server_.active.fetch_sub(1);
    }
}

void Session::fail() {
    peer_gone_ = true;
    release_active();
    writing_ = false;
    while (!queue_.empty()) {
        auto done = std::move(queue_.front().done);
        queue_.pop_front();
        if (done) {
            done(false);
        }
    }
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
}

}  // namespace

void Server::Impl::accept() {
    acceptor.async_accept(asio::make_strand(io), [this](beast::error_code error, tcp::socket socket) {
        if (error == asio::error::operation_aborted || !acceptor.is_open()) {
            return;
        }
        if (out_of_descriptors(error)) {
            // Retrying at once fails again at once (a spinning core): free one and wait a little.
            connections.evict_oldest();
            pause_accepting();
            return;
        }
        if (!error) {
            admit(std::move(socket));
        }
        accept();
    });
}

void Server::Impl::admit(tcp::socket socket) {
    auto slot = connections.admit();
    if (!slot) {
        return;  // at the cap with nothing idle to close: the socket closes unread
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::make_shared<Session>(std::move(socket), *this, std::move(slot))->run();
}

void Server::Impl::pause_accepting() {
    accept_pause.expires_after(kAcceptPause);
    accept_pause.async_wait([this](beast::error_code error) {
        if (!error && acceptor.is_open()) {
            accept();
        }
    });
}

Server::Server(ServerOptions options, const Router& router, AccessToken token)
    : impl_(std::make_unique<Impl>(std::move(options), router, std::move(token))) {}

Server::~Server() {
    stop();
}

uint16_t Server::listen() {
    const tcp::endpoint endpoint(asio::ip::make_address(impl_->options.address), impl_->options.port);
    impl_->acceptor.open(endpoint.protocol());
    impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
    impl_->acceptor.bind(endpoint);
    impl_->acceptor.listen(asio::socket_base::max_listen_connections);
    return impl_->acceptor.local_endpoint().port();
}

void Server::start() {
    impl_->accept();
    for (unsigned i = 0; i < std::max(1u, impl_->options.threads); ++i) {
        impl_->threads.emplace_back([this] { impl_->io.run(); });
    }
}

void Server::stop_accepting() {
    asio::post(impl_->acceptor.get_executor(), [this] {
        beast::error_code ignored;
        impl_->acceptor.close(ignored);
    });
}

std::size_t Server::active_responses() const {
    return impl_->active.load();
}

void Server::stop() {
    impl_->keep_running.reset();
    impl_->io.stop();
    for (auto& thread : impl_->threads) {
        thread.join();
    }
    impl_->threads.clear();
}

}  // namespace execd::http
