#include "api/file_watch_frames.hpp"

#include <chrono>

#include "common/log.hpp"

namespace execd::api {
namespace {

using files::WatchChange;

std::string_view watch_type_name(WatchChange change) {
    switch (change) {
        case WatchChange::created:
            return "create";
        case WatchChange::modified:
            return "modify";
        case WatchChange::deleted:
            return "delete";
        case WatchChange::moved:
            return "move";
        case WatchChange::overflowed:
            return "overflow";
        case WatchChange::unwatched:
            return "error";
        case WatchChange::root_gone:
            return "end";
    }
    return "error";
}

// `fields` is the JSON between "type" and "timestamp": empty or starting with a comma.
std::string sse_frame(std::string_view type, std::string_view fields, int64_t unix_ms) {
    std::string frame = "event: ";
    frame += type;
    frame += "\ndata: {\"type\":\"";
    frame += type;
    frame += '"';
    frame += fields;
    frame += ",\"timestamp\":" + std::to_string(unix_ms) + "}\n\n";
    return frame;
}

void append_string_field(std::string& out, std::string_view name, std::string_view value) {
    out += ",\"";
    out += name;
    out += "\":";
    common::append_json_string(out, value);
}

std::string change_fields(const files::WatchEvent& event) {
    std::string fields;
    switch (event.change) {
        case WatchChange::overflowed:
            return ",\"source\":\"kernel\"";
        case WatchChange::unwatched:
            append_string_field(fields, "path", event.path);
            append_string_field(fields, "message", event.detail);
            return fields;
        case WatchChange::root_gone:
            return ",\"reason\":\"deleted\"";
        default:
            break;
    }
    append_string_field(fields, "path", event.path);
    if (event.change == WatchChange::moved) {
        append_string_field(fields, "from", event.from);
    }
    fields += event.is_dir ? ",\"is_dir\":true" : ",\"is_dir\":false";
    return fields;
}

}  // namespace

int64_t watch_unix_ms_now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string watch_event_frame(const files::WatchEvent& event, int64_t unix_ms) {
    return sse_frame(watch_type_name(event.change), change_fields(event), unix_ms);
}

std::string watch_overflow_frame(std::size_t dropped, int64_t unix_ms) {
    return sse_frame("overflow", ",\"dropped\":" + std::to_string(dropped) + ",\"source\":\"queue\"",
                     unix_ms);
}

std::string watch_end_frame(std::string_view reason, int64_t unix_ms) {
    std::string fields;
    append_string_field(fields, "reason", reason);
    return sse_frame("end", fields, unix_ms);
}

}  // namespace execd::api
