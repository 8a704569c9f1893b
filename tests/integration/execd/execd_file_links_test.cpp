// Symbolic links planted by a lower-privileged workload never redirect the operator's file
// operations: execd (root) follows only links owned by root or by itself.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "files_test_support.hpp"

namespace execd_test {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr uid_t kNobody = 65534;

class ExecdFileLinksTest : public ::testing::Test {
  protected:
    void SetUp() override {
        if (::geteuid() != 0) {
            GTEST_SKIP() << "needs root (execd acts as root, the workload as uid 65534)";
        }
        write_whole_file(victim_ / "secret", "root only\n");
        ::chmod((victim_ / "secret").c_str(), 0600);
        fs::create_directory(victim_ / "sub");
        write_whole_file(victim_ / "sub/keep", "kept\n");
        ASSERT_EQ(::chown(play_.path().c_str(), kNobody, kNobody), 0);
        ::chmod(play_.path().c_str(), 0755);
        // The workload plants its links.
        const CommandStream planted = run_command(
            execd_.port(), {{"command", "ln -s '" + victim_.path() + "' '" + (play_ / "d") + "' && ln -s '" +
                                            (victim_ / "secret") + "' '" + (play_ / "f") + "'"},
                            {"uid", kNobody},
                            {"gid", kNobody}});
        ASSERT_EQ(texts_of(planted.events, "error").size(), 0u) << planted.response.body;
        ASSERT_TRUE(fs::is_symlink(play_ / "d"));
    }

    void expect_victim_intact() {
        struct stat status {};
        ASSERT_EQ(::stat((victim_ / "secret").c_str(), &status), 0);
        EXPECT_EQ(status.st_mode & 07777, 0600u);
        EXPECT_EQ(status.st_uid, 0u);
        EXPECT_EQ(read_whole_file(victim_ / "secret"), "root only\n");
        EXPECT_EQ(read_whole_file(victim_ / "sub/keep"), "kept\n");
        EXPECT_EQ(victim_.names(), (std::vector<std::string>{"secret", "sub"}));
    }

    uint16_t port() const { return execd_.port(); }

    ExecdProcess execd_;
    ScratchDir victim_;  // root's
    ScratchDir play_;    // the workload's
};

void expect_refused(const HttpResponse& response) {
    EXPECT_EQ(response.status, 403) << response.body;
    EXPECT_NE(response.body.find("symbolic link"), std::string::npos) << response.body;
}

TEST_F(ExecdFileLinksTest, PermissionsDoNotFollowAPlantedLink) {
    expect_refused(http_request(port(), "POST", "/files/permissions",
                                json{{play_ / "d/secret", {{"mode", 666}, {"owner", "nobody"}}}}.dump()));
    expect_refused(http_request(port(), "POST", "/files/permissions",
                                json{{play_ / "f", {{"mode", 666}, {"owner", "nobody"}}}}.dump()));
    expect_victim_intact();
}

TEST_F(ExecdFileLinksTest, DirectoriesAreNotCreatedThroughAPlantedLink) {
    expect_refused(http_request(port(), "POST", "/directories",
                                json{{play_ / "d/made/deeper", {{"mode", 777}}}}.dump()));
    expect_refused(
        http_request(port(), "POST", "/directories", json{{play_ / "d/sub", {{"mode", 777}}}}.dump()));
    expect_victim_intact();
}

TEST_F(ExecdFileLinksTest, UploadsDoNotWriteThroughAPlantedLink) {
    expect_refused(upload(port(), {metadata_part(play_ / "d/dropped.txt"), file_part("evil")}));
    expect_refused(upload(port(), {metadata_part(play_ / "f", 666), file_part("evil")}));
    expect_refused(upload(port(), {metadata_part(play_ / "d/sub/new/x.txt"), file_part("evil")}));
    expect_victim_intact();
}

TEST_F(ExecdFileLinksTest, ReplaceDoesNotWriteThroughAPlantedLink) {
    expect_refused(http_request(port(), "POST", "/files/replace",
                                json{{play_ / "f", {{"old", "root"}, {"new", "anyone"}}}}.dump()));
    expect_refused(http_request(port(), "POST", "/files/replace",
                                json{{play_ / "d/secret", {{"old", "root"}, {"new", "anyone"}}}}.dump()));
    expect_victim_intact();
}

TEST_F(ExecdFileLinksTest, DeletesDoNotFollowAnIntermediateLink) {
    expect_refused(http_request(port(), "DELETE", "/files?path=" + (play_ / "d/secret")));
    expect_refused(http_request(port(), "DELETE", "/directories?path=" + (play_ / "d/sub")));
    expect_victim_intact();
    // The links themselves may go.
    EXPECT_EQ(http_request(port(), "DELETE", "/files?path=" + (play_ / "f")).status, 200);
    EXPECT_EQ(http_request(port(), "DELETE", "/directories?path=" + (play_ / "d")).status, 200);
    EXPECT_EQ(play_.names(), std::vector<std::string>{});
    expect_victim_intact();
}

TEST_F(ExecdFileLinksTest, MovesDoNotFollowAnIntermediateLink) {
    expect_refused(
        http_request(port(), "POST", "/files/mv",
                     json::array({{{"src", play_ / "d/secret"}, {"dest", play_ / "taken"}}}).dump()));
    expect_refused(http_request(port(), "POST", "/files/mv",
                                json::array({{{"src", play_ / "f"}, {"dest", play_ / "d/moved"}}}).dump()));
    expect_victim_intact();
}

TEST_F(ExecdFileLinksTest, LinksOwnedByRootAreStillFollowed) {
    fs::create_directory_symlink(victim_.path(), play_ / "operator-link");
    ASSERT_EQ(
        upload(port(), {metadata_part(play_ / "operator-link/new.txt"), file_part("by the operator")}).status,
        200);
    EXPECT_EQ(read_whole_file(victim_ / "new.txt"), "by the operator");
    fs::create_symlink(victim_ / "new.txt", play_ / "file-link");
    ASSERT_EQ(upload(port(), {metadata_part(play_ / "file-link"), file_part("again")}).status, 200);
    EXPECT_EQ(read_whole_file(victim_ / "new.txt"), "again");
    EXPECT_TRUE(fs::is_symlink(play_ / "file-link"));
}

}  // namespace
}  // namespace execd_test
