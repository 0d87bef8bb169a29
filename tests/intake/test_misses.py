"""The listener's memory of each sender's misses: per key, per domain, bounded, expiring."""

from __future__ import annotations

from trustkeep.intake.misses import RecentMisses


def test_misses_are_kept_per_sender_and_domain_and_expire() -> None:
    now = [0.0]
    recent = RecentMisses(ttl=60, max_senders=10, monotonic=lambda: now[0])
    keys = recent.senders("203.0.113.5", "Bulk@Spam.example")
    for _ in range(3):
        recent.add(keys, "a.example")
    recent.add(keys[:1], "b.example")
    assert recent.of(keys) == {"a.example": 3, "b.example": 1}
    # The same envelope sender from another IP is the same sender.
    assert recent.of(recent.senders("198.51.100.7", "bulk@spam.example")) == {"a.example": 3}
    assert recent.of(recent.senders("198.51.100.7", "")) == {}
    now[0] = 61.0
    assert recent.of(keys) == {}


def test_memory_is_bounded_oldest_forgotten_first() -> None:
    recent = RecentMisses(max_senders=5)
    for i in range(20):
        recent.add(recent.senders(f"10.0.0.{i}", ""), "a.example")
    assert recent.of(recent.senders("10.0.0.0", "")) == {}
    assert recent.of(recent.senders("10.0.0.19", "")) == {"a.example": 1}
    assert len(recent._seen) == 5
