#pragma once

#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace egress::sidecar {

// A setting egress could not use as given. By default egress warns and goes on with a fallback (a
// default, or the value without the bad entry); with OPENSANDBOX_EGRESS_STRICT it refuses to start.
struct ConfigFallback {
    std::string variable;  // OPENSANDBOX_EGRESS_MODE
    std::string value;     // as set
    std::string problem;   // why it cannot be used: "not an integer from 1 to 120"
    std::string fallback;  // what egress does instead: "using 5"
    std::string warning;   // logged when not strict (upstream's words where upstream logs one)
};

// A fallback whose warning is `<variable>="<value>": <problem>; <fallback>`.
ConfigFallback make_config_fallback(std::string variable, std::string value, std::string problem,
                                    std::string fallback);

// An OPENSANDBOX_EGRESS_POLICY_FILE that is empty or invalid (`problem`: "is empty", "is invalid:
// ..."), with upstream's warning.
ConfigFallback policy_file_fallback(const std::filesystem::path& policy_file, std::string_view problem);

// `<variable>="<value>": <problem> (without OPENSANDBOX_EGRESS_STRICT: <fallback>)`.
std::string refusal_text(const ConfigFallback& fallback);

// The start is refused: OPENSANDBOX_EGRESS_STRICT is set and a setting needed a fallback. egress
// then exits with kRefusedByStrictMode.
inline constexpr int kRefusedByStrictMode = 2;
class StrictModeRefusal : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// The one place that decides what a fallback means. Not strict: logs each warning. Strict: throws
// StrictModeRefusal naming every fallback ("; " between them).
void handle_fallbacks(std::span<const ConfigFallback> fallbacks, bool strict);

}  // namespace egress::sidecar
