#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace egress::vault {

struct VaultSettings {
    std::vector<uint16_t> intercept_ports = {80, 443};
    // OPENSANDBOX_EGRESS_CREDENTIAL_VAULT_REQUIRE_SCOPED_MATCH: every binding lists methods and
    // paths, and a host-wide "/*" is refused.
    bool require_scoped_match = false;
    // Hosts the interception proxy passes through undecrypted (upstream: mitmproxy's ignore_hosts
    // regexes, searched anywhere in the name; a pattern that does not compile is skipped). A
    // binding on such a host could never inject, so it is refused.
    std::vector<std::string> ignore_hosts;
};

}  // namespace egress::vault
