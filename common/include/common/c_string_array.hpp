#pragma once

#include <string>
#include <vector>

namespace common {

// The null-terminated char* array execve and posix_spawn take, pointing into `strings` (which must
// outlive it, unchanged).
inline std::vector<char*> c_string_array(const std::vector<std::string>& strings) {
    std::vector<char*> pointers;
    pointers.reserve(strings.size() + 1);
    for (const auto& text : strings) {
        pointers.push_back(const_cast<char*>(text.c_str()));
    }
    pointers.push_back(nullptr);
    return pointers;
}

}  // namespace common
