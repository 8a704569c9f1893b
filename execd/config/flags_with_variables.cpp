#include "config/flags_with_variables.hpp"

#include <CLI/CLI.hpp>
#include <array>
#include <string_view>

#include "common/config.hpp"
#include "common/duration.hpp"

namespace execd {
namespace {

std::string duration_problem(const std::string& text) {
    try {
        common::parse_duration_or_throw(text);
        return {};
    } catch (const std::invalid_argument& error) {
        return error.what();
    }
}

bool is_switch_word(std::string_view text) {
    static constexpr std::array kWords{"1", "0", "t", "f", "true", "false", "yes", "no", "on", "off"};
    for (const std::string_view word : kWords) {
        if (common::equals_ignoring_case(text, word)) {
            return true;
        }
    }
    return false;
}

std::string switch_problem(const std::string& text) {
    return is_switch_word(text) ? std::string() : "invalid value \"" + text + "\": expected true or false";
}

std::string with_variable(const std::string& description, const std::string& variable) {
    return description + " (env " + variable + ")";
}

}  // namespace

std::string integer_problem(const std::string& text, int64_t min, int64_t max) {
    const std::optional<int64_t> number = common::parse_int(text);
    if (number && *number >= min && *number <= max) {
        return {};
    }
    return "invalid value \"" + text + "\": expected an integer from " + std::to_string(min) + " to " +
           std::to_string(max);
}

int64_t integer_variable(const std::string& name, int64_t fallback, int64_t min, int64_t max) {
    const std::optional<std::string> text = common::env_raw(name);
    if (!text || text->empty()) {
        return fallback;
    }
    if (std::string problem = integer_problem(*text, min, max); !problem.empty()) {
        throw ConfigError(name + ": " + problem);
    }
    return *common::parse_int(*text);
}

void FlagsWithVariables::add_text(const std::string& flag, std::string& value, const std::string& description,
                                  const std::string& variable) {
    add_value(
        flag, description, variable, {value, "TEXT"}, [](const std::string&) { return std::string(); },
        [&value](const std::string& text) { value = text; });
}

void FlagsWithVariables::add_duration(const std::string& flag, std::chrono::nanoseconds& value,
                                      const std::string& description, const std::string& variable) {
    add_value(flag, description, variable, {common::format_duration(value), "DURATION"}, duration_problem,
              [&value](const std::string& text) { value = common::parse_duration_or_throw(text); });
}

void FlagsWithVariables::add_milliseconds(const std::string& flag, std::chrono::milliseconds& value,
                                          const std::string& description, const std::string& variable) {
    add_value(flag, description, variable, {common::format_duration(value), "DURATION"}, duration_problem,
              [&value](const std::string& text) {
                  value = std::chrono::duration_cast<std::chrono::milliseconds>(
                      common::parse_duration_or_throw(text));
              });
}

void FlagsWithVariables::add_switch(const std::string& flag, bool& value, const std::string& description,
                                    const std::string& variable) {
    CLI::Option* option = app_.add_flag(flag, value, with_variable(description, variable));
    option->check(CLI::Validator([](std::string& text) { return switch_problem(text); }, ""))
        ->default_str(value ? "true" : "false");
    entries_.push_back({option, variable, switch_problem});
}

void FlagsWithVariables::add_value(const std::string& flag, const std::string& description,
                                   const std::string& variable, const Shown& shown, const Check& check,
                                   const Assign& assign) {
    CLI::Option* option =
        app_.add_option_function<std::string>(flag, assign, with_variable(description, variable));
    option->check(CLI::Validator([check](std::string& text) { return check(text); }, ""))
        ->type_name(shown.type_name)
        ->default_str(shown.default_value);
    entries_.push_back({option, variable, check});
}

void FlagsWithVariables::apply_variables() const {
    for (const Entry& entry : entries_) {
        const std::optional<std::string> text = common::env_raw(entry.variable);
        if (entry.option->count() > 0 || !text || text->empty()) {
            continue;
        }
        if (std::string problem = entry.check(*text); !problem.empty()) {
            throw ConfigError(entry.variable + ": " + problem);
        }
        try {
            entry.option->add_result(*text);
            entry.option->run_callback();
        } catch (const CLI::ParseError& error) {
            throw ConfigError(entry.variable + ": invalid value \"" + *text + "\": " + error.what());
        }
    }
}

std::vector<std::string> switch_names(const CLI::App& app) {
    std::vector<std::string> names;
    for (const CLI::Option* option : app.get_options()) {
        if (option->get_expected_max() != 0) {
            continue;
        }
        for (const std::string& name : option->get_lnames()) {
            names.push_back("--" + name);
        }
        for (const std::string& name : option->get_snames()) {
            names.push_back("-" + name);
        }
    }
    return names;
}

}  // namespace execd
