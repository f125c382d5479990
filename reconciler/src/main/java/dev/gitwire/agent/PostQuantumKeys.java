package dev.gitwire.agent;

import dev.gitwire.desired.DesiredDataplane;
import dev.gitwire.keys.PresharedKey;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.DeviceState;
import dev.gitwire.model.PeerConfig;
import dev.gitwire.model.PeerState;
import dev.gitwire.net.IpAddress;
import dev.gitwire.pq.ExchangeFailedException;
import dev.gitwire.pq.PqKeyPair;
import dev.gitwire.pq.PqPublicKey;
import dev.gitwire.pq.PskExchange;
import dev.gitwire.pq.PskExchange.Party;
import dev.gitwire.pq.PskRenewal;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;

/**
 * The post-quantum pre-shared keys of this node's peers (issue 31, docs/architecture.md "Post-quantum pre-shared
 * keys"): a {@link PskRenewal} per peer, the {@link PskExchange}s that feed it over TCP between the two nodes'
 * addresses (never through Git or the API), and the keys they agreed, which {@link #apply} puts into the desired
 * state. Of each pair, the node whose WireGuard key sorts lower initiates; the other answers on
 * {@link PskExchange#PORT}.
 *
 * <p>Hostile input everywhere: a connection is taken only from the address of the peer it names, every frame is
 * bounded, every exchange has a deadline of {@link #DEADLINE}, at most {@link #MAX_CONNECTIONS} are answered at once,
 * one per peer address (a host that is no peer is closed before a byte is read).
 * In Strict mode a peer with no agreed key holds a random one of this node's (never told to anyone): no handshake,
 * so no classical-only session, can be made with it before the first exchange.
 */
final class PostQuantumKeys implements AutoCloseable {

    static final Duration DEADLINE = Duration.ofSeconds(5);
    static final int MAX_CONNECTIONS = 64;
    /** WireGuard's REKEY_AFTER_TIME plus three of its 5-s retries: no handshake for this long while sending is a stall. */
    static final Duration STALLED_AFTER = Duration.ofSeconds(135);
    private static final int MAX_FRAME = PskExchange.MAX_MESSAGE + PublicKey.LENGTH;

    private final PqKeyPair own;
    private final int port;
    private final Duration renewEvery;
    private final Clock clock;
    private final Runnable onKeyAgreed;
    private final SecureRandom random = new SecureRandom();
    // apart, so that exchanges with peers that do not answer never hold up the answers to those that ask
    private final ExecutorService initiations = Executors.newFixedThreadPool(4, daemon("gitwire-pq-initiation"));
    private final ExecutorService answers = Executors.newFixedThreadPool(4, daemon("gitwire-pq-answer"));
    private final Semaphore answering = new Semaphore(MAX_CONNECTIONS);
    /** Guarded by this: the peer addresses an answer is being given to, one at a time each. */
    private final Set<InetAddress> answeringFrom = new HashSet<>();
    private final ServerSocket server;
    private final Thread acceptor;

    /** Guarded by this: what the last desired state said of each peer, and each peer's keys. */
    private PublicKey ownWireguard;
    private Map<PublicKey, Peer> peers = Map.of();
    private final Map<PublicKey, PskRenewal> renewals = new HashMap<>();
    private final Map<PublicKey, PresharedKey> placeholders = new HashMap<>();
    private final Map<PublicKey, PeerState> lastSeen = new HashMap<>();
    private final Set<PublicKey> initiating = new HashSet<>();
    private Set<String> reportedMissing = Set.of();
    /** The mode the missing were reported in: a change of mode changes what happens to them, said again. */
    private boolean reportedStrict;
    /** Why the last exchange with a peer's node failed, until one succeeds; each said once by {@link #apply}. */
    private final Map<String, String> failures = new HashMap<>();
    private final Map<String, String> reportedFailures = new HashMap<>();

    /** A peer as the desired state has it: its node, its keys, the address its exchanges come from and go to. */
    private record Peer(String node, Party party, IpAddress address) {}

