#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sidecar/config_fallback.hpp"

namespace egress::sidecar {

// 1, true, yes, y, on or 0, false, no, n, off (trimmed, any case); blank: false; nullopt otherwise.
std::optional<bool> parse_flag(std::string_view text);

// Reads egress's environment variables. A value it cannot use as given is replaced by the default
// and recorded as a ConfigFallback, so that strict mode (OPENSANDBOX_EGRESS_STRICT) sees every
// one: settings that fall back are read through here, or record what they drop themselves.
class ConfigReader {
  public:
    // The value as set; nullopt when unset.
    std::optional<std::string> raw(const std::string& variable) const;
    // The value as set, or `fallback` when unset or empty.
    std::string text(const std::string& variable, std::string_view fallback = "") const;
    // parse_flag of the value; unset: false. A value that is no boolean gives false, recorded.
    bool flag(const std::string& variable);
    // A base-10 integer from min to max (not trimmed); unset or empty: `fallback`. Any other value
    // gives `fallback`, recorded.
    int64_t integer(const std::string& variable, int64_t fallback, int64_t min, int64_t max);

    void record(ConfigFallback fallback);
    std::vector<ConfigFallback> take_fallbacks();

  private:
    std::vector<ConfigFallback> fallbacks_;
};

}  // namespace egress::sidecar
