#include "api/pty_websocket_client.hpp"

#include <utility>

#include "api/pty_frames.hpp"

namespace execd::api {

PtyWebSocketClient::PtyWebSocketClient(std::shared_ptr<pty::PtySession> session, uint64_t ticket,
                                       pty::PtyMode mode, uint64_t since, process::WorkerPool& workers)
    : session_(std::move(session)), ticket_(ticket), mode_(mode), since_(since), workers_(workers) {}

void PtyWebSocketClient::on_open(const std::shared_ptr<http::WebSocketConnection>& connection) {
    connection_ = connection;
    workers_.post([self = shared_from_this()] {
        if (const auto error = self->session_->ensure_started(self->mode_)) {
            self->send_error_and_close(*error, pty_frame::kStartFailed);
            return;
        }
        self->attach();
    });
}

void PtyWebSocketClient::attach() {
    std::lock_guard lock(input_mutex_);
    if (!session_->attach(ticket_, shared_from_this(), since_)) {
        close(pty_frame::kCloseTakenOver, std::string(pty_frame::kTakenOver));
        return;
    }
    attached_ = true;
    if (!early_input_.empty() && !session_->write_input(std::exchange(early_input_, std::string()))) {
        hold_back_input();  // still held back (or again): the session reports when it drained
    }
}

// Input is written in arrival order; when the session has more waiting than it wants, the client's
// next messages stay in TCP until the session reports the queue drained.
void PtyWebSocketClient::write_input(std::string bytes) {
    std::lock_guard lock(input_mutex_);
    if (!attached_) {
        early_input_ += bytes;
        if (early_input_.size() > pty::PtySession::kInputHighWater) {
            hold_back_input();
        }
        return;
    }
    if (!session_->write_input(std::move(bytes))) {
        hold_back_input();
    }
}

// The session may have drained the queue, and said so, between write_input() and the pause: then
// nothing would ever resume reading. Asked after the pause, the session either still holds the
// input back (its input_drained() comes later) or resumes here.
void PtyWebSocketClient::hold_back_input() const {
    if (const auto connection = connection_.lock()) {
        connection->pause_reading();
        if (attached_ && !session_->input_held_back()) {
            connection->resume_reading();
        }
    }
}

void PtyWebSocketClient::input_drained() {
    if (const auto connection = connection_.lock()) {
        connection->resume_reading();
    }
}

void PtyWebSocketClient::on_message(bool binary, std::string payload) {
    if (!binary) {
        on_text(payload);
        return;
    }
    if (payload.size() > 1 && payload[0] == pty_frame::kStdin) {
        write_input(payload.substr(1));
    }
}

void PtyWebSocketClient::on_text(const std::string& text) {
    const auto frame = parse_client_text_frame(text);
    if (const auto* stdin_frame = std::get_if<StdinFrame>(&frame)) {
        if (!stdin_frame->data.empty()) {
            write_input(stdin_frame->data);
        }
    } else if (const auto* resize = std::get_if<ResizeFrame>(&frame)) {
        session_->resize(resize->size);  // a no-op in pipe mode, as upstream
    } else if (const auto* signal = std::get_if<SignalFrame>(&frame)) {
        session_->send_signal(signal->signal);
    } else if (std::holds_alternative<PingFrame>(frame)) {
        send(false, pty_frame::pong());
    } else if (const auto* invalid = std::get_if<InvalidFrame>(&frame)) {
        send(false, pty_frame::error(invalid->message, pty_frame::kInvalidFrame));
    }
}

void PtyWebSocketClient::on_closed() {
    session_->release(ticket_);
}

void PtyWebSocketClient::replay(uint64_t start, std::string_view bytes) {
    send(true, pty_frame::replay(start, bytes));
}

void PtyWebSocketClient::connected(pty::PtyMode mode) {
    send(false, pty_frame::connected(session_->id(), mode));
}

void PtyWebSocketClient::output(bool is_stderr, std::string_view bytes) {
    send(true, pty_frame::output(is_stderr, bytes));
}

void PtyWebSocketClient::exited(int exit_code) {
    send(false, pty_frame::exit(exit_code));
    close(pty_frame::kCloseNormal, "process exited");
}

void PtyWebSocketClient::taken_over() {
    close(pty_frame::kCloseTakenOver, std::string(pty_frame::kTakenOver));
}

void PtyWebSocketClient::session_gone() {
    send_error_and_close("pty session " + session_->id() + " was deleted", pty_frame::kSessionGone);
}

void PtyWebSocketClient::input_failed(std::string_view message) {
    send_error_and_close("write to stdin: " + std::string(message), pty_frame::kStdinWriteFailed);
}

bool PtyWebSocketClient::backlogged() const {
    const auto connection = connection_.lock();
    return connection && connection->queued_bytes() > kBacklogBytes;
}

void PtyWebSocketClient::send_error_and_close(std::string_view message, std::string_view code) {
    send(false, pty_frame::error(message, code));
    close(pty_frame::kCloseInternalError, std::string(code));
}

void PtyWebSocketClient::send(bool binary, std::string payload) const {
    if (const auto connection = connection_.lock()) {
        connection->send(binary, std::move(payload));
    }
}

void PtyWebSocketClient::close(uint16_t code, std::string reason) const {
    if (const auto connection = connection_.lock()) {
        connection->close(code, std::move(reason));
    }
}

}  // namespace execd::api
