#include "core/events.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/memory_store.h"
#include "storage/tables.h"

namespace riec::core {
namespace {

// What the operator's metric of events waiting per subscriber reads: the
// subscriber's events past the stream's cursor, its own role's only.
TEST(SubscriptionTest, WaitingCountsTheSubscribersUnreadEvents) {
  storage::MemoryStore store;
  storage::Batch b;
  for (uint64_t seq = 1; seq <= 5; ++seq) {
    v1::Event e;
    e.set_sequence(seq << 24);
    e.set_recipient_role(seq == 3 ? "chair" : "partner-system");  // one for another role
    storage::EventTable::Put(&b, "politie", e);
  }
  v1::Event other;
  other.set_sequence(6u << 24);
  other.set_recipient_role("partner-system");
  storage::EventTable::Put(&b, "uwv", other);  // another partner's
  ASSERT_TRUE(store.Apply(b, true).ok());

  TrafficLimits limits;
  auto ticket = limits.OpenStream("politie", 10);
  ASSERT_TRUE(ticket.ok()) << ticket.status();
  Subscription s(&store, Identity{"c", "politie", "partner-system", ""}, 0, *std::move(ticket));
  EXPECT_EQ(*s.Waiting(1000), 4u);
  EXPECT_EQ(*s.Waiting(2), 2u);  // counted up to the cap

  auto first = s.Next(3);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 3u);
  EXPECT_EQ(*s.Waiting(1000), 1u);
  ASSERT_TRUE(s.Next(10).ok());
  EXPECT_EQ(*s.Waiting(1000), 0u);
}

}  // namespace
}  // namespace riec::core
