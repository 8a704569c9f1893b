// POST /directories on existing and new directories, and unknown owners and groups on every route that
// changes ownership, against the real execd binary (as root: it chowns).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "files_test_support.hpp"

namespace execd_test {
namespace {

using nlohmann::json;

constexpr uid_t kNobodyIds = 65534;  // nobody:nogroup in the test image's /etc/passwd and /etc/group
constexpr const char* kUnknownUser = "no-such-user-q7";
constexpr const char* kUnknownGroup = "no-such-group-q7";

struct stat stat_of(const std::string& path) {
    struct stat status {};
    EXPECT_EQ(::stat(path.c_str(), &status), 0) << path;
    return status;
}

mode_t process_umask() {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    return mask;
}

void expect_runtime_error(const HttpResponse& response, const std::string& message) {
    EXPECT_EQ(response.status, 500) << response.body;
    const json body = json::parse(response.body);
    EXPECT_EQ(body.value("code", ""), "RUNTIME_ERROR");
    EXPECT_EQ(body.value("message", ""), message);
}

std::string unknown_user_text() {
    return std::string("failed to lookup user ") + kUnknownUser + ": user: unknown user " + kUnknownUser;
}

class ExecdFileOwnershipTest : public ::testing::Test {
  protected:
    void SetUp() override {
        if (::geteuid() != 0) {
            GTEST_SKIP() << "needs root to chown";
        }
    }

    HttpResponse make_directories(const json& body) {
        return http_request(execd_.port(), "POST", "/directories", body.dump());
    }

    ExecdProcess execd_;
    ScratchDir dir_;
};

TEST_F(ExecdFileOwnershipTest, AnExistingDirectoryKeepsItsModeAndOwner) {
    const std::string existing = dir_ / "existing";
    std::filesystem::create_directory(existing);
    ASSERT_EQ(::chmod(existing.c_str(), 0750), 0);
    ASSERT_EQ(
        make_directories({{existing, {{"mode", 700}, {"owner", "nobody"}, {"group", "nogroup"}}}}).status,
        200);
    EXPECT_EQ(stat_of(existing).st_mode & 07777, 0750u);
    EXPECT_EQ(stat_of(existing).st_uid, 0u);
    EXPECT_EQ(stat_of(existing).st_gid, 0u);
    // Not even an unknown owner is looked up.
    EXPECT_EQ(make_directories({{existing, {{"mode", 777}, {"owner", kUnknownUser}}}}).status, 200);
    EXPECT_EQ(stat_of(existing).st_mode & 07777, 0750u);
}

TEST_F(ExecdFileOwnershipTest, ANewDirectoryGetsModeAndOwnerButItsNewParentsDoNot) {
    const std::string leaf = dir_ / "a/b/c";
    ASSERT_EQ(make_directories({{leaf, {{"mode", 700}, {"owner", "nobody"}, {"group", "nogroup"}}}}).status,
              200);
    EXPECT_EQ(stat_of(leaf).st_mode & 07777, 0700u);
    EXPECT_EQ(stat_of(leaf).st_uid, kNobodyIds);
    EXPECT_EQ(stat_of(leaf).st_gid, kNobodyIds);
    for (const std::string& parent : {dir_ / "a", dir_ / "a/b"}) {
        EXPECT_EQ(stat_of(parent).st_mode & 07777, 0777u & ~process_umask()) << parent;
        EXPECT_EQ(stat_of(parent).st_uid, 0u) << parent;
        EXPECT_EQ(stat_of(parent).st_gid, 0u) << parent;
    }
    // A group alone changes only the group.
    const std::string grouped = dir_ / "grouped";
    ASSERT_EQ(make_directories({{grouped, {{"group", "nogroup"}}}}).status, 200);
    EXPECT_EQ(stat_of(grouped).st_uid, 0u);
    EXPECT_EQ(stat_of(grouped).st_gid, kNobodyIds);
}

TEST_F(ExecdFileOwnershipTest, UnknownOwnerOfANewDirectoryIs500AfterItIsMade) {
    const std::string made = dir_ / "made";
    expect_runtime_error(make_directories({{made, {{"mode", 700}, {"owner", kUnknownUser}}}}),
                         "error accessing file: " + unknown_user_text());
    ASSERT_TRUE(std::filesystem::is_directory(made));
    EXPECT_EQ(stat_of(made).st_mode & 07777, 0700u);  // the chmod came first
    EXPECT_EQ(stat_of(made).st_uid, 0u);

    const std::string grouped = dir_ / "grouped";
    expect_runtime_error(make_directories({{grouped, {{"owner", "nobody"}, {"group", kUnknownGroup}}}}),
                         std::string("error accessing file: failed to lookup group ") + kUnknownGroup +
                             ": group: unknown group " + kUnknownGroup);
    ASSERT_TRUE(std::filesystem::is_directory(grouped));
    EXPECT_EQ(stat_of(grouped).st_uid, 0u);  // no chown at all, not even the known owner
}

TEST_F(ExecdFileOwnershipTest, UnknownOwnerOnPermissionsIs500AfterTheChmod) {
    const std::string file = dir_ / "p";
    write_whole_file(file, "p");
    ASSERT_EQ(::chmod(file.c_str(), 0600), 0);
    expect_runtime_error(http_request(execd_.port(), "POST", "/files/permissions",
                                      json{{file, {{"mode", 640}, {"owner", kUnknownUser}}}}.dump()),
                         "error changing permissions for " + file + ". " + unknown_user_text());
    EXPECT_EQ(stat_of(file).st_mode & 07777, 0640u);
    EXPECT_EQ(stat_of(file).st_uid, 0u);
}

TEST_F(ExecdFileOwnershipTest, UnknownOwnerOnUploadIs500AfterTheFileIsWritten) {
    const std::string file = dir_ / "up.txt";
    const FormPart metadata{"metadata", "metadata",
                            json{{"path", file}, {"owner", kUnknownUser}, {"mode", 600}}.dump()};
    expect_runtime_error(upload(execd_.port(), {metadata, file_part("content")}),
                         "error chmoding file " + file + ". " + unknown_user_text());
    EXPECT_EQ(read_whole_file(file), "content");
    EXPECT_EQ(stat_of(file).st_mode & 07777, 0600u);
    EXPECT_EQ(stat_of(file).st_uid, 0u);
    for (const auto& name : dir_.names()) {
        EXPECT_EQ(name.find(".execd-"), std::string::npos) << name;
    }
}

}  // namespace
}  // namespace execd_test
