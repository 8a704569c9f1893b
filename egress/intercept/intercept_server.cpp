#include "intercept/intercept_server.hpp"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <thread>
#include <vector>

#include "intercept/byte_pump.hpp"
#include "intercept/client_hello_reader.hpp"
#include "intercept/http_exchange.hpp"
#include "intercept/intercept_metrics.hpp"
#include "intercept/original_destination.hpp"
#include "intercept/upstream_connect.hpp"
#include "tls/upstream_tls.hpp"

namespace egress::intercept {

namespace beast = boost::beast;
using asio::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

namespace {

constexpr uint16_t kHttpsPort = 443;
constexpr std::chrono::seconds kTlsCloseTimeout{2};

// asio's context frees its SSL_CTX: it gets a reference of its own.
asio::ssl::context adopt(const std::shared_ptr<SSL_CTX>& context) {
    SSL_CTX_up_ref(context.get());
    return asio::ssl::context(context.get());
}

}  // namespace

// Counts a connection, in the limit and in the active-connections gauge, for as long as it lives.
// (Not in the anonymous namespace: it lives in coroutine frames, whose types have linkage.)
class ConnectionSlot {
  public:
    ConnectionSlot(size_t& count, InterceptMetrics& metrics) : count_(count), metrics_(metrics) {
        ++count_;
        metrics_.active().inc();
    }
    ~ConnectionSlot() {
        --count_;
        metrics_.active().dec();
    }
    ConnectionSlot(const ConnectionSlot&) = delete;
    ConnectionSlot& operator=(const ConnectionSlot&) = delete;

  private:
    size_t& count_;
    InterceptMetrics& metrics_;
};

struct InterceptServer::Impl {
    Impl(InterceptSettings settings_in, tls::CertificateAuthority& authority_in, BindingsSource bindings_in,
         NamesOfAddress names_of_in, common::MetricsRegistry& registry)
        : settings(std::move(settings_in)),
          authority(authority_in),
          bindings(std::move(bindings_in)),
          names_of(std::move(names_of_in)),
          metrics(registry),
          downstream(adopt(tls::make_downstream_context())),
          upstream(
              adopt(tls::make_upstream_context({settings.extra_trust_dir, settings.insecure_upstream}))) {}

    InterceptSettings settings;
    tls::CertificateAuthority& authority;
    BindingsSource bindings;
    NamesOfAddress names_of;
    InterceptMetrics metrics;
    asio::ssl::context downstream;
    asio::ssl::context upstream;
    size_t connections = 0;
    // After everything a connection refers to: destroying it destroys the connections' frames.
    asio::io_context io{1};
    std::vector<tcp::acceptor> acceptors;
    std::thread thread;

    void listen(const asio::ip::address& address);
    asio::awaitable<void> accept_loop(tcp::acceptor& acceptor);
    asio::awaitable<void> serve(tcp::socket socket);
    // Connects server to where client was going; on failure resets client and returns false.
    asio::awaitable<bool> connect_onward(beast::tcp_stream& client, beast::tcp_stream& server,
                                         const common::IpEndpoint& destination);
    asio::awaitable<void> relay_opaque(tcp::socket socket, const common::IpEndpoint& destination);
    asio::awaitable<void> serve_plain_http(tcp::socket socket, const common::IpEndpoint& destination);
    asio::awaitable<void> serve_decrypted(tcp::socket socket, const common::IpEndpoint& destination,
                                          const std::string& server_name);
    bool decrypts(const tls::ClientHelloInfo& hello, uint16_t port) const;
    ExchangeSettings exchange_settings(std::string_view scheme, const common::IpEndpoint& destination,
                                       std::optional<std::string> server_name) const;
};

void InterceptServer::Impl::listen(const asio::ip::address& address) {
    tcp::acceptor acceptor(io);
    const tcp::endpoint endpoint(address, settings.port);
    boost::system::error_code error;
    acceptor.open(endpoint.protocol(), error);
    if (!error) {
        acceptor.set_option(asio::socket_base::reuse_address(true), error);
    }
    if (!error) {
        acceptor.bind(endpoint, error);
    }
    if (!error) {
        acceptor.listen(asio::socket_base::max_listen_connections, error);
    }
    if (error) {
        if (address.is_v6() && acceptors.size() == 1) {
            spdlog::warn("credential proxy: not listening on [::1]:{} ({}); IPv6 is not intercepted",
                         settings.port, error.message());
            return;
        }
        throw std::runtime_error("credential proxy: cannot listen on " + address.to_string() + ":" +
                                 std::to_string(settings.port) + ": " + error.message());
    }
    acceptors.push_back(std::move(acceptor));
}

asio::awaitable<void> InterceptServer::Impl::accept_loop(tcp::acceptor& acceptor) {
    for (;;) {
        boost::system::error_code error;
        tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, error));
        if (error == asio::error::operation_aborted) {
            co_return;
        }
        if (error) {
            // Out of descriptors, most likely: let connections end before accepting again.
            asio::steady_timer pause(io, std::chrono::milliseconds(50));
            co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, error));
            continue;
        }
        if (connections >= settings.max_connections) {
            metrics.connection("refused");
            continue;  // the socket closes here
        }
        asio::co_spawn(io, serve(std::move(socket)), asio::detached);
    }
}

bool InterceptServer::Impl::decrypts(const tls::ClientHelloInfo& hello, uint16_t port) const {
    if (hello.status != tls::HelloStatus::complete || !hello.server_name || hello.offers_ech) {
        return false;
    }
    const auto current = bindings();
    return current && current->covers_host("https", port, *hello.server_name);
}

