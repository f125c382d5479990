package dev.gitwire.git;

/**
 * A Git remote could not be fetched from (away, refusing access, too slow, too big, broken). Whoever fetched says what
 * that means: the intent unavailable ({@link SourceUnavailableException}), or a status not read or written.
 */
public final class GitUnavailableException extends Exception {

    private static final long serialVersionUID = 1L;

    public GitUnavailableException(String message, Throwable cause) {
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
