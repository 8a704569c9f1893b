#pragma once
// Picks the structured events (field opensandbox.event) out of a daemon's JSON log lines.
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace harness {

// The lines whose opensandbox.event is `event`; the version banner and other non-JSON lines are skipped.
inline std::vector<nlohmann::json> events_in(const std::string& log, const std::string& event) {
    std::vector<nlohmann::json> found;
    std::istringstream lines(log);
    for (std::string line; std::getline(lines, line);) {
        if (!line.starts_with('{')) {
            continue;
        }
        auto parsed = nlohmann::json::parse(line, nullptr, false);
        if (!parsed.is_discarded() && parsed.value("opensandbox.event", "") == event) {
            found.push_back(std::move(parsed));
        }
    }
    return found;
}

// The events of `event` about `host` (field target.host).
inline std::vector<nlohmann::json> events_for(const std::string& log, const std::string& event,
                                              const std::string& host) {
    std::vector<nlohmann::json> found;
    for (auto& line : events_in(log, event)) {
        if (line.value("target.host", "") == host) {
            found.push_back(std::move(line));
        }
    }
    return found;
}

}  // namespace harness
