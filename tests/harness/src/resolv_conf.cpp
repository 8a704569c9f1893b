#include "harness/resolv_conf.hpp"

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace harness {
namespace {

const std::filesystem::path kEtcNetns = "/etc/netns";

// Another topology may rmdir /etc/netns between our two mkdirs, hence the retry.
void create_namespace_etc(const std::filesystem::path& dir) {
    for (int attempt = 0; attempt < 10; ++attempt) {
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        if (!ec) {
            return;
        }
    }
    throw std::runtime_error("cannot create " + dir.string());
}

}  // namespace

void write_namespace_resolv_conf(const std::string& netns, const std::vector<std::string>& nameservers,
                                 const std::vector<std::string>& extra_lines) {
    const auto dir = kEtcNetns / netns;
    create_namespace_etc(dir);
    std::ofstream out(dir / "resolv.conf", std::ios::trunc);
    for (const auto& server : nameservers) {
        out << "nameserver " << server << '\n';
    }
    for (const auto& line : extra_lines) {
        out << line << '\n';
    }
    if (!out.flush()) {
        throw std::runtime_error("cannot write " + (dir / "resolv.conf").string());
    }
}

void remove_namespace_etc(const std::string& netns) {
    std::error_code ec;
    std::filesystem::remove_all(kEtcNetns / netns, ec);
    std::filesystem::remove(kEtcNetns, ec);  // only succeeds when empty, which is what we want
}

}  // namespace harness
