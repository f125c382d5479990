package dev.gitwire.agent;

import dev.gitwire.cluster.AdmissionProbe;
import dev.gitwire.cluster.DaemonSetRemoval;
import dev.gitwire.cluster.IntentNotice;
import dev.gitwire.cluster.KubernetesCluster;
import dev.gitwire.cluster.StatusConfigMaps;
import dev.gitwire.dataplane.Dataplane;
import dev.gitwire.dataplane.KernelDataplane;
import dev.gitwire.dataplane.netlink.NetworkNamespace;
import dev.gitwire.dataplane.wireguard.UapiBackend;
import dev.gitwire.dataplane.wireguard.WireguardGoLauncher;
import dev.gitwire.desired.DesiredDataplane;
import dev.gitwire.desired.DesiredDataplane.Ownership;
import dev.gitwire.desired.DesiredState;
import dev.gitwire.desired.InventoryCluster;
import dev.gitwire.desired.NodeIdentity;
import dev.gitwire.desired.Precedent;
import dev.gitwire.desired.RefusedClaim;
import dev.gitwire.git.GitRemote;
import dev.gitwire.intent.Intent;
import dev.gitwire.intent.Mode;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.BackendChoice;
import dev.gitwire.model.DeviceState;
import dev.gitwire.model.LiveCluster;
import dev.gitwire.model.PeerState;
import dev.gitwire.net.IpAddress;
import dev.gitwire.net.IpFamily;
import dev.gitwire.plan.Plan;
import dev.gitwire.pq.PqPublicKey;
import dev.gitwire.pq.PskExchange;
import dev.gitwire.source.IntentSource;
import dev.gitwire.source.Revision;
import dev.gitwire.source.SourceUnavailableException;
import dev.gitwire.statedir.KeyFile;
import dev.gitwire.statedir.PqKeyFile;
import dev.gitwire.status.NodeStatus;
import dev.gitwire.status.StatusBranch;
import dev.gitwire.status.StatusUnavailableException;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.eclipse.jgit.transport.URIish;

/**
 * One node's agent: its intent source, status branch, identity and kernel, held for as long as it runs.
 * {@link #read()} reads the intent and learns published keys; each reconcile is {@link #prepare()} (the
 * desired state from what was read last and the live cluster), {@link #reconcile}, then {@link #report};
 * `gitwire apply` does them once, `gitwire run` reads on every poll and reconciles on every change.
 */
public final class NodeAgent implements Agent, AutoCloseable {

    private final NodeSettings settings;
    private final IntentSource source;
    /** The status branch: standalone, peers' published keys; and what this node applied, when it forgot. */
    private final Optional<StatusBranch> statusReader;
    private final Optional<StatusPublisher> statusPublisher;
    /** With Kubernetes and a status branch: this node's status ConfigMap, its anti-rewind floor after a reimage. */
    private final Optional<StatusConfigMaps> ownStatus;
    private final List<GitRemote> ownRemotes = new ArrayList<>();
    /** Replaced when the key rotates: read by the threads that report, written by the one that reconciles. */
    private volatile NodeIdentity identity;
    /** None for an agent that only looks: it never makes or replaces a key. */
    private final Optional<KeyRotation> rotation;
    /** With postQuantum: the peers' pre-shared keys; written by the reconciling thread, read by the reporting one. */
    private volatile Optional<PostQuantumKeys> postQuantum = Optional.empty();
    private final int pskPort;
    private final List<String> startNotes;
    /** Leaving at uninstall: the device's grace, and the whole of it, within the pod's 30-s termination period. */
    private static final Duration UNINSTALL_GRACE = Duration.ofSeconds(3);
    private static final Duration UNINSTALL_DEADLINE = Duration.ofSeconds(20);
    private volatile Optional<String> ownDaemonSet = Optional.empty();
    private final DeviceDeletions deletions = new DeviceDeletions();
    private volatile String deviceName = "";
    private final Dataplane kernel;
    private final Reconciler reconciler;
    private final ControlPlaneBypass bypass;
    private final Optional<KubernetesClient> kubernetesClient;
    private final Optional<KubernetesCluster> cluster;
    /** With Kubernetes and a separate writer: the intent revisions it announces, followed. */
    private final Optional<IntentNotice> follower;
    /** With Kubernetes and a status branch: this agent's part in the election of the cluster's one Git writer. */
    private final Optional<ClusterWriter> writer;
    private final FetchPolicy fetchPolicy = FetchPolicy.jittered(FetchPolicy.FALLBACK, new SecureRandom());
    private volatile long lastFetchNanos;
    private volatile boolean joined;
    private volatile Consumer<Trigger.Signal> changeListener = signal -> { };
    private final boolean looksOnly;
    /** With Kubernetes: the agents' namespace, and which admission policies a probe found missing (none yet). */
    private final String namespace;
    private volatile Optional<List<String>> missingPolicies = Optional.empty();
    private volatile long policiesProbedNanos;
    /** Who held which key and destination at the last look at the device: who keeps a contested one. */
    private volatile Optional<Precedent> precedent = Optional.empty();
    /** Written by the thread that reads Git, read by the one that reconciles. */
    private volatile Optional<Read> lastRead = Optional.empty();

