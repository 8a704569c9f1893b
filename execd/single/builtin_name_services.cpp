// Name lookups of the statically linked execd use only the services compiled into static glibc.
//
// Since glibc 2.34 the `files` and `dns` services are part of libc itself, so a static program
// resolves host names (getaddrinfo: the Jupyter client, the OTLP exporter, the MariaDB client's
// host) from /etc/hosts and /etc/resolv.conf without loading anything. Any other service named in
// the image's /etc/nsswitch.conf (myhostname, mdns4_minimal, systemd, sss, ...) would be loaded
// with dlopen as libnss_<name>.so.2 from the image: a module built for another glibc than the one
// linked in, or for musl's world, must never be mapped into this process. So the databases execd
// or its libraries can reach are pinned to the built-in services before main runs, whatever the
// image's nsswitch.conf says. execd itself reads /etc/passwd and /etc/group without NSS
// (process/account_files.hpp); `passwd` and `group` are pinned for the MariaDB client's own
// getpwuid. Lookups may still ask a running nscd over its socket, as any glibc program does.
#include <nss.h>

#include <array>
#include <cstdio>

namespace {

struct BuiltinLookup {
    const char* database;
    const char* services;
};

constexpr std::array<BuiltinLookup, 4> kBuiltinLookups{{
    {"hosts", "files dns"},
    {"passwd", "files"},
    {"group", "files"},
    {"services", "files"},
}};

// A constructor rather than a call in main: main.cpp is shared with the dynamically linked execd,
// which keeps the image's configuration. Runs while the process still has one thread.
[[gnu::constructor]] void pin_builtin_name_services() {
    for (const BuiltinLookup& lookup : kBuiltinLookups) {
        if (__nss_configure_lookup(lookup.database, lookup.services) != 0) {
            std::fprintf(stderr, "execd: cannot restrict %s lookups to built-in services\n", lookup.database);
        }
    }
}

}  // namespace
