#pragma once

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>

#include <memory>

// Owning pointers for the libnftnl/libmnl objects we build; each frees with its library's function.
namespace egress::nft {

template <auto FreeFunction>
struct FreeWith {
    template <typename T>
    void operator()(T* object) const noexcept {
        FreeFunction(object);
    }
};

using ChainPtr = std::unique_ptr<nftnl_chain, FreeWith<nftnl_chain_free>>;
using RulePtr = std::unique_ptr<nftnl_rule, FreeWith<nftnl_rule_free>>;
using SetPtr = std::unique_ptr<nftnl_set, FreeWith<nftnl_set_free>>;
using SetElemPtr = std::unique_ptr<nftnl_set_elem, FreeWith<nftnl_set_elem_free>>;
using ExprPtr = std::unique_ptr<nftnl_expr, FreeWith<nftnl_expr_free>>;
using TablePtr = std::unique_ptr<nftnl_table, FreeWith<nftnl_table_free>>;
using MnlSocketPtr = std::unique_ptr<mnl_socket, FreeWith<mnl_socket_close>>;

}  // namespace egress::nft
