// The journal behind resumable streams: the newest events up to a byte bound, replayed from any eid.
#include "http/event_journal.hpp"

#include <gtest/gtest.h>

#include <string>

namespace execd::http {
namespace {

std::string frame(int64_t eid) {
    return "{\"eid\":" + std::to_string(eid) + ",\"text\":\"a\\n\\nb\"}\n\n";
}

std::string frames(int64_t first, int64_t last) {
    std::string out;
    for (int64_t eid = first; eid <= last; ++eid) {
        out += frame(eid);
    }
    return out;
}

TEST(EventJournalTest, ReplaysFromAnyEidInsideOrBetweenPieces) {
    EventJournal journal(1 << 20);
    journal.append(frames(1, 3), 1, 3);
    journal.append(frames(4, 4), 4, 4);
    journal.append(frames(5, 9), 5, 9);
    for (int64_t after = 0; after <= 9; ++after) {
        EXPECT_EQ(journal.frames_after(after), frames(after + 1, 9)) << after;
    }
    EXPECT_EQ(journal.first_kept_eid(), 1);
    EXPECT_EQ(journal.last_eid(), 9);
    EXPECT_EQ(journal.held_bytes(), frames(1, 9).size());
}

TEST(EventJournalTest, GivesUpWholeOldestPiecesBeyondItsCapacity) {
    const std::size_t piece = frames(11, 20).size();
    EventJournal journal(2 * piece + 5);
    journal.append(frames(1, 10), 1, 10);
    journal.append(frames(11, 20), 11, 20);
    EXPECT_EQ(journal.first_kept_eid(), 1);
    journal.append(frames(21, 30), 21, 30);
    EXPECT_EQ(journal.first_kept_eid(), 11);
    EXPECT_EQ(journal.held_bytes(), 2 * frames(11, 20).size());
    EXPECT_EQ(journal.frames_after(10), frames(11, 30));
    EXPECT_EQ(journal.frames_after(25), frames(26, 30));
}

TEST(EventJournalTest, APieceLargerThanTheCapacityLeavesNothingButCountsItsEids) {
    EventJournal journal(8);
    journal.append(frames(1, 3), 1, 3);
    EXPECT_EQ(journal.held_bytes(), 0u);
    EXPECT_EQ(journal.last_eid(), 3);
    EXPECT_EQ(journal.first_kept_eid(), 4);
    EXPECT_EQ(journal.frames_after(3), "");
}

TEST(EventJournalTest, FramesAfterEidSkipsWholeFramesOnly) {
    const std::string text = frames(7, 9);
    EXPECT_EQ(frames_after_eid(text, 7, 6), text);
    EXPECT_EQ(frames_after_eid(text, 7, 7), frames(8, 9));
    EXPECT_EQ(frames_after_eid(text, 7, 9), "");
    EXPECT_EQ(frames_after_eid(text, 7, 12), "");
}

}  // namespace
}  // namespace execd::http
