package dev.gitwire.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 26 point 13: a hostile Git host answers a fetch with a pack that never ends, fast (to fill the node's
 * disk: DiskPressure evicts its pods) or a byte at a time (under every read timeout). On main the fetch read
 * on, without bound. Now it ends at --git-max-fetch-bytes or --git-fetch-deadline, whichever comes first, and
 * the pack read so far is not kept.
 */
class GitFetchBoundsTest {

    private static final long MAX = 4L * 1024 * 1024;

    @TempDir
    Path state;

    @Test
    void aPackThatNeverEndsStopsAtTheByteBound() throws Exception {
        try (EndlessPackServer server = new EndlessPackServer(0);
                GitRemote remote = new GitRemote("git://127.0.0.1:" + server.port() + "/intent", state.resolve("git"),
                        GitAccess.anonymous().withFetchBudget(new FetchBudget(MAX, Duration.ofMinutes(2))))) {
            assertThatThrownBy(() -> remote.fetch("main")).isInstanceOf(GitUnavailableException.class)
                    .hasMessageContaining("--git-max-fetch-bytes " + MAX);
            assertThat(server.sent()).isLessThan(MAX + 8 * 1024 * 1024); // what was in flight, no more
            assertThat(packBytes(state.resolve("git"))).isLessThan(MAX);
        }
    }

    @Test
    void aPackDrippedUnderTheReadTimeoutStopsAtTheDeadline() throws Exception {
        Duration deadline = Duration.ofSeconds(3);
        try (EndlessPackServer server = new EndlessPackServer(100);
                GitRemote remote = new GitRemote("git://127.0.0.1:" + server.port() + "/intent", state.resolve("git"),
                        GitAccess.anonymous().withTimeout(Duration.ofSeconds(2))
                                .withFetchBudget(new FetchBudget(MAX, deadline)))) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> remote.fetch("main")).isInstanceOf(GitUnavailableException.class)
                    .hasMessageContaining("--git-fetch-deadline 3s");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(deadline.multipliedBy(3));
        }
    }

    private static long packBytes(Path cache) throws IOException {
        try (Stream<Path> files = Files.walk(cache)) {
            return files.filter(Files::isRegularFile).filter(f -> f.toString().contains("pack"))
                    .mapToLong(f -> f.toFile().length()).sum();
        }
    }

    /**
     * A `git daemon` that advertises one branch and answers every fetch with a pack of one blob that never ends:
     * a valid zlib stream of stored blocks of random bytes, sent as fast as the client reads, or a byte per
     * {@code dripMillis}.
     */
    private static final class EndlessPackServer implements AutoCloseable {
        private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
        private final ServerSocket socket = new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
        private final long dripMillis;
        private final AtomicLong sent = new AtomicLong();
        private final Thread thread;

        EndlessPackServer(long dripMillis) throws IOException {
            this.dripMillis = dripMillis;
            thread = new Thread(this::serve, "endless-pack");
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        long sent() {
            return sent.get();
        }

        private void serve() {
            while (!socket.isClosed()) {
                try (Socket client = socket.accept()) {
                    answer(client.getInputStream(), client.getOutputStream());
                } catch (IOException e) {
                    // the client gave up, or the server closed
                }
            }
        }

        private void answer(InputStream in, OutputStream out) throws IOException {
            DataInputStream lines = new DataInputStream(in);
            readPacket(lines); // git-upload-pack /intent\0host=...\0
            writePacket(out, COMMIT + " refs/heads/main\0ofs-delta\n");
            out.write("0000".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String line;
            do {
                line = readPacket(lines);
            } while (line == null || !line.startsWith("done"));
            writePacket(out, "NAK\n");
            // PACK, version 2, one object: a blob of 1 GiB (JGit refuses 2 GiB and more at once), its zlib stream
            // stored blocks of random bytes that never end
            out.write(new byte[] {'P', 'A', 'C', 'K', 0, 0, 0, 2, 0, 0, 0, 1});
            out.write(new byte[] {(byte) 0xb0, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x20});
            out.write(new byte[] {0x78, 0x01});
            Random random = new Random(1);
            byte[] block = new byte[65535];
            while (true) {
                random.nextBytes(block);
                byte[] head = {0, (byte) 0xff, (byte) 0xff, 0, 0}; // not final, stored, LEN 65535, NLEN 0
                if (dripMillis == 0) {
                    out.write(head);
                    out.write(block);
                    sent.addAndGet(head.length + block.length);
                } else {
                    for (byte b : head) {
                        drip(out, b);
                    }
                    for (byte b : block) {
                        drip(out, b);
                    }
                }
            }
        }

        private void drip(OutputStream out, byte b) throws IOException {
            out.write(b);
            out.flush();
            sent.incrementAndGet();
            try {
                Thread.sleep(dripMillis);
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
        }

        /** A pkt-line's text, or null for a flush packet. */
        private static String readPacket(DataInputStream in) throws IOException {
            byte[] length = new byte[4];
            in.readFully(length);
            int n = Integer.parseInt(new String(length, StandardCharsets.US_ASCII), 16);
            if (n == 0) {
                return null;
            }
            byte[] payload = new byte[n - 4];
            in.readFully(payload);
            return new String(payload, StandardCharsets.UTF_8);
        }

        private static void writePacket(OutputStream out, String text) throws IOException {
            byte[] payload = text.getBytes(StandardCharsets.UTF_8);
            out.write(String.format("%04x", payload.length + 4).getBytes(StandardCharsets.US_ASCII));
            out.write(payload);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
