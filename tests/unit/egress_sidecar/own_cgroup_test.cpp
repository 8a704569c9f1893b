#include "sidecar/own_cgroup.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "../egress/temp_dir.hpp"

namespace egress::sidecar {
namespace {

namespace fs = std::filesystem;
using policy::testing::TempDir;

constexpr const char* kCgroup2Mount = "30 25 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n";

class OwnCgroupTest : public ::testing::Test {
  protected:
    void write(const std::string& name, const std::string& text) {
        std::ofstream(dir_.path() / name) << text;
    }

    // The sources, with the hierarchy under the temp dir and no cgroup namespace information.
    CgroupSources sources() const {
        return {dir_.path() / "cgroup", dir_.path() / "mountinfo", dir_.path() / "no-such-namespace",
                dir_.path() / "root"};
    }

    fs::path hierarchy(const std::string& path) const { return dir_.path() / "root/sys/fs/cgroup" / path; }

    static uint64_t inode_of(const fs::path& path) {
        struct stat info {};
        EXPECT_EQ(::stat(path.c_str(), &info), 0);
        return info.st_ino;
    }

    TempDir dir_;
};

TEST_F(OwnCgroupTest, FindsTheCgroupAndEveryDepthItMayHaveInsideANamespace) {
    write("cgroup", "0::/pod/container\n");
    write("mountinfo", std::string("22 1 0:20 / /proc rw - proc proc rw\n") + kCgroup2Mount);
    fs::create_directories(hierarchy("pod/container"));
    const auto found = find_own_cgroup(sources());
    ASSERT_TRUE(found.cgroup) << found.reason;
    EXPECT_EQ(found.cgroup->id, inode_of(hierarchy("pod/container")));
    EXPECT_EQ(found.path, hierarchy("pod/container").string());
    const std::vector<uint32_t> expected{4, 3, 2, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    EXPECT_EQ(found.cgroup->levels, expected) << "usual container depths first, none above the visible one";
}

TEST_F(OwnCgroupTest, AContainerAtItsNamespaceRootMayBeAtAnyDepth) {
    write("cgroup", "0::/\n");
    write("mountinfo", kCgroup2Mount);
    fs::create_directories(hierarchy(""));
    const auto found = find_own_cgroup(sources());
    ASSERT_TRUE(found.cgroup) << found.reason;
    EXPECT_EQ(found.cgroup->levels.size(), 16u);
    EXPECT_EQ(found.cgroup->levels.front(), 4u);
}

TEST_F(OwnCgroupTest, TheDepthIsExactOutsideACgroupNamespace) {
    struct stat info {};
    if (::stat("/proc/self/ns/cgroup", &info) != 0 || info.st_ino != 0xEFFFFFFB) {
        GTEST_SKIP() << "this test runs inside a cgroup namespace";
    }
    write("cgroup", "0::/system.slice/egress.scope\n");
    write("mountinfo", kCgroup2Mount);
    fs::create_directories(hierarchy("system.slice/egress.scope"));
    auto with_namespace = sources();
    with_namespace.cgroup_namespace = "/proc/self/ns/cgroup";
    const auto found = find_own_cgroup(with_namespace);
    ASSERT_TRUE(found.cgroup) << found.reason;
    EXPECT_EQ(found.cgroup->levels, std::vector<uint32_t>{2});
}

TEST_F(OwnCgroupTest, AMountOfPartOfTheHierarchyIsFollowed) {
    write("cgroup", "0::/kubepods/pod/c1\n");
    write("mountinfo", "30 25 0:26 /kubepods /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
    fs::create_directories(hierarchy("pod/c1"));
    const auto found = find_own_cgroup(sources());
    ASSERT_TRUE(found.cgroup) << found.reason;
    EXPECT_EQ(found.cgroup->id, inode_of(hierarchy("pod/c1")));
}

TEST_F(OwnCgroupTest, SaysWhyWhenThereIsNoCgroupToUse) {
    write("cgroup", "4:memory:/x\n");
    write("mountinfo", kCgroup2Mount);
    EXPECT_EQ(find_own_cgroup(sources()).reason, "this process is in no cgroup v2 hierarchy");
    write("cgroup", "0::/x\n");
    write("mountinfo", "22 1 0:20 / /proc rw - proc proc rw\n");
    EXPECT_EQ(find_own_cgroup(sources()).reason, "cgroup v2 is not mounted");
    write("mountinfo", kCgroup2Mount);
    EXPECT_NE(find_own_cgroup(sources()).reason.find("cannot read cgroup directory"), std::string::npos);
}

TEST_F(OwnCgroupTest, OtherProcessesInTheCgroupAreListed) {
    const std::string self = std::to_string(::getpid());
    write("cgroup.procs", self + "\n");
    EXPECT_EQ(other_processes_in(dir_.path()), "");
    write("cgroup.procs", "7\n" + self + "\n12\n");
    EXPECT_EQ(other_processes_in(dir_.path()), "7 12");
}

}  // namespace
}  // namespace egress::sidecar
