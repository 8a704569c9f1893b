#include "nft_test_support.hpp"

#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sstream>
#include <stdexcept>

#include "harness/command.hpp"
#include "harness/netns_scope.hpp"
#include "harness/socket_address.hpp"
#include "harness/unique_fd.hpp"

namespace egress::nft::testing {

nlohmann::json list_ruleset(const std::string& netns) {
    return nlohmann::json::parse(
        harness::run_checked({"ip", "netns", "exec", netns, "nft", "-j", "list", "ruleset"}));
}

std::vector<nlohmann::json> ruleset_items(const nlohmann::json& ruleset, const std::string& kind) {
    std::vector<nlohmann::json> items;
    for (const auto& entry : ruleset.at("nftables")) {
        if (entry.contains(kind)) {
            items.push_back(entry.at(kind));
        }
    }
    return items;
}

std::vector<std::string> chain_rule_lines(const std::string& netns, const std::string& chain) {
    const std::string text = harness::run_checked(
        {"ip", "netns", "exec", netns, "nft", "list", "chain", "inet", "opensandbox", chain});
    std::vector<std::string> lines;
    std::istringstream stream(text);
    for (std::string line; std::getline(stream, line);) {
        const auto start = line.find_first_not_of(" \t");
        if (start == std::string::npos) {
            continue;
        }
        line = line.substr(start);
        if (line.starts_with("table") || line.starts_with("chain") || line.starts_with("type") ||
            line == "}") {
            continue;
        }
        lines.push_back(line);
    }
    return lines;
}

namespace {

// One element of `nft -j list set` as text: "198.51.100.0/24", "a-b", "198.18.0.1 . tcp . 443".
std::string element_text(const nlohmann::json& element) {
    if (element.is_string()) {
        return element.get<std::string>();
    }
    if (element.is_number()) {
        return std::to_string(element.get<int64_t>());
    }
    if (element.contains("prefix")) {
        return element["prefix"]["addr"].get<std::string>() + "/" +
               std::to_string(element["prefix"]["len"].get<int>());
    }
    if (element.contains("elem")) {
        return element_text(element["elem"]["val"]);
    }
    if (element.contains("range")) {
        return element_text(element["range"][0]) + "-" + element_text(element["range"][1]);
    }
    if (element.contains("concat")) {
        std::string text;
        for (const auto& field : element["concat"]) {
            text += (text.empty() ? "" : " . ") + element_text(field);
        }
        return text;
    }
    return element.dump();
}

}  // namespace

std::vector<std::string> set_elements(const std::string& netns, const std::string& set) {
    const auto json = nlohmann::json::parse(harness::run_checked(
        {"ip", "netns", "exec", netns, "nft", "-j", "list", "set", "inet", "opensandbox", set}));
    std::vector<std::string> elements;
    for (const auto& item : ruleset_items(json, "set")) {
        for (const auto& element : item.value("elem", nlohmann::json::array())) {
            elements.push_back(element_text(element));
        }
    }
    return elements;
}

std::unique_ptr<NftEnforcer> make_enforcer(const std::string& netns, RulesetOptions options,
                                           std::shared_ptr<AddressProvenance> provenance) {
    harness::NetnsScope scope(netns);
    return std::make_unique<NftEnforcer>(options, std::move(provenance));
}

WriterThread::WriterThread(const std::string& netns, std::shared_ptr<AddressProvenance> provenance,
                           DynamicAllowWriter::Options options, std::shared_ptr<LearningGate> gate) {
    std::promise<void> ready;
    thread_ = std::thread([&, netns] {
        harness::NetnsScope scope(netns);
        try {
            writer_ = std::make_unique<DynamicAllowWriter>(loop_, provenance, options, gate);
            ready.set_value();
        } catch (...) {
            ready.set_exception(std::current_exception());
            return;
        }
        loop_.run();
        writer_.reset();
    });
    ready.get_future().get();
}

WriterThread::~WriterThread() {
    loop_.stop();
    thread_.join();
}

template <typename Result>
Result WriterThread::on_loop(std::function<Result()> task) {
    auto done = std::make_shared<std::promise<Result>>();
    auto future = done->get_future();
    loop_.post([task = std::move(task), done] { done->set_value(task()); });
    return future.get();
}

bool WriterThread::resolve_and_wait(const std::string& name,
                                    const std::vector<dns::ResolvedAddress>& addresses,
                                    std::chrono::milliseconds timeout) {
    auto released = std::make_shared<std::promise<void>>();
    auto future = released->get_future();
    loop_.post([this, name, addresses, released] {
        writer_->on_resolved(name, addresses, [released](bool) { released->set_value(); });
    });
    return future.wait_for(timeout) == std::future_status::ready;
}

uint64_t WriterThread::failures() {
    return on_loop<uint64_t>([this] { return writer_->batches_failed(); });
}

namespace {

std::vector<uint8_t> dns_query_bytes() {
    std::vector<uint8_t> query = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
    for (const char* label : {"bypass", "test"}) {
        query.push_back(static_cast<uint8_t>(std::strlen(label)));
        query.insert(query.end(), label, label + std::strlen(label));
    }
    query.insert(query.end(), {0, 0, 1, 0, 1});
    return query;
}

}  // namespace

bool udp_dns_query_answered(const std::string& netns, const std::string& server, uint16_t port,
                            std::optional<uint16_t> source_port, std::optional<uint32_t> mark,
                            std::chrono::milliseconds timeout) {
    const auto destination = harness::make_socket_address(server, port);
    harness::UniqueFd socket_fd;
    {
        harness::NetnsScope scope(netns);
        socket_fd = harness::UniqueFd(::socket(destination.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0));
    }
    const int fd = socket_fd.get();
    const int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (mark && setsockopt(fd, SOL_SOCKET, SO_MARK, &*mark, sizeof *mark) != 0) {
        throw std::runtime_error("SO_MARK failed");
    }
    if (source_port) {
        const auto local =
            harness::make_socket_address(destination.family() == AF_INET ? "0.0.0.0" : "::", *source_port);
        if (::bind(fd, local.get(), local.length) != 0) {
            throw std::runtime_error("bind to source port failed");
        }
    }
    const auto query = dns_query_bytes();
    if (::sendto(fd, query.data(), query.size(), 0, destination.get(), destination.length) < 0) {
        return false;
    }
    pollfd entry{fd, POLLIN, 0};
    if (::poll(&entry, 1, static_cast<int>(timeout.count())) <= 0) {
        return false;
    }
    uint8_t reply[512];
    return ::recv(fd, reply, sizeof reply, 0) > 0;
}

dns::ResolvedAddress resolved(const std::string& address, uint32_t ttl) {
    return {common::IpAddress::parse_or_throw(address), ttl};
}

common::IpPrefix prefix(const std::string& text) {
    return common::IpPrefix::parse_or_throw(text);
}

const PortGrant* every_name_every_port(std::string_view) {
    return &every_port();
}

const PortGrant* no_name(std::string_view) {
    return nullptr;
}

}  // namespace egress::nft::testing
