#include "api/policy_insight_handlers.hpp"

#include <algorithm>
#include <charconv>

#include "api/query_string.hpp"
#include "policy/address_decision.hpp"
#include "policy/audited_destination.hpp"
#include "policy/policy_error.hpp"
#include "policy/policy_json.hpp"
#include "policy/suggestions.hpp"
#include "policy/text.hpp"

namespace egress::api {
namespace {

using nlohmann::ordered_json;

constexpr size_t kDefaultTop = 20;
constexpr size_t kMaxTop = 1000;

// The rule behind a decision: where it comes from, its position there, its stable id and the rule.
ordered_json rule_json(const policy::PolicySnapshot& snapshot, const policy::Decision& decision) {
    ordered_json document;
    document["source"] = policy::to_string(decision.source);
    const policy::Rule* rule = snapshot.rule_of(decision);
    if (rule == nullptr) {
        document["id"] = "default";
        document["action"] = policy::to_string(snapshot.effective_policy().default_action);
        return document;
    }
    document["index"] = decision.rule_index;
    document["id"] = snapshot.rule_id_of(decision);
    document.update(policy::rule_to_json(*rule));
    return document;
}

ordered_json ports_json(bool every_port, const std::vector<std::pair<std::string, uint16_t>>& ports) {
    if (every_port) {
        return "every";
    }
    ordered_json list = ordered_json::array();
    for (const auto& [protocol, port] : ports) {
        list.push_back({{"protocol", protocol}, {"port", port}});
    }
    return list;
}

ordered_json learned_json(const LearnedEntry& entry) {
    return {{"address", entry.address.to_string()},
            {"expiresInSeconds", entry.expires_in.count()},
            {"ports", ports_json(entry.every_port, entry.ports)},
            {"names", entry.names}};
}

std::vector<std::pair<std::string, uint16_t>> grant_ports(const policy::NameGrant& grant) {
    std::vector<std::pair<std::string, uint16_t>> ports;
    for (const auto& entry : grant.ports) {
        ports.emplace_back(std::string(policy::to_string(entry.protocol)), entry.port);
    }
    return ports;
}

// A query name as the DNS layer sees it: lowercase, one trailing dot removed.
std::optional<std::string> normalized_name(std::string_view raw) {
    std::string name = policy::to_lower_ascii(policy::trim_space(raw));
    if (!name.empty() && name.back() == '.') {
        name.pop_back();
    }
    if (name.empty() || name.size() > policy::max_name_length) {
        return std::nullopt;
    }
    return name;
}

std::optional<uint64_t> parse_number(std::string_view text) {
    uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

bool learned_opens(const LearnedEntry& entry, const std::optional<policy::ProtocolPort>& port) {
    if (entry.every_port) {
        return true;
    }
    const std::string protocol = port ? std::string(policy::to_string(port->protocol)) : "";
    return port && std::find(entry.ports.begin(), entry.ports.end(), std::pair(protocol, port->port)) !=
                       entry.ports.end();
}

// A tally entry's figures, after what it is about.
ordered_json tally_entry_json(ordered_json about, const policy::DenialTally::Entry& entry,
                              policy::DenialTally::Clock::time_point now) {
    about["decision"] = policy::to_string(entry.verdict);
    about["count"] = entry.count;
    about["score"] = entry.score;
    about["lastSeenSecondsAgo"] =
        std::chrono::duration_cast<std::chrono::seconds>(now - entry.last_seen).count();
    return about;
}

ordered_json destination_json(const policy::AuditedDestination& destination) {
    ordered_json about;
    about["ip"] = destination.address.to_string();
    if (destination.port) {
        about["protocol"] = policy::to_string(destination.port->protocol);
        about["port"] = destination.port->port;
    }
    return about;
}

ordered_json counts_json(const policy::HitCounts* counts) {
    const auto value = [&](const std::atomic<uint64_t>& counter) {
        return counts ? counter.load(std::memory_order_relaxed) : 0;
    };
    policy::HitCounts none;
    const policy::HitCounts& source = counts ? *counts : none;
    return {{"allowed", value(source.allowed)},
            {"denied", value(source.denied)},
            {"wouldDeny", value(source.would_deny)}};
}

}  // namespace

PolicyInsightHandlers::PolicyInsightHandlers(const policy::PolicyEngine& engine, DenialTallies denied,
                                             LearnedLookup learned, common::MetricsRegistry& metrics)
    : engine_(engine), denied_(denied), learned_(std::move(learned)) {
    metrics.sampled_counter_family(
        "egress_policy_rule_decisions_total",
        "DNS decisions by the rule that made them (source, index within the source, stable id) and verdict; "
        "one series per rule in force, counted since the rule came in force.",
        {"source", "rule", "rule_id", "decision"}, [this] { return rule_samples(); });
}

std::vector<common::MetricSample> PolicyInsightHandlers::rule_samples() const {
    const auto snapshot = engine_.current();
    std::vector<common::MetricSample> samples;
    const auto add = [&](const policy::Decision& decision) {
        const policy::HitCounts* counts = snapshot->hit_counts(decision);
        if (counts == nullptr) {
            return;
        }
        const std::string source(policy::to_string(decision.source));
        const std::string index = snapshot->rule_of(decision) ? std::to_string(decision.rule_index) : "";
        const std::string id = snapshot->rule_id_of(decision);
        const std::pair<const char*, const std::atomic<uint64_t>*> verdicts[] = {
            {"allowed", &counts->allowed}, {"denied", &counts->denied}, {"would_deny", &counts->would_deny}};
        for (const auto& [name, counter] : verdicts) {
            const uint64_t value = counter->load(std::memory_order_relaxed);
            if (value != 0) {
                common::MetricSample sample;
                sample.label_values = {source, index, id, name};
                sample.int_value = value;
                samples.push_back(std::move(sample));
            }
        }
    };
    for (size_t index = 0; index < snapshot->effective_policy().rules.size(); ++index) {
        add(snapshot->decision_at(index));
    }
    add(snapshot->default_decision());
    return samples;
}

ApiResponse PolicyInsightHandlers::explain(std::string_view query) const {
    if (const auto name = query_parameter(query, "name")) {
        const auto normalized = normalized_name(*name);
        if (!normalized) {
            return text_error(400, "invalid name: it must be 1 to 253 characters");
        }
        return explain_name(*normalized);
    }
    if (const auto ip = query_parameter(query, "ip")) {
        // Read as a rule target is: an IPv4-mapped address becomes the IPv4 address.
        std::optional<policy::Target> target;
        try {
            target = policy::parse_target(*ip);
        } catch (const policy::PolicyError&) {
        }
        if (!target || target->kind != policy::TargetKind::address) {
            return text_error(400, "invalid ip \"" + *ip + "\": not an IPv4 or IPv6 address");
        }
        return explain_address(target->network->address(), query);
    }
    return text_error(400, "explain needs ?name=<fqdn> or ?ip=<address>[&port=<n>&proto=tcp|udp]");
}

ApiResponse PolicyInsightHandlers::explain_name(const std::string& name) const {
    const auto snapshot = engine_.current();
    const policy::Decision decision = snapshot->decide(name);
    ordered_json document;
    document["name"] = name;
    document["decision"] = policy::to_string(decision.verdict);
    document["mode"] = policy::to_string(snapshot->user_policy().mode);
    document["rule"] = rule_json(*snapshot, decision);
    if (const policy::NameGrant* grant = snapshot->grant(name)) {
        document["ports"] = ports_json(grant->every_port, grant_ports(*grant));
    }
    ordered_json learned = ordered_json::array();
    if (learned_.by_name) {
        for (const auto& entry : learned_.by_name(name)) {
            learned.push_back(learned_json(entry));
        }
    }
    document["learned"] = std::move(learned);
    return json_response(200, document);
}

ApiResponse PolicyInsightHandlers::explain_address(const common::IpAddress& address,
                                                   std::string_view query) const {
    std::optional<policy::ProtocolPort> port;
    if (const auto port_text = query_parameter(query, "port")) {
        const auto number = parse_number(*port_text);
        if (!number || *number < 1 || *number > 65535) {
            return text_error(400, "invalid port \"" + *port_text + "\": it must be 1-65535");
        }
        policy::Protocol protocol = policy::Protocol::tcp;
        const std::string proto = policy::to_lower_ascii(query_parameter(query, "proto").value_or("tcp"));
        if (proto == "udp") {
            protocol = policy::Protocol::udp;
        } else if (proto != "tcp") {
            return text_error(400, "invalid proto \"" + proto + "\": use tcp or udp");
        }
        port = policy::ProtocolPort{protocol, static_cast<uint16_t>(*number)};
    }
    const auto snapshot = engine_.current();
    const std::optional<LearnedEntry> learned =
        learned_.by_address ? learned_.by_address(address) : std::nullopt;
    const policy::AddressDecision decided =
        policy::decide_address(*snapshot, address, port, learned && learned_opens(*learned, port));
    ordered_json document;
    document["ip"] = address.to_string();
    if (port) {
        document["port"] = port->port;
        document["protocol"] = policy::to_string(port->protocol);
    }
    document["decision"] = policy::to_string(decided.decision.verdict);
    document["mode"] = policy::to_string(snapshot->user_policy().mode);
    document["layer"] = policy::to_string(decided.layer);
    if (decided.layer == policy::AddressLayer::rule || decided.layer == policy::AddressLayer::none) {
        document["rule"] = rule_json(*snapshot, decided.decision);
    }
    document["learned"] = learned ? learned_json(*learned) : ordered_json(nullptr);
    return json_response(200, document);
}

ApiResponse PolicyInsightHandlers::stats(std::string_view query) const {
    size_t top = kDefaultTop;
    if (const auto text = query_parameter(query, "top")) {
        const auto number = parse_number(*text);
        if (!number || *number > kMaxTop) {
            return text_error(400, "invalid top \"" + *text + "\": it must be 0-1000");
        }
        top = static_cast<size_t>(*number);
    }
    const auto snapshot = engine_.current();
    ordered_json rules = ordered_json::array();
    for (size_t index = 0; index < snapshot->effective_policy().rules.size(); ++index) {
        const policy::Decision decision = snapshot->decision_at(index);
        ordered_json entry = rule_json(*snapshot, decision);
        entry.update(counts_json(snapshot->hit_counts(decision)));
        rules.push_back(std::move(entry));
    }
    ordered_json by_default = rule_json(*snapshot, snapshot->default_decision());
    by_default.update(counts_json(snapshot->hit_counts(snapshot->default_decision())));
    const auto now = policy::DenialTally::Clock::now();
    ordered_json names = ordered_json::array();
    for (const auto& entry : denied_.names.top(top, now)) {
        names.push_back(tally_entry_json({{"name", entry.key}}, entry, now));
    }
    ordered_json destinations = ordered_json::array();
    for (const auto& entry : denied_.destinations.top(top, now)) {
        if (const auto destination = policy::parse_tally_key(entry.key)) {
            destinations.push_back(tally_entry_json(destination_json(*destination), entry, now));
        }
    }
    ordered_json document;
    document["mode"] = policy::to_string(snapshot->user_policy().mode);
    document["rules"] = std::move(rules);
    document["default"] = std::move(by_default);
    document["topDenied"] = std::move(names);
    document["trackedNames"] = denied_.names.size();
    document["topWouldDenyDestinations"] = std::move(destinations);
    document["trackedDestinations"] = denied_.destinations.size();
    return json_response(200, document);
}

bool PolicyInsightHandlers::learned_opens_address(const common::IpAddress& address,
                                                  std::optional<policy::ProtocolPort> port) const {
    const std::optional<LearnedEntry> learned =
        learned_.by_address ? learned_.by_address(address) : std::nullopt;
    return learned && learned_opens(*learned, port);
}

ApiResponse PolicyInsightHandlers::suggestions() const {
    const auto snapshot = engine_.current();
    ordered_json skipped = ordered_json::array();
    const auto still_denied = [&](const policy::Decision& decision, ordered_json about) {
        if (decision.verdict == policy::Verdict::allow) {
            return false;  // allowed since
        }
        if (decision.source == policy::RuleSource::always_deny) {
            about["reason"] = "denied by deny.always: an allow rule cannot admit it";
            skipped.push_back(std::move(about));
            return false;
        }
        return true;
    };
    std::vector<std::string> names;
    for (const auto& entry : denied_.names.top(SIZE_MAX)) {
        if (still_denied(snapshot->decide(entry.key), {{"name", entry.key}})) {
            names.push_back(entry.key);
        }
    }
    std::vector<policy::AuditedDestination> destinations;
    for (const auto& entry : denied_.destinations.top(SIZE_MAX)) {
        const auto destination = policy::parse_tally_key(entry.key);
        if (!destination) {
            continue;
        }
        const auto decided =
            policy::decide_address(*snapshot, destination->address, destination->port,
                                   learned_opens_address(destination->address, destination->port));
        if (still_denied(decided.decision, destination_json(*destination))) {
            destinations.push_back(*destination);
        }
    }
    ordered_json patch = ordered_json::array();
    ordered_json evidence = ordered_json::array();
    const auto suggest = [&](const std::vector<policy::Suggestion>& suggestions, const char* admitted) {
        for (const auto& suggestion : suggestions) {
            patch.push_back(policy::rule_to_json(suggestion.rule));
            evidence.push_back({{"target", suggestion.rule.target.text}, {admitted, suggestion.admits}});
        }
    };
    suggest(policy::suggest_allow_rules(names), "names");
    suggest(policy::suggest_address_rules(destinations), "destinations");
    ordered_json document;
    document["patch"] = std::move(patch);
    document["evidence"] = std::move(evidence);
    document["skipped"] = std::move(skipped);
    return json_response(200, document);
}

}  // namespace egress::api
