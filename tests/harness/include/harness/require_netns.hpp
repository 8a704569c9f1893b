#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace harness {

// Why network-namespace tests cannot run here (not root, no `ip`, no CLONE_NEWNET), or nullopt.
std::optional<std::string> netns_unavailable_reason();

}  // namespace harness

// First statement of every integration test: skips it cleanly where namespaces are unavailable.
#define HARNESS_REQUIRE_NETNS()                                                     \
    do {                                                                            \
        if (const auto harness_skip_reason = ::harness::netns_unavailable_reason()) \
            GTEST_SKIP() << *harness_skip_reason;                                   \
    } while (false)
