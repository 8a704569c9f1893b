// The pure parts of GET /files/watch: rename pairing, modify coalescing, the watch table, scan
// reports, the bounded client queue and the SSE frames.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/file_watch_frames.hpp"
#include "api/watch_frame_queue.hpp"
#include "files/modify_coalescer.hpp"
#include "files/move_pairing.hpp"
#include "files/scan_reports.hpp"
#include "files/watched_directories.hpp"

namespace execd::files {
namespace {

using namespace std::chrono_literals;
using WatchClock = std::chrono::steady_clock;

const WatchClock::time_point kWatchT0 = WatchClock::time_point() + 1h;

TEST(MovePairingTest, PairsTheMovedToOfTheSameRename) {
    MovePairing pairing(50ms);
    EXPECT_FALSE(pairing.hold(7, {"/d/a", false}, kWatchT0));
    EXPECT_EQ(pairing.deadline(), kWatchT0 + 50ms);
    const auto source = pairing.pair(7);
    ASSERT_TRUE(source);
    EXPECT_EQ(source->path, "/d/a");
    EXPECT_FALSE(pairing.deadline());
    EXPECT_FALSE(pairing.release());
}

TEST(MovePairingTest, AnotherCookieLeavesTheSourceToRelease) {
    MovePairing pairing(50ms);
    pairing.hold(7, {"/d/sub", true}, kWatchT0);
    EXPECT_FALSE(pairing.pair(8));
    const auto left = pairing.release();
    ASSERT_TRUE(left);
    EXPECT_EQ(left->path, "/d/sub");
    EXPECT_TRUE(left->is_dir);
}

TEST(MovePairingTest, ASecondMovedFromReleasesTheFirst) {
    MovePairing pairing(50ms);
    pairing.hold(1, {"/d/a", false}, kWatchT0);
    const auto first = pairing.hold(2, {"/d/b", false}, kWatchT0);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->path, "/d/a");
    EXPECT_EQ(pairing.pair(2)->path, "/d/b");
}

TEST(MovePairingTest, ReleasesWhenTheWaitHasPassed) {
    MovePairing pairing(50ms);
    pairing.hold(1, {"/d/a", false}, kWatchT0);
    EXPECT_FALSE(pairing.release_due(kWatchT0 + 49ms));
    EXPECT_EQ(pairing.release_due(kWatchT0 + 50ms)->path, "/d/a");
    EXPECT_FALSE(pairing.pair(1));
}

TEST(ModifyCoalescerTest, ARunOfModificationsIsOneWhenTheWindowEnds) {
    ModifyCoalescer coalescer(100ms);
    for (int i = 0; i < 50; ++i) {
        coalescer.modified("/d/log", kWatchT0 + std::chrono::milliseconds(i));
    }
    EXPECT_EQ(coalescer.next_deadline(), kWatchT0 + 100ms);
    EXPECT_TRUE(coalescer.take_due(kWatchT0 + 99ms).empty());
    EXPECT_EQ(coalescer.take_due(kWatchT0 + 100ms), std::vector<std::string>{"/d/log"});
    EXPECT_TRUE(coalescer.empty());
    coalescer.modified("/d/log", kWatchT0 + 150ms);  // the next window
    EXPECT_EQ(coalescer.next_deadline(), kWatchT0 + 250ms);
}

TEST(ModifyCoalescerTest, TakingAPathEndsItsWindowEarly) {
    ModifyCoalescer coalescer(100ms);
    coalescer.modified("/d/a", kWatchT0);
    coalescer.modified("/d/b", kWatchT0 + 10ms);
    EXPECT_TRUE(coalescer.take("/d/a"));  // IN_CLOSE_WRITE
    EXPECT_FALSE(coalescer.take("/d/a"));
    EXPECT_EQ(coalescer.next_deadline(), kWatchT0 + 110ms);
    EXPECT_EQ(coalescer.take_all(), std::vector<std::string>{"/d/b"});
    EXPECT_FALSE(coalescer.next_deadline());
}

TEST(ModifyCoalescerTest, TakesWhatLiesBelowADirectoryOldestFirst) {
    ModifyCoalescer coalescer(100ms);
    coalescer.modified("/d/sub/y", kWatchT0 + 5ms);
    coalescer.modified("/d/sub/x", kWatchT0);
    coalescer.modified("/d/subway", kWatchT0);
    coalescer.modified("/d/other", kWatchT0);
    EXPECT_EQ(coalescer.take_under("/d/sub"), (std::vector<std::string>{"/d/sub/x", "/d/sub/y"}));
    EXPECT_EQ(coalescer.take_all(), (std::vector<std::string>{"/d/subway", "/d/other"}));
}

TEST(WatchedDirectoriesTest, RenamesADirectoryAndWhatLiesBelowIt) {
    WatchedDirectories directories;
    directories.add(1, "/r");
    directories.add(2, "/r/a");
    directories.add(3, "/r/a/b");
    directories.add(4, "/r/ab");
    directories.rename_under("/r/a", "/r/z");
    EXPECT_EQ(*directories.path_of(2), "/r/z");
    EXPECT_EQ(*directories.path_of(3), "/r/z/b");
    EXPECT_EQ(*directories.path_of(4), "/r/ab");
    EXPECT_TRUE(directories.contains("/r/z/b"));
    EXPECT_FALSE(directories.contains("/r/a/b"));
}

TEST(WatchedDirectoriesTest, TakesADirectoryAndWhatLiesBelowIt) {
    WatchedDirectories directories;
    directories.add(1, "/r");
    directories.add(2, "/r/a");
    directories.add(3, "/r/a/b");
    directories.add(4, "/r/ab");
    auto taken = directories.take_under("/r/a");
    std::sort(taken.begin(), taken.end());
    EXPECT_EQ(taken, (std::vector<int>{2, 3}));
    EXPECT_EQ(directories.size(), 2u);
    EXPECT_EQ(directories.path_of(3), nullptr);
}

TEST(WatchedDirectoriesTest, ADirectoryReplacedAtItsPathKeepsTheNewDescriptor) {
    WatchedDirectories directories;
    directories.add(2, "/r/a");
    directories.add(5, "/r/a");  // removed and created again; 2's IN_IGNORED comes later
    directories.erase(2);
    EXPECT_TRUE(directories.contains("/r/a"));
    EXPECT_EQ(*directories.path_of(5), "/r/a");
    directories.add(5, "/r/b");  // add_watch gave 5 again under another path
    EXPECT_FALSE(directories.contains("/r/a"));
}

TEST(WatchedDirectoriesTest, TellsWhatLiesBelowADirectory) {
    EXPECT_TRUE(is_at_or_below("/r/a", "/r/a"));
    EXPECT_TRUE(is_at_or_below("/r/a/b", "/r/a"));
    EXPECT_FALSE(is_at_or_below("/r/ab", "/r/a"));
    EXPECT_TRUE(is_at_or_below("/r", "/"));
}

TEST(ScanReportsTest, SwallowsTheEventOfAReportedPathOnce) {
    ScanReports reports(1s);
    EXPECT_TRUE(reports.add("/d/n/f", kWatchT0));
    EXPECT_FALSE(reports.add("/d/n/f", kWatchT0));
    EXPECT_TRUE(reports.take("/d/n/f"));
    EXPECT_FALSE(reports.take("/d/n/f"));
}

TEST(ScanReportsTest, ForgetsOnlyAfterTheGrace) {
    ScanReports reports(1s);
    reports.add("/d/n/a", kWatchT0);
    reports.add("/d/n/b", kWatchT0 + 500ms);
    reports.forget_settled(kWatchT0 + 999ms);
    EXPECT_EQ(reports.size(), 2u);
    reports.forget_settled(kWatchT0 + 1s);
    EXPECT_EQ(reports.size(), 1u);
    EXPECT_FALSE(reports.take("/d/n/a"));
    EXPECT_TRUE(reports.take("/d/n/b"));
}

TEST(ScanReportsTest, APathAddedAgainKeepsItsNewTime) {
    ScanReports reports(1s);
    reports.add("/d/n/a", kWatchT0);
    reports.take("/d/n/a");
    reports.add("/d/n/a", kWatchT0 + 900ms);
    reports.forget_settled(kWatchT0 + 1s);  // the first entry's time has passed, not the second's
    EXPECT_TRUE(reports.take("/d/n/a"));
}

}  // namespace
}  // namespace execd::files