    PostQuantumKeys(PqKeyPair own, int port, Duration renewEvery, Clock clock, Runnable onKeyAgreed)
            throws IOException {
        this.own = own;
        this.port = port;
        this.renewEvery = renewEvery;
        this.clock = clock;
        this.onKeyAgreed = onKeyAgreed;
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(port));
        this.acceptor = daemon("gitwire-pq-listener").newThread(this::accept);
        acceptor.start();
    }

    PqPublicKey publicKey() {
        return own.publicKey();
    }

    /**
     * The desired state with each peer's pre-shared key: the agreed one; before any, in Strict mode a placeholder no
     * other node holds, in Opportunistic mode none (classical WireGuard, reported). {@code pqKeys}: each node's
     * ML-KEM public key, pinned or published; {@code note}: each peer newly without one, said once.
     */
    synchronized DesiredDataplane apply(DesiredDataplane desired, Map<String, PqPublicKey> pqKeys, boolean strict,
            Consumer<String> note) {
        if (desired.wireguard().isEmpty()) {
            return desired;
        }
        ownWireguard = desired.wireguard().get().privateKey().publicKey();
        Map<PublicKey, String> nodes = new HashMap<>();
        desired.reports().stream().filter(r -> r.key().isPresent()).forEach(r -> nodes.put(r.key().get(), r.node()));
        Map<PublicKey, Peer> known = new HashMap<>();
        List<String> missing = new ArrayList<>();
        List<PeerConfig> configs = new ArrayList<>();
        for (PeerConfig peer : desired.wireguard().get().peers()) {
            String node = nodes.getOrDefault(peer.publicKey(), "key:" + peer.publicKey().fingerprint());
            Optional<PqPublicKey> pq = Optional.ofNullable(pqKeys.get(node));
            if (pq.isPresent() && peer.endpoint().isPresent()) {
                known.put(peer.publicKey(), new Peer(node, new Party(peer.publicKey(), pq.get()),
                        peer.endpoint().get().address()));
            } else {
                missing.add(node);
            }
            Optional<PresharedKey> agreed = agreedKey(peer.publicKey());
            configs.add(peer.withPresharedKey(agreed.isPresent() || !strict ? agreed
                    : Optional.of(placeholders.computeIfAbsent(peer.publicKey(), k -> randomKey()))));
        }
        peers = Map.copyOf(known);
        renewals.keySet().retainAll(known.keySet());
        placeholders.keySet().retainAll(nodes.keySet());
        failures.keySet().retainAll(nodes.values()); // a node that left the mesh has nothing left to report
        Set<String> nowMissing = Set.copyOf(missing);
        Set<String> said = strict == reportedStrict ? reportedMissing : Set.of();
        reportedStrict = strict;
        missing.stream().filter(n -> !said.contains(n)).sorted().limit(20).forEach(n -> note.accept(n
                + " has no post-quantum key (none pinned or published, or no address): " + (strict
                ? "not routed (Strict)" : "classical WireGuard only (Opportunistic)")));
        reportedMissing = nowMissing;
        failures.forEach((node, why) -> {
            if (!why.equals(reportedFailures.put(node, why))) {
                note.accept("post-quantum exchange with " + node + " failed: " + why + "; retried every "
                        + PskRenewal.RETRY.toSeconds() + " s");
            }
        });
        reportedFailures.keySet().retainAll(failures.keySet());
        return desired.withPeers(configs);
    }

    /** {@code target} with each peer's pre-shared key as it stands now: a key agreed since it was made replaces its. */
    synchronized DesiredDataplane withAgreedKeys(DesiredDataplane target) {
        if (target.wireguard().isEmpty()) {
            return target;
        }
        return target.withPeers(target.wireguard().get().peers().stream().map(peer -> {
            Optional<PresharedKey> agreed = agreedKey(peer.publicKey());
            return agreed.isPresent() ? peer.withPresharedKey(agreed) : peer;
        }).toList());
    }

    /** The key the exchanges with {@code peer} agreed and the device should hold; none before the first. */
    private Optional<PresharedKey> agreedKey(PublicKey peer) {
        return Optional.ofNullable(renewals.get(peer)).flatMap(PskRenewal::key);
    }

    /** The peers' nodes that take no part, sorted: no ML-KEM key known for them. */
    synchronized List<String> missing() {
        return reportedMissing.stream().sorted().toList();
    }

    /**
     * What the device said after a reconcile: handshakes prove keys, a stall brings back a proven one, and the
     * exchanges this node initiates start when due.
     */
    synchronized void observe(Optional<DeviceState> device) {
        Instant now = clock.instant();
        boolean changed = false;
        for (PeerState state : device.map(DeviceState::peers).orElse(List.of())) {
            PublicKey key = state.config().publicKey();
            Peer peer = peers.get(key);
            if (peer == null) {
                continue;
            }
            PskRenewal renewal = renewals.computeIfAbsent(key, k -> state.config().presharedKey()
                    .filter(psk -> !psk.equals(placeholders.get(k)))
                    .map(psk -> PskRenewal.restarted(Optional.of(psk), renewEvery, now))
                    .orElseGet(() -> PskRenewal.fresh(renewEvery)));
            state.latestHandshake().ifPresent(renewal::handshake);
            PeerState before = lastSeen.put(key, state);
            boolean sending = before != null && state.sentBytes() > before.sentBytes()
                    && state.receivedBytes() == before.receivedBytes();
            boolean quiet = state.latestHandshake().map(h -> h.plus(STALLED_AFTER).isBefore(now)).orElse(true);
            if (sending && quiet) {
                changed |= renewal.stalled(now).isPresent();
            }
            if (ownWireguard != null && ownWireguard.compareTo(key) < 0 && !initiating.contains(key)
                    && renewal.due(now, state.latestHandshake())) {
                initiating.add(key);
                try {
                    initiations.execute(() -> initiate(peer, renewal));
                } catch (RejectedExecutionException closed) {
                    initiating.remove(key);
                }
            }
        }
        lastSeen.keySet().retainAll(peers.keySet());
        if (changed) {
            onKeyAgreed.run();
        }
    }

    /** This node's side as initiator: connect, four messages, install. */
    private void initiate(Peer peer, PskRenewal renewal) {
        long epoch;
        Party self;
        synchronized (this) {
            epoch = renewal.nextEpoch();
            self = new Party(ownWireguard, own.publicKey());
        }
        PskExchange.Initiator initiator = PskExchange.initiate(own, self, peer.party(), epoch, random);
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getByAddress(peer.address().toBytes()), port),
                    (int) DEADLINE.toMillis());
            socket.setSoTimeout((int) DEADLINE.toMillis());
            PskExchange.Agreed agreed = converse(socket, self.wireguard(), initiator, deadline);
            synchronized (this) {
                renewal.agreed(agreed, clock.instant());
                failures.remove(peer.node());
            }
            onKeyAgreed.run();
        } catch (IOException | ExchangeFailedException | RuntimeException e) {
            synchronized (this) {
                renewal.failed(clock.instant());
                failures.put(peer.node(), e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            }
        } finally {
            synchronized (this) {
                initiating.remove(peer.party().wireguard());
            }
        }
    }

    /**
     * The initiator's side of one exchange on {@code socket}: its WireGuard key with {@code InitHello}, then
     * {@code InitConf}, then the responder's {@code Done} verified.
     */
    static PskExchange.Agreed converse(Socket socket, PublicKey self, PskExchange.Initiator initiator,
            long deadlineNanos) throws IOException, ExchangeFailedException {
        DataOutputStream out = new DataOutputStream(socket.getOutputStream());
        DataInputStream in = new DataInputStream(socket.getInputStream());
        byte[] hello = initiator.initHello();
        byte[] first = new byte[PublicKey.LENGTH + hello.length];
        System.arraycopy(self.raw(), 0, first, 0, PublicKey.LENGTH);
        System.arraycopy(hello, 0, first, PublicKey.LENGTH, hello.length);
        write(out, first);
        write(out, initiator.onRespHello(read(in, deadlineNanos)));
        return initiator.onDone(read(in, deadlineNanos));
    }

    private void accept() {
        while (!server.isClosed()) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                if (server.isClosed()) {
                    return;
                }
                continue;
            }
            InetAddress from = socket.getInetAddress();
            if (!answering.tryAcquire()) {
                close(socket); // more at once than any honest mesh makes
                continue;
            }
            if (!claim(from)) { // before a byte is read: a stranger, or a peer already being answered, holds no thread
                answering.release();
                close(socket);
                continue;
            }
            try {
                answers.execute(() -> {
                    try {
                        answer(socket);
                    } finally {
                        release(from);
                        answering.release();
                        close(socket);
                    }
                });
            } catch (RejectedExecutionException closed) {
                release(from);
                answering.release();
                close(socket);
            }
        }
    }

    /** Whether {@code from} is a peer's address that is not being answered already; if so, it is now. */
    private synchronized boolean claim(InetAddress from) {
        return peers.values().stream().anyMatch(p -> Arrays.equals(p.address().toBytes(), from.getAddress()))
                && answeringFrom.add(from);
    }

    private synchronized void release(InetAddress from) {
        answeringFrom.remove(from);
    }

    /** This node's side as responder: only a peer it knows, from that peer's address, and only as its responder. */
    private void answer(Socket socket) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        try {
            socket.setSoTimeout((int) DEADLINE.toMillis());
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] first = read(in, deadline);
            if (first.length <= PublicKey.LENGTH) {
                return;
            }
            PublicKey from = PublicKey.of(Arrays.copyOf(first, PublicKey.LENGTH));
            Peer peer;
            PskRenewal renewal;
            Party self;
            synchronized (this) {
                peer = peers.get(from);
                if (peer == null || ownWireguard == null || ownWireguard.compareTo(from) < 0
                        || !socket.getInetAddress().equals(InetAddress.getByAddress(peer.address().toBytes()))) {
                    return; // not a peer, not from its address, or a peer that should answer rather than ask
                }
                renewal = renewals.computeIfAbsent(from, k -> PskRenewal.fresh(renewEvery));
                self = new Party(ownWireguard, own.publicKey());
            }
            PskExchange.Responder responder = PskExchange.respond(own, self, peer.party(), random);
            write(out, responder.onInitHello(Arrays.copyOfRange(first, PublicKey.LENGTH, first.length)));
            PskExchange.Confirmed confirmed = responder.onInitConf(read(in, deadline));
            synchronized (this) {
                renewal.agreed(confirmed.agreed(), clock.instant());
            }
            onKeyAgreed.run();
            write(out, confirmed.done());
        } catch (IOException | ExchangeFailedException | RuntimeException e) {
            // an exchange that fails changes nothing here; its initiator tries again
        }
    }

    private static void write(DataOutputStream out, byte[] frame) throws IOException {
        out.writeInt(frame.length);
        out.write(frame);
        out.flush();
    }

    private static byte[] read(DataInputStream in, long deadlineNanos) throws IOException {
        if (System.nanoTime() > deadlineNanos) {
            throw new IOException("the exchange took longer than " + DEADLINE.toSeconds() + " s");
        }
        int length = in.readInt();
        if (length < 0 || length > MAX_FRAME) {
            throw new IOException("a frame of " + length + " bytes");
        }
        byte[] frame = new byte[length];
        in.readFully(frame);
        return frame;
    }

    private PresharedKey randomKey() {
        byte[] raw = new byte[PresharedKey.LENGTH];
        random.nextBytes(raw);
        return PresharedKey.of(raw);
    }

    private static void close(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing what is done
        }
    }

    private static ThreadFactory daemon(String name) {
        return task -> {
            Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // the listener ends either way
        }
        initiations.shutdownNow();
        answers.shutdownNow();
    }
}
