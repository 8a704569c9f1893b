#include "jupyter/kernel_message.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>

namespace execd::jupyter {

using nlohmann::json;

std::optional<KernelMessage> parse_kernel_message(std::string_view text) {
    const json document = json::parse(text, nullptr, false);
    if (!document.is_object()) {
        return std::nullopt;
    }
    const auto header = document.find("header");
    if (header == document.end() || !header->is_object()) {
        return std::nullopt;
    }
    KernelMessage message;
    const auto type = header->find("msg_type");
    if (type != header->end() && type->is_string()) {
        message.msg_type = type->get<std::string>();
    }
    const auto parent = document.find("parent_header");
    if (parent != document.end() && parent->is_object()) {
        const auto id = parent->find("msg_id");
        if (id != parent->end() && id->is_string()) {
            message.parent_msg_id = id->get<std::string>();
        }
    }
    const auto content = document.find("content");
    if (content != document.end() && content->is_object()) {
        message.content = *content;
    }
    return message;
}

namespace {

std::string iso8601_now() {
    const auto now = std::chrono::system_clock::now();
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    std::array<char, 40> text{};
    const std::size_t length = std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%S", &utc);
    std::array<char, 16> fraction{};
    std::snprintf(fraction.data(), fraction.size(), ".%06lldZ", static_cast<long long>(micros));
    return std::string(text.data(), length) + fraction.data();
}

}  // namespace

std::string execute_request_message(const std::string& msg_id, const std::string& session,
                                    const std::string& code) {
    const json message = {
        {"header",
         {{"msg_id", msg_id},
          {"username", "execd"},
          {"session", session},
          {"date", iso8601_now()},
          {"msg_type", "execute_request"},
          {"version", "5.3"}}},
        {"parent_header", json::object()},
        {"metadata", json::object()},
        {"content",
         {{"code", code},
          {"silent", false},
          {"store_history", true},
          {"user_expressions", json::object()},
          {"allow_stdin", false},
          {"stop_on_error", true}}},
        {"buffers", json::array()},
        {"channel", "shell"},
    };
    return message.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string new_uuid() {
    thread_local std::mt19937_64 generator{std::random_device{}()};
    std::array<uint8_t, 16> bytes{};
    for (std::size_t i = 0; i < bytes.size(); i += 8) {
        const uint64_t value = generator();
        for (std::size_t j = 0; j < 8; ++j) {
            bytes[i + j] = static_cast<uint8_t>(value >> (8 * j));
        }
    }
    bytes[6] = static_cast<uint8_t>((bytes[6] & 0x0f) | 0x40);
    bytes[8] = static_cast<uint8_t>((bytes[8] & 0x3f) | 0x80);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string text;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            text += '-';
        }
        text += kHex[bytes[i] >> 4];
        text += kHex[bytes[i] & 0x0f];
    }
    return text;
}

}  // namespace execd::jupyter
