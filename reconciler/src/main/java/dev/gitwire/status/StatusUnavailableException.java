package dev.gitwire.status;

/**
 * A node's status could not be written or read (the status branch or the status objects of the Kubernetes API): the
 * dataplane is not concerned, and the next report tries again.
 */
public final class StatusUnavailableException extends Exception {

    private static final long serialVersionUID = 1L;

    public StatusUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
