package dev.gitwire.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/** A TCP port free on this host now: another socket may take it before the caller binds it, so bind it soon. */
public final class FreePort {

    private FreePort() {}

    public static int any() {
        try (ServerSocket probe = new ServerSocket(0)) {
            return probe.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }
}
