#include "common/log.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <ctime>

#include "common/config.hpp"

namespace common {
namespace {

// Fields of the log_fields() call currently being formatted on this thread. Formatting is synchronous
// (no async loggers), so the formatter runs on the logging thread while this is set.
thread_local std::string_view fields_being_logged;

class FieldsScope {
  public:
    explicit FieldsScope(std::string_view fields_json) { fields_being_logged = fields_json; }
    ~FieldsScope() { fields_being_logged = {}; }
    FieldsScope(const FieldsScope&) = delete;
    FieldsScope& operator=(const FieldsScope&) = delete;
};

// Length of the well-formed UTF-8 sequence starting at text[0], or 0 if it is malformed.
size_t utf8_sequence_length(std::string_view text) {
    const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(0);
    size_t length = 0;
    unsigned char second_min = 0x80;
    unsigned char second_max = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        second_min = lead == 0xE0 ? 0xA0 : 0x80;  // no overlong forms
        second_max = lead == 0xED ? 0x9F : 0xBF;  // no UTF-16 surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        second_min = lead == 0xF0 ? 0x90 : 0x80;
        second_max = lead == 0xF4 ? 0x8F : 0xBF;  // nothing above U+10FFFF
    } else {
        return 0;
    }
    if (text.size() < length || byte(1) < second_min || byte(1) > second_max) {
        return 0;
    }
    for (size_t i = 2; i < length; ++i) {
        if (byte(i) < 0x80 || byte(i) > 0xBF) {
            return 0;
        }
    }
    return length;
}

// Printable ASCII other than '"' and '\\' is copied as is.
bool needs_no_escape(char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte >= 0x20 && byte < 0x80 && c != '"' && c != '\\';
}

void append_escaped_ascii(std::string& out, char c) {
    switch (c) {
        case '"':
            out += "\\\"";
            return;
        case '\\':
            out += "\\\\";
            return;
        case '\n':
            out += "\\n";
            return;
        case '\r':
            out += "\\r";
            return;
        case '\t':
            out += "\\t";
            return;
        case '\b':
            out += "\\b";
            return;
        case '\f':
            out += "\\f";
            return;
        default:
            break;
    }
    if (static_cast<unsigned char>(c) < 0x20) {
        static constexpr char kHex[] = "0123456789abcdef";
        out += "\\u00";
        out += kHex[(c >> 4) & 0xF];
        out += kHex[c & 0xF];
        return;
    }
    out += c;
}

// ISO 8601 local time with milliseconds and zone, as zap's ISO8601TimeEncoder writes it. The part up to the
// seconds and the zone are cached per second because localtime_r is comparatively slow.
class TimestampFormatter {
  public:
    void append(std::string& out, std::chrono::system_clock::time_point time) {
        const auto since_epoch = time.time_since_epoch();
        const auto seconds = std::chrono::floor<std::chrono::seconds>(since_epoch);
        const auto milliseconds =
            std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds);
        if (seconds.count() != cached_second_) {
            refresh(seconds.count());
        }
        out += date_time_;
        char millis[5] = {'.', '0', '0', '0', '\0'};
        const auto ms = static_cast<int>(milliseconds.count());
        millis[1] = static_cast<char>('0' + ms / 100);
        millis[2] = static_cast<char>('0' + ms / 10 % 10);
        millis[3] = static_cast<char>('0' + ms % 10);
        out += millis;
        out += zone_;
    }

  private:
    void refresh(std::time_t second) {
        std::tm local{};
        localtime_r(&second, &local);
        char buffer[32];
        const size_t length = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &local);
        date_time_.assign(buffer, length);
        if (local.tm_gmtoff == 0) {
            zone_ = "Z";
        } else {
            const size_t zone_length = std::strftime(buffer, sizeof buffer, "%z", &local);
            zone_.assign(buffer, zone_length);
        }
        cached_second_ = second;
    }

    std::time_t cached_second_ = -1;
    std::string date_time_;
    std::string zone_;
};

class JsonLineFormatter final : public spdlog::formatter {
  public:
    explicit JsonLineFormatter(std::string root_fields_json)
        : root_fields_json_(std::move(root_fields_json)) {}

    void format(const spdlog::details::log_msg& message, spdlog::memory_buf_t& dest) override {
        line_.clear();
        line_ += "{\"level\":\"";
        line_ += log_level_json_name(message.level);
        line_ += "\",\"ts\":\"";
        timestamps_.append(line_, message.time);
        line_ += "\",\"logger\":";
        append_json_string(line_, std::string_view(message.logger_name.data(), message.logger_name.size()));
        line_ += ",\"msg\":";
        append_json_string(line_, std::string_view(message.payload.data(), message.payload.size()));
        line_ += root_fields_json_;
        line_ += fields_being_logged;
        line_ += "}\n";
        dest.append(line_.data(), line_.data() + line_.size());
    }

    std::unique_ptr<spdlog::formatter> clone() const override {
        return std::make_unique<JsonLineFormatter>(root_fields_json_);
    }

  private:
    std::string root_fields_json_;  // ",\"key\":value..." or empty
    TimestampFormatter timestamps_;
    std::string line_;
};

template <typename Fields>
std::string serialize_fields(const Fields& fields) {
    std::string json;
    for (const LogField& field : fields) {
        json += ',';
        append_json_string(json, field.key);
        json += ':';
        json += field.json_value;
    }
    return json;
}

}  // namespace

LogLevel log_level_from_execd(int level) noexcept {
    if (level <= 2) {
        return LogLevel::critical;
    }
    switch (level) {
        case 3:
            return LogLevel::err;
        case 4:
            return LogLevel::warn;
        case 5:
        case 6:
            return LogLevel::info;
        default:
            return LogLevel::debug;
    }
}

