#include "files/text_replace.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/fd.hpp"
#include "files/atomic_file.hpp"
#include "files/trusted_walk.hpp"

namespace execd::files {
namespace {

constexpr std::string_view kAccessContext = "error accessing file: ";

// Reads a whole regular file from `fd`; errno on failure.
int read_whole(const common::UniqueFd& fd, std::string& content) {
    struct stat status {};
    if (::fstat(fd.get(), &status) != 0) {
        return errno;
    }
    if (S_ISDIR(status.st_mode)) {
        return EISDIR;
    }
    if (!S_ISREG(status.st_mode)) {
        return EINVAL;
    }
    content.clear();
    char buffer[64 * 1024];
    while (true) {
        const ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno;
        }
        if (got == 0) {
            return 0;
        }
        content.append(buffer, static_cast<std::size_t>(got));
    }
}

}  // namespace

std::string replace_all(std::string_view text, std::string_view old_text, std::string_view new_text,
                        std::size_t& count) {
    count = 0;
    std::string out;
    std::size_t from = 0;
    while (true) {
        const std::size_t found = text.find(old_text, from);
        if (found == std::string_view::npos) {
            break;
        }
        out.append(text.substr(from, found - from));
        out.append(new_text);
        from = found + old_text.size();
        ++count;
    }
    out.append(text.substr(from));
    return out;
}

ReplaceOutcome replace_in_file(const std::string& path, std::string_view old_text,
                               std::string_view new_text) {
    auto opened = open_trusted(path, O_RDONLY | O_NONBLOCK);  // O_NONBLOCK: a pipe would wait
    if (auto* refused = std::get_if<WalkError>(&opened)) {
        return {0, walk_failure(*refused, kAccessContext)};
    }
    std::string content;
    if (const int error = read_whole(std::get<common::UniqueFd>(opened), content); error != 0) {
        return {0, error_from_errno(error, kAccessContext, path_error_text("open", path, error))};
    }
    ReplaceOutcome outcome;
    std::string replaced = replace_all(content, old_text, new_text, outcome.count);
    if (outcome.count == 0) {
        return outcome;
    }
    AtomicFile file;
    int error = file.open(path);
    if (error == 0) {
        error = file.write(replaced);
    }
    if (error == 0) {
        error = file.commit(Permission{}, 0644);
    }
    if (error != 0) {
        outcome.error = file.failure(error, kAccessContext);
        if (outcome.error->status == 404) {
            outcome.error->status = 500;
            outcome.error->code = std::string(kRuntimeError);
        }
    }
    return outcome;
}

}  // namespace execd::files
