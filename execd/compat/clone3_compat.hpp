#pragma once

#include <optional>
#include <string_view>

// EXECD_CLONE3_COMPAT: a seccomp filter that makes clone3 fail with ENOSYS for execd and everything
// it starts, so that programs which try clone3 first (glibc 2.34+) fall back to clone, even under a
// container seccomp profile that answers clone3 with EPERM. The filter sets no_new_privs: setuid
// and file-capability programs (sudo, ping) run without their privileges.
namespace execd::compat {

inline constexpr const char* kClone3CompatVariable = "EXECD_CLONE3_COMPAT";
// Set before re-executing, so that the new image keeps the inherited filter and does not loop.
inline constexpr const char* kClone3AppliedVariable = "_EXECD_CLONE3_COMPAT_APPLIED";

enum class Clone3CompatMode {
    off,     // "", 0, false, off, no
    filter,  // 1, true, yes, on: install the filter and go on
    reexec,  // install the filter, then execute the binary again under it
};

// The mode EXECD_CLONE3_COMPAT's value selects, ignoring case and surrounding whitespace as upstream
// does; nullopt for any other value.
std::optional<Clone3CompatMode> parse_clone3_compat_mode(std::string_view value);

// Installs, on every thread of this process (TSYNC), a seccomp filter that answers clone3 with
// ENOSYS and allows everything else; sets no_new_privs first. Throws std::runtime_error.
void install_clone3_enosys_filter();

// What main runs before anything else: reads EXECD_CLONE3_COMPAT and applies it. In reexec mode it
// installs the filter, sets _EXECD_CLONE3_COMPAT_APPLIED=1 and executes /proc/self/exe again with
// the original command line and environment (it returns only when the marker shows that already
// happened). Returns the mode in effect. Throws std::invalid_argument for a bad value and
// std::runtime_error when the filter cannot be installed or the binary not executed again.
Clone3CompatMode apply_clone3_compat_from_environment();

}  // namespace execd::compat
