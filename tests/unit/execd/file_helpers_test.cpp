// FileInfo fields, modes, paths and text replacement, against real files in a temporary directory.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

#include "files/atomic_file.hpp"
#include "files/file_info.hpp"
#include "files/file_path.hpp"
#include "files/file_tree.hpp"
#include "files/text_replace.hpp"

namespace execd::files {
namespace {

namespace fs = std::filesystem;

class TempDir {
  public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "execd-files-XXXXXX").string();
        path_ = ::mkdtemp(pattern.data());
    }
    ~TempDir() { fs::remove_all(path_); }
    const std::string& path() const { return path_; }
    std::string operator/(const std::string& name) const { return path_ + "/" + name; }

  private:
    std::string path_;
};

void write_file(const std::string& path, const std::string& content) {
    std::ofstream(path, std::ios::binary) << content;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(FileModeTest, DecimalDigitsMeanOctal) {
    EXPECT_EQ(mode_as_decimal_digits(0755), 755u);
    EXPECT_EQ(mode_as_decimal_digits(04600), 600u);
    EXPECT_EQ(mode_as_decimal_digits(0), 0u);
    EXPECT_EQ(mode_from_decimal_digits(755), std::optional<mode_t>(0755));
    EXPECT_EQ(mode_from_decimal_digits(644), std::optional<mode_t>(0644));
    EXPECT_EQ(mode_from_decimal_digits(1777), std::optional<mode_t>(01777));
    EXPECT_FALSE(mode_from_decimal_digits(789).has_value());
    EXPECT_FALSE(mode_from_decimal_digits(-1).has_value());
    EXPECT_FALSE(mode_from_decimal_digits(10000).has_value());
}

TEST(FilePathTest, CleanLikeGo) {
    EXPECT_EQ(clean_path("/a/b/../c/./d/"), "/a/c/d");
    EXPECT_EQ(clean_path("//"), "/");
    EXPECT_EQ(clean_path("/.."), "/");
    EXPECT_EQ(clean_path("a/../../b"), "../b");
    EXPECT_EQ(clean_path(""), ".");
}

TEST(FilePathTest, ExpandsHomeAndVariables) {
    ::setenv("EXECD_FILES_TEST_DIR", "/srv/data", 1);
    EXPECT_EQ(resolve_path("$EXECD_FILES_TEST_DIR/x").path, "/srv/data/x");
    EXPECT_EQ(resolve_path("${EXECD_FILES_TEST_DIR}/../y").path, "/srv/y");
    ::setenv("HOME", "/home/tester", 1);
    EXPECT_EQ(resolve_path("~/f").path, "/home/tester/f");
    const auto missing = resolve_path("$EXECD_FILES_TEST_UNSET/x");
    ASSERT_TRUE(missing.error.has_value());
    EXPECT_EQ(missing.error->status, 400);
    EXPECT_EQ(resolve_path("rel", true).path, clean_path(fs::current_path().string() + "/rel"));
    EXPECT_EQ(resolve_path("rel", false).path, "rel");
}

TEST(FileInfoTest, TypesAndFields) {
    TempDir dir;
    write_file(dir / "f", "12345");
    ::chmod((dir / "f").c_str(), 0640);
    fs::create_directory(dir / "d");
    fs::create_symlink(dir / "f", dir / "l");
    const auto file = read_file_info(dir / "f");
    ASSERT_TRUE(file.has_value());
    EXPECT_EQ(file->type, "file");
    EXPECT_EQ(file->size, 5u);
    EXPECT_EQ(file->mode, 640u);
    EXPECT_EQ(file->owner, user_name(::geteuid()));
    EXPECT_EQ(read_file_info(dir / "d")->type, "directory");
    EXPECT_EQ(read_file_info(dir / "l")->type, "symlink");
    EXPECT_FALSE(read_file_info(dir / "missing").has_value());
}

TEST(TextReplaceTest, CountsNonOverlapping) {
    std::size_t count = 0;
    EXPECT_EQ(replace_all("aaaa", "aa", "b", count), "bb");
    EXPECT_EQ(count, 2u);
    EXPECT_EQ(replace_all("hello world", "o", "0", count), "hell0 w0rld");
    EXPECT_EQ(count, 2u);
    EXPECT_EQ(replace_all("abc", "x", "y", count), "abc");
    EXPECT_EQ(count, 0u);
}

TEST(TextReplaceTest, FileKeepsModeAndLeavesNoTemporary) {
    TempDir dir;
    write_file(dir / "t", "hello execd\nhello\n");
    ::chmod((dir / "t").c_str(), 0604);
    const auto outcome = replace_in_file(dir / "t", "hello", "hi");
    ASSERT_FALSE(outcome.error.has_value());
    EXPECT_EQ(outcome.count, 2u);
    EXPECT_EQ(read_file(dir / "t"), "hi execd\nhi\n");
    EXPECT_EQ(read_file_info(dir / "t")->mode, 604u);
    EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
    const auto missing = replace_in_file(dir / "none", "a", "b");
    ASSERT_TRUE(missing.error.has_value());
    EXPECT_EQ(missing.error->status, 404);
}

TEST(AtomicFileTest, DiscardLeavesTargetUntouched) {
    TempDir dir;
    write_file(dir / "target", "old");
    {
        AtomicFile file;
        ASSERT_EQ(file.open(dir / "target"), 0);
        ASSERT_EQ(file.write("new content"), 0);
        EXPECT_TRUE(fs::exists(file.temp_path()));
    }
    EXPECT_EQ(read_file(dir / "target"), "old");
    EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
    AtomicFile file;
    ASSERT_EQ(file.open(dir / "target"), 0);
    ASSERT_EQ(file.write("new"), 0);
    ASSERT_EQ(file.commit(Permission{}, 0600), 0);
    EXPECT_EQ(read_file(dir / "target"), "new");
}

TEST(AtomicFileTest, WritesThroughSymbolicLinks) {
    TempDir dir;
    fs::create_directory(dir / "real");
    write_file(dir / "real/conf", "old");
    fs::create_symlink("real/conf", dir / "relative");
    fs::create_symlink(dir / "relative", dir / "chained");
    fs::create_symlink(dir / "real/new", dir / "dangling");
    for (const std::string link : {"relative", "chained", "dangling"}) {
        AtomicFile file;
        ASSERT_EQ(file.open(dir / link), 0) << link;
        ASSERT_EQ(file.write(link), 0);
        ASSERT_EQ(file.commit(Permission{}, 0600), 0);
        EXPECT_TRUE(fs::is_symlink(dir / link)) << link;
    }
    EXPECT_EQ(read_file(dir / "real/conf"), "chained");
    EXPECT_EQ(read_file(dir / "real/new"), "dangling");
    // The temporary file sits beside the destination (the same filesystem), not beside the link.
    AtomicFile pending;
    ASSERT_EQ(pending.open(dir / "relative"), 0);
    EXPECT_EQ(pending.temp_path().rfind(dir / "real/.conf.execd-", 0), 0u) << pending.temp_path();
    fs::create_symlink(dir / "loop", dir / "loop");
    AtomicFile looped;
    EXPECT_EQ(looped.open(dir / "loop"), ELOOP);
}

TEST(AtomicFileTest, ADirectoryIsRefusedBeforeAnyContent) {
    TempDir dir;
    fs::create_directory(dir / "d");
    AtomicFile file;
    EXPECT_EQ(file.open(dir / "d"), EISDIR);
    EXPECT_STREQ(file.step(), "open");
    EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(FileTreeTest, SearchAndListInLexicalOrderWithoutFollowingLinks) {
    TempDir dir;
    fs::create_directories(dir / "b/c");
    write_file(dir / "a.txt", "");
    write_file(dir / "b/z.txt", "");
    write_file(dir / "b/c/y.md", "");
    fs::create_directory_symlink(dir.path(), dir / "b/loop");
    const auto found = search_files(dir.path(), "*.txt");
    ASSERT_EQ(found.matches.size(), 2u);
    EXPECT_EQ(found.matches[0].path, dir / "a.txt");
    EXPECT_EQ(found.matches[1].path, dir / "b/z.txt");
    EXPECT_EQ(search_files(dir.path(), "**").matches.size(), 4u);  // the link itself included
    EXPECT_TRUE(search_files(dir.path(), "[").bad_pattern);

    std::vector<std::string> listed;
    for (const auto& info : list_directory(dir.path(), 3)) {
        listed.push_back(info.path.substr(dir.path().size()));
    }
    EXPECT_EQ(listed, (std::vector<std::string>{"/a.txt", "/b", "/b/c", "/b/c/y.md", "/b/loop", "/b/z.txt"}));
    EXPECT_EQ(list_directory(dir.path(), 1).size(), 2u);
    EXPECT_TRUE(list_directory(dir.path(), 0).empty());
}

}  // namespace
}  // namespace execd::files
