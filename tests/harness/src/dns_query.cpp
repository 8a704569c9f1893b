#include "harness/dns_query.hpp"

#include <sys/socket.h>

#include <cerrno>

#include "harness/dns_types.hpp"
#include "harness/net_socket.hpp"
#include "ldns_handles.hpp"
#include "socket_io.hpp"

namespace harness {
namespace {

struct Query {
    uint16_t id = 0;
    std::vector<uint8_t> wire;
};

Query make_query(const std::string& name, uint16_t qtype) {
    ldns::PacketPtr packet(ldns_pkt_query_new(ldns_dname_new_frm_str(name.c_str()),
                                              static_cast<ldns_rr_type>(qtype), LDNS_RR_CLASS_IN, LDNS_RD));
    if (!packet) {
        throw std::invalid_argument("cannot build a DNS query for '" + name + "'");
    }
    ldns_pkt_set_random_id(packet.get());
    return {ldns_pkt_id(packet.get()), ldns::to_wire(packet.get())};
}

DnsAnswer answer_of(const ldns_rr* rr) {
    DnsAnswer answer;
    answer.name = ldns::rdf_text(ldns_rr_owner(rr));
    answer.type = static_cast<uint16_t>(ldns_rr_get_type(rr));
    answer.ttl = ldns_rr_ttl(rr);
    if (ldns_rr_rd_count(rr) > 0) {
        answer.data = ldns::rdf_text(ldns_rr_rdf(rr, 0));
    }
    return answer;
}

DnsQueryResult parse_reply(std::span<const uint8_t> wire, uint16_t expected_id) {
    DnsQueryResult result;
    const ldns::PacketPtr reply = ldns::parse_packet(wire);
    if (!reply || ldns_pkt_id(reply.get()) != expected_id) {
        result.error = EBADMSG;
        return result;
    }
    result.id = ldns_pkt_id(reply.get());
    result.rcode = ldns_pkt_get_rcode(reply.get());
    result.qr = ldns_pkt_qr(reply.get());
    result.ra = ldns_pkt_ra(reply.get());
    result.truncated = ldns_pkt_tc(reply.get());
    if (ldns_pkt_qdcount(reply.get()) > 0) {
        const ldns_rr* question = ldns_rr_list_rr(ldns_pkt_question(reply.get()), 0);
        result.question_name = ldns::rdf_text(ldns_rr_owner(question));
        result.question_type = static_cast<uint16_t>(ldns_rr_get_type(question));
    }
    const ldns_rr_list* answers = ldns_pkt_answer(reply.get());
    for (size_t i = 0; i < ldns_rr_list_rr_count(answers); ++i) {
        result.answers.push_back(answer_of(ldns_rr_list_rr(answers, i)));
    }
    return result;
}

DnsQueryResult failure(int error) {
    DnsQueryResult result;
    result.error = error;
    return result;
}

DnsQueryResult query_udp(int fd, const Query& query, io::Deadline deadline) {
    if (const int rc = io::send_all(fd, query.wire.data(), query.wire.size(), deadline); rc != 0) {
        return failure(rc);
    }
    while (true) {  // skip stray datagrams that are not our answer
        std::string reply;
        bool eof = false;
        if (const int rc = io::receive_some(fd, reply, 65536, deadline, eof); rc != 0) {
            return failure(rc);
        }
        DnsQueryResult result =
            parse_reply({reinterpret_cast<const uint8_t*>(reply.data()), reply.size()}, query.id);
        if (result.error != EBADMSG) {
            return result;
        }
    }
}

int send_framed(int fd, const Query& query, io::Deadline deadline) {
    std::string frame;
    frame.push_back(static_cast<char>(query.wire.size() >> 8));
    frame.push_back(static_cast<char>(query.wire.size() & 0xff));
    frame.append(query.wire.begin(), query.wire.end());
    return io::send_all(fd, frame.data(), frame.size(), deadline);
}

// Reads one length-prefixed message into `body`; returns 0 or an errno.
int receive_frame(int fd, std::string& body, io::Deadline deadline) {
    std::string header;
    if (const int rc = io::receive_exact(fd, header, 2, deadline); rc != 0) {
        return rc;
    }
    const size_t length =
        (static_cast<size_t>(static_cast<uint8_t>(header[0])) << 8) | static_cast<uint8_t>(header[1]);
    return io::receive_exact(fd, body, length, deadline);
}

uint16_t message_id(const std::string& body) {
    return body.size() < 2
               ? 0
               : static_cast<uint16_t>(static_cast<uint8_t>(body[0]) << 8 | static_cast<uint8_t>(body[1]));
}

// Answers may arrive in any order (RFC 7766 §7): each is matched to its query by ID.
std::vector<DnsQueryResult> receive_answers(int fd, const std::vector<Query>& queries,
                                            io::Deadline deadline) {
    std::vector<DnsQueryResult> results(queries.size(), failure(ETIMEDOUT));
    std::vector<bool> answered(queries.size(), false);
    size_t pending = queries.size();
    while (pending > 0) {
        std::string body;
        if (const int rc = receive_frame(fd, body, deadline); rc != 0) {
            for (size_t i = 0; i < queries.size(); ++i) {
                results[i] = answered[i] ? results[i] : failure(rc);
            }
            break;
        }
        for (size_t i = 0; i < queries.size(); ++i) {
            if (!answered[i] && queries[i].id == message_id(body)) {
                results[i] =
                    parse_reply({reinterpret_cast<const uint8_t*>(body.data()), body.size()}, queries[i].id);
                answered[i] = true;
                --pending;
                break;
            }
        }
    }
    return results;
}

}  // namespace

std::vector<uint8_t> build_dns_query(const std::string& name, uint16_t qtype, uint16_t id) {
    Query query = make_query(name, qtype);
    query.wire[0] = static_cast<uint8_t>(id >> 8);
    query.wire[1] = static_cast<uint8_t>(id & 0xFF);
    return query.wire;
}

std::vector<std::string> DnsQueryResult::addresses() const {
    std::vector<std::string> result;
    for (const auto& answer : answers) {
        if (answer.type == kDnsTypeA || answer.type == kDnsTypeAaaa) {
            result.push_back(answer.data);
        }
    }
    return result;
}

DnsQueryResult dns_query(const std::string& netns, const std::string& server, uint16_t port,
                         const std::string& name, uint16_t qtype, bool use_tcp,
                         std::chrono::milliseconds timeout) {
    if (use_tcp) {
        return dns_query_tcp_pipelined(netns, server, port, {{name, qtype}}, timeout).front();
    }
    const auto deadline = io::deadline_after(timeout);
    const SocketAddress address = make_socket_address(server, port);
    const UniqueFd fd = make_socket(netns, address.family(), SOCK_DGRAM);
    if (const int rc = io::connect_before(fd.get(), address, deadline); rc != 0) {
        return failure(rc);
    }
    return query_udp(fd.get(), make_query(name, qtype), deadline);
}

DnsQueryResult dns_query_udp_from(const std::string& netns, const UdpQuerySource& source,
                                  const std::string& server, uint16_t port, const std::string& name,
                                  uint16_t qtype, std::chrono::milliseconds timeout) {
    const auto deadline = io::deadline_after(timeout);
    const SocketAddress address = make_socket_address(server, port);
    const UniqueFd fd = make_socket(netns, address.family(), SOCK_DGRAM);
    const int reuse = 1;
    if (setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof reuse) != 0 ||
        (source.mark != 0 &&
         setsockopt(fd.get(), SOL_SOCKET, SO_MARK, &source.mark, sizeof source.mark) != 0)) {
        return failure(errno);
    }
    const SocketAddress local =
        make_socket_address(address.family() == AF_INET ? "0.0.0.0" : "::", source.port);
    if (bind(fd.get(), local.get(), local.length) != 0) {
        return failure(errno);
    }
    if (const int rc = io::connect_before(fd.get(), address, deadline); rc != 0) {
        return failure(rc);
    }
    return query_udp(fd.get(), make_query(name, qtype), deadline);
}

std::vector<DnsQueryResult> dns_query_tcp_pipelined(
    const std::string& netns, const std::string& server, uint16_t port,
    const std::vector<std::pair<std::string, uint16_t>>& questions, std::chrono::milliseconds timeout) {
    const auto deadline = io::deadline_after(timeout);
    const SocketAddress address = make_socket_address(server, port);
    const UniqueFd fd = make_socket(netns, address.family(), SOCK_STREAM);
    std::vector<Query> queries;
    for (const auto& [name, qtype] : questions) {
        queries.push_back(make_query(name, qtype));
    }
    int error = io::connect_before(fd.get(), address, deadline);
    for (size_t i = 0; i < queries.size() && error == 0; ++i) {
        error = send_framed(fd.get(), queries[i], deadline);
    }
    if (error != 0) {
        return std::vector<DnsQueryResult>(queries.size(), failure(error));
    }
    return receive_answers(fd.get(), queries, deadline);
}

}  // namespace harness
