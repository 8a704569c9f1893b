#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "files/watch_event.hpp"

namespace execd::api {

// The Server-Sent Events of GET /files/watch: "event: <type>\ndata: <one JSON line>\n\n".

// The comment line that keeps an idle stream open.
inline constexpr std::string_view kWatchPingFrame = ": ping\n\n";

int64_t watch_unix_ms_now();

// create, modify, delete, move (with "from"), overflow (the kernel's queue), error (a directory not
// watched) or end (root_gone: reason "deleted").
std::string watch_event_frame(const files::WatchEvent& event, int64_t unix_ms);
// `dropped` events did not fit the client's queue.
std::string watch_overflow_frame(std::size_t dropped, int64_t unix_ms);
std::string watch_end_frame(std::string_view reason, int64_t unix_ms);

}  // namespace execd::api
