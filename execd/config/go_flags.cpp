#include "config/go_flags.hpp"

#include <algorithm>

namespace execd {
namespace {

bool is_single_dash_long_flag(const std::string& arg) {
    return arg.size() > 2 && arg[0] == '-' && arg[1] != '-';
}

}  // namespace

std::vector<std::string> normalize_go_flags(const std::vector<std::string>& args,
                                            const std::vector<std::string>& switches) {
    std::vector<std::string> normalized;
    normalized.reserve(args.size());
    bool expect_value = false;
    bool parsing = true;
    for (const std::string& arg : args) {
        if (!parsing || expect_value) {
            normalized.push_back(arg);
            expect_value = false;
            continue;
        }
        if (arg == "--") {
            parsing = false;
            normalized.push_back(arg);
            continue;
        }
        if (arg.empty() || arg[0] != '-' || arg == "-") {
            parsing = false;
            normalized.push_back(arg);
            continue;
        }
        std::string flag = is_single_dash_long_flag(arg) ? "-" + arg : arg;
        expect_value = flag.find('=') == std::string::npos &&
                       std::find(switches.begin(), switches.end(), flag) == switches.end();
        normalized.push_back(std::move(flag));
    }
    return normalized;
}

}  // namespace execd
