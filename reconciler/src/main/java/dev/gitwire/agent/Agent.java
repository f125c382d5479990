package dev.gitwire.agent;

import dev.gitwire.dataplane.Dataplane;
import dev.gitwire.desired.DesiredDataplane;
import dev.gitwire.desired.DesiredDataplane.Ownership;
import dev.gitwire.desired.NodeIdentity;
import dev.gitwire.desired.RefusedClaim;
import dev.gitwire.model.BackendChoice;
import dev.gitwire.plan.Plan;
import dev.gitwire.source.IntentSource;
import dev.gitwire.source.SourceUnavailableException;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What {@link AgentLoop} drives: one node's reads of the intent, reconciles, reports and kernel watches.
 * The loop owns the when (threads, triggers, retries, health); an agent owns the what. {@link NodeAgent} is
 * the real one; tests drive the loop with the core behind a simulated kernel.
 */
public interface Agent {

    /**
     * A reconcile's inputs: the intent as sourced, the desired dataplane, notes for the operator, and the kernel
     * parameters the intent needs that this node cannot set ({@code name=value}; host encryption is then off here).
     */
    record Prepared(IntentSource.Sourced sourced, DesiredDataplane desired, List<String> notes, List<String> unsettable) {
        public Prepared {
            notes = List.copyOf(notes);
            unsettable = List.copyOf(unsettable);
        }

        /** What the operator reads when {@link #unsettable} is not empty: what is missing, and what sets it. */
        public Optional<String> nodeSetupMissing() {
            return unsettable.isEmpty() ? Optional.empty() : Optional.of("host encryption is off on this node: it needs "
                    + String.join(", ", unsettable) + ", and /proc/sys is read-only to the agent (an unprivileged"
                    + " container); the DaemonSet's node-setup init container sets it (chart value nodeSetup.enabled),"
                    + " or set it on the node (sysctl -w " + String.join(" ", unsettable) + ")");
        }
    }

    NodeIdentity identity();

    /** This node's key: its age, the rotation interval in force, when it is due. */
    KeyRotation.KeyLife keyLife();

    /**
     * Reads the intent; throws when there is none at all (none now, none remembered). May block on Git. Whether
     * Git was asked: not when the cluster's writer announced the revision this node holds.
     */
    boolean read() throws IOException, SourceUnavailableException;

    /** The desired state from the intent read last and the live cluster now; throws while either is missing. */
    Prepared prepare() throws NotReadyException;

    default Reconciler.Outcome reconcile(Prepared prepared) {
        return reconcile(prepared, () -> { });
    }

    /** A reconcile that tells {@code reading} just before each read of the kernel it rests on ({@link Reconciler}). */
    Reconciler.Outcome reconcile(Prepared prepared, Runnable reading);

    /**
     * The post-quantum pre-shared keys agreed since {@code target} was made, put on the device at once and nothing
     * else; what was done. Nothing without postQuantum.
     */
    Plan installPresharedKeys(DesiredDataplane target);

    /** Whether a peer of {@code target} that awaited its first handshake has one now. */
    boolean handshakeArrived(DesiredDataplane target);

    /** Whether the live cluster's first list has arrived; empty when there is no Kubernetes API. */
    Optional<Boolean> clusterSynced();

    /** Whether this agent is the cluster's elected Git writer now; empty where there is no election. */
    Optional<Boolean> writerLeads();

    /** Called on every change of the live cluster, and on every post-quantum key agreed, with which it was. */
    void onChange(Consumer<Trigger.Signal> callback);

    /**
     * With Kubernetes and a status branch, joins the election of the cluster's one Git writer (`gitwire run`
     * only: a one-shot apply leaves it to the agents); {@code onAnnounced} runs when the writer announces a new
     * intent revision, {@code log} and {@code warn} take the writer's events. Elsewhere, nothing.
     */
    void joinWriterElection(Runnable onAnnounced, BiConsumer<String, String> log,
            BiConsumer<String, String> warn);

    /** Publishes this node's status on a thread of the publisher's; {@code reported} hears what happened. */
    void reportInBackground(Prepared prepared, Reconciler.Outcome outcome, Consumer<StatusPublisher.Outcome> reported);

    /** Which WireGuard link {@code owned} names is or would be, kernel or userspace, and why. */
    BackendChoice wireguardBackend(Ownership owned);

    /** Says, where the cluster's operators look (Kubernetes Events), that these claims are newly refused. */
    void claimsRefused(List<RefusedClaim> added);

    /** The admission policies found missing by the last probe: with them absent the agent changes nothing. */
    List<String> missingAdmissionPolicies();

    /** Packets the guard dropped (rather than let them leave unencrypted) since the agent started. */
    long guardDroppedPackets();

    /** How many times something other than gitwire deleted the WireGuard device since the agent started. */
    long deviceDeletions();

    /** With post-quantum pre-shared keys: the peers' nodes whose ML-KEM key is not known, sorted; else none. */
    List<String> withoutPostQuantum();

    /** Why the device is unstable (deleted again and again by another program), while it is. */
    Optional<String> deviceUnstable();

    /** Says, where the cluster's operators look, that these nodes newly publish a key another node holds. */
    void keysRefused(List<String> nodes);

    /** Says, where the cluster's operators look, that these peers newly stay silent although repaired. */
    void peersUnreachable(List<String> nodes);

    /** The kernel's change notifications for what gitwire owns; the loop runs each watch on its own thread. */
    List<Dataplane.Watch> watchKernel(Supplier<Ownership> owned, Consumer<String> onChange);
}
