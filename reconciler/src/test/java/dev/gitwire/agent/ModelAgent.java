package dev.gitwire.agent;

import dev.gitwire.model.BackendChoice;
import dev.gitwire.desired.DesiredDataplane;
import dev.gitwire.desired.DesiredDataplane.Ownership;
import dev.gitwire.desired.DesiredState;
import dev.gitwire.desired.NodeIdentity;
import dev.gitwire.desired.RefusedClaim;
import dev.gitwire.desired.Underlay;
import dev.gitwire.intent.Intent;
import dev.gitwire.intent.IntentReader;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.model.LiveCluster;
import dev.gitwire.net.IpFamily;
import dev.gitwire.plan.Dataplane;
import dev.gitwire.plan.ModelDataplane;
import dev.gitwire.source.DirectoryTree;
import dev.gitwire.source.IntentSource;
import dev.gitwire.source.Revision;
import dev.gitwire.source.SourceUnavailableException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The agent's core without root: the intent read from a real directory, the real desired state and
 * reconciler, and {@link ModelDataplane} as the kernel. Faults of the world are injected here: Git that
 * fails or never answers, a Kubernetes API not synced yet.
 */
final class ModelAgent implements Agent {

    final ModelDataplane kernel = new ModelDataplane();
    private final Path repo;
    private final NodeIdentity identity;
    private final Reconciler reconciler;
    private volatile IOException readFault;
    private volatile CountDownLatch readHang = new CountDownLatch(0);
    private volatile Optional<Boolean> synced = Optional.empty();
    private volatile Runnable onClusterChange = () -> { };
    private volatile Optional<Intent> lastRead = Optional.empty();
    private final java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
    private volatile Runnable announced = () -> { };

    ModelAgent(Path repo, String node, PrivateKey key, Clock clock) {
        this.repo = repo;
        this.identity = new NodeIdentity(node, key);
        this.reconciler = new Reconciler(kernel, clock, Duration.ZERO);
    }

    /** Reads of Git fail with {@code fault} until {@link #gitHealed()}. */
    void gitFails(IOException fault) {
        readFault = fault;
    }

    /** Reads of Git block until {@link #gitHealed()}: a server that accepts and never answers. */
    void gitHangs() {
        readHang = new CountDownLatch(1);
    }

    void gitHealed() {
        readFault = null;
        readHang.countDown();
    }

    /** The Kubernetes API's first list has ({@code true}) or has not arrived; empty: standalone. */
    void clusterSynced(boolean now) {
        synced = Optional.of(now);
        onClusterChange.run();
    }

    @Override
    public NodeIdentity identity() {
        return identity;
    }

    /** How many times Git was read (or a read was tried). */
    int reads() {
        return reads.get();
    }

    @Override
    public boolean read() throws IOException {
        reads.incrementAndGet();
        try {
            readHang.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading Git", e);
        }
        IOException fault = readFault;
        if (fault != null) {
            throw fault;
        }
        lastRead = new IntentReader().read(new DirectoryTree(repo)).intent();
        return true;
    }

    @Override
    public Prepared prepare() throws SourceUnavailableException {
        Intent intent = lastRead.orElseThrow(() -> new SourceUnavailableException("no intent read yet", null));
        if (synced.filter(s -> !s).isPresent()) {
            throw new SourceUnavailableException("waiting for the Kubernetes API; nothing is changed meanwhile", null);
        }
        DesiredDataplane desired = DesiredState.compute(intent, LiveCluster.fromInventory(intent), identity,
                new Underlay(Optional.of("eth0"), 1500, IpFamily.IPV4), List.of());
        Revision revision = new Revision("dir", "sha256", "0".repeat(64));
        return new Prepared(new IntentSource.Sourced(intent, revision, Optional.empty(), List.of()), desired, List.of(), List.of());
    }

    @Override
    public Reconciler.Outcome reconcile(Prepared prepared) {
        return reconciler.reconcile(prepared.desired());
    }

    @Override
    public boolean handshakeArrived(DesiredDataplane target) {
        return reconciler.handshakeArrived(target);
    }

    @Override
    public Optional<Boolean> clusterSynced() {
        return synced;
    }

    @Override
    public void onClusterChange(Runnable callback) {
        onClusterChange = callback;
    }

    @Override
    public Optional<Boolean> writerLeads() {
        return Optional.empty(); // no Kubernetes API in the model: no election
    }

    @Override
    public void joinWriterElection(Runnable onAnnounced, java.util.function.BiConsumer<String, String> log,
            java.util.function.BiConsumer<String, String> warn) {
        // the model has no Kubernetes API: no election, as a standalone agent; a test may announce
        announced = onAnnounced;
    }

    /** What a writer's announcement of a new intent revision does, as the agent loop asked for it. */
    void announce() {
        announced.run();
    }

    @Override
    public void reportInBackground(Prepared prepared, Reconciler.Outcome outcome,
            Consumer<StatusPublisher.Outcome> reported) {
        // no status branch: as an agent run without --status-branch
    }

    @Override
    public BackendChoice wireguardBackend(Ownership owned) {
        return new BackendChoice(BackendChoice.USERSPACE, "a model of the kernel");
    }

    @Override
    public void claimsRefused(List<RefusedClaim> added) {
        // no Kubernetes API to record events in
    }

    @Override
    public long deviceDeletions() {
        return 0;
    }

    @Override
    public long guardDroppedPackets() {
        return 0;
    }

    @Override
    public Optional<String> deviceUnstable() {
        return Optional.empty();
    }

    @Override
    public List<String> missingAdmissionPolicies() {
        return List.of(); // no Kubernetes API: nothing to narrow
    }

    @Override
    public void keysRefused(List<String> nodes) {
        // no Kubernetes API to record events in
    }

    @Override
    public List<Dataplane.Watch> watchKernel(Supplier<Ownership> owned, Consumer<String> onChange) {
        return kernel.watch(owned, onChange);
    }
}
