package dev.gitwire.plan;

import dev.gitwire.desired.DesiredDataplane.Ownership;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.DeviceState;
import dev.gitwire.model.PeerState;
import dev.gitwire.model.Route;
import dev.gitwire.model.RouteType;
import dev.gitwire.net.Cidr;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The {@link Dataplane} port with {@link KernelModel} behind it: a node's kernel without root, into which a
 * test injects what the world does (a handshake, a device that vanishes, a hand-made change) and faults
 * (an observation or an operation that fails).
 */
public final class ModelDataplane implements Dataplane {

    private ObservedDataplane state = ObservedDataplane.empty();
    private RuntimeException observeFault;
    private Predicate<Operation> failing = op -> false;
    private RuntimeException executeFault;

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

    public void heal() {
        observeFault = null;
        failing = op -> false;
    }

    /** What the kernel or a person does, outside gitwire. */
    public void happens(Operation op) {
        state = KernelModel.apply(state, op);
    }

    /** The device reports a handshake with this peer. */
    public void handshake(PublicKey peer, Instant at) {
        DeviceState d = state.device().orElseThrow();
        state = new ObservedDataplane(state.link(), Optional.of(new DeviceState(d.publicKey(), d.listenPort(),
                d.firewallMark(), d.peers().stream().map(p -> p.config().publicKey().equals(peer)
                        ? new PeerState(p.config(), Optional.of(at), p.receivedBytes(), p.sentBytes()) : p).toList())),
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
        if (observeFault != null) {
            throw observeFault;
        }
        return state;
    }

    @Override
    public void execute(Plan plan, Ownership owned) {
        for (Operation op : plan.operations()) {
            if (failing.test(op)) {
                throw executeFault;
            }
            state = KernelModel.apply(state, op);
        }
    }

    @Override
    public Optional<DeviceState> device(Ownership owned) {
        return observe(owned).device();
    }
}
