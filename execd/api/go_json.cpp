#include "api/go_json.hpp"

#include <sstream>

#include "common/config.hpp"

namespace execd::api {

std::variant<nlohmann::json, std::string> read_first_json_value(std::string_view body) {
    if (common::trim(body).empty()) {
        return std::string("EOF");
    }
    std::istringstream stream{std::string(body)};
    nlohmann::json document;
    try {
        stream >> document;
    } catch (const nlohmann::json::parse_error& error) {
        return std::string(error.byte >= body.size() ? "unexpected EOF" : error.what());
    }
    return document;
}

std::string go_kind(const nlohmann::json& value) {
    switch (value.type()) {
        case nlohmann::json::value_t::string:
            return "string";
        case nlohmann::json::value_t::boolean:
            return "bool";
        case nlohmann::json::value_t::array:
            return "array";
        case nlohmann::json::value_t::object:
            return "object";
        default:
            return "number";
    }
}

}  // namespace execd::api
