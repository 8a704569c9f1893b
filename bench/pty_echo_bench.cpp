// PTY keystroke echo round trip through execd's WebSocket: one byte sent as a stdin frame to
// `cat` in a raw-mode terminal, timed until it comes back in an output frame. Prints p50/p99.
//
//   pty_echo_bench PORT [ROUNDS]     (execd already listening on 127.0.0.1:PORT, no access token)
//
// A benchmark, not a test: it asserts nothing.
#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

std::string create_session(asio::io_context& io, const std::string& port) {
    tcp::socket socket(io);
    asio::connect(socket, tcp::resolver(io).resolve("127.0.0.1", port));
    bhttp::request<bhttp::string_body> request{bhttp::verb::post, "/pty", 11};
    request.set(bhttp::field::host, "127.0.0.1");
    request.body() = R"({"command":"stty raw -echo && exec cat"})";
    request.prepare_payload();
    bhttp::write(socket, request);
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> response;
    bhttp::read(socket, buffer, response);
    const std::string& body = response.body();
    const auto start = body.find(":\"") + 2;
    return body.substr(start, body.find('"', start) - start);
}

// Reads frames until an output frame carries `byte`.
void wait_for(websocket::stream<tcp::socket>& ws, beast::flat_buffer& buffer, char byte) {
    while (true) {
        ws.read(buffer);
        const std::string frame = beast::buffers_to_string(buffer.data());
        buffer.consume(buffer.size());
        if (ws.got_binary() && frame.size() > 1 && frame[0] == 0x01 &&
            frame.find(byte, 1) != std::string::npos) {
            return;
        }
    }
}

double percentile(std::vector<double> values, double fraction) {
    std::sort(values.begin(), values.end());
    return values[static_cast<std::size_t>(fraction * static_cast<double>(values.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s PORT [ROUNDS]\n", argv[0]);
        return 2;
    }
    const std::string port = argv[1];
    const int rounds = argc > 2 ? std::stoi(argv[2]) : 2000;
    asio::io_context io;
    const std::string id = create_session(io, port);
    websocket::stream<tcp::socket> ws(io);
    asio::connect(ws.next_layer(), tcp::resolver(io).resolve("127.0.0.1", port));
    ws.next_layer().set_option(tcp::no_delay(true));
    ws.handshake("127.0.0.1", "/pty/" + id + "/ws");
    ws.binary(true);
    beast::flat_buffer buffer;
    // Wait until stty ran: cat then echoes a probe byte.
    const std::string probe("\0z", 2);
    ws.write(asio::buffer(probe));
    wait_for(ws, buffer, 'z');
    std::vector<double> micros;
    for (int i = 0; i < rounds; ++i) {
        const char byte = static_cast<char>('a' + i % 26);
        const std::string frame{'\0', byte};
        const auto sent = Clock::now();
        ws.write(asio::buffer(frame));
        wait_for(ws, buffer, byte);
        micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - sent).count());
    }
    std::printf("pty keystroke echo round trip over %d rounds: p50 %.0f us, p99 %.0f us\n", rounds,
                percentile(micros, 0.5), percentile(micros, 0.99));
    return 0;
}
