#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace execd_test {

// A real HTTP server on 127.0.0.1 for the proxy tests (Boost.Beast, one thread per connection):
//   /stream    chunked "first\n", then 300 ms later "second\n"
//   /count     reads the body as it arrives; answers "bytes=<size> sum=<checksum>" (add_to_checksum)
//   /duplex    answers at once, chunked, echoing each piece of the request body as it arrives
//   /early     answers 413 "too large" without reading the body, and closes
//   /partial   announces a 100-byte body, sends none of it and closes
//   /drop      reads 64 KiB of the body, then closes without answering
//   WebSocket  echoes every message back
//   otherwise  200 text: "<METHOD> <target>\n", each header "name: value\n", "\n", the body
class ProxyUpstreamServer {
  public:
    ProxyUpstreamServer();
    ~ProxyUpstreamServer();
    ProxyUpstreamServer(const ProxyUpstreamServer&) = delete;
    ProxyUpstreamServer& operator=(const ProxyUpstreamServer&) = delete;

    uint16_t port() const;
    // The /count checksum: starting from 0, every kChecksumBlock bytes of the body (and the shorter
    // rest) are added with add_to_checksum (a fold of std::hash, cheap even in unoptimised builds).
    static constexpr std::size_t kChecksumBlock = 1024 * 1024;
    static uint64_t add_to_checksum(uint64_t sum, std::string_view block);
    // Bodies of /count requests whose client went away before their end.
    int aborted_bodies() const;

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace execd_test