    /** What was read from Git last: the intent as sourced, the keys peers published (standalone), notes. */
    private record Read(IntentSource.Sourced sourced, Map<String, PublicKey> published,
            Map<String, PqPublicKey> pqPublished, List<String> notes) {}

    /** The agent of this node's kernel (`gitwire run`, `apply`): the one place the kernel adapter is wired. */
    public static NodeAgent onThisNode(NodeSettings settings) throws IOException {
        return new NodeAgent(settings, kernel(settings), false, PskExchange.PORT);
    }

    /**
     * An agent that only looks (`gitwire plan`): it creates no key file, records no last good intent and
     * publishes no key on its Node. Without a key yet, it plans with a throwaway one, and says so.
     */
    public static NodeAgent forPlanning(NodeSettings settings) throws IOException {
        return new NodeAgent(settings, kernel(settings), true, PskExchange.PORT);
    }

    /** The agent on {@code kernel}, which it closes: the same agent on any {@link Dataplane}, a model of one too. */
    public static NodeAgent on(NodeSettings settings, Dataplane kernel) throws IOException {
        return new NodeAgent(settings, kernel, false, PskExchange.PORT);
    }

    /**
     * {@link #on(NodeSettings, Dataplane)}, its post-quantum exchange on {@code pskPort}: 51822 lies in Linux's
     * ephemeral range, where a test JVM's own connections may hold it.
     */
    static NodeAgent on(NodeSettings settings, Dataplane kernel, int pskPort) throws IOException {
        return new NodeAgent(settings, kernel, false, pskPort);
    }

    /** {@link #forPlanning(NodeSettings)} on {@code kernel}, which it closes. */
    public static NodeAgent forPlanning(NodeSettings settings, Dataplane kernel) throws IOException {
        return new NodeAgent(settings, kernel, true, PskExchange.PORT);
    }

    private static Dataplane kernel(NodeSettings settings) {
        return new KernelDataplane(NetworkNamespace.current(), settings.wireguard(),
                new WireguardGoLauncher(List.of(), settings.wireguardGo(), UapiBackend.DEFAULT_SOCKET_DIRECTORY),
                settings.stateDirectory());
    }

