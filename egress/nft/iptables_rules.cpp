#include "nft/iptables_rules.hpp"

#include <sstream>

namespace egress::nft {
namespace {

using common::IpFamily;

constexpr const char* kProtocols[] = {"udp", "tcp"};

std::string hex(uint32_t mark) {
    std::ostringstream text;
    text << "0x" << std::hex << mark;
    return text.str();
}

void add_exempt_rules(std::vector<IptablesRule>& rules, IpFamily family,
                      const std::vector<common::IpAddress>& nameservers) {
    for (const auto& nameserver : nameservers) {
        if (nameserver.family() != family) {
            continue;
        }
        for (const char* protocol : kProtocols) {
            rules.push_back(
                {family,
                 "nat",
                 "OUTPUT",
                 {"-d", nameserver.to_string(), "-p", protocol, "--dport", "53", "-j", "RETURN"}});
        }
    }
}

void add_redirect_rules(std::vector<IptablesRule>& rules, IpFamily family,
                        const IptablesRedirectOptions& options) {
    for (const char* protocol : kProtocols) {
        rules.push_back(
            {family,
             "nat",
             "OUTPUT",
             {"-p", protocol, "--dport", "53", "-m", "mark", "!", "--mark", hex(options.bypass_mark), "-j",
              "REDIRECT", "--to-ports", std::to_string(options.proxy_port)}});
    }
}

// See add_notrack_chains_and_rules in ruleset_batch.cpp for why the proxy's flows are untracked.
void add_notrack_rules(std::vector<IptablesRule>& rules, IpFamily family, uint32_t bypass_mark) {
    for (const char* protocol : kProtocols) {
        rules.push_back({family,
                         "raw",
                         "OUTPUT",
                         {"-p", protocol, "--dport", "53", "-m", "mark", "--mark", hex(bypass_mark), "-j",
                          "CT", "--notrack"}});
    }
    for (const char* protocol : kProtocols) {
        rules.push_back(
            {family, "raw", "PREROUTING", {"-p", protocol, "--sport", "53", "-j", "CT", "--notrack"}});
    }
}

}  // namespace

std::string IptablesRule::describe() const {
    std::string text = family == IpFamily::v4 ? "iptables" : "ip6tables";
    text += " -t " + table + " " + chain;
    for (const auto& word : match) {
        text += " " + word;
    }
    return text;
}

std::vector<IptablesRule> dns_redirect_rules(const IptablesRedirectOptions& options) {
    std::vector<IptablesRule> rules;
    for (const IpFamily family : {IpFamily::v4, IpFamily::v6}) {
        add_exempt_rules(rules, family, options.exempt_nameservers);
        add_redirect_rules(rules, family, options);
        add_notrack_rules(rules, family, options.bypass_mark);
    }
    return rules;
}

}  // namespace egress::nft
