#include "api/code_api.hpp"

#include <nlohmann/json.hpp>

#include "api/code_request.hpp"
#include "api/code_run.hpp"
#include "api/resume_request.hpp"
#include "common/log.hpp"
#include "jupyter/kernel_message.hpp"
#include "telemetry/operation_metrics.hpp"

namespace execd::api {
namespace {

using http::error_code::kContextNotFound;
using http::error_code::kInvalidRequestBody;
using http::error_code::kMissingQuery;
using http::error_code::kRuntimeError;
using nlohmann::json;

http::Response failure_response(const CodeFailure& failure, const std::string& prefix) {
    return http::json_error(failure.status(), failure.code(), prefix + failure.what());
}

http::Response context_not_found(const std::string& id) {
    return http::json_error(404, kContextNotFound, "context " + id + " not found");
}

std::string context_json(const CodeContext& context) {
    return json{{"id", context.id}, {"language", context.language}}.dump();
}

// execution_count 1, then the result whose text is `text`, as upstream sends an SQL result.
std::vector<http::StreamEvent> sql_result_events(const std::string& text) {
    http::StreamEvent count;
    count.type = "execution_count";
    count.execution_count = 1;
    count.timestamp = http::unix_millis_now();
    http::StreamEvent result;
    result.type = "result";
    result.results_json = json{{"text", text}}.dump(-1, ' ', false, json::error_handler_t::replace);
    result.timestamp = count.timestamp;
    return {std::move(count), std::move(result)};
}

// Hands a run's events to its stream on the loop thread, in order.
class StreamSink : public CodeRunSink {
  public:
    StreamSink(std::shared_ptr<http::EventStream> stream, common::EventLoop& loop)
        : stream_(std::move(stream)), loop_(loop) {}

    void send(std::vector<http::StreamEvent> events) override {
        loop_.post([stream = stream_, events = std::move(events)] {
            for (const auto& event : events) {
                stream->send(event);
            }
        });
    }
    void finish(std::vector<http::StreamEvent> events, http::StreamEvent terminal) override {
        loop_.post([stream = stream_, events = std::move(events), terminal = std::move(terminal)] {
            for (const auto& event : events) {
                stream->send(event);
            }
            stream->end_with(terminal);
        });
    }
    void fail(std::string message) override {
        loop_.post([stream = stream_, message = std::move(message)] {
            stream->fail_in_band("error running codes " + message);
        });
    }

