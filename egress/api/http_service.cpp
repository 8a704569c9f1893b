// egress's only Boost.Beast translation unit: keeps the slow headers out of the rest.
#include "api/http_service.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <list>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

namespace egress::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

class HttpServiceConnection;

namespace {

// Time to wait before accepting again when the process is out of descriptors.
constexpr std::chrono::milliseconds kAcceptBackoff{50};
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

bool is_parse_error(const beast::error_code& error) {
    return &error.category() == &bhttp::make_error_code(bhttp::error::bad_target).category() &&
           error != bhttp::error::end_of_stream && error != bhttp::error::partial_message;
}

bool out_of_descriptors(const beast::error_code& error) {
    return error == asio::error::no_descriptors || error.value() == ENFILE ||
           error == asio::error::no_buffer_space || error == asio::error::no_memory;
}

ApiResponse read_error_answer(const beast::error_code& error, const HttpServiceLimits& limits) {
    if (error == bhttp::error::body_limit) {
        return text_error(413, "request body exceeds " + std::to_string(limits.max_body_bytes) + " bytes");
    }
    if (error == bhttp::error::header_limit) {
        return text_error(431, "request header fields too large");
    }
    return text_error(400, "bad request");
}

bool asks_to_continue(const HttpRequest& request) {
    const std::string_view expect = request.header("Expect");
    return beast::iequals(beast::string_view(expect.data(), expect.size()), "100-continue");
}

HttpRequest head_of(const bhttp::request<bhttp::string_body>& message) {
    HttpRequest request;
    request.method = std::string(message.method_string());
    const std::string_view target(message.target().data(), message.target().size());
    const size_t question = target.find('?');
    request.path = std::string(target.substr(0, question));
    if (question != std::string_view::npos) {
        request.query = std::string(target.substr(question + 1));
    }
    for (const auto& field : message) {
        request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    return request;
}

std::optional<common::IpAddress> peer_of(const tcp::socket& socket) {
    boost::system::error_code error;
    auto address = socket.remote_endpoint(error).address();
    if (error) {
        return std::nullopt;
    }
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
        address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
    }
    if (address.is_v4()) {
        return common::IpAddress::from_v4(address.to_v4().to_bytes());
    }
    return common::IpAddress::from_v6(address.to_v6().to_bytes());
}

}  // namespace

struct HttpService::Impl {
    Impl(std::string service_name, HttpRoutes& service_routes, HttpServiceLimits service_limits)
        : name(std::move(service_name)), routes(service_routes), limits(service_limits) {}

    void accept();
    void admit(tcp::socket socket);
    // At the cap: closes the connection that has waited longest for its request. False if none waits.
    bool evict_longest_waiting();
    void close_everything();

    std::string name;
    HttpRoutes& routes;
    HttpServiceLimits limits;
    // Open connections; declared before `io`, whose destruction may destroy the last of them.
    std::list<HttpServiceConnection*> open;
    asio::io_context io{1};
    tcp::acceptor acceptor{io};
    asio::steady_timer accept_backoff{io};
    std::thread thread;
    uint16_t port = 0;
};

// One client connection: requests one after another, each read under one deadline.
class HttpServiceConnection : public std::enable_shared_from_this<HttpServiceConnection> {
  public:
    HttpServiceConnection(tcp::socket socket, HttpService::Impl& service)
        : stream_(std::move(socket)), service_(service) {}
    ~HttpServiceConnection() { forget(); }
    HttpServiceConnection(const HttpServiceConnection&) = delete;
    HttpServiceConnection& operator=(const HttpServiceConnection&) = delete;

    void start() {
        membership_ = service_.open.insert(service_.open.end(), this);
        read_request();
    }

    bool waiting_for_request() const { return waiting_; }
    std::chrono::steady_clock::time_point waiting_since() const { return waiting_since_; }

    // Cancels what is pending; the handlers then end the connection.
    void close() {
        forget();
        beast::error_code ignored;
        stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream_.socket().close(ignored);
    }

  private:
    void forget() {
        if (membership_) {
            service_.open.erase(*membership_);
            membership_.reset();
        }
    }

    void read_request() {
        parser_.emplace();
        request_ = {};
        early_answer_.reset();
        parser_->header_limit(static_cast<std::uint32_t>(service_.limits.max_header_bytes));
        parser_->body_limit(service_.limits.max_body_bytes);
        waiting_ = true;
        waiting_since_ = std::chrono::steady_clock::now();
        stream_.expires_after(service_.limits.request_deadline);
        bhttp::async_read_header(
            stream_, buffer_, *parser_,
            [self = shared_from_this()](beast::error_code error, std::size_t) { self->on_head(error); });
    }

    void on_head(const beast::error_code& error) {
        if (error) {
            return on_read_error(error);
        }
        request_ = head_of(parser_->get());
        request_.peer = peer_of(stream_.socket());
        early_answer_ = service_.routes.answer_head(request_);
        if (early_answer_ && !request_.announces_body()) {
            return respond(*early_answer_, parser_->keep_alive());
        }
        if (asks_to_continue(request_)) {
            // With an answer already, the client is told before it sends the body, and never sends it.
            return early_answer_ ? respond(*early_answer_, false) : send_continue();
        }
        // Even with an answer, the body is read (and dropped): closing on unread bytes would reset
        // the connection, and the client could lose the answer.
        read_body();
    }

