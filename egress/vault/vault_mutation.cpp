#include "vault/vault_mutation.hpp"

#include <functional>
#include <set>
#include <utility>

#include "vault/go_text.hpp"
#include "vault/vault_error.hpp"
#include "vault/vault_validation.hpp"

namespace egress::vault {
namespace {

[[noreturn]] void reject_mutation(const std::string& message) {
    throw VaultError(VaultError::Kind::invalid, message);
}

// Applies one set's mutation to `items`; `kind` is "credential" or "binding" as in the messages.
template <typename Item>
void apply_set_mutation(std::map<std::string, Item>& items, SetMutation<Item> mutation,
                        const std::string& kind, const std::function<Item(Item)>& normalize) {
    std::set<std::string> mentioned;
    const auto mention = [&](const std::string& name) {
        if (!mentioned.insert(name).second) {
            reject_mutation(kind + " " + go_quote(name) + " mentioned by multiple operations");
        }
    };
    const auto require_existing = [&](const std::string& name) {
        if (!items.contains(name)) {
            reject_mutation(kind + " " + go_quote(name) + " does not exist");
        }
    };
    for (const std::string& raw_name : mutation.remove) {
        const std::string name(trim_go_space(raw_name));
        if (name.empty()) {
            reject_mutation(kind + " delete name cannot be blank");
        }
        mention(name);
        require_existing(name);
        items.erase(name);
    }
    for (Item& raw : mutation.replace) {
        Item item = normalize(std::move(raw));
        mention(item.name);
        require_existing(item.name);
        items[item.name] = std::move(item);
    }
    std::set<std::string> added;
    for (Item& raw : mutation.add) {
        Item item = normalize(std::move(raw));
        if (mentioned.contains(item.name)) {
            reject_mutation(kind + " " + go_quote(item.name) + " mentioned by multiple operations");
        }
        if (!added.insert(item.name).second) {
            reject_mutation("duplicate " + kind + " add name " + go_quote(item.name));
        }
        if (items.contains(item.name)) {
            reject_mutation(kind + " " + go_quote(item.name) + " already exists");
        }
        items.emplace(item.name, std::move(item));
    }
}

}  // namespace

VaultContents build_created_contents(CreateRequest request, const VaultSettings& settings) {
    VaultContents contents;
    for (Credential& raw : request.credentials) {
        Credential credential = normalize_credential(std::move(raw), 1);
        if (contents.credentials.contains(credential.name)) {
            reject_mutation("duplicate credential name " + go_quote(credential.name));
        }
        contents.credentials.emplace(credential.name, std::move(credential));
    }
    for (Binding& raw : request.bindings) {
        Binding binding = normalize_binding(std::move(raw), settings);
        if (contents.bindings.contains(binding.name)) {
            reject_mutation("duplicate binding name " + go_quote(binding.name));
        }
        contents.bindings.emplace(binding.name, std::move(binding));
    }
    return contents;
}

void apply_patch(VaultContents& contents, PatchRequest request, int64_t next_revision,
                 const VaultSettings& settings) {
    apply_set_mutation<Credential>(
        contents.credentials, std::move(request.credentials), "credential",
        [next_revision](Credential raw) { return normalize_credential(std::move(raw), next_revision); });
    apply_set_mutation<Binding>(
        contents.bindings, std::move(request.bindings), "binding",
        [&settings](Binding raw) { return normalize_binding(std::move(raw), settings); });
}

}  // namespace egress::vault
