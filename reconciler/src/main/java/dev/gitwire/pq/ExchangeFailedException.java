package dev.gitwire.pq;

/** A post-quantum exchange that cannot go on: a message malformed, out of turn, or that does not verify. */
public final class ExchangeFailedException extends Exception {

    public ExchangeFailedException(String message) {
        super(message);
    }
}
