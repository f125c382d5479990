package dev.gitwire.schedule;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.TreeSet;

/**
 * When each node replaces its WireGuard key (issue 31), with no coordinator: the rotation interval is cut into
 * one slot per node, at {@code rank x interval / nodes} from the start of each interval since the epoch, where
 * rank is the node's place among the mesh's node names in order. Every agent computes the same slots from the
 * same names, so in a steady mesh no two nodes rotate closer than {@code interval / nodes} apart (at 5,000 nodes:
 * 17 s at the 24 h minimum, 8.6 minutes at 30 days), and each peer sees one key change at a time.
 *
 * <p>A key at least half an interval old is replaced at its node's next slot: in a steady mesh every key is
 * replaced at exactly the interval's age, and a key made out of turn (a new node, a reimage, a node set that
 * changed the ranks) is replaced between half and one and a half intervals old, never later.
 */
public record KeyRotationSlots(Duration interval) {

    public KeyRotationSlots {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("a rotation interval must be positive: " + interval);
        }
    }

    /** When {@code node}, one of {@code nodes} (itself included or not), replaces a key made at {@code created}. */
    public Instant due(Instant created, String node, Collection<String> nodes) {
        TreeSet<String> names = new TreeSet<>(nodes);
        names.add(node);
        return due(created, names.headSet(node).size(), names.size());
    }

    /** When the node ranked {@code rank} (from 0) of {@code nodes} replaces a key made at {@code created}. */
    public Instant due(Instant created, int rank, int nodes) {
        long period = interval.toMillis();
        long offset = period * rank / nodes; // at most 365 days of milliseconds times a rank: far from a long's range
        long earliest = created.toEpochMilli() + period / 2;
        long slot = Math.floorDiv(earliest - offset, period) * period + offset;
        return Instant.ofEpochMilli(slot < earliest ? slot + period : slot);
    }
}
