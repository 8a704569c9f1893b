#pragma once

#include <string>
#include <string_view>

namespace common {

struct BuildInfo {
    std::string_view version;
    std::string_view git_commit;
    std::string_view build_time;
};

// Values injected at configure time (cmake/BuildInfo.cmake).
const BuildInfo& build_info();

// The startup banner upstream prints, e.g. for "OpenSandbox Egress".
std::string version_banner(std::string_view product);

}  // namespace common
