#pragma once

#include <algorithm>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace execd {

// A setting execd cannot start with: a bad flag or variable value, an unknown flag, settings that
// exclude each other. main() prints it and exits with status 2, as Go's flag package does.
class ConfigError : public std::invalid_argument {
  public:
    using std::invalid_argument::invalid_argument;
};

// What is wrong with `text` as a base-10 integer from `min` to `max`; empty when nothing is.
std::string integer_problem(const std::string& text, int64_t min, int64_t max);

// The value of an integer variable that has no flag: `fallback` when unset or empty. Throws
// ConfigError naming the variable when the value is not an integer from `min` to `max`.
int64_t integer_variable(const std::string& name, int64_t fallback, int64_t min, int64_t max);

// CLI11 options, each with an environment variable read when its flag is absent: the flag wins over
// the variable, which wins over the default held by the bound value. An empty variable counts as
// unset. The variables are applied by apply_variables() rather than by CLI11's envname(), whose
// errors name the flag even when the variable held the bad value.
class FlagsWithVariables {
  public:
    // Says what is wrong with a value (empty when nothing is), or stores it.
    using Check = std::function<std::string(const std::string&)>;
    using Assign = std::function<void(const std::string&)>;

    explicit FlagsWithVariables(CLI::App& app) : app_(app) {}

    void add_text(const std::string& flag, std::string& value, const std::string& description,
                  const std::string& variable);
    // Go duration syntax ("300ms", "1.5s", "1h").
    void add_duration(const std::string& flag, std::chrono::nanoseconds& value,
                      const std::string& description, const std::string& variable);
    void add_milliseconds(const std::string& flag, std::chrono::milliseconds& value,
                          const std::string& description, const std::string& variable);
    // A Go boolean flag: `-name` alone means true, `-name=false` false; the variable takes true or
    // false (also 1, 0, yes, no, on, off).
    void add_switch(const std::string& flag, bool& value, const std::string& description,
                    const std::string& variable);

    // Any value T holds (integers beyond int64_t excepted).
    template <std::integral T>
    void add_integer(const std::string& flag, T& value, const std::string& description,
                     const std::string& variable) {
        const int64_t min = std::numeric_limits<T>::min();
        const auto max = static_cast<int64_t>(
            std::min<uint64_t>(std::numeric_limits<T>::max(), std::numeric_limits<int64_t>::max()));
        add_value(
            flag, description, variable, {std::to_string(value), "INT"},
            [min, max](const std::string& text) { return integer_problem(text, min, max); },
            [&value](const std::string& text) { value = static_cast<T>(std::stoll(text)); });
    }

    // After CLI11 parsed the command line: the variable of every flag it did not give. Throws
    // ConfigError naming the variable when a value is bad.
    void apply_variables() const;

  private:
    struct Shown {
        std::string default_value;
        std::string type_name;
    };
    struct Entry {
        CLI::Option* option = nullptr;
        std::string variable;
        Check check;
    };

    void add_value(const std::string& flag, const std::string& description, const std::string& variable,
                   const Shown& shown, const Check& check, const Assign& assign);

    CLI::App& app_;
    std::vector<Entry> entries_;
};

// The names of `app`'s flags that take no value ("--version", "-h", ...), for normalize_go_flags.
std::vector<std::string> switch_names(const CLI::App& app);

}  // namespace execd