LogLevel log_level_from_name(std::string_view name) noexcept {
    const std::string_view trimmed = trim(name);
    if (equals_ignoring_case(trimmed, "debug")) {
        return LogLevel::debug;
    }
    if (equals_ignoring_case(trimmed, "warn") || equals_ignoring_case(trimmed, "warning")) {
        return LogLevel::warn;
    }
    if (equals_ignoring_case(trimmed, "error")) {
        return LogLevel::err;
    }
    if (equals_ignoring_case(trimmed, "fatal")) {
        return LogLevel::critical;
    }
    return LogLevel::info;
}

std::string_view log_level_json_name(LogLevel level) noexcept {
    switch (level) {
        case LogLevel::trace:
        case LogLevel::debug:
            return "debug";
        case LogLevel::info:
            return "info";
        case LogLevel::warn:
            return "warn";
        case LogLevel::err:
            return "error";
        case LogLevel::critical:
            return "fatal";
        default:
            return "off";
    }
}

LogField::LogField(std::string_view field_key, std::string_view value) : key(field_key) {
    append_json_string(json_value, value);
}

LogField::LogField(std::string_view field_key, double value) : key(field_key) {
    if (!std::isfinite(value)) {
        // JSON has no NaN or infinity; zap writes them as strings too.
        json_value = std::isnan(value) ? "\"NaN\"" : (value > 0 ? "\"+Inf\"" : "\"-Inf\"");
        return;
    }
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    json_value.assign(buffer, result.ptr);
}

LogField LogField::raw_json(std::string_view field_key, std::string serialized_json) {
    LogField field(field_key, false);
    field.json_value = std::move(serialized_json);
    return field;
}

void append_json_string(std::string& out, std::string_view text) {
    out.reserve(out.size() + text.size() + 2);
    out += '"';
    size_t i = 0;
    while (i < text.size()) {
        size_t plain_end = i;
        while (plain_end < text.size() && needs_no_escape(text[plain_end])) {
            ++plain_end;
        }
        out.append(text.data() + i, plain_end - i);
        i = plain_end;
        if (i == text.size()) {
            break;
        }
        if (static_cast<unsigned char>(text[i]) < 0x80) {
            append_escaped_ascii(out, text[i]);
            ++i;
            continue;
        }
        const size_t length = utf8_sequence_length(text.substr(i));
        if (length == 0) {
            out += "\\ufffd";
            ++i;
            continue;
        }
        out.append(text.substr(i, length));
        i += length;
    }
    out += '"';
}

namespace {

spdlog::sink_ptr make_file_sink(const std::string& path, const LogRotation& rotation) {
    if (rotation.max_bytes == 0) {
        return std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, /*truncate=*/false);
    }
    return std::make_shared<spdlog::sinks::rotating_file_sink_mt>(path, rotation.max_bytes, rotation.files);
}

}  // namespace

std::vector<spdlog::sink_ptr> make_log_sinks(std::string_view outputs, const LogRotation& rotation) {
    std::vector<std::string> entries = split_list(outputs);
    if (entries.empty()) {
        entries.emplace_back("stdout");
    }
    std::vector<spdlog::sink_ptr> sinks;
    for (const std::string& entry : entries) {
        if (entry == "stdout") {
            sinks.push_back(std::make_shared<spdlog::sinks::stdout_sink_mt>());
        } else if (entry == "stderr") {
            sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
        } else {
            sinks.push_back(make_file_sink(entry, rotation));
        }
    }
    return sinks;
}

std::shared_ptr<spdlog::logger> make_json_logger(std::string name, LogLevel level,
                                                 std::vector<spdlog::sink_ptr> sinks,
                                                 const std::vector<LogField>& root_fields) {
    auto logger = std::make_shared<spdlog::logger>(std::move(name), sinks.begin(), sinks.end());
    logger->set_formatter(std::make_unique<JsonLineFormatter>(serialize_fields(root_fields)));
    logger->set_level(level);
    logger->flush_on(LogLevel::trace);
    return logger;
}

std::shared_ptr<spdlog::logger> init_logging(std::string name, LogLevel level, std::string_view outputs,
                                             const std::vector<LogField>& root_fields,
                                             const LogRotation& rotation) {
    auto logger = make_json_logger(std::move(name), level, make_log_sinks(outputs, rotation), root_fields);
    spdlog::set_default_logger(logger);
    return logger;
}

namespace {

template <typename Fields>
void log_serialized_fields(spdlog::logger& logger, LogLevel level, std::string_view message,
                           const Fields& fields) {
    if (!logger.should_log(level)) {
        return;
    }
    const std::string fields_json = serialize_fields(fields);
    const FieldsScope scope(fields_json);
    logger.log(level, spdlog::string_view_t(message.data(), message.size()));
}

}  // namespace

void log_fields(spdlog::logger& logger, LogLevel level, std::string_view message,
                std::initializer_list<LogField> fields) {
    log_serialized_fields(logger, level, message, fields);
}

void log_fields(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
    log_serialized_fields(*spdlog::default_logger_raw(), level, message, fields);
}

void log_fields(spdlog::logger& logger, LogLevel level, std::string_view message,
                std::span<const LogField> fields) {
    log_serialized_fields(logger, level, message, fields);
}

void log_fields(LogLevel level, std::string_view message, std::span<const LogField> fields) {
    log_serialized_fields(*spdlog::default_logger_raw(), level, message, fields);
}

}  // namespace common
