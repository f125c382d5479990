package dev.gitwire.agent;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaderElectionRecord;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.function.Consumer;

/**
 * The writer's Lease, read as hostile input: a renewal dated further ahead than clocks can disagree counts as
 * expired. Any node's ServiceAccount may patch the Lease; with a renewTime ten years ahead, fabric8's elector
 * (which expires a Lease by its own clock from that renewTime) let no node lead again, and no status reached Git.
 */
final class SaneLeaseLock extends LeaseLock {

    /** How far ahead of this node's clock a legitimate renewal can be: NTP-synchronised nodes, with margin. */
    static final Duration MAX_CLOCK_SKEW = Duration.ofSeconds(30);

    private final Clock clock;
    private final Consumer<String> warn;

    SaneLeaseLock(String namespace, String name, String identity, Clock clock, Consumer<String> warn) {
        super(namespace, name, identity);
        this.clock = clock;
        this.warn = warn;
    }

    @Override
    protected LeaderElectionRecord toRecord(Lease lease) {
        LeaderElectionRecord record = super.toRecord(lease);
        ZonedDateTime now = ZonedDateTime.now(clock);
        if (record != null && record.getRenewTime() != null && record.getRenewTime().isAfter(now.plus(MAX_CLOCK_SKEW))) {
            warn.accept("the Lease " + lease.getMetadata().getName() + " of " + record.getHolderIdentity()
                    + " is renewed until " + record.getRenewTime() + ", ahead of this node's clock " + now
                    + ": taken as expired");
            Duration held = record.getLeaseDuration() == null ? ClusterWriter.LEASE_DURATION : record.getLeaseDuration();
            return record.toBuilder().renewTime(now.minus(held).minusSeconds(1)).build();
        }
        return record;
    }
}
