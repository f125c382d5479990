package dev.gitwire.dataplane.wireguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A wireguard-go that accepts on its UAPI socket and never answers: an error, not a hang (issue 15). */
class UapiDeadlineTest {

    @TempDir
    Path sockets;

    @Test
    void aSilentDaemonEndsTheExchangeInAnErrorNamingItsSocket() throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sockets.resolve("wg0.sock")));
            Thread acceptor = new Thread(() -> {
                try {
                    SocketChannel held = server.accept(); // open and silent, until the test is over
                    Thread.sleep(10_000);
                    held.close();
                } catch (Exception e) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            UapiBackend backend = new UapiBackend(sockets, "wg0", Duration.ofMillis(500));

            long start = System.nanoTime();
            assertThatThrownBy(backend::read).isInstanceOf(WireguardException.class)
                    .hasMessageContaining(sockets.resolve("wg0.sock").toString())
                    .hasMessageContaining("did not answer within 500 ms");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        }
    }
}
