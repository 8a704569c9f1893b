#include "api/command_json.hpp"

#include <time.h>

#include <cstdio>

#include "common/log.hpp"

namespace execd::api {

std::string format_rfc3339_nano(std::chrono::system_clock::time_point time) {
    const auto since_epoch = time.time_since_epoch();
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
    const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - seconds).count();
    const time_t whole = static_cast<time_t>(seconds.count());
    tm local{};
    ::localtime_r(&whole, &local);
    char date[32];
    std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &local);
    std::string text = date;
    if (nanos != 0) {
        char fraction[16];
        std::snprintf(fraction, sizeof fraction, ".%09lld", static_cast<long long>(nanos));
        std::string digits = fraction;
        while (digits.back() == '0') {
            digits.pop_back();
        }
        text += digits;
    }
    const long offset = local.tm_gmtoff;
    if (offset == 0) {
        return text + "Z";
    }
    char zone[48];
    const long magnitude = offset < 0 ? -offset : offset;
    std::snprintf(zone, sizeof zone, "%c%02ld:%02ld", offset < 0 ? '-' : '+', magnitude / 3600,
                  (magnitude % 3600) / 60);
    return text + zone;
}

std::string command_status_json(const process::CommandState& state) {
    std::string out = "{\"id\":";
    common::append_json_string(out, state.id);
    if (!state.content.empty()) {
        out += ",\"content\":";
        common::append_json_string(out, state.content);
    }
    out += state.running ? ",\"running\":true" : ",\"running\":false";
    if (state.exit_code) {
        out += ",\"exit_code\":" + std::to_string(*state.exit_code);
    }
    if (!state.error.empty()) {
        out += ",\"error\":";
        common::append_json_string(out, state.error);
    }
    out += ",\"started_at\":\"" + format_rfc3339_nano(state.started_at) + "\"";
    if (state.finished_at) {
        out += ",\"finished_at\":\"" + format_rfc3339_nano(*state.finished_at) + "\"";
    }
    out += '}';
    return out;
}

}  // namespace execd::api
