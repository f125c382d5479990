package dev.gitwire.dataplane;

import dev.gitwire.desired.DesiredDataplane.Ownership;
import dev.gitwire.desired.Underlay;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.BackendChoice;
import dev.gitwire.model.DeviceState;
import dev.gitwire.model.PeerState;
import dev.gitwire.model.Route;
import dev.gitwire.model.RouteType;
import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpAddress;
import dev.gitwire.net.IpFamily;
import dev.gitwire.plan.KernelSimulation;
import dev.gitwire.plan.ObservedDataplane;
import dev.gitwire.plan.Operation;
import dev.gitwire.plan.Plan;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The {@link Dataplane} port with {@link KernelSimulation} behind it: a node's kernel without root, into which a
 * test injects what the world does (a handshake, a device that vanishes, a hand-made change) and faults
 * (an observation or an operation that fails or hangs, a watch that dies). Its watch hears every change
 * made through {@link #happens}. Safe to drive from a test thread while an agent's threads use it.
 */
public final class SimulatedDataplane implements Dataplane {

    private volatile ObservedDataplane state = ObservedDataplane.empty();
    private volatile RuntimeException observeFault;
    private volatile Predicate<Operation> failing = op -> false;
    private volatile RuntimeException executeFault;
    private volatile CountDownLatch hang = new CountDownLatch(0);
    private volatile Duration executeTime = Duration.ZERO;
    private volatile boolean tellsOwnChanges;
    private volatile Consumer<String> heard = what -> { };
    private final LinkedBlockingQueue<Object> notifications = new LinkedBlockingQueue<>();
    private static final Object STOP = new Object();

    private volatile Optional<Ownership> owned = Optional.empty();

    @Override
    public Optional<Ownership> ownedBefore() {
        return owned;
    }

    @Override
    public void remember(Ownership now) {
        owned = Optional.of(now);
    }

    /** The node's underlay: eth0 with an MTU of 1500, in the family of its first address. */
    @Override
    public Underlay underlay(Optional<IpAddress> firstAddress) {
        return new Underlay(Optional.of("eth0"), 1500, firstAddress.map(IpAddress::family).orElse(IpFamily.IPV4));
    }

    /** The model writes every sysctl, as a privileged agent does. */
    @Override
    public List<String> unsettable(Map<String, String> wanted) {
        return List.of();
    }

    @Override
    public BackendChoice backend(String interfaceName) {
        return new BackendChoice(BackendChoice.USERSPACE, "a simulated kernel");
    }

    /** The model counts no packets. */
    @Override
    public long guardDroppedPackets() {
        return 0;
    }

    @Override
    public void close() {
        // no socket, no thread: the watches stop through their own stop()
    }

    public ObservedDataplane state() {
        return state;
    }

    /** The next observations fail with {@code fault}, until {@link #heal()}. */
    public void failObserving(RuntimeException fault) {
        this.observeFault = fault;
    }

    /** Operations matching {@code which} fail with {@code fault}, until {@link #heal()}. */
    public void failExecuting(Predicate<Operation> which, RuntimeException fault) {
        this.failing = which;
        this.executeFault = fault;
    }

    /** The watch hears gitwire's own changes too, as the kernel tells them: before the change's call returns. */
    public void tellOwnChanges() {
        tellsOwnChanges = true;
    }

    /** Executions take {@code time} more: a kernel busy with a large change. */
    public void slowExecuting(Duration time) {
        this.executeTime = time;
    }

    /** The next observations and executions block until {@link #heal()}: a kernel call that never returns. */
    public void hang() {
        hang = new CountDownLatch(1);
    }

    public void heal() {
        observeFault = null;
        failing = op -> false;
        hang.countDown();
    }

    /** The watch thread dies of {@code error}, as a bug would kill it. */
    public void killWatch(Error error) {
        notifications.offer(error);
    }

    /** What the kernel or a person does, outside gitwire; the watch hears of it. */
    public synchronized void happens(Operation op) {
        state = KernelSimulation.apply(state, op);
        notifications.offer(op.toString());
    }

    /** The device reports a handshake with this peer. */
    public void handshake(PublicKey peer, Instant at) {
        peer(peer, p -> new PeerState(p.config(), Optional.of(at), p.receivedBytes(), p.sentBytes()));
    }

    /** The device's byte counters for this peer, as traffic moved them. */
    public void traffic(PublicKey peer, long received, long sent) {
        peer(peer, p -> new PeerState(p.config(), p.latestHandshake(), received, sent));
    }

    private synchronized void peer(PublicKey peer, UnaryOperator<PeerState> change) {
        DeviceState d = state.device().orElseThrow();
        state = new ObservedDataplane(state.link(), Optional.of(new DeviceState(d.publicKey(), d.listenPort(),
                d.firewallMark(), d.peers().stream().map(p -> p.config().publicKey().equals(peer) ? change.apply(p) : p)
                        .toList())),
                state.linkAnchored(), state.routes(), state.rules(), state.guard(), state.nftTables(), state.sysctls(),
                state.rememberedSysctls());
    }

    /** Where an unmarked packet to {@code d} goes: the rule into T, T's longest match, then the guard. */
    public enum Path { TUNNEL, REFUSED, DROPPED, PLAINTEXT }

    public static Path path(ObservedDataplane state, Ownership owned, Cidr d) {
        boolean ruled = state.rules().stream().anyMatch(r -> r.family() == d.family() && r.table() == owned.table()
                && r.invert() && (r.fwmark() & owned.firewallMark()) != 0);
        if (ruled) {
            Optional<Route> match = state.routes().stream()
                    .filter(r -> r.destination().overlaps(d) && r.destination().prefixLength() <= d.prefixLength())
                    .max(Comparator.comparingInt(r -> r.destination().prefixLength()));
            if (match.isPresent() && match.get().device().isPresent()
                    && state.link().filter(l -> l.name().equals(match.get().device().get())).isPresent()) {
                return Path.TUNNEL;
            }
            if (match.isPresent() && match.get().type() == RouteType.PROHIBIT) {
                return Path.REFUSED;
            }
        }
        boolean guarded = state.guard().filter(g -> g.firewallMark() != 0).map(g -> g.destinations().stream()
                .anyMatch(c -> c.overlaps(d) && c.prefixLength() <= d.prefixLength())).orElse(false);
        return guarded ? Path.DROPPED : Path.PLAINTEXT;
    }

    @Override
    public ObservedDataplane observe(Ownership owned) {
        awaitHealed();
        RuntimeException fault = observeFault;
        if (fault != null) {
            throw fault;
        }
        return state;
    }

    private void awaitHealed() {
        try {
            hang.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted in a hanging kernel call", e);
        }
    }

    @Override
    public void execute(Plan plan, Ownership owned) {
        awaitHealed();
        for (long until = System.nanoTime() + executeTime.toNanos(); System.nanoTime() < until; ) {
            LockSupport.parkNanos(until - System.nanoTime());
        }
        executeNow(plan);
    }

    private synchronized void executeNow(Plan plan) {
        for (Operation op : plan.operations()) {
            if (failing.test(op)) {
                throw executeFault;
            }
            state = KernelSimulation.apply(state, op);
            if (tellsOwnChanges) {
                heard.accept(op.toString());
            }
        }
    }

    @Override
    public Optional<DeviceState> device(Ownership owned) {
        return observe(owned).device();
    }

    @Override
    public List<Watch> watch(Supplier<Ownership> owned, Consumer<String> onChange) {
        heard = onChange;
        return List.of(new Watch() {
            @Override
            public void run() {
                while (true) {
                    Object next;
                    try {
                        next = notifications.take();
                    } catch (InterruptedException e) {
                        return;
                    }
                    if (next == STOP) {
                        return;
                    }
                    if (next instanceof Error error) {
                        throw error;
                    }
                    onChange.accept((String) next);
                }
            }

            @Override
            public String name() {
                return "model-watch";
            }

            @Override
            public void stop() {
                notifications.offer(STOP);
            }
        });
    }
}
