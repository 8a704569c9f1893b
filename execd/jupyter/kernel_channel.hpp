#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "jupyter/jupyter_endpoint.hpp"
#include "jupyter/kernel_message.hpp"

namespace execd::jupyter {

// Receives the messages that answer one request. Called on the Jupyter I/O thread, in arrival order.
class KernelListener {
  public:
    virtual ~KernelListener() = default;
    virtual void on_message(const KernelMessage& message) = 0;
    // The connection dropped (or never opened) before the listener was forgotten.
    virtual void on_lost(const std::string& reason) = 0;
};

// Why a connection could not be opened. `kernel_gone`: Jupyter no longer knows the kernel.
struct ChannelError {
    std::string message;
    bool kernel_gone = false;
};

// One WebSocket to one kernel (/api/kernels/{id}/channels), kept open and reopened when it drops.
// Incoming messages go to the listener registered under their parent_header.msg_id. Every method is
// thread-safe and returns at once.
class KernelChannel {
  public:
    using ConnectDone = std::function<void(std::optional<ChannelError> error)>;

    virtual ~KernelChannel() = default;
    // Opens the connection unless it is open; `done` runs on the I/O thread with the outcome.
    virtual void connect(ConnectDone done) = 0;
    // Sends a request and routes the messages answering `msg_id` to `listener` until forget(msg_id).
    // If the connection is not open, the listener gets on_lost at once.
    virtual void send_request(std::string msg_id, std::string message,
                              std::shared_ptr<KernelListener> listener) = 0;
    virtual void forget(std::string msg_id) = 0;
    // Closes for good; pending listeners get on_lost.
    virtual void close() = 0;
    // True while the WebSocket is open (a snapshot; any thread).
    virtual bool is_open() const = 0;
};

// The I/O thread shared by every kernel's WebSocket. Destroy it after every channel it made is closed
// or no longer used.
class KernelChannels {
  public:
    explicit KernelChannels(JupyterEndpoint endpoint);
    ~KernelChannels();
    KernelChannels(const KernelChannels&) = delete;
    KernelChannels& operator=(const KernelChannels&) = delete;

    // A channel for `kernel_id`; it connects on the first connect().
    std::shared_ptr<KernelChannel> open(const std::string& kernel_id);

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace execd::jupyter
