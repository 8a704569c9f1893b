// Settings egress cannot use as given: each is recorded with its variable and value, warned about
// by default and refused with OPENSANDBOX_EGRESS_STRICT.
#include "sidecar/config_fallback.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "../common/scoped_env.hpp"
#include "../log_capture.hpp"
#include "sidecar/config.hpp"
#include "sidecar/config_reader.hpp"

namespace egress::sidecar {
namespace {

// The environment of one test: an upstream so no resolv.conf is read, and the given variables.
class FallbackEnvironment {
  public:
    explicit FallbackEnvironment(const std::vector<std::pair<std::string, std::string>>& variables) {
        set("OPENSANDBOX_EGRESS_DNS_UPSTREAM", "10.0.0.2");
        for (const auto& [name, value] : variables) {
            set(name, value);
        }
    }

  private:
    void set(const std::string& name, const std::string& value) {
        variables_.push_back(std::make_unique<ScopedEnv>(name, value.c_str()));
    }
    std::vector<std::unique_ptr<ScopedEnv>> variables_;
};

EgressConfig config_with(const std::vector<std::pair<std::string, std::string>>& variables) {
    const FallbackEnvironment environment(variables);
    return load_config_from_environment("/nonexistent/resolv.conf");
}

// The only fallback of a configuration made from `variables`.
ConfigFallback only_fallback(const std::vector<std::pair<std::string, std::string>>& variables) {
    const EgressConfig config = config_with(variables);
    EXPECT_EQ(config.fallbacks.size(), 1u) << variables.front().first;
    return config.fallbacks.empty() ? ConfigFallback{} : config.fallbacks.front();
}

TEST(ConfigFallbacks, ValidSettingsHaveNone) {
    const EgressConfig config = config_with({{"OPENSANDBOX_EGRESS_MODE", "nft+dns"},
                                             {"OPENSANDBOX_EGRESS_CLEANUP_ON_EXIT", "off"},
                                             {"OPENSANDBOX_EGRESS_BLOCK_DOH_443", "YES"},
                                             {"OPENSANDBOX_EGRESS_MAX_RULES", "0"},
                                             {"OPENSANDBOX_EGRESS_LOG_LEVEL", "Warning"},
                                             {"OPENSANDBOX_EGRESS_NFT_USE_TAIL_SEC", "0"},
                                             {"OPENSANDBOX_EGRESS_DOH_BLOCKLIST", "1.1.1.1,8.8.8.0/24"},
                                             {"OPENSANDBOX_EGRESS_METRICS_EXTRA_ATTRS", "team=a, env = b"}});
    EXPECT_TRUE(config.fallbacks.empty()) << config.fallbacks.front().warning;
    EXPECT_FALSE(config.strict);
}

TEST(ConfigFallbacks, ABadModeFallsBackToDnsWithUpstreamsWarning) {
    const EgressConfig config = config_with({{"OPENSANDBOX_EGRESS_MODE", "dns+bogus"}});
    EXPECT_EQ(config.mode, EnforcementMode::dns);
    ASSERT_EQ(config.fallbacks.size(), 1u);
    EXPECT_EQ(config.fallbacks[0].variable, "OPENSANDBOX_EGRESS_MODE");
    EXPECT_EQ(config.fallbacks[0].value, "dns+bogus");
    EXPECT_EQ(config.fallbacks[0].warning, "invalid OPENSANDBOX_EGRESS_MODE=dns+bogus, falling back to dns");
    EXPECT_EQ(refusal_text(config.fallbacks[0]),
              "OPENSANDBOX_EGRESS_MODE=\"dns+bogus\": not dns, dns+nft or nft+dns (without "
              "OPENSANDBOX_EGRESS_STRICT: using dns)");
}

TEST(ConfigFallbacks, EveryIntegerOutOfRangeOrUnparsableIsRecordedAndUsesItsDefault) {
    const std::vector<std::pair<std::string, std::string>> integers{
        {"OPENSANDBOX_EGRESS_DNS_UPSTREAM_TIMEOUT", "121"},
        {"OPENSANDBOX_EGRESS_DNS_UPSTREAM_PROBE_INTERVAL_SEC", "0"},
        {"OPENSANDBOX_EGRESS_EVENT_LOG_RATE", "-1"},
        {"OPENSANDBOX_EGRESS_NFT_TTL_GRACE_SEC", "soon"},
        {"OPENSANDBOX_EGRESS_NFT_TTL_MIN_SEC", "0"},
        {"OPENSANDBOX_EGRESS_NFT_TTL_MAX_SEC", "86401"},
        {"OPENSANDBOX_EGRESS_NFT_USE_TAIL_SEC", "604801"},
        {"OPENSANDBOX_EGRESS_NFT_MAX_ADDRESSES_PER_NAME", "0"},
        {"OPENSANDBOX_EGRESS_NFT_MAX_LEARNED_ADDRESSES", "65537"},
        {"OPENSANDBOX_EGRESS_NFT_REVALIDATE_PER_SEC", "1001"},
        {"OPENSANDBOX_EGRESS_NFT_REVALIDATE_NAME_SEC", " 60"},
        {"OPENSANDBOX_EGRESS_HTTP_MAX_CONNECTIONS", "3"},
        {"OPENSANDBOX_EGRESS_HEALTH_PORT", "65536"},
        {"OPENSANDBOX_EGRESS_DENY_WEBHOOK_WINDOW_SEC", "3601"},
        {"OPENSANDBOX_EGRESS_MITMPROXY_PORT", "0"},
    };
    for (const auto& variable : integers) {
        const ConfigFallback fallback = only_fallback({variable});
        EXPECT_EQ(fallback.variable, variable.first);
        EXPECT_EQ(fallback.value, variable.second);
        EXPECT_EQ(fallback.problem.rfind("not an integer from ", 0), 0u) << fallback.problem;
    }
    const ConfigFallback timeout = only_fallback({{"OPENSANDBOX_EGRESS_DNS_UPSTREAM_TIMEOUT", "121"}});
    EXPECT_EQ(timeout.warning,
              "OPENSANDBOX_EGRESS_DNS_UPSTREAM_TIMEOUT=\"121\": not an integer from 1 to 120; using 5");
    EXPECT_EQ(config_with({{"OPENSANDBOX_EGRESS_DNS_UPSTREAM_TIMEOUT", "121"}}).dns_upstream_timeout,
              std::chrono::seconds(5));
}

TEST(ConfigFallbacks, EveryBooleanThatIsNoBooleanIsRecordedAndMeansFalse) {
    for (const char* variable :
         {"OPENSANDBOX_EGRESS_CLEANUP_ON_EXIT", "OPENSANDBOX_EGRESS_REQUIRE_OWN_CGROUP",
          "OPENSANDBOX_EGRESS_BLOCK_DOH_443", "OPENSANDBOX_EGRESS_MITMPROXY_TRANSPARENT",
          "OPENSANDBOX_EGRESS_MITMPROXY_SSL_INSECURE", "OPENSANDBOX_EGRESS_CREDENTIAL_VAULT_REQUIRE_TLS",
          "OPENSANDBOX_EGRESS_CREDENTIAL_VAULT_REQUIRE_SCOPED_MATCH"}) {
        const ConfigFallback fallback = only_fallback({{variable, "ture"}});
        EXPECT_EQ(fallback.variable, variable);
        EXPECT_EQ(fallback.warning, std::string(variable) +
                                        "=\"ture\": not a boolean (1, true, yes, y, on or 0, false, no, n, "
                                        "off); using false");
    }
    EXPECT_FALSE(config_with({{"OPENSANDBOX_EGRESS_CLEANUP_ON_EXIT", "ture"}}).cleanup_on_exit);
}

TEST(ConfigFallbacks, IgnoredListEntriesKeepUpstreamsWarnings) {
    const ConfigFallback exempt =
        only_fallback({{"OPENSANDBOX_EGRESS_NAMESERVER_EXEMPT", "10.0.0.9,10.0.0.0/8"}});
    EXPECT_EQ(
        exempt.warning,
        "ignoring OPENSANDBOX_EGRESS_NAMESERVER_EXEMPT entry \"10.0.0.0/8\": only single IP addresses are "
        "allowed");
    EXPECT_EQ(
        refusal_text(exempt),
        "OPENSANDBOX_EGRESS_NAMESERVER_EXEMPT=\"10.0.0.9,10.0.0.0/8\": entry \"10.0.0.0/8\" is not a single "
        "IP address (without OPENSANDBOX_EGRESS_STRICT: the entry is ignored)");
    const ConfigFallback doh = only_fallback({{"OPENSANDBOX_EGRESS_DOH_BLOCKLIST", "1.1.1.1,dns.example"}});
    EXPECT_EQ(doh.warning, "ignoring invalid DoH blocklist entry: dns.example");
    const ConfigFallback attributes = only_fallback({{"OPENSANDBOX_EGRESS_METRICS_EXTRA_ATTRS", "a=b,junk"}});
    EXPECT_EQ(attributes.problem, "\"junk\" is not key=value");
}

TEST(ConfigFallbacks, RuleLimitLogLevelAndUnsupportedSettingsAreRecorded) {
    EXPECT_EQ(only_fallback({{"OPENSANDBOX_EGRESS_MAX_RULES", "-1"}}).warning,
              "OPENSANDBOX_EGRESS_MAX_RULES=\"-1\": not a rule count (0 for no limit); using 4096");
    EXPECT_EQ(only_fallback({{"OPENSANDBOX_EGRESS_LOG_LEVEL", "verbose"}}).warning,
              "OPENSANDBOX_EGRESS_LOG_LEVEL=\"verbose\": not debug, info, warn, error or fatal; using info");
    EXPECT_EQ(only_fallback({{"OPENSANDBOX_EGRESS_MITMPROXY_SCRIPT", "/x.py"}}).warning,
              "OPENSANDBOX_EGRESS_MITMPROXY_SCRIPT is not supported by this egress and is ignored");
    EXPECT_EQ(only_fallback({{"OPENSANDBOX_EGRESS_MITMPROXY_TRANSPARENT", "true"}}).warning,
              "credential proxy disabled: it needs OPENSANDBOX_EGRESS_MODE=dns+nft");
}

TEST(ConfigFallbacks, StrictModeIsReadFirstAndMustBeABoolean) {
    EXPECT_TRUE(config_with({{"OPENSANDBOX_EGRESS_STRICT", "true"}}).strict);
    EXPECT_FALSE(config_with({{"OPENSANDBOX_EGRESS_STRICT", "0"}}).strict);
    try {
        config_with({{"OPENSANDBOX_EGRESS_STRICT", "ture"}});
        FAIL() << "accepted";
    } catch (const std::invalid_argument& error) {
        EXPECT_EQ(
            std::string(error.what()),
            "OPENSANDBOX_EGRESS_STRICT: \"ture\" is not a boolean (1, true, yes, y, on or 0, false, no, "
            "n, off)");
    }
}

TEST(HandleFallbacks, WithoutStrictModeEachFallbackIsAWarning) {
    const unit_test_support::DefaultLogCapture log;
    const EgressConfig config = config_with(
        {{"OPENSANDBOX_EGRESS_MODE", "bogus"}, {"OPENSANDBOX_EGRESS_DNS_UPSTREAM_TIMEOUT", "500"}});
    handle_fallbacks(config.fallbacks, false);
    const auto lines = log.lines();
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[0]["level"], "warn");
    EXPECT_EQ(lines[0]["msg"], "invalid OPENSANDBOX_EGRESS_MODE=bogus, falling back to dns");
    EXPECT_EQ(lines[1]["msg"],
              "OPENSANDBOX_EGRESS_DNS_UPSTREAM_TIMEOUT=\"500\": not an integer from 1 to 120; using 5");
}

TEST(HandleFallbacks, StrictModeRefusesNamingEveryFallback) {
    const unit_test_support::DefaultLogCapture log;
    const EgressConfig config = config_with(
        {{"OPENSANDBOX_EGRESS_MODE", "bogus"}, {"OPENSANDBOX_EGRESS_DNS_UPSTREAM_TIMEOUT", "500"}});
    try {
        handle_fallbacks(config.fallbacks, true);
        FAIL() << "not refused";
    } catch (const StrictModeRefusal& refusal) {
        EXPECT_EQ(
            std::string(refusal.what()),
            "OPENSANDBOX_EGRESS_MODE=\"bogus\": not dns, dns+nft or nft+dns (without "
            "OPENSANDBOX_EGRESS_STRICT: using dns); OPENSANDBOX_EGRESS_DNS_UPSTREAM_TIMEOUT=\"500\": not an "
            "integer from 1 to 120 (without OPENSANDBOX_EGRESS_STRICT: using 5)");
    }
    EXPECT_TRUE(log.lines().empty());
    EXPECT_NO_THROW(handle_fallbacks({}, true));
}

TEST(HandleFallbacks, AnUnusablePolicyFileIsAFallbackToo) {
    const ConfigFallback fallback = policy_file_fallback("/var/egress/policy.json", "is empty");
    EXPECT_EQ(
        fallback.warning,
        "egress policy file /var/egress/policy.json is empty; falling back to OPENSANDBOX_EGRESS_RULES");
    EXPECT_EQ(refusal_text(fallback),
              "OPENSANDBOX_EGRESS_POLICY_FILE=\"/var/egress/policy.json\": the file is empty (without "
              "OPENSANDBOX_EGRESS_STRICT: using OPENSANDBOX_EGRESS_RULES)");
}

TEST(ParseFlag, KnowsBothWordListsAndNothingElse) {
    for (const char* yes : {"1", "true", "YES", " y ", "On"}) {
        EXPECT_EQ(parse_flag(yes), std::optional<bool>(true)) << yes;
    }
    for (const char* no : {"", " ", "0", "false", "No", "n", "OFF"}) {
        EXPECT_EQ(parse_flag(no), std::optional<bool>(false)) << no;
    }
    for (const char* neither : {"ture", "2", "enabled", "yes please"}) {
        EXPECT_EQ(parse_flag(neither), std::nullopt) << neither;
    }
}

}  // namespace
}  // namespace egress::sidecar
