package dev.gitwire.dataplane.wireguard;

/** A WireGuard device refused a request or could not be reached; {@code errno} is its answer, or 0. */
public final class WireguardException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int errno;

    public WireguardException(int errno, String message) {
        super(message + (errno != 0 ? " (errno " + errno + ")" : ""));
        this.errno = errno;
    }

    public WireguardException(String message, Throwable cause) {
        super(message, cause);
        this.errno = 0;
    }

    public int errno() {
        return errno;
    }
}
