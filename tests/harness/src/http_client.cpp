#include "harness/http_client.hpp"

#include <strings.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "harness/command.hpp"

namespace harness {
namespace {

// The body goes through a file: run_command's stdin holds only a pipe buffer's worth.
class BodyFile {
  public:
    explicit BodyFile(const std::string& body) {
        char path[] = "/tmp/harness-http-body.XXXXXX";
        const int fd = mkstemp(path);
        if (fd < 0) {
            throw std::runtime_error("http_request: cannot create a temporary file");
        }
        path_ = path;
        std::ofstream(path_, std::ios::binary) << body;
        close(fd);
    }
    ~BodyFile() { std::filesystem::remove(path_); }
    BodyFile(const BodyFile&) = delete;
    BodyFile& operator=(const BodyFile&) = delete;
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

std::vector<std::string> curl_arguments(const std::string& netns, const HttpRequest& request,
                                        const std::string& body_path) {
    const std::string seconds = std::to_string(static_cast<double>(request.timeout.count()) / 1000.0);
    std::vector<std::string> argv{"ip", "netns", "exec", netns, "curl", "-sS", "-i", "--max-time", seconds};
    if (request.method == "HEAD") {
        argv.push_back("--head");  // with -X HEAD curl would wait for the announced body
    } else {
        argv.insert(argv.end(), {"-X", request.method});
    }
    for (const auto& [name, value] : request.headers) {
        argv.insert(argv.end(), {"-H", name + ": " + value});
    }
    if (request.send_body && request.method != "HEAD") {
        argv.insert(argv.end(), {"--data-binary", "@" + body_path, "-H", "Expect:"});
    }
    argv.push_back(request.url);
    return argv;
}

// "HTTP/1.1 200 OK\r\nName: value\r\n\r\nbody"
HttpResponse parse_response(const std::string& raw) {
    HttpResponse response;
    const size_t header_end = raw.find("\r\n\r\n");
    std::istringstream head(raw.substr(0, header_end));
    std::string line;
    std::getline(head, line);
    std::istringstream status_line(line);
    std::string version;
    status_line >> version >> response.status;
    while (std::getline(head, line)) {
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        const size_t colon = line.find(':');
        if (colon != std::string::npos) {
            const size_t value_start = line.find_first_not_of(' ', colon + 1);
            response.headers.emplace_back(line.substr(0, colon),
                                          value_start == std::string::npos ? "" : line.substr(value_start));
        }
    }
    response.body = header_end == std::string::npos ? "" : raw.substr(header_end + 4);
    return response;
}

}  // namespace

std::string HttpResponse::header(const std::string& name) const {
    for (const auto& [key, value] : headers) {
        if (strcasecmp(key.c_str(), name.c_str()) == 0) {
            return value;
        }
    }
    return {};
}

HttpResponse http_request(const std::string& netns, const HttpRequest& request) {
    const BodyFile body(request.body);
    const auto argv = curl_arguments(netns, request, body.path());
    const CommandResult result = run_command(argv);
    if (result.exit_code == 0 && result.output.starts_with("HTTP/")) {
        return parse_response(result.output);
    }
    HttpResponse failed;
    failed.error = "curl exit " + std::to_string(result.exit_code) + ": " + result.output + " (";
    for (const auto& argument : argv) {
        failed.error +=
            (argument.size() > 200 ? "<" + std::to_string(argument.size()) + " bytes>" : argument) + " ";
    }
    failed.error += ")";
    return failed;
}

}  // namespace harness
