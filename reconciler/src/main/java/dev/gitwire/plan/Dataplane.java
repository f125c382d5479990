package dev.gitwire.plan;

import dev.gitwire.desired.DesiredDataplane.Ownership;
import dev.gitwire.model.DeviceState;
import java.util.Optional;

/**
 * The port through which a reconcile sees and changes a node's kernel: everything gitwire owns, observed;
 * a plan, executed in order; and, cheaply, the WireGuard device alone. The kernel adapter is
 * {@code KernelDataplane}; tests drive the reconciler with a model of the kernel behind it.
 */
public interface Dataplane {

    /** What the kernel has of what gitwire owns. */
    ObservedDataplane observe(Ownership owned);

    /** Runs the plan in order; the first failure stops it and is thrown. */
    void execute(Plan plan, Ownership owned);

    /** Only the WireGuard device of link W: a cheap look for new handshakes. */
    Optional<DeviceState> device(Ownership owned);
}
