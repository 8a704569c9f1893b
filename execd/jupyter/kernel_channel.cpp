// The Boost.Beast WebSocket client of execd's Jupyter support (its second Beast translation unit,
// beside the HTTP server).
#include "jupyter/kernel_channel.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <deque>
#include <map>
#include <thread>
#include <vector>

#include "common/log.hpp"

namespace execd::jupyter {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

constexpr auto kConnectTimeout = 10s;
constexpr auto kFirstRetry = 100ms;
constexpr auto kMaxRetry = 5s;

class WebSocketChannel : public KernelChannel, public std::enable_shared_from_this<WebSocketChannel> {
  public:
    WebSocketChannel(net::io_context& io, JupyterEndpoint endpoint, std::string kernel_id)
        : io_(io), endpoint_(std::move(endpoint)), kernel_id_(std::move(kernel_id)), retry_timer_(io) {}

    void connect(ConnectDone done) override {
        net::post(io_, [self = shared_from_this(), done = std::move(done)]() mutable {
            self->connect_now(std::move(done));
        });
    }

    void send_request(std::string msg_id, std::string message,
                      std::shared_ptr<KernelListener> listener) override {
        net::post(io_, [self = shared_from_this(), msg_id = std::move(msg_id), message = std::move(message),
                        listener = std::move(listener)]() mutable {
            if (self->state_ != State::open) {
                listener->on_lost("the connection to kernel " + self->kernel_id_ + " is not open");
                return;
            }
            self->listeners_[msg_id] = std::move(listener);
            self->outbox_.push_back(std::move(message));
            self->write_next();
        });
    }

    void forget(std::string msg_id) override {
        net::post(
            io_, [self = shared_from_this(), msg_id = std::move(msg_id)] { self->listeners_.erase(msg_id); });
    }

    void close() override {
        net::post(io_, [self = shared_from_this()] {
            self->set_state(State::closed);
            self->retry_timer_.cancel();
            self->drop("the kernel's context was closed");
            self->fail_waiters({"the kernel's context was closed", false});
        });
    }

    bool is_open() const override { return open_.load(); }

  private:
    enum class State { idle, connecting, open, gone, closed };

    void set_state(State state) {
        state_ = state;
        open_ = state == State::open;
    }

    void connect_now(ConnectDone done) {
        switch (state_) {
            case State::open:
                done(std::nullopt);
                return;
            case State::gone:
                done(ChannelError{gone_message(), true});
                return;
            case State::closed:
                done(ChannelError{"the kernel's context was closed", false});
                return;
            case State::connecting:
                waiters_.push_back(std::move(done));
                return;
            case State::idle:
                waiters_.push_back(std::move(done));
                retry_timer_.cancel();
                start_connect();
                return;
        }
    }

    std::string gone_message() const {
        return "kernel " + kernel_id_ + " no longer exists on the Jupyter server";
    }

    void start_connect() {
        set_state(State::connecting);
        const uint64_t generation = ++generation_;
        ws_ = std::make_unique<websocket::stream<beast::tcp_stream>>(io_);
        resolver_ = std::make_unique<tcp::resolver>(io_);
        resolver_->async_resolve(
            endpoint_.host, std::to_string(endpoint_.port),
            [self = shared_from_this(), generation](beast::error_code error,
                                                    tcp::resolver::results_type results) {
                if (generation != self->generation_) {
                    return;
                }
                if (error) {
                    self->connect_failed({"cannot resolve Jupyter host: " + error.message(), false});
                    return;
                }
                self->open_tcp(results, generation);
            });
    }

    void open_tcp(const tcp::resolver::results_type& results, uint64_t generation) {
        auto& tcp_stream = beast::get_lowest_layer(*ws_);
        tcp_stream.expires_after(kConnectTimeout);
        tcp_stream.async_connect(
            results, [self = shared_from_this(), generation](beast::error_code error, const tcp::endpoint&) {
                if (generation != self->generation_) {
                    return;
                }
                if (error) {
                    self->connect_failed({"cannot connect to Jupyter: " + error.message(), false});
                    return;
                }
                beast::error_code ignored;
                beast::get_lowest_layer(*self->ws_).socket().set_option(tcp::no_delay(true), ignored);
                self->handshake(generation);
            });
    }

