#include "nft/nft_batch.hpp"

#include <gtest/gtest.h>
#include <linux/netfilter/nfnetlink.h>

#include <cstring>

#include "nft/batch_acks.hpp"
#include "nft/batch_messages.hpp"
#include "nft/ruleset_batch.hpp"

namespace egress::nft {
namespace {

std::vector<uint8_t> ack_message(uint32_t seq, int error) {
    std::vector<uint8_t> bytes(NLMSG_LENGTH(sizeof(nlmsgerr)));
    auto* header = reinterpret_cast<nlmsghdr*>(bytes.data());
    header->nlmsg_len = static_cast<uint32_t>(bytes.size());
    header->nlmsg_type = NLMSG_ERROR;
    header->nlmsg_seq = seq;
    auto* body = static_cast<nlmsgerr*>(NLMSG_DATA(header));
    body->error = -error;
    return bytes;
}

const nlmsghdr& header_of(const std::vector<uint8_t>& bytes) {
    return *reinterpret_cast<const nlmsghdr*>(bytes.data());
}

TEST(NftBatch, FramesMessagesWithConsecutiveSequenceNumbers) {
    NftBatch batch(100);
    add_table(batch, "opensandbox");
    delete_table(batch, "opensandbox");
    const auto bytes = batch.finish();
    std::vector<uint32_t> seqs;
    std::vector<uint16_t> types;
    for_each_netlink_message(bytes, [&](const nlmsghdr& message) {
        seqs.push_back(message.nlmsg_seq);
        types.push_back(message.nlmsg_type);
    });
    EXPECT_EQ(seqs, (std::vector<uint32_t>{100, 101, 102, 103}));
    EXPECT_EQ(types.front(), NFNL_MSG_BATCH_BEGIN);
    EXPECT_EQ(types.back(), NFNL_MSG_BATCH_END);
    EXPECT_EQ(batch.describe(102), "deleting table inet opensandbox");
}

TEST(BatchAcks, CompleteWhenEveryMessageIsAcknowledged) {
    NftBatch batch(7);
    add_table(batch, "t");
    add_table(batch, "u");
    batch.finish();
    BatchAcks acks(batch);
    acks.on_ack(header_of(ack_message(8, 0)));
    EXPECT_FALSE(acks.complete());
    acks.on_ack(header_of(ack_message(9, 0)));
    EXPECT_TRUE(acks.succeeded());
}

TEST(BatchAcks, ReportsTheFailingMessageInWords) {
    NftBatch batch(7);
    add_table(batch, "t");
    delete_table(batch, "t");
    batch.finish();
    BatchAcks acks(batch);
    acks.on_ack(header_of(ack_message(8, 0)));
    acks.on_ack(header_of(ack_message(9, ENOENT)));
    ASSERT_TRUE(acks.complete());
    EXPECT_FALSE(acks.succeeded());
    EXPECT_EQ(acks.failure_summary(), "deleting table inet t: No such file or directory");
}

TEST(BatchAcks, RefusedBatchCompletesAtOnceAndMentionsCapability) {
    NftBatch batch(7);
    add_table(batch, "t");
    batch.finish();
    BatchAcks acks(batch);
    acks.on_ack(header_of(ack_message(7, EPERM)));
    ASSERT_TRUE(acks.complete());
    EXPECT_NE(acks.failure_summary().find("CAP_NET_ADMIN"), std::string::npos);
}

TEST(RulesetBatch, InstallStartsWithAddDeleteAddOfTheTable) {
    NftBatch batch(1);
    append_install(batch, RulesetOptions{}, FilterPolicy{});
    EXPECT_EQ(batch.describe(2), "adding table inet opensandbox");
    EXPECT_EQ(batch.describe(3), "deleting table inet opensandbox");
    EXPECT_EQ(batch.describe(4), "adding table inet opensandbox");
    EXPECT_GT(batch.message_count(), 20u);
}

}  // namespace
}  // namespace egress::nft
