#include "common/cli_env_option.hpp"

#include "common/duration.hpp"

namespace common {

CLI::Option* add_duration_option_with_env(CLI::App& app, const std::string& flag,
                                          std::chrono::nanoseconds& value, const std::string& description,
                                          const std::string& env_name) {
    const CLI::Validator go_duration(
        [](std::string& text) -> std::string {
            try {
                parse_duration_or_throw(text);
                return {};
            } catch (const std::invalid_argument& error) {
                return error.what();
            }
        },
        "DURATION");
    return app
        .add_option_function<std::string>(
            flag, [&value](const std::string& text) { value = parse_duration_or_throw(text); }, description)
        ->check(go_duration)
        ->envname(env_name)
        ->default_str(format_duration(value));
}

}  // namespace common
