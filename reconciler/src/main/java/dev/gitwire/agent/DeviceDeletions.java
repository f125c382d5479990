package dev.gitwire.agent;

import dev.gitwire.plan.Operation;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * Tells a device that something else keeps deleting from one that was deleted once: the agent recreates it either
 * way, but three deletions within ten minutes are another program's doing (Calico's Felix, with its WireGuard off,
 * deletes a link named wireguard.cali at start and whenever it comes up), and recreating it forever would hide
 * the gaps in which the guard drops traffic.
 */
final class DeviceDeletions {

    static final int UNSTABLE_AFTER = 3;
    static final Duration WINDOW = Duration.ofMinutes(10);

    private final Deque<Instant> recent = new ArrayDeque<>();
    private boolean present;
    private long total;

    /**
     * Takes a reconcile's outcome: where this agent had a device and did not delete it, a device created or gone
     * afterwards means someone deleted it (gone: deleted while the reconcile ran, recreated by the next one).
     */
    synchronized boolean observe(Reconciler.Outcome outcome, Instant now) {
        List<Operation> executed = outcome.executed().operations();
        if (executed.isEmpty() && outcome.failure().isPresent()) {
            return false; // the kernel could not be read: what it holds is unknown, not gone
        }
        boolean ownDeletion = executed.stream().anyMatch(op -> op instanceof Operation.DeleteDevice);
        boolean created = executed.stream().anyMatch(op -> op instanceof Operation.CreateDevice);
        boolean deleted = present && !ownDeletion && (created || outcome.after().link().isEmpty());
        if (deleted) {
            total++;
            recent.addLast(now);
        }
        while (!recent.isEmpty() && recent.peekFirst().isBefore(now.minus(WINDOW))) {
            recent.removeFirst();
        }
        present = outcome.after().link().isPresent();
        return deleted;
    }

    synchronized long total() {
        return total;
    }

    /** Why the device is unstable, while it is: for the status, the log and the operator. */
    synchronized Optional<String> unstable(String interfaceName) {
        if (recent.size() < UNSTABLE_AFTER) {
            return Optional.empty();
        }
        return Optional.of("the WireGuard device " + interfaceName + " was deleted " + recent.size() + " times in the last "
                + WINDOW.toMinutes() + " minutes by something other than gitwire, and recreated each time (traffic to"
                + " peers is dropped in each gap): another program owns that name (Calico's Felix deletes"
                + " wireguard.cali while its WireGuard is off); set spec.wireguard.interfaceName to a name of gitwire's own");
    }
}
