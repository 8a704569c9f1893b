// spdlog and fmt for the statically linked execd. Debian ships both only as shared libraries
// (libspdlog.so.1.10, libfmt.so.9) but installs every implementation header, so this translation
// unit compiles what those libraries export, from the very headers the rest of the project is
// compiled against and with the same definitions (SPDLOG_COMPILED_LIB, SPDLOG_FMT_EXTERNAL): the
// objects of common/ and execd/ call the same symbols whether they are linked with the shared
// libraries (execd) or with this archive (execd-single).
//
// Only what execd uses is instantiated: the registry's default colour console sink, the stdout,
// stderr, file and rotating file sinks of common/log.cpp, and fmt's locale helpers. A sink or
// formatter used somewhere new shows up as an undefined symbol when execd-single links; add its
// instantiation here.
#ifndef SPDLOG_COMPILED_LIB
#error "compile with spdlog's compiled-library definitions (link the target to spdlog::spdlog)"
#endif

#include <fmt/format-inl.h>
#include <spdlog/common-inl.h>
#include <spdlog/details/backtracer-inl.h>
#include <spdlog/details/console_globals.h>
#include <spdlog/details/file_helper-inl.h>
#include <spdlog/details/log_msg-inl.h>
#include <spdlog/details/log_msg_buffer-inl.h>
#include <spdlog/details/os-inl.h>
#include <spdlog/details/periodic_worker-inl.h>
#include <spdlog/details/registry-inl.h>
#include <spdlog/logger-inl.h>
#include <spdlog/pattern_formatter-inl.h>
#include <spdlog/sinks/ansicolor_sink-inl.h>
#include <spdlog/sinks/base_sink-inl.h>
#include <spdlog/sinks/basic_file_sink-inl.h>
#include <spdlog/sinks/rotating_file_sink-inl.h>
#include <spdlog/sinks/sink-inl.h>
#include <spdlog/sinks/stdout_sinks-inl.h>
#include <spdlog/spdlog-inl.h>

#include <mutex>

// fmt: what libfmt.so instantiates for char.
template fmt::detail::thousands_sep_result<char> fmt::detail::thousands_sep_impl<char>(
    fmt::detail::locale_ref);
template char fmt::detail::decimal_point_impl<char>(fmt::detail::locale_ref);

// spdlog: the sinks execd creates (and the registry's default logger).
template class spdlog::sinks::base_sink<std::mutex>;
template class spdlog::sinks::basic_file_sink<std::mutex>;
template class spdlog::sinks::rotating_file_sink<std::mutex>;
template class spdlog::sinks::ansicolor_sink<spdlog::details::console_mutex>;
template class spdlog::sinks::ansicolor_stdout_sink<spdlog::details::console_mutex>;
template class spdlog::sinks::ansicolor_stderr_sink<spdlog::details::console_mutex>;
template class spdlog::sinks::stdout_sink_base<spdlog::details::console_mutex>;
template class spdlog::sinks::stdout_sink<spdlog::details::console_mutex>;
template class spdlog::sinks::stderr_sink<spdlog::details::console_mutex>;
