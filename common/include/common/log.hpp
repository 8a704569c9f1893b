#pragma once

#include <spdlog/spdlog.h>

#include <concepts>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// JSON-lines logging on spdlog, in the shape upstream's zap production logger writes:
//   {"level":"info","ts":"2026-03-21T08:32:39.123+0800","logger":"opensandbox.egress","msg":"..."}
// Levels print as zap names (debug, info, warn, error, fatal); spdlog's critical is "fatal" and trace is
// "debug". ts is local time with milliseconds and a +hhmm offset ("Z" when the offset is zero).
namespace common {

using LogLevel = spdlog::level::level_enum;

// execd's --log-level integer: 0/1/2 and negatives -> fatal (critical), 3 -> error, 4 -> warn,
// 5/6 -> info, 7 and above -> debug.
LogLevel log_level_from_execd(int level) noexcept;

// egress's OPENSANDBOX_EGRESS_LOG_LEVEL: debug, info, warn|warning, error, fatal (trimmed, case-insensitive).
// Anything else gives info.
LogLevel log_level_from_name(std::string_view name) noexcept;

// The "level" value written for `level`.
std::string_view log_level_json_name(LogLevel level) noexcept;

// One extra key/value in a log line. The value keeps its JSON type: strings are quoted and escaped,
// numbers and booleans are written bare. Keys should not repeat level, ts, logger or msg.
struct LogField {
    LogField(std::string_view field_key, std::string_view value);
    LogField(std::string_view field_key, const char* value) : LogField(field_key, std::string_view(value)) {}
    LogField(std::string_view field_key, const std::string& value)
        : LogField(field_key, std::string_view(value)) {}
    LogField(std::string_view field_key, bool value) : key(field_key), json_value(value ? "true" : "false") {}
    template <std::integral T>
    requires(!std::same_as<T, bool>) LogField(std::string_view field_key, T value)
        : key(field_key), json_value(std::to_string(value)) {}
    LogField(std::string_view field_key, double value);
    // A value that is already JSON (an array or object), written as is.
    static LogField raw_json(std::string_view field_key, std::string serialized_json);

    std::string_view key;
    std::string json_value;  // already serialized
};

// The key of the field naming a structured event ("egress.outbound", ...), as upstream writes it.
inline constexpr std::string_view kLogEventKey = "opensandbox.event";

// Appends `text` to `out` as a quoted JSON string: quotes, backslashes and control characters are
// escaped and invalid UTF-8 bytes become U+FFFD, so every line stays parseable.
void append_json_string(std::string& out, std::string_view text);

// Size-based rotation of log files (spdlog's rotating file sink). A line that would take a file past
// max_bytes first renames it to <name>.1<ext> ("execd.log" -> "execd.1.log", "execd" -> "execd.1"),
// the older ones moving up to <name>.<files><ext> and the oldest going; the line starts a new file.
// max_bytes 0: no rotation. files 0: the full file is emptied instead.
struct LogRotation {
    std::size_t max_bytes = 64 * 1024 * 1024;
    std::size_t files = 3;
};

// Sinks for an OPENSANDBOX_LOG_OUTPUT-style value: comma-separated entries, each "stdout", "stderr" or a
// file path (opened for append, rotated by `rotation`; spdlog creates missing parent directories). Empty
// means stdout. Throws spdlog::spdlog_ex when a file cannot be opened.
std::vector<spdlog::sink_ptr> make_log_sinks(std::string_view outputs, const LogRotation& rotation = {});

// A synchronous logger named `name` that writes JSON lines to `sinks` (their formatter is replaced) and
// flushes after every line, like zap. `root_fields` follow "msg" on every line, before the fields of a
// log_fields() call (zap's logger.With(...)), e.g. the sandbox_id.
std::shared_ptr<spdlog::logger> make_json_logger(std::string name, LogLevel level,
                                                 std::vector<spdlog::sink_ptr> sinks,
                                                 const std::vector<LogField>& root_fields = {});

// make_json_logger(name, level, make_log_sinks(outputs, rotation), root_fields), installed as spdlog's
// default logger so that spdlog::info(...) anywhere writes JSON. Call once from main().
std::shared_ptr<spdlog::logger> init_logging(std::string name, LogLevel level,
                                             std::string_view outputs = "stdout",
                                             const std::vector<LogField>& root_fields = {},
                                             const LogRotation& rotation = {});

// Logs `message` with extra fields, e.g. log_fields(*logger, LogLevel::warn, "forward failed",
// {{"upstream", "8.8.8.8:53"}, {"attempt", 2}}). Only loggers made by make_json_logger write the fields.
void log_fields(spdlog::logger& logger, LogLevel level, std::string_view message,
                std::initializer_list<LogField> fields);

// The same on spdlog's default logger.
void log_fields(LogLevel level, std::string_view message, std::initializer_list<LogField> fields);
// The same with a field list built at run time.
void log_fields(spdlog::logger& logger, LogLevel level, std::string_view message,
                std::span<const LogField> fields);
void log_fields(LogLevel level, std::string_view message, std::span<const LogField> fields);

}  // namespace common
