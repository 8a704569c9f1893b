#include "api/code_contexts.hpp"

#include <algorithm>
#include <thread>

#include "common/config.hpp"
#include "common/log.hpp"
#include "http/response.hpp"
#include "jupyter/kernelspec_selection.hpp"
#include "process/execution_id.hpp"

namespace execd::api {
namespace {

using http::error_code::kInvalidRequestBody;
using http::error_code::kRuntimeError;
constexpr std::string_view kNotSupported = "NOT_SUPPORTED";

bool is_non_kernel_language(const std::string& language) {
    return language == "command" || language == "background-command";
}

}  // namespace

CodeContexts::CodeContexts(CodeContextsOptions options) : options_(std::move(options)) {
    if (options_.jupyter_host.empty() || options_.jupyter_token.empty()) {
        unavailable_ = "language runtime server not configured, please check your image runtime";
        return;
    }
    auto endpoint = jupyter::parse_jupyter_endpoint(options_.jupyter_host, options_.jupyter_token);
    if (auto* error = std::get_if<std::string>(&endpoint)) {
        unavailable_ = *error;
        return;
    }
    rest_ = std::make_unique<jupyter::JupyterRest>(std::get<jupyter::JupyterEndpoint>(endpoint));
    channels_ = std::make_unique<jupyter::KernelChannels>(std::get<jupyter::JupyterEndpoint>(endpoint));
}

CodeContexts::~CodeContexts() {
    std::lock_guard lock(mutex_);
    for (const auto& context : contexts_) {
        context->channel->close();
    }
}

void CodeContexts::check_language(const std::string& language) const {
    if (language.empty()) {
        throw CodeFailure(400, std::string(kInvalidRequestBody), "language is required");
    }
    if (language == "sql") {
        throw CodeFailure(400, std::string(kNotSupported), "language sql has no code contexts");
    }
    if (is_non_kernel_language(language)) {
        throw CodeFailure(400, std::string(kInvalidRequestBody), "unknown language: " + language);
    }
    if (!unavailable_.empty()) {
        throw CodeFailure(400, std::string(kNotSupported), unavailable_);
    }
}

std::string CodeContexts::kernelspec_for(const std::string& language) const {
    const auto name = jupyter::choose_kernelspec(rest_->kernelspecs(), language);
    if (!name) {
        throw CodeFailure(400, std::string(kInvalidRequestBody), "unknown language: " + language);
    }
    return *name;
}

std::shared_ptr<CodeContext> CodeContexts::create(const std::string& language, const std::string& cwd) {
    check_language(language);
    const auto deadline = std::chrono::steady_clock::now() + options_.create_budget;
    auto delay = std::chrono::milliseconds(250);
    while (true) {
        try {
            return create_once(kernelspec_for(language), language, cwd);
        } catch (const jupyter::JupyterError& error) {
            if (!error.transient() || std::chrono::steady_clock::now() + delay > deadline) {
                throw CodeFailure(500, std::string(kRuntimeError), error.what());
            }
            common::log_fields(common::LogLevel::info, "retrying code context creation",
                               {{"language", language}, {"reason", error.what()}});
        }
        std::this_thread::sleep_for(delay);
        delay = std::min(delay * 3 / 2, std::chrono::milliseconds(2000));
    }
}

std::shared_ptr<CodeContext> CodeContexts::create_once(const std::string& kernel_name,
                                                       const std::string& language, const std::string& cwd) {
    const std::string name = process::new_execution_id();
    const jupyter::JupyterSession session = rest_->create_session(kernel_name, name + ".ipynb", name);
    auto context = std::make_shared<CodeContext>();
    context->id = session.id;
    context->language = language;
    context->cwd = cwd;
    context->kernel_id = session.kernel_id;
    context->client_session = jupyter::new_uuid();
    context->channel = channels_->open(session.kernel_id);
    if (const auto error = connect(*context)) {
        context->channel->close();
        try {
            rest_->delete_session(session.id);
        } catch (const jupyter::JupyterError&) {
        }
        throw jupyter::JupyterError(error->message, !error->kernel_gone);
    }
    std::lock_guard lock(mutex_);
    contexts_.push_back(context);
    common::log_fields(common::LogLevel::info, "code context created",
                       {{"id", context->id}, {"language", language}, {"kernel", kernel_name}});
    return context;
}

std::shared_ptr<CodeContext> CodeContexts::default_for(const std::string& language) {
    check_language(language);
    std::promise<std::shared_ptr<CodeContext>> promise;
    std::shared_future<std::shared_ptr<CodeContext>> future;
    bool creator = false;
    {
        std::lock_guard lock(mutex_);
        auto found = defaults_.find(language);
        if (found == defaults_.end()) {
            future = promise.get_future().share();
            defaults_.emplace(language, future);
            creator = true;
        } else {
            future = found->second;
        }
    }
    if (creator) {
        try {
            promise.set_value(create(language, ""));
        } catch (...) {
            promise.set_exception(std::current_exception());
            std::lock_guard lock(mutex_);
            defaults_.erase(language);
        }
    }
    return future.get();
}

void CodeContexts::retire_default(const std::shared_ptr<CodeContext>& context) {
    forget(context->id);
}

std::optional<jupyter::ChannelError> CodeContexts::connect(const CodeContext& context) const {
    auto outcome = std::make_shared<std::promise<std::optional<jupyter::ChannelError>>>();
    auto future = outcome->get_future();
    context.channel->connect(
        [outcome](std::optional<jupyter::ChannelError> error) { outcome->set_value(error); });
    if (future.wait_for(options_.connect_timeout) != std::future_status::ready) {
        return jupyter::ChannelError{"timed out connecting to kernel " + context.kernel_id, false};
    }
    return future.get();
}

std::shared_ptr<CodeContext> CodeContexts::find(const std::string& id) const {
    std::lock_guard lock(mutex_);
    for (const auto& context : contexts_) {
        if (context->id == id) {
            return context;
        }
    }
    return nullptr;
}

std::shared_ptr<CodeContext> CodeContexts::ready(const std::string& id, const std::string& language) const {
    std::shared_ptr<CodeContext> context;
    if (!id.empty()) {
        context = find(id);
    } else {
        std::lock_guard lock(mutex_);
        const auto found = defaults_.find(language);
        if (found != defaults_.end() &&
            found->second.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
            try {
                context = found->second.get();
            } catch (...) {
            }
        }
    }
    return context && context->channel->is_open() ? context : nullptr;
}

std::vector<std::shared_ptr<CodeContext>> CodeContexts::list(const std::string& language) const {
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<CodeContext>> selected;
    for (const auto& context : contexts_) {
        if (language.empty() || context->language == language) {
            selected.push_back(context);
        }
    }
    return selected;
}

bool CodeContexts::remove(const std::string& id) {
    const auto context = find(id);
    if (!context) {
        return false;
    }
    try {
        rest_->delete_session(id);
    } catch (const jupyter::JupyterError& error) {
        throw CodeFailure(500, std::string(kRuntimeError), error.what());
    }
    forget(id);
    return true;
}

void CodeContexts::remove_language(const std::string& language) {
    for (const auto& context : list(language)) {
        remove(context->id);
    }
}

void CodeContexts::forget(const std::string& id) {
    std::lock_guard lock(mutex_);
    const auto found = std::find_if(contexts_.begin(), contexts_.end(),
                                    [&](const auto& context) { return context->id == id; });
    if (found == contexts_.end()) {
        return;
    }
    const auto context = *found;
    contexts_.erase(found);
    context->channel->close();
    const auto default_entry = defaults_.find(context->language);
    if (default_entry != defaults_.end() &&
        default_entry->second.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
        try {
            if (default_entry->second.get() == context) {
                defaults_.erase(default_entry);
            }
        } catch (...) {
        }
    }
}

void CodeContexts::interrupt(const CodeContext& context) const {
    try {
        rest_->interrupt_kernel(context.kernel_id);
    } catch (const jupyter::JupyterError& error) {
        throw CodeFailure(500, std::string(kRuntimeError), error.what());
    }
}

}  // namespace execd::api