    void handshake(uint64_t generation) {
        ws_->set_option(
            websocket::stream_base::decorator([token = endpoint_.token](websocket::request_type& req) {
                req.set(beast::http::field::authorization, "Token " + token);
            }));
        ws_->read_message_max(256 * 1024 * 1024);
        handshake_response_ = std::make_unique<websocket::response_type>();
        const std::string host = endpoint_.host + ":" + std::to_string(endpoint_.port);
        const std::string target = endpoint_.base_path + "/api/kernels/" + kernel_id_ + "/channels";
        ws_->async_handshake(
            *handshake_response_, host, target,
            [self = shared_from_this(), generation](beast::error_code error) {
                if (generation != self->generation_) {
                    return;
                }
                if (error) {
                    const unsigned status = self->handshake_response_->result_int();
                    if (status == 404) {
                        self->connect_failed({self->gone_message(), true});
                    } else {
                        self->connect_failed({"WebSocket handshake with kernel " + self->kernel_id_ +
                                                  " failed: " + error.message(),
                                              false});
                    }
                    return;
                }
                self->opened(generation);
            });
    }

    void opened(uint64_t generation) {
        beast::get_lowest_layer(*ws_).expires_never();
        websocket::stream_base::timeout timeouts{};
        timeouts.handshake_timeout = kConnectTimeout;
        timeouts.idle_timeout = 30s;
        timeouts.keep_alive_pings = true;
        ws_->set_option(timeouts);
        set_state(State::open);
        retry_delay_ = kFirstRetry;
        auto waiters = std::move(waiters_);
        waiters_.clear();
        for (auto& done : waiters) {
            done(std::nullopt);
        }
        read_next(generation);
    }

    void connect_failed(const ChannelError& error) {
        if (state_ == State::closed) {
            return;
        }
        ws_.reset();
        set_state(error.kernel_gone ? State::gone : State::idle);
        fail_waiters(error);
        if (!error.kernel_gone) {
            schedule_retry();
        }
    }

    void fail_waiters(const ChannelError& error) {
        auto waiters = std::move(waiters_);
        waiters_.clear();
        for (auto& done : waiters) {
            done(error);
        }
    }

    void schedule_retry() {
        retry_timer_.expires_after(retry_delay_);
        retry_delay_ = std::min<std::chrono::milliseconds>(retry_delay_ * 2, kMaxRetry);
        retry_timer_.async_wait([self = shared_from_this()](beast::error_code error) {
            if (!error && self->state_ == State::idle) {
                self->start_connect();
            }
        });
    }

    void read_next(uint64_t generation) {
        ws_->async_read(read_buffer_, [self = shared_from_this(), generation](beast::error_code error,
                                                                              std::size_t) {
            if (generation != self->generation_) {
                return;
            }
            if (error) {
                self->connection_lost("the connection to the Jupyter kernel was lost: " + error.message());
                return;
            }
            try {
                self->dispatch(beast::buffers_to_string(self->read_buffer_.data()));
            } catch (const std::exception& failure) {  // one bad message must not end execd
                common::log_fields(common::LogLevel::warn, "Jupyter message dropped",
                                   {{"kernel", self->kernel_id_}, {"error", failure.what()}});
            }
            if (generation != self->generation_) {  // the message ended this socket
                return;
            }
            self->read_buffer_.consume(self->read_buffer_.size());
            self->read_next(generation);
        });
    }

    void dispatch(const std::string& text) {
        const auto message = parse_kernel_message(text);
        if (!message) {
            return;
        }
        if (message->parent_msg_id.empty()) {
            on_server_status(*message);
            return;
        }
        const auto listener = listeners_.find(message->parent_msg_id);
        if (listener != listeners_.end()) {
            const auto keep = listener->second;  // the listener may forget itself
            keep->on_message(*message);
        }
    }

