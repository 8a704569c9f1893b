#include "test_support.hpp"

#include <unistd.h>

#include <fstream>
#include <stdexcept>
#include <thread>

#include "harness/command.hpp"

namespace harness_test {

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return condition();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

bool process_dead(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string content;
    if (!std::getline(stat, content)) {
        return true;
    }
    // The state follows the parenthesised command name, which may itself contain ')'.
    const size_t close = content.rfind(')');
    return close == std::string::npos || close + 2 >= content.size() || content[close + 2] == 'Z' ||
           content[close + 2] == 'X';
}

std::string root_namespace_snapshot() {
    std::string snapshot;
    for (const auto& argv : {std::vector<std::string>{"ip", "-o", "link"},
                             {"ip", "-o", "addr"},
                             {"ip", "route", "show", "table", "all"},
                             {"ip", "-6", "route", "show", "table", "all"}}) {
        snapshot += harness::run_command(argv).output;
    }
    return snapshot;
}

TempDir::TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "harness-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed");
    }
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

}  // namespace harness_test
