#include "harness/real_dns_server.hpp"

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "harness/dns_query.hpp"
#include "harness/dns_types.hpp"

namespace harness {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::string absolute_name(const std::string& relative, const std::string& origin) {
    return relative == "@" ? origin + "." : relative + "." + origin + ".";
}

void write_file(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
    if (!out) {
        throw std::runtime_error("cannot write " + path.string());
    }
}

// RFC 1035 master file, read by nsd and named.
std::string master_file(const RealDnsServerConfig& config) {
    std::ostringstream zone;
    zone << "$ORIGIN " << config.origin << ".\n$TTL " << config.ttl << "\n"
         << "@ IN SOA ns." << config.origin << ". hostmaster." << config.origin << ". 1 3600 600 86400 "
         << config.ttl << "\n"
         << "@ IN NS ns." << config.origin << ".\n"
         << "ns IN A " << config.address << "\n";
    for (const auto& record : config.records) {
        const std::string data =
            record.type == "CNAME" ? absolute_name(record.data, config.origin) : record.data;
        zone << record.name << " IN " << record.type << " " << data << "\n";
    }
    return zone.str();
}

std::vector<std::string> dnsmasq_argv(const RealDnsServerConfig& config) {
    std::ostringstream hosts;
    std::vector<std::string> argv{"dnsmasq",
                                  "--no-daemon",
                                  "--conf-file=/dev/null",
                                  "--no-resolv",
                                  "--no-hosts",
                                  "--bind-interfaces",
                                  "--listen-address=" + config.address,
                                  "--port=53",
                                  "--user=root",
                                  "--pid-file=",
                                  "--log-queries",
                                  "--local-ttl=" + std::to_string(config.ttl),
                                  "--addn-hosts=" + (config.work_dir / "hosts").string()};
    for (const auto& record : config.records) {
        const std::string name = absolute_name(record.name, config.origin);
        const std::string bare = name.substr(0, name.size() - 1);
        if (record.type == "CNAME") {
            const std::string target = absolute_name(record.data, config.origin);
            argv.push_back("--cname=" + bare + "," + target.substr(0, target.size() - 1));
        } else {
            hosts << record.data << " " << bare << "\n";
        }
    }
    write_file(config.work_dir / "hosts", hosts.str());
    return argv;
}

std::vector<std::string> unbound_argv(const RealDnsServerConfig& config) {
    std::ostringstream conf;
    conf << "server:\n"
         << "  interface: " << config.address << "\n  port: 53\n"
         << "  do-daemonize: no\n  use-syslog: no\n  logfile: \"\"\n  verbosity: 1\n  log-queries: yes\n"
         << "  username: \"\"\n  chroot: \"\"\n  pidfile: \"\"\n"
         << "  directory: \"" << config.work_dir.string() << "\"\n"
         << "  do-ip6: no\n  access-control: 0.0.0.0/0 allow\n  module-config: \"iterator\"\n"
         // Nothing outside the zone is ever looked up: the root is answered locally, empty.
         << "  local-zone: \".\" static\n"
         << "  local-zone: \"" << config.origin << ".\" static\n"
         << "  local-data: \"" << config.origin << ". " << config.ttl << " IN SOA ns." << config.origin
         << ". hostmaster." << config.origin << ". 1 3600 600 86400 " << config.ttl << "\"\n";
    for (const auto& record : config.records) {
        const std::string data =
            record.type == "CNAME" ? absolute_name(record.data, config.origin) : record.data;
        conf << "  local-data: \"" << absolute_name(record.name, config.origin) << " " << config.ttl << " IN "
             << record.type << " " << data << "\"\n";
    }
    conf << "remote-control:\n  control-enable: no\n";
    write_file(config.work_dir / "unbound.conf", conf.str());
    return {"unbound", "-d", "-c", (config.work_dir / "unbound.conf").string()};
}

std::vector<std::string> nsd_argv(const RealDnsServerConfig& config) {
    write_file(config.work_dir / "zone", master_file(config));
    const std::string dir = config.work_dir.string();
    std::ostringstream conf;
    conf << "server:\n"
         << "  ip-address: " << config.address << "\n  port: 53\n  do-ip6: no\n  server-count: 1\n"
         << "  username: \"\"\n  chroot: \"\"\n  zonesdir: \"" << dir << "\"\n"
         << "  database: \"\"\n  pidfile: \"" << dir << "/nsd.pid\"\n"
         << "  xfrdfile: \"" << dir << "/xfrd.state\"\n  xfrdir: \"" << dir << "\"\n"
         << "  zonelistfile: \"" << dir << "/zone.list\"\n  verbosity: 1\n"
         << "remote-control:\n  control-enable: no\n"
         << "zone:\n  name: \"" << config.origin << "\"\n  zonefile: \"" << dir << "/zone\"\n";
    write_file(config.work_dir / "nsd.conf", conf.str());
    return {"nsd", "-d", "-c", (config.work_dir / "nsd.conf").string()};
}

std::vector<std::string> bind9_argv(const RealDnsServerConfig& config) {
    write_file(config.work_dir / "zone", master_file(config));
    const std::string dir = config.work_dir.string();
    std::ostringstream conf;
    conf << "options {\n"
         << "  directory \"" << dir << "\";\n  pid-file \"" << dir << "/named.pid\";\n"
         << "  session-keyfile \"" << dir << "/session.key\";\n"
         << "  managed-keys-directory \"" << dir << "\";\n"
         << "  listen-on port 53 { " << config.address << "; };\n  listen-on-v6 { none; };\n"
         << "  recursion no;\n  allow-query { any; };\n  dnssec-validation no;\n  querylog yes;\n"
         << "};\n"
         << "zone \"" << config.origin << "\" { type primary; file \"" << dir << "/zone\"; };\n";
    write_file(config.work_dir / "named.conf", conf.str());
    return {"named", "-g", "-c", (config.work_dir / "named.conf").string()};
}

std::vector<std::string> prepare(const RealDnsServerConfig& config) {
    switch (config.kind) {
        case RealDnsServerKind::dnsmasq:
            return dnsmasq_argv(config);
        case RealDnsServerKind::unbound:
            return unbound_argv(config);
        case RealDnsServerKind::nsd:
            return nsd_argv(config);
        case RealDnsServerKind::bind9:
            return bind9_argv(config);
    }
    throw std::logic_error("unknown DNS server kind");
}

std::string first_a_record(const RealDnsServerConfig& config) {
    for (const auto& record : config.records) {
        if (record.type == "A") {
            const std::string name = absolute_name(record.name, config.origin);
            return name.substr(0, name.size() - 1);
        }
    }
    throw std::invalid_argument("the zone needs an A record to check that the server answers");
}

}  // namespace

