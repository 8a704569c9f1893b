#include "compat/clone3_compat.hpp"

#include <seccomp.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace execd::compat {
namespace {

// clone3's number on x86-64 and aarch64, for a libseccomp whose headers or tables predate it.
constexpr int kClone3NumberX86_64AndAarch64 = 435;

std::string lowercase_trimmed(std::string_view value) {
    const auto is_space = [](unsigned char c) { return std::isspace(c) != 0; };
    while (!value.empty() && is_space(static_cast<unsigned char>(value.front()))) {
        value.remove_prefix(1);
    }
    while (!value.empty() && is_space(static_cast<unsigned char>(value.back()))) {
        value.remove_suffix(1);
    }
    std::string lowered(value);
    std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return lowered;
}

[[noreturn]] void fail(const std::string& what, int negative_errno) {
    throw std::runtime_error("clone3 compat: " + what + ": " + std::strerror(-negative_errno));
}

// Prefers the name libseccomp knows; falls back to the raw number where it is fixed.
int add_clone3_enosys_rule(scmp_filter_ctx filter) {
    int result = -EDOM;
#ifdef __SNR_clone3
    result = seccomp_rule_add(filter, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    if (result == 0) {
        return 0;
    }
#endif
#if defined(__x86_64__) || defined(__aarch64__)
    result = seccomp_rule_add(filter, SCMP_ACT_ERRNO(ENOSYS), kClone3NumberX86_64AndAarch64, 0);
#endif
    return result;
}

// The command line this process was started with, as the kernel recorded it. When execd runs
// through an explicit loader (the bundle's `ld-linux --library-path lib execd ...`), /proc/self/exe
// is the loader and this is the loader's command line, so executing it again repeats the same start.
std::vector<std::string> original_command_line() {
    std::ifstream file("/proc/self/cmdline", std::ios::binary);
    if (!file) {
        throw std::runtime_error("clone3 compat: cannot open /proc/self/cmdline");
    }
    const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    std::vector<std::string> args;
    std::string current;
    for (const char c : text) {
        if (c == '\0') {
            args.push_back(std::move(current));
            current.clear();
        } else {
            current.push_back(c);
        }
    }
    if (args.empty()) {
        throw std::runtime_error("clone3 compat: /proc/self/cmdline is empty");
    }
    return args;
}

[[noreturn]] void execute_again() {
    if (::setenv(kClone3AppliedVariable, "1", 1) != 0) {
        fail(std::string("set ") + kClone3AppliedVariable, -errno);
    }
    std::vector<std::string> args = original_command_line();
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (std::string& arg : args) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    ::execve("/proc/self/exe", argv.data(), environ);
    fail("execute /proc/self/exe", -errno);
}

}  // namespace

std::optional<Clone3CompatMode> parse_clone3_compat_mode(std::string_view value) {
    const std::string mode = lowercase_trimmed(value);
    if (mode.empty() || mode == "0" || mode == "false" || mode == "off" || mode == "no") {
        return Clone3CompatMode::off;
    }
    if (mode == "1" || mode == "true" || mode == "yes" || mode == "on") {
        return Clone3CompatMode::filter;
    }
    if (mode == "reexec") {
        return Clone3CompatMode::reexec;
    }
    return std::nullopt;
}

void install_clone3_enosys_filter() {
    const std::unique_ptr<void, decltype(&seccomp_release)> filter(seccomp_init(SCMP_ACT_ALLOW),
                                                                   &seccomp_release);
    if (!filter) {
        throw std::runtime_error("clone3 compat: cannot create a seccomp filter");
    }
    // Foreign-ABI calls (i386, x32) are let through rather than killing the process, which is
    // libseccomp's default for an architecture the filter does not list.
    int result = seccomp_attr_set(filter.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ALLOW);
    if (result == 0) {
        result = seccomp_attr_set(filter.get(), SCMP_FLTATR_CTL_NNP, 1);
    }
    if (result == 0) {
        result = seccomp_attr_set(filter.get(), SCMP_FLTATR_CTL_TSYNC, 1);
    }
    if (result != 0) {
        fail("configure the seccomp filter", result);
    }
    result = add_clone3_enosys_rule(filter.get());
    if (result != 0) {
        fail("add the clone3 rule", result);
    }
    result = seccomp_load(filter.get());
    if (result != 0) {
        fail("load the seccomp filter (is seccomp available in this kernel?)", result);
    }
}

Clone3CompatMode apply_clone3_compat_from_environment() {
    const char* raw = ::getenv(kClone3CompatVariable);
    const std::string value = raw == nullptr ? "" : raw;
    const std::optional<Clone3CompatMode> mode = parse_clone3_compat_mode(value);
    if (!mode) {
        throw std::invalid_argument(std::string("invalid ") + kClone3CompatVariable + "=\"" + value +
                                    "\" (use 1, true, yes, on, reexec, or 0, false, no, off)");
    }
    if (*mode == Clone3CompatMode::off) {
        return *mode;
    }
    if (*mode == Clone3CompatMode::reexec) {
        const char* applied = ::getenv(kClone3AppliedVariable);
        if (applied != nullptr && std::string_view(applied) == "1") {
            return *mode;
        }
    }
    install_clone3_enosys_filter();
    if (*mode == Clone3CompatMode::reexec) {
        execute_again();
    }
    return *mode;
}

}  // namespace execd::compat
