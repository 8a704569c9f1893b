#include "tls/client_hello.hpp"

#include <gtest/gtest.h>

#include <string_view>

#include "client_hellos.hpp"

namespace egress::tls {
namespace {

using test::Bytes;
using test::Extension;

constexpr int tls_versions[] = {TLS1_2_VERSION, TLS1_3_VERSION};

ClientHelloInfo parse(const Bytes& bytes) {
    return parse_client_hello(bytes);
}

Bytes text_bytes(std::string_view text) {
    return Bytes(text.begin(), text.end());
}

Bytes built_records(const std::optional<std::vector<Extension>>& extensions) {
    return test::as_records(test::built_client_hello(extensions), 16384);
}

TEST(ClientHello, ReadsTheServerNameOfOpenSslHellos) {
    for (const int version : tls_versions) {
        const ClientHelloInfo info = parse(test::openssl_client_hello("api.example.test", version));
        EXPECT_EQ(info.status, HelloStatus::complete) << version;
        EXPECT_EQ(info.server_name, "api.example.test") << version;
        EXPECT_FALSE(info.offers_ech) << version;
    }
}

TEST(ClientHello, WithoutServerNameIsCompleteWithoutName) {
    for (const int version : tls_versions) {
        const ClientHelloInfo info = parse(test::openssl_client_hello(std::nullopt, version));
        EXPECT_EQ(info.status, HelloStatus::complete) << version;
        EXPECT_EQ(info.server_name, std::nullopt) << version;
    }
}

TEST(ClientHello, ServerNameIsLowercasedWithoutTrailingDot) {
    const ClientHelloInfo info = parse(test::openssl_client_hello("Api.EXAMPLE.test.", TLS1_3_VERSION));
    EXPECT_EQ(info.status, HelloStatus::complete);
    EXPECT_EQ(info.server_name, "api.example.test");
}

TEST(ClientHello, NamesThatAreNoDnsNamesAreDropped) {
    for (const std::string& name :
         std::vector<std::string>{"1.2.3.4", "::1", "bad name.test", "a..test", "x.test..",
                                  std::string(64, 'a') + ".test", "caf\xc3\xa9.test"}) {
        const ClientHelloInfo info = parse(test::openssl_client_hello(name, TLS1_3_VERSION));
        EXPECT_EQ(info.status, HelloStatus::complete) << name;
        EXPECT_EQ(info.server_name, std::nullopt) << name;
    }
}

TEST(ClientHello, HelloSplitAcrossRecordsReadsTheSame) {
    for (const int version : tls_versions) {
        const Bytes handshake = test::handshake_of(test::openssl_client_hello("split.example.test", version));
        for (const size_t fragment_size : {1, 2, 3, 4, 5, 7, 64, 100, 511}) {
            const ClientHelloInfo info = parse(test::as_records(handshake, fragment_size));
            EXPECT_EQ(info.status, HelloStatus::complete) << fragment_size;
            EXPECT_EQ(info.server_name, "split.example.test") << fragment_size;
        }
    }
}

TEST(ClientHello, EveryTruncationIsIncomplete) {
    for (const int version : tls_versions) {
        const Bytes whole = test::openssl_client_hello("api.example.test", version);
        const Bytes split = test::as_records(test::handshake_of(whole), 50);
        for (const Bytes& hello : {whole, split}) {
            for (size_t length = 0; length < hello.size(); ++length) {
                const ClientHelloInfo info = parse_client_hello(std::span(hello).first(length));
                ASSERT_EQ(info.status, HelloStatus::incomplete) << length;
                EXPECT_EQ(info.server_name, std::nullopt);
            }
        }
    }
}

TEST(ClientHello, BytesAfterTheHelloAreIgnored) {
    Bytes hello = test::openssl_client_hello("api.example.test", TLS1_3_VERSION);
    hello.insert(hello.end(), {23, 3, 3, 0, 1, 0});
    EXPECT_EQ(parse(hello).status, HelloStatus::complete);
    EXPECT_EQ(parse(hello).server_name, "api.example.test");
}

TEST(ClientHello, OtherProtocolsAreNotTlsFromTheirFirstBytes) {
    EXPECT_EQ(parse(text_bytes("G")).status, HelloStatus::not_tls);
    EXPECT_EQ(parse(text_bytes("GET / HTTP/1.1\r\n")).status, HelloStatus::not_tls);
    EXPECT_EQ(parse(text_bytes("SSH-2.0-OpenSSH_9.2\r\n")).status, HelloStatus::not_tls);
    EXPECT_EQ(parse(Bytes{0x80, 0x2e, 0x01, 0x00, 0x02}).status, HelloStatus::not_tls);  // SSLv2 hello
    EXPECT_EQ(parse(Bytes{22, 0x03}).status, HelloStatus::incomplete);
    EXPECT_EQ(parse(Bytes{22, 0x02}).status, HelloStatus::not_tls);
    EXPECT_EQ(parse(Bytes{22, 0x03, 0x00}).status, HelloStatus::not_tls);  // SSL 3.0
    EXPECT_EQ(parse(Bytes{22, 0x03, 0x05}).status, HelloStatus::not_tls);
    EXPECT_EQ(parse(Bytes{}).status, HelloStatus::incomplete);
}

TEST(ClientHello, CorruptedHellosAreNotTls) {
    const Bytes hello = test::openssl_client_hello("api.example.test", TLS1_3_VERSION);
    const auto corrupted = [&](size_t offset, uint8_t value) {
        Bytes copy = hello;
        copy[offset] = value;
        return parse(copy).status;
    };
    EXPECT_EQ(corrupted(0, 23), HelloStatus::not_tls);  // application data record
    EXPECT_EQ(corrupted(5, 2), HelloStatus::not_tls);   // ServerHello
    EXPECT_EQ(corrupted(8, static_cast<uint8_t>(hello[8] - 1)), HelloStatus::not_tls);  // message shorter
    EXPECT_EQ(corrupted(9, 0x02), HelloStatus::not_tls);                                // legacy_version 2.x
    EXPECT_EQ(corrupted(43, 33), HelloStatus::not_tls);  // session id longer than 32
    Bytes empty_record = {22, 3, 1, 0, 0};
    empty_record.insert(empty_record.end(), hello.begin(), hello.end());
    EXPECT_EQ(parse(empty_record).status, HelloStatus::not_tls);
}

TEST(ClientHello, LongerMessageThanItsRecordsCarryWaitsForMore) {
    Bytes hello = test::openssl_client_hello("api.example.test", TLS1_3_VERSION);
    hello[8] = static_cast<uint8_t>(hello[8] + 1);  // declares one more byte than the record holds
    EXPECT_EQ(parse(hello).status, HelloStatus::incomplete);
}

TEST(ClientHello, HellosLongerThanTheLimitAreNotTls) {
    Bytes oversized = {22, 3, 1, 0, 4, 1};
    test::append_u24(oversized, max_hello_bytes);
    EXPECT_EQ(parse(oversized).status, HelloStatus::not_tls);

    const Bytes many_tiny_records = test::as_records(
        test::built_client_hello(std::vector<Extension>{{.type = 0x1234, .data = Bytes(12000, 0)}}), 1);
    EXPECT_EQ(parse(many_tiny_records).status, HelloStatus::not_tls);

    Bytes oversized_record = {22, 3, 1, 0x40, 0x01};
    EXPECT_EQ(parse(oversized_record).status, HelloStatus::not_tls);
}

TEST(ClientHello, HelloWithoutExtensionsIsComplete) {
    const ClientHelloInfo info = parse(built_records(std::nullopt));
    EXPECT_EQ(info.status, HelloStatus::complete);
    EXPECT_EQ(info.server_name, std::nullopt);
}

TEST(ClientHello, EncryptedClientHelloIsReported) {
    const ClientHelloInfo info = parse(built_records(std::vector<Extension>{
        test::server_name_extension({{0, "public.example.test"}}), {.type = 0xfe0d, .data = {0, 1, 2}}}));
    EXPECT_EQ(info.status, HelloStatus::complete);
    EXPECT_TRUE(info.offers_ech);
    EXPECT_EQ(info.server_name, "public.example.test");
}

TEST(ClientHello, FirstHostNameCounts) {
    const ClientHelloInfo info = parse(built_records(std::vector<Extension>{
        test::server_name_extension({{7, "other"}, {0, "first.test"}, {0, "second.test"}})}));
    EXPECT_EQ(info.status, HelloStatus::complete);
    EXPECT_EQ(info.server_name, "first.test");
}

TEST(ClientHello, MalformedServerNameExtensionsAreNotTls) {
    const std::vector<Extension> malformed[] = {
        {test::server_name_extension({{0, ""}})},
        {test::server_name_extension({})},
        {{.type = 0, .data = {}}},
        {{.type = 0, .data = {0, 5, 0, 0, 9, 'a'}}},  // name longer than the list
        {test::server_name_extension({{0, "a.test"}}), test::server_name_extension({{0, "b.test"}})},
        {{.type = 5, .data = {}}, {.type = 5, .data = {}}},
    };
    for (const auto& extensions : malformed) {
        EXPECT_EQ(parse(built_records(extensions)).status, HelloStatus::not_tls);
    }
}

TEST(ClientHello, TrailingBytesInsideTheMessageAreNotTls) {
    Bytes message =
        test::built_client_hello(std::vector<Extension>{test::server_name_extension({{0, "a.test"}})});
    message.push_back(0);
    message[3] = static_cast<uint8_t>(message[3] + 1);
    EXPECT_EQ(parse(test::as_records(message, 16384)).status, HelloStatus::not_tls);
}

}  // namespace
}  // namespace egress::tls
