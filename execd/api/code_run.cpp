#include "api/code_run.hpp"

#include <nlohmann/json.hpp>

#include "telemetry/operation_metrics.hpp"

namespace execd::api {
namespace {

using nlohmann::json;

http::StreamEvent make_event(std::string type) {
    http::StreamEvent event;
    event.type = std::move(type);
    event.timestamp = http::unix_millis_now();
    return event;
}

std::string text_of(const json& value) {
    if (value.is_string()) {
        return value.get<std::string>();
    }
    if (value.is_array()) {  // multi-line strings are sometimes sent as lists of lines
        std::string joined;
        for (const auto& part : value) {
            if (part.is_string()) {
                joined += part.get<std::string>();
            }
        }
        return joined;
    }
    return {};
}

// Upstream's result object: the MIME bundle with text/plain renamed to text.
std::string results_json(const json& data) {
    json results = json::object();
    for (const auto& [mime, value] : data.items()) {
        results[mime == "text/plain" ? "text" : mime] = value;
    }
    return results.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::vector<http::StreamEvent> result_events(const json& content) {
    std::vector<http::StreamEvent> events;
    const int64_t count = content.value("execution_count", json()).is_number_integer()
                              ? content["execution_count"].get<int64_t>()
                              : 0;
    if (count > 0) {
        auto event = make_event("execution_count");
        event.execution_count = count;
        events.push_back(std::move(event));
    }
    const auto data = content.find("data");
    if (data != content.end() && data->is_object() && !data->empty()) {
        auto event = make_event("result");
        event.results_json = results_json(*data);
        events.push_back(std::move(event));
    }
    return events;
}

std::vector<http::StreamEvent> error_events(const json& content) {
    auto status = make_event("status");
    status.text = "error";
    http::EventError error;
    error.ename = text_of(content.value("ename", json()));
    error.evalue = text_of(content.value("evalue", json()));
    std::vector<std::string> traceback;
    const auto lines = content.find("traceback");
    if (lines != content.end() && lines->is_array()) {
        for (const auto& line : *lines) {
            traceback.push_back(text_of(line));
        }
    }
    error.traceback = std::move(traceback);
    return {std::move(status), http::StreamEvent::failure(std::move(error))};
}

}  // namespace

CodeRun::CodeRun(std::shared_ptr<CodeRunSink> sink, Ended ended, std::chrono::steady_clock::time_point sent)
    : sink_(std::move(sink)), ended_(std::move(ended)), sent_(sent) {}

std::vector<http::StreamEvent> CodeRun::events_for(const jupyter::KernelMessage& message) {
    const std::string& type = message.msg_type;
    const json& content = message.content;
    if (type == "stream") {
        const bool is_stderr = content.value("name", json()) == "stderr";
        return {http::StreamEvent::output(is_stderr, text_of(content.value("text", json())))};
    }
    if (type == "execute_result" || type == "display_data" || type == "update_display_data") {
        return result_events(content);
    }
    if (type == "error") {
        return error_events(content);
    }
    return {};
}

void CodeRun::on_message(const jupyter::KernelMessage& message) {
    if (ended_already_) {
        return;
    }
    auto events = events_for(message);
    error_seen_ = error_seen_ || message.msg_type == "error";
    if (message.msg_type == "execute_reply") {
        reply_seen_ = true;
    } else if (message.msg_type == "status" && message.content.value("execution_state", json()) == "idle") {
        idle_seen_ = true;
    }
    end_if_complete(std::move(events));
}

void CodeRun::end_if_complete(std::vector<http::StreamEvent> events) {
    if (!idle_seen_ || !reply_seen_) {
        if (!events.empty()) {
            sink_->send(std::move(events));
        }
        return;
    }
    ended_already_ = true;
    telemetry::record_execution(telemetry::Execution::run_code, !error_seen_, sent_);
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - sent_);
    ended_();  // first: a client that reads the end may send its next run at once
    sink_->finish(std::move(events), http::StreamEvent::complete(elapsed.count()));
}

void CodeRun::on_lost(const std::string& reason) {
    if (ended_already_) {
        return;
    }
    ended_already_ = true;
    telemetry::record_execution(telemetry::Execution::run_code, false, sent_);
    ended_();
    sink_->fail(reason);
}

}  // namespace execd::api
