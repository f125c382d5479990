package dev.gitwire.agent;

/**
 * The agent will not change the kernel yet, and says why: no intent read yet, the Kubernetes API's first list not
 * there (an empty cluster would read as every node gone), the admission policies not in force, an intent that takes
 * pod IPs from the API without bounding them. Nothing is changed meanwhile; /readyz says the reason.
 */
public final class NotReadyException extends Exception {

    private static final long serialVersionUID = 1L;

    public NotReadyException(String message) {
        super(message);
    }

    public NotReadyException(String message, Throwable cause) {
        super(message, cause);
    }
}
