#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace harness {

enum class DnsRecordType { a, aaaa, cname };

struct DnsRecord {
    DnsRecordType type;
    std::string value;  // an address, or the CNAME target name
};

// The table of names a TestDnsServer answers from. Lookups ignore case and a trailing dot.
class DnsZone {
  public:
    DnsZone& add_a(std::string_view name, std::string_view ipv4);
    DnsZone& add_aaaa(std::string_view name, std::string_view ipv6);
    DnsZone& add_cname(std::string_view name, std::string_view target);

    // "198.51.100.10", "2001:db8::1" or "CNAME:target.example". Throws std::invalid_argument.
    DnsZone& add_from_text(std::string_view name, std::string_view value);

    // nullptr for names not in the table.
    const std::vector<DnsRecord>* find(std::string_view name) const;

  private:
    std::map<std::string, std::vector<DnsRecord>> records_;
};

// Lowercase, without trailing dot: the form names are compared in.
std::string normalize_dns_name(std::string_view name);

}  // namespace harness
