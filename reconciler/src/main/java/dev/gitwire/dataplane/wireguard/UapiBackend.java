package dev.gitwire.dataplane.wireguard;

import dev.gitwire.keys.PrivateKey;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.DeviceState;
import dev.gitwire.net.Cidr;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;

/**
 * A userspace WireGuard (wireguard-go) through its UAPI socket, {@code /var/run/wireguard/<if>.sock}.
 * One connection per exchange, as {@code wg} does. A daemon that stops answering (stopped, wedged) ends the
 * exchange in an error after {@link #SILENCE} without a byte moving either way, never a hang.
 */
public final class UapiBackend implements WireguardBackend {

    public static final Path DEFAULT_SOCKET_DIRECTORY = Path.of("/var/run/wireguard");

    /** How long an exchange may go without a byte moving: a reply of millions of allowed IPs streams on. */
    static final Duration SILENCE = Duration.ofSeconds(10);

    private final Path socket;
    private final Duration silence;
    private Boolean singleRemoval;

    public UapiBackend(Path socketDirectory, String interfaceName) {
        this(socketDirectory, interfaceName, SILENCE);
    }

    UapiBackend(Path socketDirectory, String interfaceName, Duration silence) {
        this.socket = socketDirectory.resolve(interfaceName + ".sock");
        this.silence = silence;
    }

    @Override
    public DeviceState read() {
        return UapiCodec.decodeDevice(exchange("get=1\n\n"));
    }

    @Override
    public void apply(DeviceUpdate update) {
        UapiCodec.checkSetReply(exchange(UapiCodec.encode(update)));
    }

    /**
     * wireguard-go learnt {@code allowed_ip=-<cidr>} in 0.0.20250522; older ones refuse the line. Probed
     * once with a throwaway peer, which is removed whatever the answer.
     */
    @Override
    public synchronized boolean removesSingleAllowedIps() {
        if (singleRemoval == null) {
            PublicKey probe = PrivateKey.generate(new SecureRandom()).publicKey();
            try {
                apply(DeviceUpdate.peers(List.of(DeviceUpdate.PeerUpdate.removeAllowedIps(probe,
                        List.of(Cidr.parse("192.0.2.1/32"))))));
                singleRemoval = true;
            } catch (WireguardException e) {
                singleRemoval = false;
            } finally {
                apply(DeviceUpdate.peers(List.of(DeviceUpdate.PeerUpdate.removal(probe))));
            }
        }
        return singleRemoval;
    }

    @Override
    public String describe() {
        return "userspace WireGuard at " + socket;
    }

    private String exchange(String request) {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
                Selector selector = Selector.open()) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.configureBlocking(false);
            ByteBuffer out = ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII));
            while (out.hasRemaining()) {
                await(channel, selector, SelectionKey.OP_WRITE, "take the request");
                channel.write(out);
            }
            // a reply ends with "errno=N" and an empty line; only the tail is looked at
            ByteBuffer reply = ByteBuffer.allocate(64 * 1024);
            while (!endsReply(reply)) {
                await(channel, selector, SelectionKey.OP_READ, "answer");
                if (channel.read(reply) < 0) {
                    break;
                }
                if (!reply.hasRemaining()) {
                    reply = ByteBuffer.allocate(reply.capacity() * 2).put(reply.flip());
                }
            }
            return new String(reply.array(), 0, reply.position(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new WireguardException("cannot talk to " + socket + ": " + e.getMessage(), e);
        }
    }

    private void await(SocketChannel channel, Selector selector, int operation, String what) throws IOException {
        channel.register(selector, operation);
        if (selector.select(silence.toMillis()) == 0) {
            throw new IOException("wireguard-go did not " + what + " within " + silence.toMillis() + " ms");
        }
        selector.selectedKeys().clear();
    }

    private static boolean endsReply(ByteBuffer reply) {
        int end = reply.position();
        if (end < 2 || reply.get(end - 1) != '\n' || reply.get(end - 2) != '\n') {
            return false;
        }
        int lineStart = end - 2;
        while (lineStart > 0 && reply.get(lineStart - 1) != '\n') {
            lineStart--;
        }
        return new String(reply.array(), lineStart, end - 2 - lineStart, StandardCharsets.US_ASCII)
                .startsWith("errno=");
    }

    @Override
    public void close() {
        // nothing held between exchanges
    }
}