    // Jupyter's own status messages, which answer no request: the kernel process died. Its
    // pending requests will never be answered. A restarted kernel may listen on new ports that this
    // WebSocket's streams on the server do not follow, so the socket is opened afresh.
    void on_server_status(const KernelMessage& message) {
        if (message.msg_type != "status") {
            return;
        }
        const auto state = message.content.find("execution_state");
        if (state == message.content.end() || !state->is_string()) {
            return;
        }
        if (*state == "restarting") {
            connection_lost("the Jupyter kernel died and was restarted; its state is lost");
        } else if (*state == "dead") {
            drop("the Jupyter kernel died and could not be restarted");
            set_state(State::gone);
        }
    }

    void write_next() {
        if (writing_ || outbox_.empty() || state_ != State::open) {
            return;
        }
        writing_ = true;
        ws_->text(true);
        const uint64_t generation = generation_;
        ws_->async_write(net::buffer(outbox_.front()), [self = shared_from_this(), generation](
                                                           beast::error_code error, std::size_t) {
            if (generation != self->generation_) {
                return;
            }
            self->writing_ = false;
            if (error) {
                self->connection_lost("cannot send to the Jupyter kernel: " + error.message());
                return;
            }
            self->outbox_.pop_front();
            self->write_next();
        });
    }

    void connection_lost(const std::string& reason) {
        common::log_fields(common::LogLevel::warn, "Jupyter kernel connection lost",
                           {{"kernel", kernel_id_}, {"reason", reason}});
        drop(reason);
        if (state_ != State::closed) {
            set_state(State::idle);
            schedule_retry();
        }
    }

    // Forgets the socket and tells every pending listener why.
    void drop(const std::string& reason) {
        ++generation_;
        if (ws_) {
            beast::error_code ignored;
            beast::get_lowest_layer(*ws_).socket().close(ignored);
            ws_.reset();
        }
        writing_ = false;
        outbox_.clear();
        read_buffer_.consume(read_buffer_.size());
        fail_listeners(reason);
    }

    void fail_listeners(const std::string& reason) {
        auto listeners = std::move(listeners_);
        listeners_.clear();
        for (auto& [id, listener] : listeners) {
            listener->on_lost(reason);
        }
    }

    net::io_context& io_;
    const JupyterEndpoint endpoint_;
    const std::string kernel_id_;
    State state_ = State::idle;
    std::atomic<bool> open_{false};
    uint64_t generation_ = 0;  // callbacks of an older socket see a different value and do nothing
    std::unique_ptr<tcp::resolver> resolver_;
    std::unique_ptr<websocket::stream<beast::tcp_stream>> ws_;
    std::unique_ptr<websocket::response_type> handshake_response_;
    beast::flat_buffer read_buffer_;
    std::deque<std::string> outbox_;
    bool writing_ = false;
    std::map<std::string, std::shared_ptr<KernelListener>> listeners_;
    std::vector<ConnectDone> waiters_;
    net::steady_timer retry_timer_;
    std::chrono::milliseconds retry_delay_ = kFirstRetry;
};

}  // namespace

struct KernelChannels::Impl {
    JupyterEndpoint endpoint;
    net::io_context io;
    net::executor_work_guard<net::io_context::executor_type> work = net::make_work_guard(io);
    std::thread thread;
};

KernelChannels::KernelChannels(JupyterEndpoint endpoint) : impl_(std::make_unique<Impl>()) {
    impl_->endpoint = std::move(endpoint);
    impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
}

KernelChannels::~KernelChannels() {
    impl_->work.reset();
    impl_->io.stop();
    impl_->thread.join();
}

std::shared_ptr<KernelChannel> KernelChannels::open(const std::string& kernel_id) {
    return std::make_shared<WebSocketChannel>(impl_->io, impl_->endpoint, kernel_id);
}

}  // namespace execd::jupyter