std::string_view name_of(RealDnsServerKind kind) {
    switch (kind) {
        case RealDnsServerKind::dnsmasq:
            return "dnsmasq";
        case RealDnsServerKind::unbound:
            return "unbound";
        case RealDnsServerKind::nsd:
            return "nsd";
        case RealDnsServerKind::bind9:
            return "bind9";
    }
    return "unknown";
}

bool real_dns_server_installed(RealDnsServerKind kind) {
    const char* program = kind == RealDnsServerKind::bind9 ? "named" : name_of(kind).data();
    for (const char* dir : {"/usr/sbin", "/usr/bin", "/sbin", "/bin"}) {
        if (::access((fs::path(dir) / program).c_str(), X_OK) == 0) {
            return true;
        }
    }
    return false;
}

RealDnsServer::RealDnsServer(RealDnsServerConfig config) : config_(std::move(config)) {
    fs::create_directories(config_.work_dir);
    argv_ = prepare(config_);
    start();
}

void RealDnsServer::start() {
    process_ = std::make_unique<NamespaceProcess>(
        NamespaceProcess::start(config_.netns, argv_, config_.work_dir / "server.log"));
    wait_until_answering();
}

void RealDnsServer::restart() {
    stop();
    start();
}

void RealDnsServer::stop() {
    if (process_) {
        process_->kill();
        process_.reset();
    }
}

std::string RealDnsServer::log() const {
    std::ifstream in(config_.work_dir / "server.log");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void RealDnsServer::wait_until_answering() {
    const std::string name = first_a_record(config_);
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline) {
        if (!process_->running()) {
            throw std::runtime_error(std::string(name_of(config_.kind)) + " exited at start:\n" + log());
        }
        const auto result = dns_query(config_.netns, config_.address, 53, name, kDnsTypeA, false, 200ms);
        if (result.ok() && result.rcode == kRcodeNoError && !result.answers.empty()) {
            return;
        }
        std::this_thread::sleep_for(50ms);
    }
    throw std::runtime_error(std::string(name_of(config_.kind)) + " did not answer for " + name +
                             " within 15 s:\n" + log());
}

}  // namespace harness