  private:
    std::shared_ptr<http::EventStream> stream_;
    common::EventLoop& loop_;
};

}  // namespace

CodeApi::CodeApi(CodeApiOptions options, CodeContexts& contexts, sql::SqlRuntime& sql, CommandApi& commands,
                 process::WorkerPool& workers, common::EventLoop& loop)
    : options_(options),
      contexts_(contexts),
      sql_(sql),
      commands_(commands),
      workers_(workers),
      loop_(loop),
      resumable_(options_.replay) {}

void CodeApi::register_routes(http::Router& router) {
    using namespace std::placeholders;
    router.add("POST", "/code/context", std::bind(&CodeApi::create_context, this, _1, _2));
    router.add("GET", "/code/contexts", std::bind(&CodeApi::list_contexts, this, _1, _2));
    router.add("DELETE", "/code/contexts", std::bind(&CodeApi::delete_language_contexts, this, _1, _2));
    router.add("GET", "/code/contexts/:contextId", std::bind(&CodeApi::get_context, this, _1, _2));
    router.add("DELETE", "/code/contexts/:contextId", std::bind(&CodeApi::delete_context, this, _1, _2));
    router.add("POST", "/code", std::bind(&CodeApi::run_code, this, _1, _2));
    router.add("DELETE", "/code", std::bind(&CodeApi::interrupt, this, _1, _2));
    router.add("GET", "/code/:id/resume", std::bind(&CodeApi::resume, this, _1, _2));
}

void CodeApi::create_context(http::Request& request, std::shared_ptr<http::ResponseChannel> channel) {
    auto parsed = parse_code_context_request(request.body);
    if (auto* error = std::get_if<std::string>(&parsed)) {
        channel->respond(http::json_error(400, kInvalidRequestBody, *error));
        return;
    }
    workers_.post([this, body = std::get<CodeContextRequest>(std::move(parsed)), channel] {
        try {
            const auto context = contexts_.create(body.language, body.cwd);
            json answer{{"id", context->id}, {"language", context->language}};
            if (!context->cwd.empty()) {
                answer["cwd"] = context->cwd;
            }
            channel->respond(http::json_response(200, answer.dump()));
        } catch (const CodeFailure& failure) {
            channel->respond(failure_response(failure, "error creating code context. "));
        }
    });
}

void CodeApi::list_contexts(http::Request& request, std::shared_ptr<http::ResponseChannel> channel) {
    const std::string language(request.query_param("language").value_or(""));
    if (language == "command" || language == "background-command" || language == "sql") {
        channel->respond(
            http::json_error(500, kRuntimeError, "unsupported language context operation: " + language));
        return;
    }
    json answer = json::array();
    for (const auto& context : contexts_.list(language)) {
        answer.push_back({{"id", context->id}, {"language", context->language}});
    }
    channel->respond(http::json_response(200, answer.dump()));
}

void CodeApi::get_context(http::Request& request, std::shared_ptr<http::ResponseChannel> channel) {
    const std::string& id = request.path_params.at("contextId");
    const auto context = contexts_.find(id);
    channel->respond(context ? http::json_response(200, context_json(*context)) : context_not_found(id));
}

void CodeApi::delete_context(http::Request& request, std::shared_ptr<http::ResponseChannel> channel) {
    const std::string id = request.path_params.at("contextId");
    if (!contexts_.find(id)) {
        channel->respond(context_not_found(id));
        return;
    }
    workers_.post([this, id, channel] {
        try {
            channel->respond(contexts_.remove(id) ? http::empty_ok() : context_not_found(id));
        } catch (const CodeFailure& failure) {
            channel->respond(failure_response(failure, "error deleting code context " + id + ". "));
        }
    });
}

void CodeApi::delete_language_contexts(http::Request& request,
                                       std::shared_ptr<http::ResponseChannel> channel) {
    const auto language = request.query_param("language");
    if (!language || language->empty()) {
        channel->respond(http::json_error(400, kMissingQuery, "missing query parameter 'language'"));
        return;
    }
    workers_.post([this, language = std::string(*language), channel] {
        try {
            contexts_.remove_language(language);
            channel->respond(http::empty_ok());
        } catch (const CodeFailure& failure) {
            channel->respond(failure_response(failure, "error deleting code context " + language + ". "));
        }
    });
}

void CodeApi::run_code(http::Request& request, std::shared_ptr<http::ResponseChannel> channel) {
    auto parsed = parse_code_request(request.body);
    if (auto* error = std::get_if<std::string>(&parsed)) {
        channel->respond(http::json_error(400, kInvalidRequestBody, *error));
        return;
    }
    auto body = std::get<CodeRequest>(std::move(parsed));
    if (body.language.empty() || body.language == "background-command") {
        CommandRequest command;
        command.command = body.code;
        command.background = !body.language.empty();
        commands_.run(std::move(command), std::move(channel));
        return;
    }
    if (body.language == "sql") {
        run_sql(std::move(body.code), std::move(channel));
        return;
    }
    try {
        contexts_.check_language(body.language);
    } catch (const CodeFailure& failure) {
        channel->respond(failure_response(failure, "error running codes "));
        return;
    }
    // The usual case needs no Jupyter call and starts here; otherwise a worker waits for Jupyter.
    if (const auto context = contexts_.ready(body.context_id, body.language)) {
        if (context->busy.exchange(true)) {
            channel->respond(http::json_error(409, kRuntimeError, "error running codes session is busy"));
            return;
        }
        start_run(context, body.code, channel);
        return;
    }
    workers_.post([this, body = std::move(body), channel] {
        try {
            start_run(claim_context(body.context_id, body.language), body.code, channel);
        } catch (const CodeFailure& failure) {
            channel->respond(failure_response(failure, "error running codes "));
        }
    });
}

// The context to run on, marked busy and with its kernel connection open. A default context whose
// kernel is gone (Jupyter restarted) is replaced by a new one.
std::shared_ptr<CodeContext> CodeApi::claim_context(const std::string& id, const std::string& language) {
    contexts_.check_language(language);
    for (int attempt = 0;; ++attempt) {
        auto context = id.empty() ? contexts_.default_for(language) : contexts_.find(id);
        if (!context) {
            throw CodeFailure(404, "CONTEXT_NOT_FOUND", "context " + id + " not found");
        }
        if (context->busy.exchange(true)) {
            throw CodeFailure(409, std::string(kRuntimeError), "session is busy");
        }
        const auto error = contexts_.connect(*context);
        if (!error) {
            return context;
        }
        context->busy = false;
        if (error->kernel_gone) {
            contexts_.retire_default(context);
            if (id.empty() && attempt == 0) {
                continue;
            }
        }
        throw CodeFailure(500, std::string(kRuntimeError), error->message);
    }
}

void CodeApi::start_run(const std::shared_ptr<CodeContext>& context, const std::string& code,
                        const std::shared_ptr<http::ResponseChannel>& channel) {
    auto stream = open_stream(channel, context->id);
    const std::string msg_id = jupyter::new_uuid();
    auto sink = std::make_shared<StreamSink>(stream, loop_);
    auto run = std::make_shared<CodeRun>(sink, [context, msg_id] {
        context->channel->forget(msg_id);
        context->busy = false;
    });
    loop_.post([stream, id = context->id] { stream->send(http::StreamEvent::init(id)); });
    context->channel->send_request(
        msg_id, jupyter::execute_request_message(msg_id, context->client_session, code), std::move(run));
}

void CodeApi::interrupt(http::Request& request, std::shared_ptr<http::ResponseChannel> channel) {
    const auto id = request.query_param("id");
    const auto context = id ? contexts_.find(std::string(*id)) : nullptr;
    if (!context) {
        commands_.interrupt(request, std::move(channel));
        return;
    }
    workers_.post([this, context, channel] {
        try {
            contexts_.interrupt(*context);
            channel->respond(http::empty_ok());
        } catch (const CodeFailure& failure) {
            channel->respond(failure_response(failure, "error interruptting code context. "));
        }
    });
}

// Upstream's SQL events: init (a random UUID), then execution_count 1, the result and
// execution_complete, or one error event.
void CodeApi::run_sql(std::string code, std::shared_ptr<http::ResponseChannel> channel) {
    const std::string id = jupyter::new_uuid();
    auto stream = open_stream(std::move(channel), id);
    loop_.post([stream, id] { stream->send(http::StreamEvent::init(id)); });
    const auto started = std::chrono::steady_clock::now();
    sql_.submit(std::move(code), [&loop = loop_, stream, started](sql::SqlOutcome outcome) {
        telemetry::record_execution(telemetry::Execution::run_code,
                                    std::holds_alternative<sql::SqlSuccess>(outcome), started);
        loop.post([stream, outcome = std::move(outcome)] {
            if (const auto* failure = std::get_if<sql::SqlFailure>(&outcome)) {
                stream->end_with(http::StreamEvent::failure({failure->ename, failure->evalue, std::nullopt}));
                return;
            }
            const auto& success = std::get<sql::SqlSuccess>(outcome);
            for (const auto& event : sql_result_events(success.text)) {
                stream->send(event);
            }
            stream->end_with(http::StreamEvent::complete(success.elapsed.count()));
        });
    });
}

std::shared_ptr<http::EventStream> CodeApi::open_stream(std::shared_ptr<http::ResponseChannel> channel,
                                                        const std::string& id) {
    http::EventStreamOptions stream_options;
    stream_options.ping_interval = options_.ping_interval;
    stream_options.grace = options_.stream_grace;
    auto stream =
        http::EventStream::create(std::move(channel), loop_, resumable_.stream_options(stream_options));
    if (resumable_.limits().bytes_per_execution > 0) {
        loop_.post([this, stream, id] { resumable_.add(id, stream); });
    }
    std::lock_guard lock(streams_mutex_);
    std::erase_if(streams_, [](const auto& weak) { return weak.expired(); });
    streams_.push_back(stream);
    return stream;
}

void CodeApi::resume(http::Request& request, std::shared_ptr<http::ResponseChannel> channel) {
    const std::string& id = request.path_params.at("id");
    if (commands_.has_command(id)) {
        commands_.resume(request, std::move(channel));
        return;
    }
    const auto after = resume_point(request);
    if (const auto* error = std::get_if<std::string>(&after)) {
        channel->respond(http::json_error(400, http::error_code::kInvalidRequestBody, *error));
        return;
    }
    loop_.post([this, id, after_eid = std::get<int64_t>(after), channel] {
        if (auto stream = resumable_.find(id)) {
            stream->resume(channel, after_eid, "code execution " + id);
            return;
        }
        channel->respond(
            http::json_error(404, http::error_code::kInvalidRequestBody,
                             "no code execution " + id + " to resume (" + resumable_.retention_text() + ")"));
    });
}

void CodeApi::cut_streams(const std::string& reason) {
    std::vector<std::shared_ptr<http::EventStream>> open;
    {
        std::lock_guard lock(streams_mutex_);
        for (const auto& weak : streams_) {
            if (auto stream = weak.lock()) {
                open.push_back(std::move(stream));
            }
        }
    }
    loop_.post([open = std::move(open), reason] {
        for (const auto& stream : open) {
            stream->fail_in_band(reason);
        }
    });
}

}  // namespace execd::api
