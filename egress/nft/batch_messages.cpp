#include "nft/batch_messages.hpp"

// clang-format off
// netinet/in.h must precede the linux/ uapi headers, which otherwise define in_addr themselves.
#include <netinet/in.h>
// clang-format on
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <new>

namespace egress::nft {
namespace {

constexpr size_t kObjectCapacity = 4096;
constexpr size_t kElementCapacity = 160;
// NFT_MSG_DESTROYSETELEM (kernel 6.3+): like DELSETELEM but an absent element is not an error.
// Debian 12's uapi headers predate it.
constexpr uint16_t kMsgDestroySetElem = 30;

TablePtr make_table(std::string_view name) {
    TablePtr table(nftnl_table_alloc());
    if (!table) {
        throw std::bad_alloc();
    }
    nftnl_table_set_u32(table.get(), NFTNL_TABLE_FAMILY, NFPROTO_INET);
    nftnl_table_set_str(table.get(), NFTNL_TABLE_NAME, std::string(name).c_str());
    return table;
}

void put_table(NftBatch& batch, uint16_t type, uint16_t flags, std::string_view name,
               std::string description) {
    auto table = make_table(name);
    batch.add(type, flags, std::move(description), kObjectCapacity,
              [&](nlmsghdr* message) { nftnl_table_nlmsg_build_payload(message, table.get()); });
}

uint16_t message_type(ElementOperation operation) {
    switch (operation) {
        case ElementOperation::add:
            return NFT_MSG_NEWSETELEM;
        case ElementOperation::remove:
            return NFT_MSG_DELSETELEM;
        case ElementOperation::remove_if_present:
            return kMsgDestroySetElem;
    }
    return NFT_MSG_NEWSETELEM;
}

}  // namespace

void add_table(NftBatch& batch, std::string_view table) {
    put_table(batch, NFT_MSG_NEWTABLE, NLM_F_CREATE, table, "adding table inet " + std::string(table));
}

void delete_table(NftBatch& batch, std::string_view table) {
    put_table(batch, NFT_MSG_DELTABLE, 0, table, "deleting table inet " + std::string(table));
}

void add_chain(NftBatch& batch, const nftnl_chain& chain, std::string description) {
    batch.add(NFT_MSG_NEWCHAIN, NLM_F_CREATE, std::move(description), kObjectCapacity,
              [&](nlmsghdr* message) { nftnl_chain_nlmsg_build_payload(message, &chain); });
}

void flush_chain(NftBatch& batch, std::string_view table, std::string_view chain) {
    RulePtr rule(nftnl_rule_alloc());
    if (!rule) {
        throw std::bad_alloc();
    }
    nftnl_rule_set_u32(rule.get(), NFTNL_RULE_FAMILY, NFPROTO_INET);
    nftnl_rule_set_str(rule.get(), NFTNL_RULE_TABLE, std::string(table).c_str());
    nftnl_rule_set_str(rule.get(), NFTNL_RULE_CHAIN, std::string(chain).c_str());
    batch.add(NFT_MSG_DELRULE, 0, "flushing chain " + std::string(chain), kObjectCapacity,
              [&](nlmsghdr* message) { nftnl_rule_nlmsg_build_payload(message, rule.get()); });
}

void add_rule(NftBatch& batch, nftnl_rule& rule, std::string description) {
    batch.add(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, std::move(description), kObjectCapacity,
              [&](nlmsghdr* message) { nftnl_rule_nlmsg_build_payload(message, &rule); });
}

void add_set(NftBatch& batch, nftnl_set& set, std::string description) {
    batch.add(NFT_MSG_NEWSET, NLM_F_CREATE, std::move(description), kObjectCapacity,
              [&](nlmsghdr* message) { nftnl_set_nlmsg_build_payload(message, &set); });
}

void flush_set(NftBatch& batch, std::string_view table, std::string_view set_name) {
    SetPtr set(nftnl_set_alloc());
    if (!set) {
        throw std::bad_alloc();
    }
    nftnl_set_set_u32(set.get(), NFTNL_SET_FAMILY, NFPROTO_INET);
    nftnl_set_set_str(set.get(), NFTNL_SET_TABLE, std::string(table).c_str());
    nftnl_set_set_str(set.get(), NFTNL_SET_NAME, std::string(set_name).c_str());
    batch.add(NFT_MSG_DELSETELEM, 0, "flushing set " + std::string(set_name), kObjectCapacity,
              [&](nlmsghdr* message) { nftnl_set_elems_nlmsg_build_payload(message, set.get()); });
}

void put_elements(NftBatch& batch, ElementOperation operation, nftnl_set& set, size_t count,
                  std::string description) {
    const uint16_t flags = operation == ElementOperation::add ? NLM_F_CREATE : 0;
    batch.add(message_type(operation), flags, std::move(description),
              kObjectCapacity + count * kElementCapacity,
              [&](nlmsghdr* message) { nftnl_set_elems_nlmsg_build_payload(message, &set); });
}

}  // namespace egress::nft
