#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace execd::http {

// The "error" member of an error event. A missing traceback is written as null, as upstream does.
struct EventError {
    std::string ename;
    std::string evalue;
    std::optional<std::vector<std::string>> traceback;
};

// One event of upstream's stream protocol. Fields are written in upstream's order (eid, type, text,
// execution_count, execution_time, timestamp, results, error), each omitted when empty or zero.
struct StreamEvent {
    int64_t eid = 0;  // the event's place in its execution, for resumption (upstream PR #583)
    std::string type;
    std::string text;
    int64_t execution_count = 0;
    int64_t execution_time = 0;  // milliseconds
    int64_t timestamp = 0;       // Unix milliseconds
    std::string results_json;    // an already serialised JSON object, or empty
    std::optional<EventError> error;

    static StreamEvent init(std::string id);
    static StreamEvent ping();
    static StreamEvent output(bool is_stderr, std::string line);
    static StreamEvent complete(int64_t execution_time_ms);
    static StreamEvent failure(EventError error);
};

// Current time as Unix milliseconds.
int64_t unix_millis_now();

// The event as one JSON line, without the trailing blank line.
std::string to_json(const StreamEvent& event);

// Appends what frame_event() gives for StreamEvent::output(is_stderr, line) with `eid` at `timestamp`,
// without building the event: the per-line path of command output.
void append_output_frame(std::string& out, int64_t eid, bool is_stderr, std::string_view line,
                         int64_t timestamp);

// What goes on the wire for one event: the JSON followed by "\n\n".
std::string frame_event(const StreamEvent& event);

}  // namespace execd::http
