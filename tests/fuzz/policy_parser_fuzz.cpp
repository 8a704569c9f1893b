// Feeds arbitrary bytes to every policy text parser. Besides "no crash, no leak" it checks that
// an accepted policy survives a serialise/parse round trip unchanged and can be compiled.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "policy/always_overlay.hpp"
#include "policy/policy_error.hpp"
#include "policy/policy_json.hpp"
#include "policy/policy_snapshot.hpp"

namespace {

using namespace egress::policy;

void check_policy(std::string_view text) {
    Policy policy;
    try {
        policy = parse_policy(text);
    } catch (const PolicyError&) {
        return;
    }
    if (parse_policy(serialize_policy(policy)) != policy) {
        std::abort();  // an accepted policy must mean the same after GET + POST
    }
    const PolicySnapshot snapshot(policy, {});
    for (size_t i = 0; i < policy.rules.size(); ++i) {
        const Target& target = policy.rules[i].target;
        if (target.kind != TargetKind::domain) {
            continue;
        }
        const auto found = snapshot.match(target.text);
        if (!found || found->rule_index > i) {
            std::abort();  // an exact rule always matches its own name, unless an earlier rule does
        }
    }
    (void)snapshot.evaluate(text.substr(0, 300));
}

template <typename Parse>
void expect_only_policy_errors(Parse parse) {
    try {
        parse();
    } catch (const PolicyError&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    check_policy(text);
    expect_only_policy_errors([&] { parse_rule_list(text); });
    expect_only_policy_errors([&] { parse_target_list(text); });
    expect_only_policy_errors([&] { parse_always_file(text, Action::deny, "fuzz"); });
    return 0;
}