namespace execd::api {
namespace {

std::string create_frame_of(const std::string& path) {
    return watch_event_frame(files::WatchEvent{files::WatchChange::created, path, "", false, ""}, 5);
}

TEST(WatchFramesTest, FramesEachChangeAsAServerSentEvent) {
    using files::WatchChange;
    using files::WatchEvent;
    EXPECT_EQ(
        create_frame_of("/d/a"),
        "event: create\ndata: {\"type\":\"create\",\"path\":\"/d/a\",\"is_dir\":false,\"timestamp\":5}\n\n");
    EXPECT_EQ(watch_event_frame(WatchEvent{WatchChange::moved, "/d/b", "/d/a", true, ""}, 5),
              "event: move\ndata: {\"type\":\"move\",\"path\":\"/d/b\",\"from\":\"/d/a\",\"is_dir\":true,"
              "\"timestamp\":5}\n\n");
    EXPECT_EQ(watch_event_frame(WatchEvent{WatchChange::modified, "/d/a", "", false, ""}, 5).substr(0, 14),
              "event: modify\n");
    EXPECT_EQ(watch_event_frame(WatchEvent{WatchChange::deleted, "/d/a", "", false, ""}, 5).substr(0, 14),
              "event: delete\n");
    EXPECT_EQ(watch_event_frame(WatchEvent{WatchChange::overflowed, "", "", false, ""}, 5),
              "event: overflow\ndata: {\"type\":\"overflow\",\"source\":\"kernel\",\"timestamp\":5}\n\n");
    EXPECT_EQ(watch_event_frame(WatchEvent{WatchChange::unwatched, "/d/x", "", true, "too many"}, 5),
              "event: error\ndata: {\"type\":\"error\",\"path\":\"/d/x\",\"message\":\"too "
              "many\",\"timestamp\":5}\n\n");
    EXPECT_EQ(watch_event_frame(WatchEvent{WatchChange::root_gone, "/d", "", true, ""}, 5),
              "event: end\ndata: {\"type\":\"end\",\"reason\":\"deleted\",\"timestamp\":5}\n\n");
    EXPECT_EQ(watch_overflow_frame(12, 5),
              "event: overflow\ndata: "
              "{\"type\":\"overflow\",\"dropped\":12,\"source\":\"queue\",\"timestamp\":5}\n\n");
    EXPECT_EQ(watch_end_frame("shutdown", 5),
              "event: end\ndata: {\"type\":\"end\",\"reason\":\"shutdown\",\"timestamp\":5}\n\n");
}

TEST(WatchFramesTest, ANameWithANewlineStaysOnOneDataLine) {
    const std::string frame = create_frame_of("/d/a\nb\"c");
    const std::string data = frame.substr(frame.find("data: ") + 6);
    EXPECT_EQ(data.find('\n'), data.size() - 2);
    EXPECT_EQ(nlohmann::json::parse(data)["path"], "/d/a\nb\"c");
}

TEST(WatchFrameQueueTest, DropsWhatDoesNotFitAndCountsIt) {
    WatchFrameQueue queue(2, 1 << 20);
    queue.push_event(create_frame_of("/d/1"));
    queue.push_event(create_frame_of("/d/2"));
    queue.push_event(create_frame_of("/d/3"));
    queue.push_event(create_frame_of("/d/4"));
    EXPECT_EQ(queue.dropped(), 2u);
    EXPECT_EQ(queue.take(9), create_frame_of("/d/1") + create_frame_of("/d/2") + watch_overflow_frame(2, 9));
    EXPECT_TRUE(queue.empty());
    queue.push_event(create_frame_of("/d/5"));  // room again
    EXPECT_EQ(queue.take(9), create_frame_of("/d/5"));
}

TEST(WatchFrameQueueTest, BoundsTheBytesToo) {
    const std::string frame = create_frame_of("/d/1");
    WatchFrameQueue queue(100, frame.size() * 2 + 1);
    for (int i = 0; i < 3; ++i) {
        queue.push_event(frame);
    }
    EXPECT_EQ(queue.dropped(), 1u);
}

TEST(WatchFrameQueueTest, KeepsDroppingUntilTheGapIsReported) {
    WatchFrameQueue queue(100, 120);
    queue.push_event(std::string(100, 'a'));
    queue.push_event(std::string(30, 'b'));  // does not fit
    queue.push_event(std::string(10, 'c'));  // would fit, but would land before the gap's notice
    EXPECT_EQ(queue.dropped(), 2u);
}

TEST(WatchFrameQueueTest, ANoticeComesAfterTheCountOfWhatWasDroppedBeforeIt) {
    WatchFrameQueue queue(1, 1 << 20);
    queue.push_event(create_frame_of("/d/1"));
    queue.push_event(create_frame_of("/d/2"));
    queue.push_notice(watch_end_frame("deleted", 9), 9);
    EXPECT_EQ(queue.take(9),
              create_frame_of("/d/1") + watch_overflow_frame(1, 9) + watch_end_frame("deleted", 9));
}

}  // namespace
}  // namespace execd::api
