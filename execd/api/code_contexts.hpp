#pragma once

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "jupyter/jupyter_rest.hpp"
#include "jupyter/kernel_channel.hpp"

namespace execd::api {

// A request about code contexts that cannot be served: the HTTP status, upstream's error code and the
// message (without the endpoint's prefix).
class CodeFailure : public std::runtime_error {
  public:
    CodeFailure(int status, std::string code, const std::string& message)
        : std::runtime_error(message), status_(status), code_(std::move(code)) {}
    int status() const { return status_; }
    const std::string& code() const { return code_; }

  private:
    int status_;
    std::string code_;
};

// One Jupyter session (kernel) handed out to clients; its id is Jupyter's session id.
struct CodeContext {
    std::string id;
    std::string language;
    std::string cwd;
    std::string kernel_id;
    std::string client_session;  // the "session" of the messages execd sends to the kernel
    std::shared_ptr<jupyter::KernelChannel> channel;
    std::atomic<bool> busy{false};
};

struct CodeContextsOptions {
    std::string jupyter_host;  // upstream's --jupyter-host; empty: not configured
    std::string jupyter_token;
    // How long creating a context keeps retrying failures that may pass (Jupyter starting, 5xx).
    std::chrono::milliseconds create_budget{std::chrono::seconds(30)};
    std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
};

// The contexts execd knows, the default context of each language and the Jupyter clients. Methods
// that talk to Jupyter block: call them on a worker. They throw CodeFailure.
class CodeContexts {
  public:
    explicit CodeContexts(CodeContextsOptions options);
    ~CodeContexts();
    CodeContexts(const CodeContexts&) = delete;
    CodeContexts& operator=(const CodeContexts&) = delete;

    // Throws CodeFailure (400) when Jupyter is not configured or `language` is not a kernel language.
    void check_language(const std::string& language) const;
    std::shared_ptr<CodeContext> create(const std::string& language, const std::string& cwd);
    // The language's default context, created on first use; concurrent first calls share one creation.
    std::shared_ptr<CodeContext> default_for(const std::string& language);
    // Stops handing out `context` as its language's default (its kernel is gone).
    void retire_default(const std::shared_ptr<CodeContext>& context);
    // Opens the context's kernel connection if needed; nullopt once it is open.
    std::optional<jupyter::ChannelError> connect(const CodeContext& context) const;

    std::shared_ptr<CodeContext> find(const std::string& id) const;
    // Without waiting: the context a run would use (`id`, or the language's default once created)
    // when its kernel connection is open; nullptr otherwise.
    std::shared_ptr<CodeContext> ready(const std::string& id, const std::string& language) const;
    // Every context, or those of one language, oldest first.
    std::vector<std::shared_ptr<CodeContext>> list(const std::string& language) const;
    // Deletes the Jupyter session and forgets the context; false if the id is unknown.
    bool remove(const std::string& id);
    void remove_language(const std::string& language);
    void interrupt(const CodeContext& context) const;

  private:
    std::shared_ptr<CodeContext> create_once(const std::string& kernel_name, const std::string& language,
                                             const std::string& cwd);
    std::string kernelspec_for(const std::string& language) const;
    void forget(const std::string& id);

    CodeContextsOptions options_;
    std::string unavailable_;  // why Jupyter cannot be used, or empty
    std::unique_ptr<jupyter::JupyterRest> rest_;
    std::unique_ptr<jupyter::KernelChannels> channels_;  // declared before the contexts: outlives them

    mutable std::mutex mutex_;
    std::vector<std::shared_ptr<CodeContext>> contexts_;
    std::map<std::string, std::shared_future<std::shared_ptr<CodeContext>>> defaults_;
};

}  // namespace execd::api