    private NodeAgent(NodeSettings settings, Dataplane kernel, boolean looksOnly, int pskPort) throws IOException {
        this.looksOnly = looksOnly;
        this.pskPort = pskPort;
        this.settings = settings;
        this.kernel = kernel;
        try {
            this.source = open(settings, looksOnly);
        } catch (IOException | RuntimeException e) {
            kernel.close();
            throw e;
        }
        if (settings.status().isPresent() && !GitRemote.isUrl(settings.status().get().repo())) {
            kernel.close();
            source.close();
            throw new IllegalArgumentException("a status branch needs a Git URL as --repo or --status-repo, not "
                    + settings.status().get().repo());
        }
        this.statusReader = settings.status().isPresent()
                ? Optional.of(statusReader(settings.status().get())) : Optional.empty();
        Optional<PrivateKey> key = looksOnly ? KeyFile.load(settings.stateDirectory())
                : Optional.of(KeyFile.loadOrCreate(settings.stateDirectory()));
        this.identity = new NodeIdentity(settings.node(), key.orElseGet(() -> PrivateKey.generate(new SecureRandom())));
        this.rotation = looksOnly ? Optional.empty()
                : Optional.of(new KeyRotation(settings.stateDirectory(), identity.privateKey(), Clock.systemUTC()));
        this.startNotes = key.isPresent() ? List.of() : List.of("no private key in " + settings.stateDirectory()
                + " yet: planned with a throwaway one; `gitwire apply` or the agent makes the real one");
        this.reconciler = new Reconciler(kernel, Clock.systemUTC(), settings.teardownGrace(),
                new PeerRepair(settings.peerTimers().deadPeerAfter(), PeerRepair.BETWEEN));
        List<String> servers = new ArrayList<>();
        servers.add(gitHost(settings.repo()));
        settings.status().ifPresent(status -> servers.add(gitHost(status.repo())));
        if (settings.kubernetes().isPresent()) {
            KubernetesClient client = client(settings.kubernetes().get());
            this.kubernetesClient = Optional.of(client);
            // with Kubernetes, a node's status goes to the API and one elected agent writes Git for all
            this.namespace = Optional.ofNullable(client.getNamespace()).orElse("default");
            this.ownStatus = settings.status().map(s -> new StatusConfigMaps(client, namespace));
            this.statusPublisher = ownStatus.map(StatusPublisher::new);
            boolean announced = !looksOnly && settings.status().isPresent(); // a writer folds statuses and announces
            boolean stands = settings.kubernetes().get().standForWriter();
            this.writer = announced && stands ? Optional.of(new ClusterWriter(client, namespace, settings.node(),
                    statusBranch(settings.status().get()), ClusterWriter.FOLD_INTERVAL)) : Optional.empty();
            // without a writer of its own, the agent follows the announcements of the `gitwire writer` Deployment
            this.follower = announced && !stands ? Optional.of(new IntentNotice(client, namespace)) : Optional.empty();
            servers.add(client.getMasterUrl().getHost());
            KubernetesCluster live = new KubernetesCluster(client, settings.node(),
                    () -> changeListener.accept(Trigger.Signal.CLUSTER_CHANGE));
            live.start();
            if (!looksOnly) {
                live.publishKey(identity.privateKey().publicKey());
            }
            this.cluster = Optional.of(live);
        } else {
            this.kubernetesClient = Optional.empty();
            this.cluster = Optional.empty();
            this.follower = Optional.empty();
            this.namespace = "";
            this.ownStatus = Optional.empty();
            this.statusPublisher = settings.status().map(s -> new StatusPublisher(statusBranch(s)));
            this.writer = Optional.empty();
        }
        this.bypass = new ControlPlaneBypass(servers, ControlPlaneBypass.DNS); // resolved at every read
    }

    private static IntentSource open(NodeSettings settings, boolean looksOnly) throws IOException {
        return new IntentSource(settings.repo(), settings.ref(), settings.stateDirectory(), settings.access(),
                settings.trust(), !looksOnly);
    }

    /** On the intent's own Git cache when the status branch is in the intent repo (both read on one thread). */
    private StatusBranch statusReader(NodeSettings.StatusTarget target) throws IOException {
        GitRemote remote = target.repo().equals(settings.repo()) ? source.remote().orElseThrow() : ownRemote(target, false);
        return new StatusBranch(remote, target.access(), target.branch());
    }

