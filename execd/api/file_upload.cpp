#include "api/file_upload.hpp"

#include <deque>
#include <optional>

#include "api/files_json.hpp"
#include "files/atomic_file.hpp"
#include "files/file_info.hpp"
#include "files/file_operations.hpp"
#include "files/file_path.hpp"
#include "files/multipart_parser.hpp"

namespace execd::api {
namespace {

constexpr std::size_t kMaxMetadataBytes = 1024 * 1024;
constexpr std::string_view kEmptyForm = "multipart form is empty";

// One metadata part, checked, waiting for its file part.
struct Target {
    std::string path;
    files::Permission permission;
};

class UploadSession : public std::enable_shared_from_this<UploadSession> {
  public:
    UploadSession(process::WorkerPool& workers, std::shared_ptr<http::BodyReader> reader,
                  std::shared_ptr<http::ResponseChannel> channel, const std::string& boundary)
        : workers_(workers),
          reader_(std::move(reader)),
          channel_(std::move(channel)),
          parser_(boundary,
                  files::PartEvents{[this](const files::PartHeader& header) { return begin_part(header); },
                                    [this](std::string_view data) { return part_data(data); },
                                    [this] { return end_part(); }}),
          new_file_mode_(0777 & ~files::current_umask()) {}

    void read_next() {
        reader_->read([self = shared_from_this()](http::BodyPiece piece) {
            self->workers_.post(
                [self, piece = std::move(piece)]() mutable { self->consume(std::move(piece)); });
        });
    }

  private:
    enum class PartKind { ignored, metadata, file };

    void consume(http::BodyPiece piece) {
        if (piece.failed) {
            fail(files::bad_request(files::kInvalidFile, "the request body ended early or was malformed"));
            return;
        }
        if (!piece.bytes.empty() && !parser_.feed(piece.bytes)) {
            fail(error_
                     ? *error_
                     : files::bad_request(files::kInvalidFile, "invalid multipart body: " + parser_.error()));
            return;
        }
        if (piece.end) {
            finish();
            return;
        }
        read_next();
    }

    bool begin_part(const files::PartHeader& header) {
        if (header.name == "metadata") {
            kind_ = PartKind::metadata;
            metadata_text_.clear();
            ++metadata_count_;
            return true;
        }
        if (header.name != "file") {
            kind_ = PartKind::ignored;
            return true;
        }
        ++file_count_;
        kind_ = PartKind::file;
        if (targets_.empty()) {
            return stop(metadata_count_ == 0
                            ? files::bad_request(files::kInvalidFileMetadata, "metadata file is missing")
                            : files::bad_request(files::kInvalidFile,
                                                 "each file part must follow its metadata part"));
        }
        target_ = std::move(targets_.front());
        targets_.pop_front();
        return open_target();
    }

    bool open_target() {
        const std::string directory = files::parent_directory(target_.path);
        if (auto error = files::make_directory_tree(directory, 0777)) {
            return stop(files::walk_failure(*error, "error creating target directory " + directory + ". "));
        }
        file_.emplace();
        if (const int error = file_->open(target_.path); error != 0) {
            return stop(file_->failure(error, "error opening destination file " + target_.path + ". "));
        }
        return true;
    }

    bool part_data(std::string_view data) {
        if (kind_ == PartKind::metadata) {
            if (metadata_text_.size() + data.size() > kMaxMetadataBytes) {
                return stop(files::bad_request(files::kInvalidFileMetadata,
                                               "error reading metadata content. too large"));
            }
            metadata_text_.append(data);
        } else if (kind_ == PartKind::file) {
            if (const int error = file_->write(data); error != 0) {
                return stop(files::error_from_errno(error, "error copying file " + target_.path + ". ",
                                                    files::path_error_text("write", target_.path, error)));
            }
        }
        return true;
    }

    bool end_part() {
        const PartKind kind = std::exchange(kind_, PartKind::ignored);
        if (kind == PartKind::metadata) {
            return accept_metadata();
        }
        if (kind == PartKind::file) {
            return commit_target();
        }
        return true;
    }

    bool commit_target() {
        const int error = file_->commit(target_.permission, new_file_mode_);
        const char* step = file_->step();
        file_.reset();
        if (error != 0) {
            return stop(files::error_from_errno(error, "error copying file " + target_.path + ". ",
                                                files::path_error_text(step, target_.path, error)));
        }
        if (target_.permission.owner_error) {  // upstream's chown fails after the file is written
            return stop(files::FileError{
                500, std::string(files::kRuntimeError),
                "error chmoding file " + target_.path + ". " + *target_.permission.owner_error});
        }
        return true;
    }

    bool accept_metadata() {
        auto parsed = parse_file_metadata(metadata_text_);
        if (auto* error = std::get_if<files::FileError>(&parsed)) {
            return stop(*error);
        }
        auto& metadata = std::get<FileMetadata>(parsed);
        if (metadata.path.empty()) {
            return stop(files::bad_request(files::kInvalidFileMetadata, "metadata path is empty"));
        }
        auto resolved = files::resolve_path(metadata.path);
        if (resolved.error) {
            resolved.error->code = std::string(files::kInvalidFileMetadata);
            return stop(*resolved.error);
        }
        auto permission = files::resolve_permission(metadata.permission, files::kInvalidFileMetadata);
        if (auto* error = std::get_if<files::FileError>(&permission)) {
            return stop(*error);
        }
        targets_.push_back(Target{std::move(resolved.path), std::get<files::Permission>(permission)});
        return true;
    }

    void finish() {
        if (!parser_.complete()) {
            fail(files::bad_request(files::kInvalidFile,
                                    "invalid multipart body: the closing boundary is missing"));
        } else if (metadata_count_ == 0) {
            fail(files::bad_request(files::kInvalidFileMetadata, "metadata file is missing"));
        } else if (file_count_ == 0) {
            fail(files::bad_request(files::kInvalidFileContent, "file is missing"));
        } else if (metadata_count_ != file_count_) {
            fail(files::bad_request(files::kInvalidFile,
                                    "metadata and file count mismatch: " + std::to_string(metadata_count_) +
                                        " vs " + std::to_string(file_count_)));
        } else {
            channel_->respond(http::empty_ok());
        }
    }

    bool stop(files::FileError error) {
        error_ = std::move(error);
        return false;
    }

    void fail(const files::FileError& error) {
        file_.reset();  // removes the temporary file
        channel_->respond(file_error_response(error));
    }

    process::WorkerPool& workers_;
    std::shared_ptr<http::BodyReader> reader_;
    std::shared_ptr<http::ResponseChannel> channel_;
    files::MultipartParser parser_;
    const mode_t new_file_mode_;
    PartKind kind_ = PartKind::ignored;
    std::string metadata_text_;
    std::deque<Target> targets_;
    Target target_;
    std::optional<files::AtomicFile> file_;
    std::size_t metadata_count_ = 0;
    std::size_t file_count_ = 0;
    std::optional<files::FileError> error_;
};

}  // namespace

void receive_upload(process::WorkerPool& workers, const http::Request& request,
                    std::shared_ptr<http::ResponseChannel> channel) {
    const auto content_type = request.header("Content-Type");
    const auto boundary = files::MultipartParser::boundary_of(content_type.value_or(""));
    if (!boundary || !request.body_reader) {
        channel->respond(http::json_error(400, files::kInvalidFile, kEmptyForm));
        return;
    }
    std::make_shared<UploadSession>(workers, request.body_reader, std::move(channel), *boundary)->read_next();
}

}  // namespace execd::api
