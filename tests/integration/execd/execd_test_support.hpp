#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "execd_process.hpp"
#include "http_test_client.hpp"

namespace execd_test {

// A finished /command stream.
struct CommandStream {
    HttpResponse response;
    std::vector<nlohmann::json> events;
};

inline std::vector<nlohmann::json> parse_events(const std::string& body) {
    std::vector<nlohmann::json> events;
    for (const auto& text : split_events(body)) {
        events.push_back(nlohmann::json::parse(text));
    }
    return events;
}

inline CommandStream run_command(uint16_t port, const nlohmann::json& body,
                                 const std::vector<std::string>& headers = {}) {
    CommandStream stream;
    stream.response = http_request(port, "POST", "/command", body.dump(), headers);
    if (stream.response.status == 200) {
        stream.events = parse_events(stream.response.body);
    }
    return stream;
}

// The text of every event of `type`, in order.
inline std::vector<std::string> texts_of(const std::vector<nlohmann::json>& events, const std::string& type) {
    std::vector<std::string> texts;
    for (const auto& event : events) {
        if (event["type"] == type) {
            texts.push_back(event.value("text", ""));
        }
    }
    return texts;
}

// The event JSON with its timestamp (and, for init, the id) replaced by fixed values, without its eid.
inline std::string normalized(nlohmann::json event) {
    event.erase("eid");
    event["timestamp"] = 0;
    if (event["type"] == "init") {
        event["text"] = "ID";
    }
    if (event.contains("execution_time")) {
        event["execution_time"] = 1;
    }
    return event.dump();
}

}  // namespace execd_test
