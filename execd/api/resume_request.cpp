#include "api/resume_request.hpp"

#include "common/config.hpp"

namespace execd::api {
namespace {

std::variant<int64_t, std::string> event_id(std::string_view text, const std::string& what) {
    const auto eid = common::parse_int(text);
    if (!eid || *eid < 0) {
        return "invalid " + what + ": " + std::string(text);
    }
    return *eid;
}

}  // namespace

std::variant<int64_t, std::string> resume_point(const http::Request& request) {
    if (const auto after = request.query_param("after_eid"); after && !after->empty()) {
        return event_id(*after, "query parameter 'after_eid'");
    }
    if (const auto last = request.header("Last-Event-ID"); last && !last->empty()) {
        return event_id(*last, "Last-Event-ID header");
    }
    return int64_t{0};
}

}  // namespace execd::api
