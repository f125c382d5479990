package dev.gitwire.dataplane;

import dev.gitwire.desired.DesiredDataplane.Ownership;
import dev.gitwire.desired.Underlay;
import dev.gitwire.model.BackendChoice;
import dev.gitwire.model.DeviceState;
import dev.gitwire.net.IpAddress;
import dev.gitwire.plan.ObservedDataplane;
import dev.gitwire.plan.Plan;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The port through which a reconcile sees and changes a node's kernel: everything gitwire owns, observed;
 * a plan, executed in order; cheaply, the WireGuard device alone; and the changes others make to it. The kernel adapter is
 * {@code KernelDataplane}; tests drive the reconciler with a simulated kernel behind it.
 */
public interface Dataplane extends AutoCloseable {

    /** What the kernel has of what gitwire owns. */
    ObservedDataplane observe(Ownership owned);

    /** Runs the plan in order; the first failure stops it and is thrown. */
    void execute(Plan plan, Ownership owned);

    /**
     * The device name, table, rule priority and mark this node last converged with (remembered across restarts),
     * so that a change of them in the intent retires the old device, rule and routes; empty before the first.
     */
    Optional<Ownership> ownedBefore();

    /** Remembers what a converged reconcile owned. */
    void remember(Ownership owned);

    /** Only the WireGuard device of link W: a cheap look for new handshakes. */
    Optional<DeviceState> device(Ownership owned);

    /**
     * Watches for changes to what gitwire owns ({@code owned} is asked at each change, as it follows the
     * intent); each watch calls {@code onChange} with what changed. The caller runs each on a thread of its own.
     */
    List<Watch> watch(Supplier<Ownership> owned, Consumer<String> onChange);

    /** The interface holding the node's first address, for the MTU. */
    Underlay underlay(Optional<IpAddress> firstAddress);

    /**
     * The parameters of {@code wanted} that differ here and that this process cannot write: /proc/sys is read-only
     * in an unprivileged container, and the DaemonSet's node-setup init container sets them instead.
     */
    List<String> unsettable(Map<String, String> wanted);

    /** Which WireGuard link {@code interfaceName} is or would be, and why. */
    BackendChoice backend(String interfaceName);

    /** Packets the guard has dropped since the agent started, across its table's reinstalls. */
    long guardDroppedPackets();

    /** Releases the sockets and threads held; the kernel's state stays. */
    @Override
    void close();

    /** One source of change notifications: runs until stopped. */
    interface Watch extends Runnable {
        /** What the thread running it is called. */
        String name();

        void stop();
    }
}
