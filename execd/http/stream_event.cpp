#include "http/stream_event.hpp"

#include <charconv>
#include <chrono>
#include <iterator>

#include "common/log.hpp"

namespace execd::http {

int64_t unix_millis_now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

StreamEvent StreamEvent::init(std::string id) {
    StreamEvent event;
    event.type = "init";
    event.text = std::move(id);
    event.timestamp = unix_millis_now();
    return event;
}

StreamEvent StreamEvent::ping() {
    StreamEvent event;
    event.type = "ping";
    event.text = "pong";
    event.timestamp = unix_millis_now();
    return event;
}

StreamEvent StreamEvent::output(bool is_stderr, std::string line) {
    StreamEvent event;
    event.type = is_stderr ? "stderr" : "stdout";
    event.text = std::move(line);
    event.timestamp = unix_millis_now();
    return event;
}

StreamEvent StreamEvent::complete(int64_t execution_time_ms) {
    StreamEvent event;
    event.type = "execution_complete";
    event.execution_time = execution_time_ms;
    event.timestamp = unix_millis_now();
    return event;
}

StreamEvent StreamEvent::failure(EventError error) {
    StreamEvent event;
    event.type = "error";
    event.timestamp = unix_millis_now();
    event.error = std::move(error);
    return event;
}

namespace {

void append_error(std::string& out, const EventError& error) {
    out += ",\"error\":{\"ename\":";
    common::append_json_string(out, error.ename);
    out += ",\"evalue\":";
    common::append_json_string(out, error.evalue);
    out += ",\"traceback\":";
    if (!error.traceback) {
        out += "null";
    } else {
        out += '[';
        for (std::size_t i = 0; i < error.traceback->size(); ++i) {
            if (i > 0) {
                out += ',';
            }
            common::append_json_string(out, (*error.traceback)[i]);
        }
        out += ']';
    }
    out += '}';
}

// Without a temporary string: this runs for every output line.
void append_decimal(std::string& out, int64_t value) {
    char digits[24];
    out.append(std::begin(digits), std::to_chars(std::begin(digits), std::end(digits), value).ptr);
}

void append_eid(std::string& out, int64_t eid) {
    if (eid != 0) {
        out += "\"eid\":";
        append_decimal(out, eid);
        out += ',';
    }
}

}  // namespace

std::string to_json(const StreamEvent& event) {
    std::string out = "{";
    append_eid(out, event.eid);
    out += "\"type\":";
    common::append_json_string(out, event.type);
    if (!event.text.empty()) {
        out += ",\"text\":";
        common::append_json_string(out, event.text);
    }
    if (event.execution_count != 0) {
        out += ",\"execution_count\":" + std::to_string(event.execution_count);
    }
    if (event.execution_time != 0) {
        out += ",\"execution_time\":" + std::to_string(event.execution_time);
    }
    if (event.timestamp != 0) {
        out += ",\"timestamp\":" + std::to_string(event.timestamp);
    }
    if (!event.results_json.empty()) {
        out += ",\"results\":" + event.results_json;
    }
    if (event.error) {
        append_error(out, *event.error);
    }
    out += '}';
    return out;
}

void append_output_frame(std::string& out, int64_t eid, bool is_stderr, std::string_view line,
                         int64_t timestamp) {
    out += '{';
    append_eid(out, eid);
    out += is_stderr ? R"("type":"stderr")" : R"("type":"stdout")";
    if (!line.empty()) {
        out += ",\"text\":";
        common::append_json_string(out, line);
    }
    out += ",\"timestamp\":";
    append_decimal(out, timestamp);
    out += "}\n\n";
}

std::string frame_event(const StreamEvent& event) {
    return to_json(event) + "\n\n";
}

}  // namespace execd::http
