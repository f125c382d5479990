package dev.gitwire.source;

/** The intent could not be read from its source (the remote is away, refuses access, or is broken). */
public final class SourceUnavailableException extends Exception {

    private static final long serialVersionUID = 1L;

    public SourceUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
