// DatagramReceiver and UdpSendBatch over Unix datagram sockets bound in a temporary directory:
// the same recvmmsg/sendmmsg paths as the proxy's UDP listeners, without touching any network.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "common/fd.hpp"
#include "dns/datagram_receiver.hpp"
#include "dns/udp_send_batch.hpp"

namespace egress::dns {
namespace {

// Small, so no test queues more than the 10 datagrams a Unix socket holds by default.
constexpr size_t kBatch = 4;

class UdpBatchTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char pattern[] = "/tmp/udp-batch-test.XXXXXX";
        ASSERT_NE(mkdtemp(pattern), nullptr);
        directory_ = pattern;
        server_ = bound_socket("server", server_address_);
        client_ = bound_socket("client", client_address_);
    }
    void TearDown() override { std::filesystem::remove_all(directory_); }

    common::UniqueFd bound_socket(const std::string& name, sockaddr_un& address) {
        common::UniqueFd socket_fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        address = sockaddr_un{};
        address.sun_family = AF_UNIX;
        const std::string path = directory_ + "/" + name;
        path.copy(address.sun_path, sizeof address.sun_path - 1);
        EXPECT_EQ(::bind(socket_fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
        return socket_fd;
    }

    void send_to_server(const std::string& text) {
        ASSERT_EQ(sendto(client_.get(), text.data(), text.size(), 0,
                         reinterpret_cast<sockaddr*>(&server_address_), sizeof server_address_),
                  static_cast<ssize_t>(text.size()));
    }

    std::string receive_at_client() {
        char buffer[1024];
        const ssize_t received = recv(client_.get(), buffer, sizeof buffer, MSG_DONTWAIT);
        return received < 0 ? std::string("<none>") : std::string(buffer, static_cast<size_t>(received));
    }

    std::string directory_;
    sockaddr_un server_address_{};
    sockaddr_un client_address_{};
    common::UniqueFd server_;
    common::UniqueFd client_;
};

std::string text_of(std::span<const uint8_t> bytes) {
    return std::string(bytes.begin(), bytes.end());
}

std::span<const uint8_t> bytes_of(const std::string& text) {
    return std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

TEST_F(UdpBatchTest, ReceivesABurstInOneCallWithEachSender) {
    DatagramReceiver receiver(kBatch);
    EXPECT_EQ(receiver.receive(server_.get()), 0u) << "nothing queued: no wait, no datagram";
    for (int i = 0; i < 3; ++i) {
        send_to_server("query " + std::to_string(i));
    }
    ASSERT_EQ(receiver.receive(server_.get()), 3u);
    for (size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(text_of(receiver.datagram(i)), "query " + std::to_string(i));
        const auto& sender = reinterpret_cast<const sockaddr_un&>(receiver.sender(i));
        EXPECT_STREQ(sender.sun_path, client_address_.sun_path);
    }
}

TEST_F(UdpBatchTest, ReceivesAtMostOneBatchPerCall) {
    DatagramReceiver receiver(kBatch);
    for (size_t i = 0; i < kBatch + 3; ++i) {
        send_to_server("q" + std::to_string(i));
    }
    EXPECT_EQ(receiver.receive(server_.get()), kBatch);
    EXPECT_EQ(receiver.receive(server_.get()), 3u);
    EXPECT_EQ(text_of(receiver.datagram(2)), "q" + std::to_string(kBatch + 2));
}

TEST_F(UdpBatchTest, RepliesAreHeldUntilTheScopeEnds) {
    DatagramReceiver receiver(kBatch);
    UdpSendBatch replies(kBatch);
    send_to_server("a");
    send_to_server("b");
    ASSERT_EQ(receiver.receive(server_.get()), 2u);
    {
        UdpSendBatch::Scope batch(replies);
        for (size_t i = 0; i < 2; ++i) {
            replies.send(server_.get(), &receiver.sender(i), receiver.sender_length(i),
                         bytes_of("reply to " + text_of(receiver.datagram(i))));
        }
        EXPECT_EQ(receive_at_client(), "<none>") << "still held";
    }
    EXPECT_EQ(receive_at_client(), "reply to a");
    EXPECT_EQ(receive_at_client(), "reply to b");
}

TEST_F(UdpBatchTest, OutsideAScopeAndWhenTooBigRepliesGoOutAtOnce) {
    DatagramReceiver receiver(kBatch);
    UdpSendBatch replies(kBatch);
    send_to_server("a");
    ASSERT_EQ(receiver.receive(server_.get()), 1u);
    replies.send(server_.get(), &receiver.sender(0), receiver.sender_length(0), bytes_of("now"));
    EXPECT_EQ(receive_at_client(), "now");
    UdpSendBatch::Scope batch(replies);
    const std::string big(UdpSendBatch::kMaxQueuedSize + 1, 'x');
    replies.send(server_.get(), &receiver.sender(0), receiver.sender_length(0), bytes_of(big));
    EXPECT_EQ(receive_at_client(), big);
}

TEST_F(UdpBatchTest, AFullBatchIsSentAndTheNextOneStarts) {
    DatagramReceiver receiver(kBatch);
    UdpSendBatch replies(kBatch);
    send_to_server("a");
    ASSERT_EQ(receiver.receive(server_.get()), 1u);
    const int count = kBatch + 1;
    {
        UdpSendBatch::Scope batch(replies);
        for (int i = 0; i < count; ++i) {
            replies.send(server_.get(), &receiver.sender(0), receiver.sender_length(0),
                         bytes_of(std::to_string(i)));
        }
        EXPECT_EQ(receive_at_client(), "0") << "the first batch left when it was full";
    }
    for (int i = 1; i < count; ++i) {
        EXPECT_EQ(receive_at_client(), std::to_string(i));
    }
}

TEST_F(UdpBatchTest, AReplyThePeerCannotTakeIsDroppedAndTheRestStillSent) {
    DatagramReceiver receiver(kBatch);
    UdpSendBatch replies(kBatch);
    send_to_server("a");
    ASSERT_EQ(receiver.receive(server_.get()), 1u);
    sockaddr_storage gone{};
    auto& gone_address = reinterpret_cast<sockaddr_un&>(gone);
    gone_address.sun_family = AF_UNIX;
    (directory_ + "/nobody").copy(gone_address.sun_path, sizeof gone_address.sun_path - 1);
    {
        UdpSendBatch::Scope batch(replies);
        replies.send(server_.get(), &receiver.sender(0), receiver.sender_length(0), bytes_of("first"));
        replies.send(server_.get(), &gone, sizeof(sockaddr_un), bytes_of("lost"));
        replies.send(server_.get(), &receiver.sender(0), receiver.sender_length(0), bytes_of("last"));
    }
    EXPECT_EQ(receive_at_client(), "first");
    EXPECT_EQ(receive_at_client(), "last");
}

TEST_F(UdpBatchTest, ConnectedSocketsNeedNoPeer) {
    ASSERT_EQ(connect(server_.get(), reinterpret_cast<sockaddr*>(&client_address_), sizeof client_address_),
              0);
    UdpSendBatch queries(kBatch);
    queries.send(server_.get(), nullptr, 0, bytes_of("at once"));
    {
        UdpSendBatch::Scope batch(queries);
        queries.send(server_.get(), nullptr, 0, bytes_of("held"));
    }
    EXPECT_EQ(receive_at_client(), "at once");
    EXPECT_EQ(receive_at_client(), "held");
}

TEST_F(UdpBatchTest, DiscardedSocketsSendNothing) {
    ASSERT_EQ(connect(server_.get(), reinterpret_cast<sockaddr*>(&client_address_), sizeof client_address_),
              0);
    UdpSendBatch queries(kBatch);
    {
        UdpSendBatch::Scope batch(queries);
        queries.send(server_.get(), nullptr, 0, bytes_of("to a socket being closed"));
        queries.discard(server_.get());
    }
    EXPECT_EQ(receive_at_client(), "<none>");
}

TEST_F(UdpBatchTest, HoldsNest) {
    ASSERT_EQ(connect(server_.get(), reinterpret_cast<sockaddr*>(&client_address_), sizeof client_address_),
              0);
    UdpSendBatch queries(kBatch);
    {
        UdpSendBatch::Scope outer(queries);
        {
            UdpSendBatch::Scope inner(queries);
            queries.send(server_.get(), nullptr, 0, bytes_of("x"));
        }
        EXPECT_EQ(receive_at_client(), "<none>") << "the outer hold still holds";
    }
    EXPECT_EQ(receive_at_client(), "x");
}

}  // namespace
}  // namespace egress::dns