    void send_continue() {
        asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                          [self = shared_from_this()](beast::error_code error, std::size_t) {
                              if (error) {
                                  return self->close();
                              }
                              self->read_body();
                          });
    }

    // Still under the deadline set when the request began.
    void read_body() {
        bhttp::async_read(
            stream_, buffer_, *parser_,
            [self = shared_from_this()](beast::error_code error, std::size_t) { self->on_body(error); });
    }

    void on_body(const beast::error_code& error) {
        if (error) {
            return on_read_error(error);
        }
        if (early_answer_) {
            return respond(*early_answer_, parser_->keep_alive());
        }
        request_.body = std::move(parser_->get().body());
        respond(service_.routes.answer(request_), parser_->keep_alive());
    }

    // Malformed or oversized requests get an answer; timeouts and departed clients do not.
    void on_read_error(const beast::error_code& error) {
        if (early_answer_ && error == bhttp::error::body_limit) {
            return respond(*early_answer_, false);  // the refusal counts, not the size
        }
        if (is_parse_error(error)) {
            return respond(read_error_answer(error, service_.limits), false);
        }
        close();
    }

    void respond(const ApiResponse& answer, bool keep_alive) {
        waiting_ = false;
        response_ = {};
        response_.version(11);
        response_.result(static_cast<unsigned>(answer.status));
        for (const auto& [name, value] : answer.headers) {
            response_.set(name, value);
        }
        if (!answer.content_type.empty()) {
            response_.set(bhttp::field::content_type, answer.content_type);
        }
        if (request_.method != "HEAD") {
            response_.body() = answer.body;
        }
        response_.keep_alive(keep_alive);
        response_.prepare_payload();
        stream_.expires_after(service_.limits.write_timeout);
        bhttp::async_write(stream_, response_,
                           [self = shared_from_this(), keep_alive](beast::error_code error, std::size_t) {
                               if (error || !keep_alive) {
                                   return self->close();
                               }
                               self->read_request();
                           });
    }

    beast::tcp_stream stream_;
    HttpService::Impl& service_;
    std::optional<std::list<HttpServiceConnection*>::iterator> membership_;
    beast::flat_buffer buffer_;
    std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
    HttpRequest request_;
    std::optional<ApiResponse> early_answer_;  // answered from the head; the body is dropped
    bhttp::response<bhttp::string_body> response_;
    bool waiting_ = false;
    std::chrono::steady_clock::time_point waiting_since_;
};

void HttpService::Impl::accept() {
    acceptor.async_accept([this](beast::error_code error, tcp::socket socket) {
        if (error == asio::error::operation_aborted || !acceptor.is_open()) {
            return;
        }
        if (out_of_descriptors(error)) {
            // Closing the longest-waiting client frees a descriptor; the pause keeps accept() from spinning.
            evict_longest_waiting();
            accept_backoff.expires_after(kAcceptBackoff);
            accept_backoff.async_wait([this](beast::error_code) { accept(); });
            return;
        }
        if (!error) {
            admit(std::move(socket));
        }
        accept();
    });
}

void HttpService::Impl::admit(tcp::socket socket) {
    if (open.size() >= limits.max_connections && !evict_longest_waiting()) {
        return;  // every connection is being answered: this one closes at once
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::make_shared<HttpServiceConnection>(std::move(socket), *this)->start();
}

bool HttpService::Impl::evict_longest_waiting() {
    HttpServiceConnection* longest = nullptr;
    for (HttpServiceConnection* connection : open) {
        if (connection->waiting_for_request() &&
            (longest == nullptr || connection->waiting_since() < longest->waiting_since())) {
            longest = connection;
        }
    }
    if (longest == nullptr) {
        return false;
    }
    longest->close();
    return true;
}

void HttpService::Impl::close_everything() {
    beast::error_code ignored;
    acceptor.close(ignored);
    accept_backoff.cancel();
    while (!open.empty()) {
        open.front()->close();
    }
}

HttpService::HttpService(std::string name, HttpRoutes& routes, HttpServiceLimits limits)
    : impl_(std::make_unique<Impl>(std::move(name), routes, limits)) {}

HttpService::~HttpService() {
    stop();
}

void HttpService::bind(const std::string& host, uint16_t port) {
    // Without a host: "::" serves IPv6 and IPv4; a namespace without IPv6 gets 0.0.0.0.
    const std::vector<std::string> candidates =
        host.empty() ? std::vector<std::string>{"::", "0.0.0.0"} : std::vector<std::string>{host};
    for (const std::string& candidate : candidates) {
        beast::error_code error;
        const auto address = asio::ip::make_address(candidate, error);
        if (error) {
            break;
        }
        tcp::acceptor& acceptor = impl_->acceptor;
        acceptor.open(address.is_v6() ? tcp::v6() : tcp::v4(), error);
        if (!error) {
            acceptor.set_option(tcp::acceptor::reuse_address(true), error);
            if (address.is_v6()) {
                acceptor.set_option(asio::ip::v6_only(false), error);
            }
            acceptor.bind({address, port}, error);
        }
        if (!error) {
            acceptor.listen(asio::socket_base::max_listen_connections, error);
        }
        if (!error) {
            impl_->port = acceptor.local_endpoint().port();
            return;
        }
        beast::error_code ignored;
        acceptor.close(ignored);
    }
    throw std::runtime_error("cannot listen for the " + impl_->name + " on " +
                             (host.empty() ? std::string("*") : host) + ":" + std::to_string(port));
}

uint16_t HttpService::port() const {
    return impl_->port;
}

void HttpService::start() {
    impl_->accept();
    impl_->thread = std::thread([this] { impl_->io.run(); });
}

void HttpService::stop() {
    if (!impl_->thread.joinable()) {
        return;
    }
    asio::post(impl_->io, [this] { impl_->close_everything(); });
    impl_->thread.join();
}

}  // namespace egress::api
