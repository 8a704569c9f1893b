#pragma once

#include <string>
#include <vector>

namespace execd {

// Rewrites Go `flag`-package syntax into what CLI11 parses: a single-dash long flag ("-port",
// "-port=8080") becomes its double-dash form. Arguments after "--" or after the first non-flag
// argument are left alone, as Go stops parsing there. `switches` are the flags that take no
// separate value ("--version", "-h"), so the argument after one of them is not its value.
std::vector<std::string> normalize_go_flags(const std::vector<std::string>& args,
                                            const std::vector<std::string>& switches);

}  // namespace execd
