package dev.gitwire.source;

/** The intent could not be read from its source (the remote is away, refuses access, or is broken). */
public final class SourceUnavailableException extends Exception {

    private static final long serialVersionUID = 1L;

    public SourceUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * What went wrong with a Git operation, in one line: JGit's message, and the first cause whose message it
     * does not already carry (JGit says "SSL problems"; the cause says the certificate is not trusted).
     */
    public static String reason(Throwable e) {
        String message = String.valueOf(e.getMessage());
        for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            if (cause.getMessage() != null && !message.contains(cause.getMessage())) {
                return message + " (" + cause.getMessage() + ")";
            }
        }
        return message;
    }
}
