// The filesystem endpoints against the real execd binary and real files.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <thread>

#include "files_test_support.hpp"

namespace execd_test {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

json body_json(const HttpResponse& response) {
    return json::parse(response.body);
}

void expect_error(const HttpResponse& response, int status, const std::string& code,
                  const std::string& message) {
    EXPECT_EQ(response.status, status) << response.body;
    const json body = body_json(response);
    EXPECT_EQ(body.value("code", ""), code) << response.body;
    if (!message.empty()) {
        EXPECT_EQ(body.value("message", ""), message);
    }
}

class ExecdFilesTest : public ::testing::Test {
  protected:
    ExecdProcess execd_;
    ScratchDir dir_;
    uint16_t port() const { return execd_.port(); }
};

// Upstream's smoke flow (tests/smoke_api.py): mkdir, upload, info, search, replace, download, chmod,
// mv, delete file, delete directory.
TEST_F(ExecdFilesTest, UpstreamSmokeFlow) {
    const std::string sub = dir_ / "sub_dir";
    EXPECT_EQ(http_request(port(), "POST", "/directories", json{{sub, {{"mode", 0}}}}.dump()).status, 200);
    EXPECT_TRUE(fs::is_directory(sub));

    const std::string file = sub + "/hello.txt";
    ASSERT_EQ(upload(port(), {metadata_part(file), file_part("hello execd\n", "hello.txt")}).status, 200);

    const HttpResponse info = http_request(port(), "GET", "/files/info?path=" + percent_encoded(file));
    ASSERT_EQ(info.status, 200);
    EXPECT_EQ(info.headers.at("content-type"), "application/json; charset=utf-8");
    const json entry = body_json(info)[file];
    EXPECT_EQ(entry["path"], file);
    EXPECT_EQ(entry["type"], "file");
    EXPECT_EQ(entry["size"], 12);
    EXPECT_EQ(entry["owner"], "root");

    const HttpResponse search =
        http_request(port(), "GET", "/files/search?path=" + percent_encoded(dir_.path()) + "&pattern=*.txt");
    ASSERT_EQ(search.status, 200);
    ASSERT_EQ(body_json(search).size(), 1u);
    EXPECT_EQ(body_json(search)[0]["path"], file);

    EXPECT_EQ(
        http_request(port(), "POST", "/files/replace", json{{file, {{"old", "hello"}, {"new", "hi"}}}}.dump())
            .status,
        200);
    const HttpResponse download =
        http_request(port(), "GET", "/files/download?path=" + percent_encoded(file));
    EXPECT_EQ(download.status, 200);
    EXPECT_EQ(download.body, "hi execd\n");

    EXPECT_EQ(http_request(port(), "POST", "/files/permissions", json{{file, {{"mode", 644}}}}.dump()).status,
              200);
    struct stat status {};
    ASSERT_EQ(::stat(file.c_str(), &status), 0);
    EXPECT_EQ(status.st_mode & 0777, 0644u);

    const std::string moved = sub + "/moved.txt";
    EXPECT_EQ(
        http_request(port(), "POST", "/files/mv", json::array({{{"src", file}, {"dest", moved}}}).dump())
            .status,
        200);
    EXPECT_FALSE(fs::exists(file));
    EXPECT_TRUE(fs::exists(moved));

    EXPECT_EQ(http_request(port(), "DELETE", "/files?path=" + percent_encoded(moved)).status, 200);
    EXPECT_FALSE(fs::exists(moved));
    EXPECT_EQ(http_request(port(), "DELETE", "/directories?path=" + percent_encoded(sub)).status, 200);
    EXPECT_FALSE(fs::exists(sub));
}

TEST_F(ExecdFilesTest, InfoIsKeyedByTheRequestedPath) {
    write_whole_file(dir_ / "a", "x");
    const HttpResponse response = http_request(
        port(), "GET",
        "/files/info?path=" + percent_encoded(dir_ / "a") + "&path=" + percent_encoded(dir_ / "./a"));
    ASSERT_EQ(response.status, 200);
    const json body = body_json(response);
    EXPECT_EQ(body.size(), 2u);
    EXPECT_EQ(body[dir_ / "./a"]["path"], dir_ / "a");
    EXPECT_EQ(body[dir_ / "a"]["mode"], 644);
    EXPECT_EQ(http_request(port(), "GET", "/files/info").body, "{}");
    expect_error(http_request(port(), "GET", "/files/info?path=" + percent_encoded(dir_ / "missing")), 404,
                 "FILE_NOT_FOUND",
                 "file not found. lstat " + (dir_ / "missing") + ": no such file or directory");
    fs::create_symlink(dir_ / "a", dir_ / "link");
    EXPECT_EQ(
        body_json(http_request(port(), "GET",
                               "/files/info?path=" + percent_encoded(dir_ / "link")))[dir_ / "link"]["type"],
        "symlink");
}

TEST_F(ExecdFilesTest, PathsExpandVariables) {
    const std::string home = std::getenv("HOME") != nullptr ? std::getenv("HOME") : "";
    ::setenv("HOME", dir_.path().c_str(), 1);
    ExecdProcess execd({}, {"EXECD_FILES_TEST_ROOT=" + dir_.path()});
    ::setenv("HOME", home.c_str(), 1);
    write_whole_file(dir_ / "v", "v");
    const HttpResponse by_variable =
        http_request(execd.port(), "GET", "/files/info?path=" + percent_encoded("$EXECD_FILES_TEST_ROOT/v"));
    ASSERT_EQ(by_variable.status, 200);
    EXPECT_EQ(body_json(by_variable)["$EXECD_FILES_TEST_ROOT/v"]["path"], dir_ / "v");
    EXPECT_EQ(http_request(execd.port(), "GET", "/files/download?path=" + percent_encoded("~/v")).body, "v");
    EXPECT_EQ(
        http_request(execd.port(), "GET", "/files/info?path=" + percent_encoded("$NO_SUCH_VARIABLE_X/v"))
            .status,
        400);
}

TEST_F(ExecdFilesTest, MissingQueriesAndBadBodies) {
    for (const std::string target : {"/files/search", "/files/download", "/directories/list"}) {
        expect_error(http_request(port(), "GET", target), 400, "MISSING_QUERY",
                     "missing query parameter 'path'");
    }
    for (const std::string target : {"/files/permissions", "/files/mv", "/files/replace", "/directories"}) {
        const HttpResponse empty = http_request(port(), "POST", target, "");
        expect_error(empty, 400, "INVALID_REQUEST_BODY",
                     "error parsing request, MAYBE invalid body format. EOF");
        const HttpResponse wrong_type = http_request(port(), "POST", target, "\"text\"");
        EXPECT_EQ(wrong_type.status, 400) << target;
        EXPECT_EQ(http_request(port(), "POST", target, "{").status, 400) << target;
    }
}

TEST_F(ExecdFilesTest, DeleteRules) {
    fs::create_directory(dir_ / "d");
    write_whole_file(dir_ / "f", "f");
    // A directory among the paths: refused before anything is removed.
    expect_error(
        http_request(port(), "DELETE",
                     "/files?path=" + percent_encoded(dir_ / "f") + "&path=" + percent_encoded(dir_ / "d")),
        500, "RUNTIME_ERROR",
        "error removing file " + (dir_ / "d") + ". path is a directory: " + (dir_ / "d"));
    EXPECT_TRUE(fs::exists(dir_ / "f"));
    EXPECT_EQ(
        http_request(port(), "DELETE",
                     "/files?path=" + percent_encoded(dir_ / "f") + "&path=" + percent_encoded(dir_ / "none"))
            .status,
        200);
    EXPECT_FALSE(fs::exists(dir_ / "f"));

    for (const std::string root : {"/", "//", "/.", "/tmp/.."}) {
        expect_error(http_request(port(), "DELETE",
                                  "/directories?path=" + percent_encoded(dir_ / "d") +
                                      "&path=" + percent_encoded(root)),
                     400, "INVALID_REQUEST_BODY", "");
    }
    EXPECT_TRUE(fs::exists(dir_ / "d"));
    fs::create_directories(dir_ / "d/x/y");
    write_whole_file(dir_ / "d/x/y/z", "z");
    EXPECT_EQ(http_request(port(), "DELETE", "/directories?path=" + percent_encoded(dir_ / "d")).status, 200);
    EXPECT_FALSE(fs::exists(dir_ / "d"));
    EXPECT_EQ(http_request(port(), "DELETE", "/directories?path=" + percent_encoded(dir_ / "never")).status,
              200);

    // A trailing slash on a link to a directory removes the link, not what it points to.
    fs::create_directories(dir_ / "kept/inner");
    write_whole_file(dir_ / "kept/inner/file", "k");
    fs::create_directory_symlink(dir_ / "kept", dir_ / "link");
    EXPECT_EQ(
        http_request(port(), "DELETE", "/directories?path=" + percent_encoded(dir_.path() + "/link/")).status,
        200);
    EXPECT_FALSE(fs::is_symlink(dir_ / "link"));
    EXPECT_TRUE(fs::exists(dir_ / "kept/inner/file"));
    // A path ending in . or .. is refused before anything is removed.
    for (const std::string dotted : {"/kept/.", "/kept/inner/..", "/kept/./"}) {
        expect_error(
            http_request(port(), "DELETE", "/directories?path=" + percent_encoded(dir_.path() + dotted)), 400,
            "INVALID_REQUEST_BODY", "refusing to remove a path ending in . or ..: " + dir_.path() + dotted);
    }
    EXPECT_TRUE(fs::exists(dir_ / "kept/inner/file"));
}

TEST_F(ExecdFilesTest, PermissionsAndDirectories) {
    write_whole_file(dir_ / "p", "p");
    ASSERT_EQ(::chown((dir_ / "p").c_str(), 65534, 65534), 0);
    // Mode only: ownership stays (upstream would chown to execd's user).
    EXPECT_EQ(
        http_request(port(), "POST", "/files/permissions", json{{dir_ / "p", {{"mode", 600}}}}.dump()).status,
        200);
    struct stat status {};
    ::stat((dir_ / "p").c_str(), &status);
    EXPECT_EQ(status.st_mode & 0777, 0600u);
    EXPECT_EQ(status.st_uid, 65534u);
    EXPECT_EQ(http_request(port(), "POST", "/files/permissions",
                           json{{dir_ / "p", {{"owner", "root"}, {"group", "root"}}}}.dump())
                  .status,
              200);
    ::stat((dir_ / "p").c_str(), &status);
    EXPECT_EQ(status.st_uid, 0u);

    // An invalid mode changes nothing, even for the valid entries of the same request.
    const json bad_mode{{dir_ / "p", {{"mode", 755}}}, {dir_ / "q", {{"mode", 789}}}};
    EXPECT_EQ(http_request(port(), "POST", "/files/permissions", bad_mode.dump()).status, 400);
    ::stat((dir_ / "p").c_str(), &status);
    EXPECT_EQ(status.st_mode & 0777, 0600u);
    expect_error(
        http_request(port(), "POST", "/files/permissions", json{{dir_ / "none", {{"mode", 644}}}}.dump()),
        404, "FILE_NOT_FOUND", "");

    EXPECT_EQ(
        http_request(port(), "POST", "/directories", json{{dir_ / "m/n/o", {{"mode", 700}}}}.dump()).status,
        200);
    ::stat((dir_ / "m/n/o").c_str(), &status);
    EXPECT_EQ(status.st_mode & 0777, 0700u);
    EXPECT_EQ(
        http_request(port(), "POST", "/directories", json{{dir_ / "m/n/o", {{"mode", 0}}}}.dump()).status,
        200);
    EXPECT_EQ(http_request(port(), "POST", "/directories", json{{dir_ / "p/sub", nullptr}}.dump()).status,
              500);
}

TEST_F(ExecdFilesTest, MoveRules) {
    write_whole_file(dir_ / "a", "a");
    write_whole_file(dir_ / "b", "b");
    expect_error(http_request(port(), "POST", "/files/mv",
                              json::array({{{"src", dir_ / "a"}, {"dest", dir_ / "b"}}}).dump()),
                 500, "RUNTIME_ERROR",
                 "error accessing file: destination path already exists: " + (dir_ / "b"));
    expect_error(http_request(port(), "POST", "/files/mv",
                              json::array({{{"src", dir_ / "none"}, {"dest", dir_ / "c"}}}).dump()),
                 404, "FILE_NOT_FOUND", "");
    EXPECT_EQ(
        http_request(port(), "POST", "/files/mv", json::array({{{"src", dir_ / "a"}, {"dest", ""}}}).dump())
            .status,
        400);
    EXPECT_EQ(http_request(port(), "POST", "/files/mv",
                           json::array({{{"src", dir_ / "a"}, {"dest", dir_ / "new/deep/a"}}}).dump())
                  .status,
              200);
    EXPECT_EQ(read_whole_file(dir_ / "new/deep/a"), "a");
}

TEST_F(ExecdFilesTest, ReplaceCountsAndRejectsEmptyOld) {
    write_whole_file(dir_ / "r1", "aaa b aaa");
    write_whole_file(dir_ / "r2", "nothing");
    const json request{{dir_ / "r1", {{"old", "aaa"}, {"new", "c"}}},
                       {dir_ / "r2", {{"old", "zzz"}, {"new", "y"}}}};
    const HttpResponse verbose = http_request(port(), "POST", "/files/replace?verbose=true", request.dump());
    ASSERT_EQ(verbose.status, 200);
    EXPECT_EQ(body_json(verbose),
              (json{{dir_ / "r1", {{"replacedCount", 2}}}, {dir_ / "r2", {{"replacedCount", 0}}}}));
    EXPECT_EQ(read_whole_file(dir_ / "r1"), "c b c");

    const json with_empty{{dir_ / "r1", {{"old", "c"}, {"new", "d"}}},
                          {dir_ / "r2", {{"old", ""}, {"new", "y"}}}};
    expect_error(http_request(port(), "POST", "/files/replace", with_empty.dump()), 400,
                 "INVALID_REQUEST_BODY", "old content must not be empty");
    EXPECT_EQ(read_whole_file(dir_ / "r1"), "c b c");
    const json with_missing{{dir_ / "r1", {{"old", "c"}, {"new", "d"}}},
                            {dir_ / "r3", {{"old", "x"}, {"new", "y"}}}};
    expect_error(http_request(port(), "POST", "/files/replace", with_missing.dump()), 404, "FILE_NOT_FOUND",
                 "");
    EXPECT_EQ(read_whole_file(dir_ / "r1"), "c b c");
    EXPECT_EQ(dir_.names(), (std::vector<std::string>{"r1", "r2"}));

    // Only regular files: a directory, a device or a named pipe is refused before any file changes.
    fs::create_directory(dir_ / "d");
    ASSERT_EQ(::mkfifo((dir_ / "pipe").c_str(), 0600), 0);
    for (const std::string& other : {dir_ / "d", std::string("/dev/zero"), dir_ / "pipe"}) {
        const json with_other{{dir_ / "r1", {{"old", "c"}, {"new", "d"}}},
                              {other, {{"old", "x"}, {"new", "y"}}}};
        expect_error(http_request(port(), "POST", "/files/replace", with_other.dump()), 400,
                     "INVALID_REQUEST_BODY", "path is not a regular file: " + other);
    }
    EXPECT_EQ(read_whole_file(dir_ / "r1"), "c b c");
}

TEST_F(ExecdFilesTest, SearchGlobTableAndRules) {
    fs::create_directories(dir_ / "src/pkg");
    for (const std::string name : {"main.go", "main_test.go", "a.py", "src/b.py", "src/pkg/c.py",
                                   "src/pkg/D.md", "x1.txt", "x22.txt", "[lit].txt"}) {
        write_whole_file(dir_ / name, "");
    }
    const auto search = [&](const std::string& pattern) {
        const HttpResponse response = http_request(
            port(), "GET",
            "/files/search?path=" + percent_encoded(dir_.path()) + "&pattern=" + percent_encoded(pattern));
        EXPECT_EQ(response.status, 200) << pattern << " " << response.body;
        std::vector<std::string> names;
        for (const auto& entry : body_json(response)) {
            names.push_back(entry["path"].get<std::string>().substr(dir_.path().size() + 1));
        }
        return names;
    };
    using Names = std::vector<std::string>;
    EXPECT_EQ(search("*.py"), (Names{"a.py", "src/b.py", "src/pkg/c.py"}));
    EXPECT_EQ(search("src/*.py"), Names{});  // upstream matches base names only
    EXPECT_EQ(search("**/*.py"), (Names{"a.py", "src/b.py", "src/pkg/c.py"}));
    EXPECT_EQ(search("x?.txt"), Names{"x1.txt"});
    EXPECT_EQ(search("x[0-9][0-9].txt"), Names{"x22.txt"});
    EXPECT_EQ(search("*.{go,md}"), (Names{"main.go", "main_test.go", "src/pkg/D.md"}));
    EXPECT_EQ(search("main[!_]*"), Names{"main.go"});
    EXPECT_EQ(search("\\[lit\\].txt"), Names{"[lit].txt"});
    EXPECT_EQ(search("").size(), 9u);
    EXPECT_EQ(search("nothing*"), Names{});
    expect_error(http_request(port(), "GET",
                              "/files/search?path=" + percent_encoded(dir_.path()) +
                                  "&pattern=" + percent_encoded("[")),
                 500, "RUNTIME_ERROR", "error searching files. invalid pattern [: syntax error in pattern");
    expect_error(http_request(port(), "GET", "/files/search?path=" + percent_encoded(dir_ / "none")), 404,
                 "FILE_NOT_FOUND", "");
    std::string exploding;
    for (int i = 0; i < 40; ++i) {
        exploding += "{a,aa}";
    }
    write_whole_file(dir_ / std::string(60, 'a'), "");
    expect_error(http_request(port(), "GET",
                              "/files/search?path=" + percent_encoded(dir_.path()) +
                                  "&pattern=" + percent_encoded(exploding)),
                 400, "INVALID_REQUEST_BODY", "error searching files. pattern too complex: " + exploding);
}

TEST_F(ExecdFilesTest, SymlinkLoopsDoNotHangSearchOrList) {
    fs::create_directories(dir_ / "a/b");
    fs::create_directory_symlink(dir_.path(), dir_ / "a/b/up");
    fs::create_directory_symlink(dir_ / "a", dir_ / "a/self");
    write_whole_file(dir_ / "a/b/f.txt", "");
    const auto started = std::chrono::steady_clock::now();
    const HttpResponse search =
        http_request(port(), "GET", "/files/search?path=" + percent_encoded(dir_.path()));
    ASSERT_EQ(search.status, 200);
    EXPECT_EQ(body_json(search).size(), 3u);  // f.txt and the two links, not what they point to
    const HttpResponse list =
        http_request(port(), "GET", "/directories/list?path=" + percent_encoded(dir_.path()) + "&depth=50");
    ASSERT_EQ(list.status, 200);
    EXPECT_EQ(body_json(list).size(), 5u);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

TEST_F(ExecdFilesTest, SearchSkipsUnreadableDirectories) {
    ScratchDir unreadable_root;
    fs::create_directories(unreadable_root / "open");
    fs::create_directories(unreadable_root / "closed");
    write_whole_file(unreadable_root / "open/a.txt", "");
    write_whole_file(unreadable_root / "closed/b.txt", "");
    ::chmod((unreadable_root / "closed").c_str(), 0);
    ::chmod(unreadable_root.path().c_str(), 0755);
    ExecdProcess as_nobody({"--command-log-dir", unreadable_root / "logs"}, {},
                           {"/usr/bin/unshare", "--fork", "/usr/bin/setpriv", "--reuid=65534",
                            "--regid=65534", "--clear-groups"});
    const HttpResponse search =
        http_request(as_nobody.port(), "GET",
                     "/files/search?path=" + percent_encoded(unreadable_root.path()) + "&pattern=*.txt");
    ASSERT_EQ(search.status, 200) << search.body;
    ASSERT_EQ(body_json(search).size(), 1u);
    EXPECT_EQ(body_json(search)[0]["path"], unreadable_root / "open/a.txt");
    // Permission denied is a 403.
    const HttpResponse denied =
        upload(as_nobody.port(), {metadata_part(unreadable_root / "closed/new.txt"), file_part("x")});
    EXPECT_EQ(denied.status, 403) << denied.body;
    const HttpResponse denied_mkdir = http_request(as_nobody.port(), "POST", "/directories",
                                                   json{{unreadable_root / "closed/d", nullptr}}.dump());
    EXPECT_EQ(denied_mkdir.status, 403) << denied_mkdir.body;
    ::chmod((unreadable_root / "closed").c_str(), 0755);
}

TEST_F(ExecdFilesTest, ListDepthAndErrors) {
    fs::create_directories(dir_ / "a/b/c");
    write_whole_file(dir_ / "a/f", "");
    write_whole_file(dir_ / "z", "");
    const auto list = [&](const std::string& depth) {
        const HttpResponse response = http_request(port(), "GET",
                                                   "/directories/list?path=" + percent_encoded(dir_.path()) +
                                                       (depth.empty() ? "" : "&depth=" + depth));
        std::vector<std::string> names;
        for (const auto& entry : body_json(response)) {
            names.push_back(entry["path"].get<std::string>().substr(dir_.path().size() + 1) + ":" +
                            entry["type"].get<std::string>());
        }
        return names;
    };
    using Names = std::vector<std::string>;
    EXPECT_EQ(list(""), (Names{"a:directory", "z:file"}));
    EXPECT_EQ(list("0"), Names{});
    EXPECT_EQ(list("2"), (Names{"a:directory", "a/b:directory", "a/f:file", "z:file"}));
    EXPECT_EQ(list("9"), (Names{"a:directory", "a/b:directory", "a/b/c:directory", "a/f:file", "z:file"}));
    for (const std::string bad : {"-1", "x", "1.5"}) {
        expect_error(http_request(port(), "GET",
                                  "/directories/list?path=" + percent_encoded(dir_.path()) + "&depth=" + bad),
                     400, "INVALID_REQUEST_BODY", "invalid query parameter 'depth': " + bad);
    }
    fs::create_directory_symlink(dir_ / "a", dir_ / "link");
    expect_error(http_request(port(), "GET", "/directories/list?path=" + percent_encoded(dir_ / "link")), 400,
                 "INVALID_REQUEST_BODY", "path is a symbolic link, refusing to traverse: " + (dir_ / "link"));
    expect_error(http_request(port(), "GET", "/directories/list?path=" + percent_encoded(dir_ / "z")), 400,
                 "INVALID_REQUEST_BODY", "path is not a directory: " + (dir_ / "z"));
    expect_error(http_request(port(), "GET", "/directories/list?path=" + percent_encoded(dir_ / "none")), 404,
                 "FILE_NOT_FOUND", "");
}

TEST_F(ExecdFilesTest, UploadSeveralFilesModesAndPlainMetadataField) {
    const HttpResponse response =
        upload(port(), {metadata_part(dir_ / "one.txt", 600),
                        file_part("first"),
                        {"metadata", "", json{{"path", dir_ / "deep/two.bin"}, {"mode", 755}}.dump()},
                        file_part(std::string("\0\r\n--x\xff", 7))});
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(read_whole_file(dir_ / "one.txt"), "first");
    EXPECT_EQ(read_whole_file(dir_ / "deep/two.bin"), std::string("\0\r\n--x\xff", 7));
    struct stat status {};
    ::stat((dir_ / "one.txt").c_str(), &status);
    EXPECT_EQ(status.st_mode & 0777, 0600u);
    ::stat((dir_ / "deep/two.bin").c_str(), &status);
    EXPECT_EQ(status.st_mode & 0777, 0755u);

    // An existing file keeps its mode when none is given.
    ::chmod((dir_ / "one.txt").c_str(), 0640);
    ASSERT_EQ(upload(port(), {metadata_part(dir_ / "one.txt"), file_part("again")}).status, 200);
    ::stat((dir_ / "one.txt").c_str(), &status);
    EXPECT_EQ(status.st_mode & 0777, 0640u);
    EXPECT_EQ(read_whole_file(dir_ / "one.txt"), "again");
}

TEST_F(ExecdFilesTest, UploadErrors) {
    const auto no_temporaries = [&] {
        for (const auto& name : dir_.names()) {
            EXPECT_EQ(name.find(".execd-"), std::string::npos) << name;
        }
    };
    expect_error(http_request(port(), "POST", "/files/upload", "{}"), 400, "INVALID_FILE",
                 "multipart form is empty");
    expect_error(upload(port(), {}), 400, "INVALID_FILE_METADATA", "metadata file is missing");
    expect_error(upload(port(), {file_part("x")}), 400, "INVALID_FILE_METADATA", "metadata file is missing");
    expect_error(upload(port(), {metadata_part(dir_ / "m")}), 400, "INVALID_FILE_CONTENT", "file is missing");
    expect_error(upload(port(), {metadata_part(dir_ / "m1"), file_part("1"), metadata_part(dir_ / "m2")}),
                 400, "INVALID_FILE", "metadata and file count mismatch: 2 vs 1");
    expect_error(upload(port(), {{"metadata", "metadata", "{not json"}, file_part("x")}), 400,
                 "INVALID_FILE_METADATA", "");
    expect_error(upload(port(), {{"metadata", "metadata", "{\"path\":\"\"}"}, file_part("x")}), 400,
                 "INVALID_FILE_METADATA", "metadata path is empty");
    expect_error(upload(port(), {metadata_part(dir_ / "bad-mode", 800), file_part("x")}), 400,
                 "INVALID_FILE_METADATA", "");
    const std::string truncated = multipart_body({metadata_part(dir_ / "t"), file_part("data")});
    expect_error(http_request(port(), "POST", "/files/upload", truncated.substr(0, truncated.size() - 30),
                              {std::string("Content-Type: multipart/form-data; boundary=") + kBoundary}),
                 400, "INVALID_FILE", "");
    EXPECT_FALSE(fs::exists(dir_ / "t"));
    EXPECT_FALSE(fs::exists(dir_ / "bad-mode"));
    // Onto a directory: refused when its file part begins, before the content is stored.
    fs::create_directory(dir_ / "d");
    expect_error(
        upload(port(), {metadata_part(dir_ / "d"), file_part(std::string(1 << 20, 'x'))}), 500,
        "RUNTIME_ERROR",
        "error opening destination file " + (dir_ / "d") + ". open " + (dir_ / "d") + ": is a directory");
    EXPECT_TRUE(fs::is_directory(dir_ / "d"));
    no_temporaries();
}

TEST_F(ExecdFilesTest, UploadKeepsTheConnectionAlive) {
    HttpConnection connection(port());
    const std::string body = multipart_body({metadata_part(dir_ / "k"), file_part("keep")});
    connection.send_request("POST", "/files/upload", body,
                            {std::string("Content-Type: multipart/form-data; boundary=") + kBoundary});
    EXPECT_EQ(connection.read_response().status, 200);
    connection.send_request("GET", "/files/download?path=" + percent_encoded(dir_ / "k"));
    EXPECT_EQ(connection.read_response().body, "keep");
}

TEST_F(ExecdFilesTest, UploadWithChunkedBodyAndExpectContinue) {
    RawClient client(port());
    const std::string body = multipart_body({metadata_part(dir_ / "chunked"), file_part("in chunks")});
    std::string request =
        "POST /files/upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        "Expect: 100-continue\r\nContent-Type: multipart/form-data; boundary=" +
        std::string(kBoundary) + "\r\n\r\n";
    client.send_all(request);
    const HttpResponse interim = client.read_head();
    EXPECT_EQ(interim.status, 100);
    const std::size_t half = body.size() / 2;
    for (const std::string& piece : {body.substr(0, half), body.substr(half)}) {
        char size[16];
        std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
        client.send_all(size + piece + "\r\n");
    }
    client.send_all("0\r\n\r\n");
    EXPECT_EQ(client.read_head().status, 200);
    EXPECT_EQ(read_whole_file(dir_ / "chunked"), "in chunks");
}

TEST_F(ExecdFilesTest, InterruptedUploadLeavesNoTargetAndNoTemporary) {
    {
        RawClient client(port());
        const std::string metadata = multipart_body({metadata_part(dir_ / "partial")});
        const std::string closing = std::string("--") + kBoundary + "--\r\n";
        const std::string opening =
            metadata.substr(0, metadata.size() - closing.size()) + "--" + kBoundary +
            "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\n\r\n";
        client.send_all(
            "POST /files/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n"
            "Content-Type: multipart/form-data; boundary=" +
            std::string(kBoundary) + "\r\n\r\n" + opening);
        client.send_all(std::string(3 * 1024 * 1024, 'p'));
        ASSERT_TRUE(eventually([&] { return dir_.names().size() == 1; }));  // the temporary file
        EXPECT_NE(dir_.names()[0].find(".partial.execd-"), std::string::npos);
    }
    EXPECT_TRUE(eventually([&] { return dir_.names().empty(); })) << dir_.names().size();
    EXPECT_EQ(http_request(port(), "GET", "/ping").status, 200);
}

TEST_F(ExecdFilesTest, ConcurrentUploadsToOnePathLeaveOneCompleteFile) {
    constexpr int kWriters = 4;
    constexpr std::size_t kSize = 4 * 1024 * 1024;
    std::vector<std::thread> writers;
    std::vector<int> statuses(kWriters, 0);
    for (int i = 0; i < kWriters; ++i) {
        writers.emplace_back([&, i] {
            statuses[i] = upload(port(), {metadata_part(dir_ / "shared"),
                                          file_part(std::string(kSize, static_cast<char>('a' + i)))})
                              .status;
        });
    }
    for (auto& writer : writers) {
        writer.join();
    }
    for (const int status : statuses) {
        EXPECT_EQ(status, 200);
    }
    const std::string content = read_whole_file(dir_ / "shared");
    ASSERT_EQ(content.size(), kSize);
    EXPECT_EQ(content.find_first_not_of(content[0]), std::string::npos);
    EXPECT_EQ(dir_.names(), std::vector<std::string>{"shared"});
}

TEST_F(ExecdFilesTest, OutOfDiskIs507) {
    const std::string mount_point = dir_ / "small";
    fs::create_directory(mount_point);
    ExecdProcess confined(
        {}, {},
        {"/usr/bin/unshare", "--fork", "--mount", "--propagation", "private", "/bin/sh", "-c",
         "mount -t tmpfs -o size=1m tmpfs " + mount_point + " && exec \"$0\" \"$@\""});
    const HttpResponse response = upload(
        confined.port(), {metadata_part(mount_point + "/big"), file_part(std::string(3 * 1024 * 1024, 'x'))});
    EXPECT_EQ(response.status, 507) << response.body;
    const HttpResponse names =
        http_request(confined.port(), "GET", "/directories/list?path=" + percent_encoded(mount_point));
    EXPECT_EQ(names.body, "[]");
}

TEST_F(ExecdFilesTest, DownloadHeadersAndRanges) {
    std::string content;
    for (int i = 0; i < 100; ++i) {
        content.push_back(static_cast<char>('0' + i % 10));
    }
    write_whole_file(dir_ / "r.bin", content);
    const std::string target = "/files/download?path=" + percent_encoded(dir_ / "r.bin");
    const HttpResponse whole = http_request(port(), "GET", target);
    ASSERT_EQ(whole.status, 200);
    EXPECT_EQ(whole.body, content);
    EXPECT_EQ(whole.headers.at("content-type"), "application/octet-stream");
    EXPECT_EQ(whole.headers.at("content-disposition"), "attachment; filename=\"r.bin\"");
    EXPECT_EQ(whole.headers.at("accept-ranges"), "bytes");
    const std::string last_modified = whole.headers.at("last-modified");
    EXPECT_NE(last_modified.find(" GMT"), std::string::npos);

    struct RangeCase {
        std::string header;
        int status;
        std::string content_range;
        std::string body;
    };
    const std::vector<RangeCase> cases{
        {"bytes=0-9", 206, "bytes 0-9/100", content.substr(0, 10)},
        {"bytes=40-59", 206, "bytes 40-59/100", content.substr(40, 20)},
        {"bytes=-5", 206, "bytes 95-99/100", content.substr(95)},
        {"bytes=90-", 206, "bytes 90-99/100", content.substr(90)},
        {"bytes=98-500", 206, "bytes 98-99/100", content.substr(98)},
        {"bytes=100-", 416, "bytes */100", ""},
        {"bytes=foo", 416, "bytes */100", ""},
        {"bytes=9-3", 416, "bytes */100", ""},
        {"lines=1-2", 200, "", content},
    };
    for (const auto& c : cases) {
        const HttpResponse response = http_request(port(), "GET", target, "", {"Range: " + c.header});
        EXPECT_EQ(response.status, c.status) << c.header;
        if (c.status == 416) {
            EXPECT_EQ(response.body, R"({"code":"UNKNOWN"})");
            EXPECT_EQ(response.headers.at("content-length"), std::to_string(response.body.size()));
        } else {
            EXPECT_EQ(response.body, c.body) << c.header;
        }
        if (!c.content_range.empty()) {
            EXPECT_EQ(response.headers.at("content-range"), c.content_range) << c.header;
        }
    }
    EXPECT_EQ(
        http_request(port(), "GET", target, "", {"Range: bytes=0-1", "If-Range: " + last_modified}).status,
        206);
    const HttpResponse stale = http_request(port(), "GET", target, "",
                                            {"Range: bytes=0-1", "If-Range: Thu, 01 Jan 1970 00:00:00 GMT"});
    EXPECT_EQ(stale.status, 200);
    EXPECT_EQ(stale.body, content);
}

TEST_F(ExecdFilesTest, DownloadErrorsAndNames) {
    fs::create_directory(dir_ / "d");
    expect_error(http_request(port(), "GET", "/files/download?path=" + percent_encoded(dir_ / "d")), 400,
                 "INVALID_REQUEST_BODY", "path is a directory: " + (dir_ / "d"));
    expect_error(http_request(port(), "GET", "/files/download?path=" + percent_encoded(dir_ / "none")), 404,
                 "FILE_NOT_FOUND", "");
    // A named pipe with no writer would block the open; a device has no size.
    ASSERT_EQ(::mkfifo((dir_ / "pipe").c_str(), 0600), 0);
    for (const std::string& other : {dir_ / "pipe", std::string("/dev/zero")}) {
        expect_error(http_request(port(), "GET", "/files/download?path=" + percent_encoded(other)), 400,
                     "INVALID_REQUEST_BODY", "path is not a regular file: " + other);
    }
    write_whole_file(dir_ / "na\xc3\xafve \"q\".txt", "n");
    const HttpResponse unicode = http_request(
        port(), "GET", "/files/download?path=" + percent_encoded(dir_ / "na\xc3\xafve \"q\".txt"));
    EXPECT_EQ(unicode.headers.at("content-disposition"),
              "attachment; filename=\"na%C3%AFve%20%22q%22.txt\"; filename*=UTF-8''na%C3%AFve%20%22q%22.txt");
    write_whole_file(dir_ / "empty", "");
    const HttpResponse empty =
        http_request(port(), "GET", "/files/download?path=" + percent_encoded(dir_ / "empty"));
    EXPECT_EQ(empty.status, 200);
    EXPECT_EQ(empty.body, "");
}

TEST_F(ExecdFilesTest, RoutesNeedTheAccessToken) {
    ExecdProcess guarded({"-access-token", "tok"});
    for (const auto& [method, target] :
         std::vector<std::pair<std::string, std::string>>{{"GET", "/files/info?path=/"},
                                                          {"POST", "/files/upload"},
                                                          {"GET", "/files/download?path=/etc/hostname"},
                                                          {"GET", "/directories/list?path=/"}}) {
        EXPECT_EQ(http_request(guarded.port(), method, target).status, 401) << target;
    }
}

}  // namespace
}  // namespace execd_test
