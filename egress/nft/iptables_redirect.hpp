#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "nft/command_runner.hpp"
#include "nft/iptables_commands.hpp"
#include "nft/iptables_rules.hpp"

namespace egress::nft {

// A failed iptables/ip6tables command; what() names the command line, its exit status and stderr.
class IptablesError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// The DNS redirect written with iptables/ip6tables (for kernels without nf_tables nat). Rules go
// to the front of the built-in chains in their listed order, ahead of rules other software added.
class IptablesRedirect {
  public:
    IptablesRedirect(IptablesCommands commands, std::vector<IptablesRule> rules, CommandRunner& runner);

    // Checks each rule with -C and inserts (-I <chain> <position>) only the missing ones, so a
    // restart never duplicates a rule. Throws IptablesError on the first command that fails; rules
    // inserted before it stay (the filter chain drops DNS that is not redirected either way).
    void install();

    // Deletes every rule (-D as long as -C finds it, duplicates included); missing ones are fine.
    // Throws IptablesError when a command fails for another reason.
    void remove();

    const std::vector<IptablesRule>& rules() const { return rules_; }

  private:
    // Runs argv; a program that cannot be started becomes an IptablesError.
    CommandOutcome run(const std::vector<std::string>& argv);
    bool present(const IptablesRule& rule);
    void run_checked(const IptablesRule& rule, std::vector<std::string> operation);
    std::vector<std::string> command_line(const IptablesRule& rule, std::vector<std::string> operation) const;
    size_t position_in_chain(size_t index) const;

    IptablesCommands commands_;
    std::vector<IptablesRule> rules_;
    CommandRunner& runner_;
};

}  // namespace egress::nft
