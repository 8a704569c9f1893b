#pragma once
// Makes a JSON logger writing to memory spdlog's default logger for one test, so code that logs
// through spdlog::info(...) or common::log_fields(...) can be checked line by line.
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "common/log.hpp"

namespace unit_test_support {

class DefaultLogCapture {
  public:
    explicit DefaultLogCapture(common::LogLevel level = common::LogLevel::debug)
        : previous_(spdlog::default_logger()) {
        spdlog::set_default_logger(common::make_json_logger(
            "opensandbox.egress", level, {std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_)}));
    }
    ~DefaultLogCapture() { spdlog::set_default_logger(previous_); }
    DefaultLogCapture(const DefaultLogCapture&) = delete;
    DefaultLogCapture& operator=(const DefaultLogCapture&) = delete;

    std::vector<nlohmann::json> lines() const {
        std::vector<nlohmann::json> parsed;
        std::istringstream text(stream_.str());
        for (std::string line; std::getline(text, line);) {
            parsed.push_back(nlohmann::json::parse(line));
        }
        return parsed;
    }

    // The lines whose opensandbox.event is `event`.
    std::vector<nlohmann::json> events(const std::string& event) const {
        std::vector<nlohmann::json> found;
        for (auto& line : lines()) {
            if (line.value("opensandbox.event", "") == event) {
                found.push_back(std::move(line));
            }
        }
        return found;
    }

    void clear() { stream_.str({}); }

  private:
    std::ostringstream stream_;
    std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace unit_test_support
