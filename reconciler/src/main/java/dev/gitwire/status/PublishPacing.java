package dev.gitwire.status;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * When one node's status pushes go out. A new revision makes every node report at about the same moment,
 * and a push lands only when no other push landed since its fetch: a server offered more attempts than it
 * serves quickly slows every attempt down, which widens the window in which others land, and almost no
 * push lands (measured: docs/benchmarks.md). So the first push waits a random time that grows with the
 * cluster, and a push that lost the race waits a random time that doubles and is counted in the node's
 * fastest attempt, the server's own pace: a server across the Internet is given more room than one
 * next door, and an attempt slowed down by the burst itself does not stretch the waits.
 */
final class PublishPacing {

    /** Spreads a whole cluster's first pushes at about 10 a second (each starts with the costliest fetch). */
    private static final Duration FIRST_SPREAD_PER_NODE = Duration.ofMillis(100);
    /** The first retry within this many attempt durations, doubling at every lost race ... */
    private static final int FIRST_RETRY_IN_ATTEMPTS = 15;
    /** ... up to one attempt duration for every this many nodes. */
    private static final int NODES_PER_ATTEMPT = 5;
    private static final Duration SHORTEST_CEILING = Duration.ofMillis(50);

    private final int clusterSize;
    private final RandomGenerator random;
    private int retries;
    private long fastestAttempt = Long.MAX_VALUE;

    PublishPacing(int clusterSize, RandomGenerator random) {
        this.clusterSize = Math.max(1, clusterSize);
        this.random = random;
    }

    Duration beforeFirstAttempt() {
        return upTo(FIRST_SPREAD_PER_NODE.toNanos() * (clusterSize - 1));
    }

    Duration afterAttempt(Duration lastAttempt) {
        // the fastest attempt is the server's own pace; one slowed down by a burst would stretch the wait for long
        fastestAttempt = Math.min(fastestAttempt, Math.max(1, lastAttempt.toNanos()));
        long attempt = fastestAttempt;
        long growing = attempt * FIRST_RETRY_IN_ATTEMPTS << Math.min(retries++, 20);
        long ceiling = Math.min(growing, attempt * clusterSize / NODES_PER_ATTEMPT);
        return upTo(Math.max(SHORTEST_CEILING.toNanos(), ceiling));
    }

    private Duration upTo(long nanos) {
        return nanos <= 0 ? Duration.ZERO : Duration.ofNanos(random.nextLong(nanos + 1));
    }
}
