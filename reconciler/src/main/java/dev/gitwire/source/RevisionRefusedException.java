package dev.gitwire.source;

/** A fetched revision that must not be applied: unsigned, signed by an untrusted key, or a rewind. */
public final class RevisionRefusedException extends Exception {

    private static final long serialVersionUID = 1L;

    public RevisionRefusedException(String message) {
        super(message);
    }
}
