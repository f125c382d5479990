package dev.gitwire.agent;

import java.time.Duration;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * When an agent with an elected writer fetches the intent from Git: when it leads (the writer fetches for all),
 * when the writer announces a revision other than the one it holds, when none is announced, and on a long
 * fallback poll, jittered per agent so that a cluster's fallbacks spread out. Never because of its poll
 * alone: the Git host's load in steady state then does not grow with the cluster.
 */
record FetchPolicy(Duration fallback) {

    /** The default fallback poll, 10 minutes. */
    static final Duration FALLBACK = Duration.ofMinutes(10);

    /** This agent's fallback: {@code base} give or take a fifth, at random. */
    static FetchPolicy jittered(Duration base, RandomGenerator random) {
        return new FetchPolicy(Duration.ofMillis((long) (base.toMillis() * (0.8 + 0.4 * random.nextDouble()))));
    }

    boolean fetch(boolean leading, Optional<String> announced, Optional<String> held, Duration sinceLastFetch) {
        return leading || announced.isEmpty() || !announced.equals(held) || sinceLastFetch.compareTo(fallback) >= 0;
    }
}
