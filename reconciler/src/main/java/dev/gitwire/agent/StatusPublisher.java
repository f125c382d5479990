package dev.gitwire.agent;

import dev.gitwire.status.NodeStatus;
import dev.gitwire.status.StatusCodec;
import dev.gitwire.status.StatusDestination;
import dev.gitwire.status.StatusRejectedException;
import dev.gitwire.status.StatusUnavailableException;
import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Pushes this node's status to the status branch, which has a Git cache of its own: at once for `gitwire
 * apply`, or on a thread of its own for `gitwire run`, so that a paced or slow push (a whole cluster reports
 * at once) never holds up a reconcile: drift repair waits for no status push.
 */
final class StatusPublisher implements AutoCloseable {

    /** What a publish did, and a line that says so. */
    record Outcome(Result result, String line) {}

    enum Result { COMMITTED, UNCHANGED, NOT_WRITTEN }

    private record Pending(NodeStatus status, int clusterSize, Consumer<Outcome> outcome) {}

    private final StatusDestination destination;
    private final AtomicReference<Pending> newest = new AtomicReference<>();
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "gitwire-status");
        t.setDaemon(true);
        return t;
    });

    StatusPublisher(StatusDestination destination) {
        this.destination = destination;
    }

    /** Pushes now; not a status the other nodes would refuse (they read it as hostile input), but says why. */
    Outcome publish(NodeStatus status, int clusterSize) {
        try {
            StatusCodec.read("this node's status", StatusCodec.write(status));
        } catch (StatusRejectedException e) {
            return new Outcome(Result.NOT_WRITTEN, "status: not written, the other nodes would refuse it: " + e.getMessage());
        }
        try {
            StatusDestination.Published published = destination.publish(status, clusterSize);
            return published.committed()
                    ? new Outcome(Result.COMMITTED, "status: committed \"" + published.message() + "\"")
                    : new Outcome(Result.UNCHANGED, "status: unchanged");
        } catch (StatusUnavailableException | IOException e) {
            return new Outcome(Result.NOT_WRITTEN, "status: not written: " + e.getMessage());
        }
    }

    /**
     * Pushes on the publisher's thread, then hands what happened to {@code outcome} there. A status that is
     * still waiting when a newer one comes is dropped: the branch shows where the node is, not each step.
     */
    void publishInBackground(NodeStatus status, int clusterSize, Consumer<Outcome> outcome) {
        newest.set(new Pending(status, clusterSize, outcome));
        thread.execute(() -> {
            Pending pending = newest.getAndSet(null);
            if (pending != null) {
                pending.outcome().accept(publish(pending.status(), pending.clusterSize()));
            }
        });
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