asio::awaitable<void> InterceptServer::Impl::serve(tcp::socket socket) {
    const ConnectionSlot slot(connections, metrics);
    try {
        const auto destination = original_destination(socket.native_handle());
        const bool intercepted =
            destination && std::find(settings.intercept_ports.begin(), settings.intercept_ports.end(),
                                     destination->port()) != settings.intercept_ports.end();
        if (!intercepted) {
            metrics.connection("refused");
            co_return;
        }
        socket.set_option(tcp::no_delay(true));
        if (destination->port() != kHttpsPort) {
            const auto current = bindings();
            if (current && current->covers_port("http", destination->port())) {
                co_await serve_plain_http(std::move(socket), *destination);
            } else {
                co_await relay_opaque(std::move(socket), *destination);
            }
            co_return;
        }
        const auto hello = co_await peek_client_hello(socket, settings.hello_timeout);
        if (decrypts(hello, destination->port())) {
            co_await serve_decrypted(std::move(socket), *destination, *hello.server_name);
        } else {
            co_await relay_opaque(std::move(socket), *destination);
        }
    } catch (const std::exception& problem) {
        spdlog::debug("credential proxy: connection ended: {}", problem.what());
    }
}

asio::awaitable<bool> InterceptServer::Impl::connect_onward(beast::tcp_stream& client,
                                                            beast::tcp_stream& server,
                                                            const common::IpEndpoint& destination) {
    try {
        co_await connect_marked(server, destination, settings.upstream_mark, settings.connect_timeout);
        co_return true;
    } catch (const boost::system::system_error&) {
        metrics.upstream_failure("connect");
    }
    // The workload sees its connection reset, as it would have seen the server refuse it.
    client.socket().set_option(asio::socket_base::linger(true, 0));
    co_return false;
}

asio::awaitable<void> InterceptServer::Impl::relay_opaque(tcp::socket socket,
                                                          const common::IpEndpoint& destination) {
    metrics.connection("opaque");
    beast::tcp_stream client(std::move(socket));
    beast::tcp_stream server(io);
    if (co_await connect_onward(client, server, destination)) {
        co_await pump_both_ways(client, server, shut_down_sending(server), shut_down_sending(client));
    }
}

ExchangeSettings InterceptServer::Impl::exchange_settings(std::string_view scheme,
                                                          const common::IpEndpoint& destination,
                                                          std::optional<std::string> server_name) const {
    return {{scheme, destination, std::move(server_name)},
            bindings,
            names_of,
            settings.idle_timeout,
            settings.max_header_bytes};
}

asio::awaitable<void> InterceptServer::Impl::serve_plain_http(tcp::socket socket,
                                                              const common::IpEndpoint& destination) {
    metrics.connection("inspected");
    beast::tcp_stream client(std::move(socket));
    beast::tcp_stream server(io);
    if (co_await connect_onward(client, server, destination)) {
        co_await serve_requests(client, server, exchange_settings("http", destination, std::nullopt),
                                metrics);
    }
}

asio::awaitable<void> InterceptServer::Impl::serve_decrypted(tcp::socket socket,
                                                             const common::IpEndpoint& destination,
                                                             const std::string& server_name) {
    metrics.connection("decrypted");
    TlsStream client(std::move(socket), downstream);
    const auto leaf = authority.leaf_for(server_name);
    tls::use_leaf(client.native_handle(), *leaf);
    expire_after(client, settings.hello_timeout);
    co_await client.async_handshake(asio::ssl::stream_base::server, asio::use_awaitable);

    TlsStream server(io, upstream);
    tls::prepare_upstream_session(server.native_handle(), server_name);
    std::string failure;
    try {
        co_await connect_marked(beast::get_lowest_layer(server), destination, settings.upstream_mark,
                                settings.connect_timeout);
    } catch (const boost::system::system_error& problem) {
        metrics.upstream_failure("connect");
        failure = "credential proxy: cannot connect to " + destination.to_string() + ": " +
                  problem.code().message();
    }
    if (failure.empty()) {
        boost::system::error_code error;
        expire_after(server, settings.connect_timeout);
        co_await server.async_handshake(asio::ssl::stream_base::client,
                                        asio::redirect_error(asio::use_awaitable, error));
        if (error) {
            metrics.upstream_failure("tls");
            failure = "credential proxy: TLS with " + server_name + " at " + destination.to_string() +
                      " failed: " + error.message();
        }
    }
    if (!failure.empty()) {
        spdlog::warn("{}", failure);
        co_await answer_and_close(client, http::status::bad_gateway, failure, settings.idle_timeout);
    } else {
        co_await serve_requests(client, server, exchange_settings("https", destination, server_name),
                                metrics);
    }
    // close_notify, so a client reading a body delimited by the end of the connection sees it end.
    boost::system::error_code ignored;
    expire_after(client, kTlsCloseTimeout);
    co_await client.async_shutdown(asio::redirect_error(asio::use_awaitable, ignored));
}

InterceptServer::InterceptServer(InterceptSettings settings, tls::CertificateAuthority& authority,
                                 BindingsSource bindings, NamesOfAddress names_of,
                                 common::MetricsRegistry& metrics)
    : impl_(std::make_unique<Impl>(std::move(settings), authority, std::move(bindings), std::move(names_of),
                                   metrics)) {}

InterceptServer::~InterceptServer() {
    stop();
}

void InterceptServer::start() {
    impl_->listen(asio::ip::make_address("127.0.0.1"));
    impl_->listen(asio::ip::make_address("::1"));
    for (auto& acceptor : impl_->acceptors) {
        asio::co_spawn(impl_->io, impl_->accept_loop(acceptor), asio::detached);
    }
    impl_->thread = std::thread([this] { impl_->io.run(); });
}

void InterceptServer::stop() {
    if (!impl_->thread.joinable()) {
        return;
    }
    impl_->io.stop();
    impl_->thread.join();
}

}  // namespace egress::intercept
