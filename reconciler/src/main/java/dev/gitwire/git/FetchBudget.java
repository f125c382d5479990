package dev.gitwire.git;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What one fetch may take from a Git server before its commit is checked: at most {@code maxBytes} read, and
 * all of it within {@code deadline}. The per-read timeout stops a server that goes silent; this stops one that
 * streams forever (filling the node's disk) or drips a byte before each timeout. Counted on the streams the
 * transports read (git:// and https); a read past either bound fails the fetch, and the last good intent stays.
 */
public record FetchBudget(long maxBytes, Duration deadline) {

    public static final FetchBudget DEFAULT = new FetchBudget(256L * 1024 * 1024, Duration.ofMinutes(5));

    public FetchBudget {
        if (maxBytes < 1024 * 1024) {
            throw new IllegalArgumentException("--git-max-fetch-bytes is at least 1 MiB, not " + maxBytes);
        }
        if (deadline.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("--git-fetch-deadline is at least 1s, not " + deadline.toMillis() + "ms");
        }
    }

    /** The budget of one fetch, from now: every stream it reads draws on it. */
    Spending start() {
        return new Spending(System.nanoTime() + deadline.toNanos());
    }

    /** One fetch's budget as it is spent; shared by the connections of that fetch. */
    final class Spending {
        private final long endNanos;
        private final AtomicLong read = new AtomicLong();

        private Spending(long endNanos) {
            this.endNanos = endNanos;
        }

        InputStream bound(InputStream in) {
            return new FilterInputStream(in) {
                @Override
                public int read() throws IOException {
                    check(0);
                    int b = super.read();
                    check(b < 0 ? 0 : 1);
                    return b;
                }

                @Override
                public int read(byte[] buffer, int offset, int length) throws IOException {
                    check(0);
                    int n = super.read(buffer, offset, length);
                    check(Math.max(n, 0));
                    return n;
                }
            };
        }

        private void check(int justRead) throws IOException {
            long total = read.addAndGet(justRead);
            if (total > maxBytes) {
                throw new IOException("the server sent more than --git-max-fetch-bytes " + maxBytes + " bytes");
            }
            if (System.nanoTime() - endNanos > 0) {
                throw new IOException("the fetch took longer than --git-fetch-deadline " + deadline.toSeconds() + "s ("
                        + total + " bytes read)");
            }
        }
    }
}
