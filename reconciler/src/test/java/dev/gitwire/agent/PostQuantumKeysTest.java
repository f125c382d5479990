package dev.gitwire.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.desired.DesiredDataplane;
import dev.gitwire.desired.MtuChoice;
import dev.gitwire.desired.PeerReport;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.Endpoint;
import dev.gitwire.model.PeerConfig;
import dev.gitwire.model.RouteType;
import dev.gitwire.net.IpAddress;
import dev.gitwire.pq.PqKeyPair;
import dev.gitwire.pq.PskExchange;
import dev.gitwire.testing.FreePort;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The exchange's listener, as a host of the node network that is no peer, or a peer gone rogue, meets it. */
class PostQuantumKeysTest {

    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * Any host that reaches port 51822 (a pod of any tenant) opened a few connections and sent nothing: each held one of
     * the four threads that answer for 5 s, so a peer's exchange waited behind them and failed at its own deadline; in
     * Strict mode a joining node was never routed. Only a peer's address is answered now, one exchange at a time
     * each: a stranger is closed at once, a peer gone rogue holds one thread at most.
     */
    @Test
    void hostsThatHoldConnectionsOpenCannotKeepAPeersExchangeFromBeingAnswered() throws Exception {
        PrivateKey responderKey = PrivateKey.generate(RANDOM);
        PrivateKey peerKey = PrivateKey.generate(RANDOM);
        while (peerKey.publicKey().compareTo(responderKey.publicKey()) >= 0) { // the lower key initiates
            peerKey = PrivateKey.generate(RANDOM);
        }
        PqKeyPair responderPq = PqKeyPair.generate(RANDOM);
        PqKeyPair peerPq = PqKeyPair.generate(RANDOM);
        int port = FreePort.any();
        try (PostQuantumKeys keys = new PostQuantumKeys(responderPq, port, Duration.ofMinutes(4), Clock.systemUTC(),
                () -> { })) {
            PublicKey rogue = PrivateKey.generate(RANDOM).publicKey();
            keys.apply(desired(responderKey, Map.of("node-b", peerKey.publicKey(), "node-c", rogue), Map.of("node-b",
                    "127.0.0.2", "node-c", "127.0.0.4")), Map.of("node-b", peerPq.publicKey(), "node-c",
                    PqKeyPair.generate(RANDOM).publicKey()), true, note -> { });
            List<Socket> idle = new ArrayList<>();
            try {
                for (String from : List.of("127.0.0.3", "127.0.0.3", "127.0.0.3", "127.0.0.3", "127.0.0.4", "127.0.0.4",
                        "127.0.0.4", "127.0.0.4")) { // a stranger, and node-c gone rogue
                    idle.add(connect(from, port));
                }
                Thread.sleep(200); // taken by the listener before the peer comes

                PskExchange.Initiator initiator = PskExchange.initiate(peerPq, new PskExchange.Party(peerKey.publicKey(),
                        peerPq.publicKey()), new PskExchange.Party(responderKey.publicKey(), responderPq.publicKey()), 1,
                        RANDOM);
                try (Socket socket = connect("127.0.0.2", port)) {
                    socket.setSoTimeout((int) PostQuantumKeys.DEADLINE.toMillis() / 2);
                    assertThat(PostQuantumKeys.converse(socket, peerKey.publicKey(), initiator, System.nanoTime()
                            + PostQuantumKeys.DEADLINE.toNanos()).epoch()).isEqualTo(1);
                }
            } finally {
                for (Socket socket : idle) {
                    socket.close();
                }
            }
        }
    }

    private static Socket connect(String from, int port) throws Exception {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1_000);
        return socket;
    }

    /** This node with {@code peers} (node name to key) at {@code addresses} (node name to address). */
    private static DesiredDataplane desired(PrivateKey own, Map<String, PublicKey> peers, Map<String, String> addresses) {
        List<PeerConfig> configs = new ArrayList<>();
        List<PeerReport> reports = new ArrayList<>();
        peers.forEach((node, key) -> {
            configs.add(new PeerConfig(key, Optional.of(new Endpoint(IpAddress.parse(addresses.get(node)), 51820)),
                    Duration.ZERO, new TreeSet<>(), Optional.empty()));
            reports.add(new PeerReport(node, PeerReport.State.PEERED, Optional.of(key)));
        });
        return new DesiredDataplane(new DesiredDataplane.Ownership("gitwire0", 51820, 5200, 0x2000),
                Optional.of(new DesiredDataplane.WireguardSpec(new MtuChoice(1420, "test"), own, 51820, 0x2000,
                        configs)), new TreeSet<>(), List.of(), Optional.empty(), Map.of(), RouteType.THROW, List.of(),
                Map.of(), reports, List.of(), List.of());
    }
}