    /** In a cache of its own: the publisher (standalone) or the cluster's writer pushes from its own thread. */
    private StatusBranch statusBranch(NodeSettings.StatusTarget target) {
        try {
            return new StatusBranch(ownRemote(target, true), target.access(), target.branch(), target.heartbeat());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private GitRemote ownRemote(NodeSettings.StatusTarget target, boolean forPublishing) throws IOException {
        Path state = forPublishing ? settings.stateDirectory().resolve("status") : settings.stateDirectory();
        GitRemote remote = new GitRemote(target.repo(), state, target.access());
        ownRemotes.add(remote);
        return remote;
    }

    @Override
    public void onChange(Consumer<Trigger.Signal> callback) {
        this.changeListener = callback;
    }

    @Override
    public void joinWriterElection(Runnable onAnnounced, BiConsumer<String, String> log,
            BiConsumer<String, String> warn) {
        writer.ifPresent(w -> {
            w.start(onAnnounced, log, warn);
            joined = true;
        });
        follower.ifPresent(f -> {
            f.start(onAnnounced);
            joined = true;
        });
    }

    /** Whether this agent leads the writer's election; false where a separate writer leads. */
    private boolean leads() {
        return writer.map(ClusterWriter::leading).orElse(false);
    }

    /** The revision the writer announced last, whoever it is. */
    private Optional<String> announced() {
        return writer.map(ClusterWriter::announced).orElseGet(() -> follower.flatMap(IntentNotice::announced));
    }

    @Override
    public Optional<Boolean> writerLeads() {
        return writer.filter(w -> joined).map(ClusterWriter::leading);
    }

    private static KubernetesClient client(NodeSettings.KubernetesAccess access) throws IOException {
        Config config = access.kubeconfig().isPresent()
                ? Config.fromKubeconfig(Files.readString(access.kubeconfig().get()))
                : Config.autoConfigure(null);
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    private static Optional<Revision> revision(String text) {
        try {
            return Optional.of(Revision.parse(text));
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // a status file is not to be trusted: no floor rather than no keys
        }
    }

    /** The host of a Git URL; none for a local path. */
    static String gitHost(String repo) {
        if (!GitRemote.isUrl(repo)) {
            return null;
        }
        try {
            return new URIish(repo).getHost();
        } catch (URISyntaxException e) {
            return null;
        }
    }

    @Override
    public Optional<Boolean> clusterSynced() {
        return cluster.map(KubernetesCluster::synced);
    }

    /** Waits up to {@code timeout} for the Kubernetes API's first list (standalone: at once); whether it came. */
    public boolean awaitCluster(Duration timeout) throws InterruptedException {
        return cluster.isEmpty() || cluster.get().awaitSynced(timeout);
    }

    @Override
    public NodeIdentity identity() {
        return identity;
    }

    public Reconciler reconciler() {
        return reconciler;
    }

    @Override
    public Plan installPresharedKeys(DesiredDataplane target) {
        Optional<PostQuantumKeys> keys = postQuantum;
        if (keys.isEmpty()) {
            return new Plan(List.of());
        }
        Reconciler.KeysInstalled installed = reconciler.installPresharedKeys(keys.get().withAgreedKeys(target));
        keys.get().observe(installed.device()); // the next exchange due starts now, not after the next reconcile
        return installed.executed();
    }

    @Override
    public boolean handshakeArrived(DesiredDataplane target) {
        return reconciler.handshakeArrived(target);
    }

    @Override
    public BackendChoice wireguardBackend(Ownership owned) {
        return kernel.backend(owned.interfaceName());
    }

    @Override
    public void claimsRefused(List<RefusedClaim> added) {
        cluster.ifPresent(live -> added.forEach(claim -> live.warn(claim.node(), "GitwireClaimRefused",
                "gitwire on " + settings.node() + " does not route " + claim.claim() + " to this node: " + claim.reason())));
    }

    @Override
    public void keysRefused(List<String> nodes) {
        cluster.ifPresent(live -> nodes.forEach(node -> live.warn(node, "GitwireDuplicateKey", "gitwire on "
                + settings.node() + " does not peer with this node: its public key is published by another node too,"
                + " and this one did not hold it first; its destinations stay guarded")));
    }

    @Override
    public void peersUnreachable(List<String> nodes) {
        cluster.ifPresent(live -> nodes.forEach(node -> live.warn(node, "GitwirePeerUnreachable", "gitwire on "
                + settings.node() + " hears nothing from this node through the tunnel although it sends, re-initiated"
                + " the handshake and recreated the peer; what it sends there is dropped, never sent in plaintext")));
    }

    @Override
    public List<Dataplane.Watch> watchKernel(Supplier<Ownership> owned, Consumer<String> onChange) {
        return kernel.watch(owned, onChange);
    }

    /**
     * Reads the intent from its source and, standalone, the keys that peers published; {@link #prepare()}
     * works from what was read last. A node without a readable last good intent (new, reimaged, a damaged
     * file) first recalls from its status what it applied, so that it cannot be rewound. Throws when there is
     * no intent at all (none now, none remembered): nothing may then be changed.
     */
    @Override
    public boolean read() throws IOException, SourceUnavailableException {
        if (joined && lastRead.isPresent() && !fetchPolicy.fetch(leads(), announced(),
                Optional.of(lastRead.get().sourced().revision().toString()),
                Duration.ofNanos(System.nanoTime() - lastFetchNanos))) {
            // the writer announced the revision this node holds: no fetch, the last read stands; the bypass still
            // follows its servers, and says so when one cannot be resolved
            Read last = lastRead.get();
            List<String> notes = new ArrayList<>(last.notes().stream()
                    .filter(n -> !n.startsWith(ControlPlaneBypass.UNRESOLVED)).toList());
            notes.addAll(bypass.refresh());
            lastRead = Optional.of(new Read(last.sourced(), last.published(), last.pqPublished(), List.copyOf(notes)));
            return false;
        }
        List<String> notes = new ArrayList<>(startNotes);
        boolean forgot = source.forgotWhatWasApplied();
        Optional<String> damage = source.lastGoodDamage();
        Map<String, PublicKey> published = lastRead.map(Read::published).orElse(Map.of());
        Map<String, PqPublicKey> pqPublished = lastRead.map(Read::pqPublished).orElse(Map.of());
        boolean standalone = cluster.isEmpty(); // with Kubernetes, keys come from Node annotations
        if (ownStatus.isPresent() && forgot) { // with Kubernetes, the floor is the node's own ConfigMap
            try {
                Optional<NodeStatus> own = ownStatus.get().own(settings.node());
                own.flatMap(NodeStatus::observedRevision).flatMap(NodeAgent::revision).ifPresent(source::recall);
                source.statusRead(Optional.empty());
            } catch (StatusUnavailableException e) {
                source.statusRead(Optional.of(e.getMessage()));
            }
        }
        if (statusReader.isPresent() && (standalone || forgot && ownStatus.isEmpty())) {
            try {
                Map<String, NodeStatus> statuses = statusReader.get().readAll();
                statusReader.get().ignored().forEach(notes::add);
                Optional<NodeStatus> own = Optional.ofNullable(statuses.get(settings.node()));
                own.flatMap(NodeStatus::observedRevision).filter(r -> forgot).flatMap(NodeAgent::revision)
                        .ifPresent(source::recall);
                // a file of this node that does not read is no sign of a new node: it may hide what it applied
                source.statusRead(own.isEmpty() && statusReader.get().hasFile(settings.node())
                        ? Optional.of("its status file on the branch does not read") : Optional.empty());
                if (standalone) {
                    Map<String, PublicKey> read = new HashMap<>();
                    statuses.forEach((name, s) -> s.publicKey().ifPresent(k -> read.put(name, PublicKey.parse(k))));
                    published = Map.copyOf(read);
                    Map<String, PqPublicKey> pqRead = new HashMap<>();
                    statuses.forEach((name, s) -> s.pqPublicKey().ifPresent(k -> pqRead.put(name, PqPublicKey.parse(k))));
                    pqPublished = Map.copyOf(pqRead);
                }
            } catch (StatusUnavailableException | IOException | RuntimeException e) {
                // an outage of the status branch, or a file of it no reader can take, must not take the peers' keys
                // away, nor stop the intent's read below (which, with no floor, applies nothing)
                source.statusRead(Optional.of("status branch not read: " + e.getMessage()));
                notes.add("status branch not read: " + e.getMessage() + "; using the " + published.size()
                        + " published keys read before, and pins");
            }
        }
        IntentSource.Sourced sourced = source.read();
        lastFetchNanos = System.nanoTime();
        if (joined) {
            writer.ifPresent(w -> w.fetched(sourced.revision().toString()));
        }
        damage.ifPresent(d -> notes.add(d + ": replaced by " + sourced.revision()));
        notes.addAll(bypass.refresh()); // the servers gitwire needs may have moved since the last read
        sourced.refusal().ifPresent(r -> notes.add("keeping " + sourced.revision() + ": " + r));
        source.oddlyDated().ifPresent(notes::add);
        sourced.problems().forEach(p -> notes.add(p.format()));
        lastRead = Optional.of(new Read(sourced, published, pqPublished, List.copyOf(notes)));
        return true;
    }

    /**
     * The desired state from the intent read last and the live cluster now. It needs no Git server, so that
     * drift repair and pod changes never wait for one. Throws when no intent was read yet.
     */
    @Override
    public Prepared prepare() throws NotReadyException {
        Read read = lastRead.orElseThrow(() -> new NotReadyException("no intent read yet"));
        if (cluster.isPresent() && !cluster.get().synced()) { // an empty cluster would read as every node gone
            throw new NotReadyException("waiting for the Kubernetes API: " + cluster.get().waitingFor()
                    + "; nothing is changed meanwhile");
        }
        checkAdmissionPolicies();
        Intent intent = read.sourced().intent();
        if (cluster.isPresent() && intent.mesh().enabled() && intent.mesh().workloadNetworks().isEmpty()) {
            throw new NotReadyException("mesh.yaml: spec.workloadNetworks is required when pod IPs come from the"
                    + " Kubernetes API (any node could claim any address); nothing is changed until the intent names them");
        }
        Optional<IpAddress> first = intent.node(settings.node()).flatMap(n -> n.addresses().stream().findFirst());
        LiveCluster live = cluster.map(KubernetesCluster::snapshot)
                .orElseGet(() -> InventoryCluster.of(intent, read.published()));
        List<String> notes = new ArrayList<>(read.notes());
        if (rotation.isPresent() && intent.mesh().enabled()) {
            rotateKeyIfDue(intent, live).ifPresent(notes::add);
        }
        Precedent held = precedent.orElseGet(() -> firstPrecedent(intent));
        DesiredDataplane desired = DesiredState.compute(intent, live, identity, kernel.underlay(first), bypass.addresses(),
                held);
        List<String> unsettable = kernel.unsettable(desired.sysctls());
        if (!unsettable.isEmpty()) { // pods stay encrypted; hosts keep what they had rather than lose every reply
            desired = DesiredState.compute(new Intent(intent.mesh().withoutHostEncryption(), intent.nodes()), live,
                    identity, kernel.underlay(first), bypass.addresses(), held);
        }
        notes.addAll(desired.refusedBypass());
        desired = withPresharedKeys(intent, read, desired, notes);
        return new Prepared(read.sourced(), desired, notes, unsettable);
    }

    /**
     * Replaces this node's key when it is due ({@link KeyRotation}), before the desired state is computed with it;
     * with Kubernetes, the next key is on the Node before the device uses it. Why not, when it fails: the key in use
     * keeps working, and the next reconcile tries again.
     */
    private Optional<String> rotateKeyIfDue(Intent intent, LiveCluster live) {
        try {
            PrivateKey key = rotation.orElseThrow().rotateIfDue(settings.node(), intent.node(settings.node()),
                    intent.mesh().wireguard().keyRotation(), live.nodes().keySet(), next -> {
                        try {
                            cluster.ifPresent(c -> c.publishKey(next));
                        } catch (KubernetesClientException e) {
                            throw new IOException("the next key could not be published on the Node: " + e.getMessage(), e);
                        }
                    });
            if (!key.equals(identity.privateKey())) {
                identity = new NodeIdentity(settings.node(), key);
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("key rotation not done: " + e.getMessage() + "; the key in use stays, tried again at the"
                    + " next reconcile");
        }
    }

    /**
     * With {@code postQuantum}, each peer's pre-shared key ({@link PostQuantumKeys}, started on first use, stopped when
     * turned off); why not, as a note, when the node's ML-KEM key or its port cannot be had: then Strict routes no peer
     * (the reconcile is refused), Opportunistic goes on with classical WireGuard.
     */
    private DesiredDataplane withPresharedKeys(Intent intent, Read read, DesiredDataplane desired, List<String> notes)
            throws NotReadyException {
        boolean wanted = intent.mesh().enabled() && intent.mesh().wireguard().postQuantum() && !looksOnly;
        if (!wanted) {
            postQuantum.ifPresent(PostQuantumKeys::close);
            postQuantum = Optional.empty();
            return desired;
        }
        boolean strict = intent.mesh().mode() == Mode.STRICT;
        try {
            if (postQuantum.isEmpty()) {
                PostQuantumKeys started = new PostQuantumKeys(PqKeyFile.loadOrCreate(settings.stateDirectory()),
                        pskPort, settings.peerTimers().pskRenewal(), Clock.systemUTC(),
                        () -> changeListener.accept(Trigger.Signal.PRESHARED_KEY_AGREED));
                started.observe(kernel.device(desired.owned())); // keys on the device before this agent started
                postQuantum = Optional.of(started);
            }
        } catch (IOException | RuntimeException e) {
            String why = "post-quantum pre-shared keys cannot start: " + e.getMessage();
            if (strict) {
                throw new NotReadyException(why + "; in Strict mode nothing is changed meanwhile");
            }
            notes.add(why + "; classical WireGuard meanwhile (Opportunistic)");
            return desired;
        }
        try { // with Kubernetes on the Node, written once (standalone, the status says it); a refusal is tried again
            cluster.ifPresent(live -> live.publishPqKey(postQuantum.get().publicKey()));
        } catch (KubernetesClientException e) {
            notes.add("the post-quantum key could not be published on the Node: " + e.getMessage() + "; tried again at"
                    + " the next reconcile, the peers that know it meanwhile keep their keys");
        }
        Map<String, PqPublicKey> pqKeys = new HashMap<>(cluster.map(KubernetesCluster::pqKeys).orElse(read.pqPublished()));
        intent.nodes().forEach(n -> n.wireguard().postQuantumPublicKey().ifPresent(pin -> pqKeys.put(n.name(), pin)));
        return postQuantum.get().apply(desired, pqKeys, strict, notes::add);
    }

    @Override
    public KeyRotation.KeyLife keyLife() {
        return rotation.map(KeyRotation::life).orElseGet(() -> KeyRotation.KeyLife.unknown(identity.privateKey()
                .publicKey()));
    }

    /**
     * With Kubernetes, nothing is changed until the admission policies are known to be in force (probed once, and
     * again at most every minute while one is missing): without them, RBAC lets this node's credentials rewrite
     * other nodes' keys and statuses, the trusted keys and the writer's Lease.
     */
    private void checkAdmissionPolicies() throws NotReadyException {
        boolean required = settings.kubernetes().map(NodeSettings.KubernetesAccess::requireAdmissionPolicies).orElse(false);
        if (!required || looksOnly || missingPolicies.filter(List::isEmpty).isPresent()) {
            return;
        }
        if (missingPolicies.isEmpty() || System.nanoTime() - policiesProbedNanos > TimeUnit.MINUTES.toNanos(1)) {
            try {
                missingPolicies = Optional.of(AdmissionProbe.missing(kubernetesClient.orElseThrow(),
                        namespace, settings.node()));
                policiesProbedNanos = System.nanoTime();
            } catch (KubernetesClientException e) {
                throw new NotReadyException("cannot check the admission policies: " + e.getMessage()
                        + "; nothing is changed meanwhile", e);
            }
        }
        List<String> missing = missingPolicies.orElseThrow();
        if (!missing.isEmpty()) {
            throw new NotReadyException("the admission policies " + String.join(", ", missing) + " are not in"
                    + " force (Kubernetes 1.30+ and deploy/base/validatingadmissionpolicy.yaml): without them this node's"
                    + " credentials could rewrite other nodes' keys and statuses, the trusted keys and the writer's Lease;"
                    + " nothing is changed (--allow-missing-admission-policies runs without them)");
        }
    }

    @Override
    public List<String> missingAdmissionPolicies() {
        return missingPolicies.orElse(List.of());
    }

    @Override
    public Reconciler.Outcome reconcile(Prepared prepared, Runnable reading) {
        Reconciler.Outcome outcome = reconciler.reconcile(prepared.desired(), reading);
        postQuantum.ifPresent(keys -> keys.observe(outcome.after().device()));
        deviceName = prepared.desired().owned().interfaceName();
        deletions.observe(outcome, Instant.now());
        // a device that could not be read, or is gone (a drift being repaired), takes no precedent away
        outcome.after().device().ifPresent(d -> precedent = Optional.of(devicePrecedent(Optional.of(d))));
        return outcome;
    }

    /** Notes which DaemonSet owns the agent's pod {@code podName}, while it surely exists: asked again at SIGTERM. */
    public void ownedBy(String podName) {
        ownDaemonSet = kubernetesClient.flatMap(c -> DaemonSetRemoval.owner(c, namespace, podName));
    }

    /**
     * At SIGTERM: when the agent's DaemonSet is being removed (uninstall, a prune), leaves the node as gitwire found
     * it, as `enabled: false` does, within the pod's termination period; a restart, an upgrade or a drain (the
     * DaemonSet still there, or no answer) leaves the dataplane to the next agent. What it did, for the log.
     */
    public Optional<String> leaveIfRemoved(String podName) {
        if (kubernetesClient.isEmpty()) {
            return Optional.empty();
        }
        Optional<String> daemonSet = ownDaemonSet.or(() -> DaemonSetRemoval.owner(kubernetesClient.get(), namespace,
                podName));
        if (daemonSet.isEmpty() || DaemonSetRemoval.of(kubernetesClient.get(), namespace, daemonSet.get())
                != DaemonSetRemoval.Verdict.REMOVED) {
            return Optional.empty();
        }
        Optional<DesiredDataplane.Ownership> owned = kernel.ownedBefore();
        if (owned.isEmpty()) {
            return Optional.of("the DaemonSet is being removed; this node had nothing of gitwire's to remove");
        }
        // every agent leaves at once: the peers need no grace to hear the last of this one
        Reconciler leaving = new Reconciler(kernel, Clock.systemUTC(), UNINSTALL_GRACE);
        DesiredDataplane absent = DesiredDataplane.absent(owned.get(), List.of());
        long deadline = System.nanoTime() + UNINSTALL_DEADLINE.toNanos();
        Reconciler.Outcome outcome = leaving.reconcile(absent);
        while (outcome.converged() && outcome.revisitAt().isPresent() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(Math.max(1, Duration.between(Instant.now(), outcome.revisitAt().get())
                        .toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            outcome = leaving.reconcile(absent);
        }
        return Optional.of("the DaemonSet is being removed: " + (outcome.converged() && outcome.revisitAt().isEmpty()
                ? "everything gitwire put in this node's kernel is removed, and the sysctls it changed restored"
                : "not all of gitwire's kernel state could be removed: " + outcome.failure().orElse(
                        outcome.residual().size() + " changes left") + " (docs/operations.md, \"Uninstall\")"));
    }

    @Override
    public long guardDroppedPackets() {
        return kernel.guardDroppedPackets();
    }

    @Override
    public List<String> withoutPostQuantum() {
        return postQuantum.map(PostQuantumKeys::missing).orElse(List.of());
    }

    @Override
    public long deviceDeletions() {
        return deletions.total();
    }

    @Override
    public Optional<String> deviceUnstable() {
        return deletions.unstable(deviceName);
    }

    /** Before the first reconcile: the device as this node left it (the kernel's outlives an agent's restart). */
    private Precedent firstPrecedent(Intent intent) {
        try {
            return devicePrecedent(kernel.device(DesiredState.ownership(intent.mesh())));
        } catch (RuntimeException e) {
            return Precedent.NONE; // the reconcile that follows reports what the kernel said
        }
    }

    private static Precedent devicePrecedent(Optional<DeviceState> device) {
        return device.map(d -> Precedent.of(d.peers().stream().map(PeerState::config).toList())).orElse(Precedent.NONE);
    }

    /** Commits this node's status when it changed; a line saying what happened, when there is a branch. */
    public Optional<String> report(Prepared prepared, Reconciler.Outcome outcome) {
        return statusPublisher.map(publisher -> publisher.publish(status(prepared, outcome), clusterSize(prepared)).line());
    }

    @Override
    public void reportInBackground(Prepared prepared, Reconciler.Outcome outcome, Consumer<StatusPublisher.Outcome> reported) {
        statusPublisher.ifPresent(publisher -> publisher.publishInBackground(status(prepared, outcome),
                clusterSize(prepared), reported));
    }

    private NodeStatus status(Prepared prepared, Reconciler.Outcome outcome) {
        int port = prepared.sourced().intent().listenPort(identity.nodeName());
        return StatusReport.of(identity.nodeName(), keyLife(), outcome.target(), outcome,
                prepared.sourced(), port, settings.trustWarnings(), wireguardBackend(prepared.desired().owned()),
                StatusReport.degradedHere(prepared.nodeSetupMissing(), deviceUnstable(), withoutPostQuantum()),
                postQuantum.map(PostQuantumKeys::publicKey));
    }

    /** How many nodes may report at the same moment: the pace of the status pushes. */
    private static int clusterSize(Prepared prepared) {
        return prepared.sourced().intent().nodes().size();
    }

    /** A line on the node's place in the mesh. */
    public static String summary(Prepared prepared) {
        DesiredDataplane desired = prepared.desired();
        long routes6 = desired.routes().stream().filter(r -> r.destination().family() == IpFamily.IPV6)
                .count();
        return "revision " + prepared.sourced().revision() + "\n" + desired.wireguard().map(wg -> "node: "
                + wg.peers().size() + " peers, " + desired.routes().size() + " routes in table "
                + desired.owned().table() + (routes6 == 0 ? "" : " (" + (desired.routes().size() - routes6) + " IPv4, "
                + routes6 + " IPv6)") + ", mtu " + wg.mtu().mtu() + " (" + wg.mtu().reason() + "), public key "
                + wg.privateKey().publicKey().base64())
                .orElse("node: not in the mesh (disabled or not selected): everything gitwire owns is removed");
    }

    @Override
    public void close() {
        postQuantum.ifPresent(PostQuantumKeys::close);
        writer.ifPresent(ClusterWriter::close);
        follower.ifPresent(IntentNotice::close);
        cluster.ifPresent(KubernetesCluster::close);
        kubernetesClient.ifPresent(KubernetesClient::close);
        kernel.close();
        closeGit();
    }

    private void closeGit() {
        statusPublisher.ifPresent(StatusPublisher::close);
        ownRemotes.forEach(GitRemote::close);
        source.close();
    }
}
