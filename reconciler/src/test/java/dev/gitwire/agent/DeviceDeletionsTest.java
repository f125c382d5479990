package dev.gitwire.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.desired.DesiredDataplane;
import dev.gitwire.model.Link;
import dev.gitwire.plan.ObservedDataplane;
import dev.gitwire.plan.Operation;
import dev.gitwire.plan.Plan;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which recreations of the device count as someone else's deletion (gitwire_device_deletions_total). */
class DeviceDeletionsTest {

    private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");
    private final DeviceDeletions deletions = new DeviceDeletions();

    @Test
    void aDeviceRecreatedAfterItsDeletionCountsOnce() {
        deletions.observe(outcome(List.of(new Operation.CreateDevice("wg0", 1420)), Optional.empty(), true), NOW);
        assertThat(deletions.total()).as("the first creation is gitwire's own").isZero();

        deletions.observe(outcome(List.of(new Operation.CreateDevice("wg0", 1420)), Optional.empty(), true), NOW);
        assertThat(deletions.total()).isEqualTo(1);
    }

    /** The CI flake of AgentRunIT: the device vanished between observing and applying, then the next reconcile made it. */
    @Test
    void aDeviceDeletedWhileAReconcileRanCountsOnceAcrossTheFailedReconcileAndTheRepair() {
        deletions.observe(outcome(List.of(new Operation.CreateDevice("wg0", 1420)), Optional.empty(), true), NOW);

        deletions.observe(outcome(List.of(), Optional.of("link wg0: No such device (errno 19)"), false), NOW);
        deletions.observe(outcome(List.of(new Operation.CreateDevice("wg0", 1420)), Optional.empty(), true), NOW);

        assertThat(deletions.total()).isEqualTo(1);
    }

    @Test
    void aKernelThatCouldNotBeReadDeletesNothing() {
        deletions.observe(outcome(List.of(new Operation.CreateDevice("wg0", 1420)), Optional.empty(), true), NOW);

        deletions.observe(outcome(List.of(), Optional.of("cannot observe the kernel: timed out"), false), NOW);
        assertThat(deletions.total()).isZero();
        deletions.observe(outcome(List.of(new Operation.CreateDevice("wg0", 1420)), Optional.empty(), true), NOW);
        assertThat(deletions.total()).as("the device known before the failed read").isEqualTo(1);
    }

    @Test
    void gitwireDeletingOrReplacingItsOwnDeviceIsNoDeletion() {
        deletions.observe(outcome(List.of(new Operation.CreateDevice("wg0", 1420)), Optional.empty(), true), NOW);

        deletions.observe(outcome(List.of(new Operation.DeleteDevice("wg0"), new Operation.CreateDevice("wg0", 1420)),
                Optional.empty(), true), NOW);
        deletions.observe(outcome(List.of(new Operation.DeleteDevice("wg0")), Optional.empty(), false), NOW);

        assertThat(deletions.total()).isZero();
    }

    @Test
    void threeDeletionsWithinTheWindowMakeTheDeviceUnstable() {
        deletions.observe(outcome(List.of(new Operation.CreateDevice("wg0", 1420)), Optional.empty(), true), NOW);
        for (int i = 1; i <= DeviceDeletions.UNSTABLE_AFTER; i++) {
            assertThat(deletions.unstable("wg0")).isEmpty();
            deletions.observe(outcome(List.of(new Operation.CreateDevice("wg0", 1420)), Optional.empty(), true),
                    NOW.plusSeconds(i));
        }
        assertThat(deletions.unstable("wg0")).hasValueSatisfying(why -> assertThat(why).contains("deleted 3 times"));
        deletions.observe(outcome(List.of(), Optional.empty(), true), NOW.plus(DeviceDeletions.WINDOW).plusSeconds(2));
        assertThat(deletions.unstable("wg0")).isEmpty();
    }

    private static Reconciler.Outcome outcome(List<Operation> executed, Optional<String> failure, boolean linkAfter) {
        ObservedDataplane empty = ObservedDataplane.empty();
        ObservedDataplane after = new ObservedDataplane(
                linkAfter ? Optional.of(new Link(7, "wg0", Optional.of("wireguard"), 1420, true)) : Optional.empty(),
                empty.device(), false, empty.routes(), empty.rules(), empty.guard(), empty.nftTables(), empty.sysctls(),
                empty.rememberedSysctls());
        return new Reconciler.Outcome(DesiredDataplane.absent(new DesiredDataplane.Ownership("wg0", 51820, 5200, 0x2000), List.of()), new Plan(executed), new Plan(List.of()), failure,
                after, Optional.empty(), List.of(), Map.of(), Map.of());
    }
}
