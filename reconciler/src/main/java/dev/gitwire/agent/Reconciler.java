package dev.gitwire.agent;

import dev.gitwire.dataplane.KernelDataplane;
import dev.gitwire.desired.DesiredDataplane;
import dev.gitwire.plan.ObservedDataplane;
import dev.gitwire.plan.Plan;
import dev.gitwire.plan.Planner;
import java.util.Optional;

/**
 * One reconcile, as the Flink operator splits it: observe, plan the least change, execute it, observe
 * again, and call the node converged only when the second plan is empty.
 */
public final class Reconciler {

    private final KernelDataplane kernel;

    public Reconciler(KernelDataplane kernel) {
        this.kernel = kernel;
    }

    /** The outcome: what was planned, what was left over after it, and the failure that stopped it if any. */
    public record Outcome(Plan executed, Plan residual, Optional<String> failure, ObservedDataplane after) {
        public boolean converged() {
            return failure.isEmpty() && residual.isEmpty();
        }
    }

    public Plan plan(DesiredDataplane desired) {
        return Planner.diff(kernel.observe(desired.owned()), desired);
    }

    public Outcome reconcile(DesiredDataplane desired) {
        Plan plan = plan(desired);
        Optional<String> failure = Optional.empty();
        try {
            kernel.execute(plan, desired.owned());
        } catch (RuntimeException e) {
            failure = Optional.of(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        }
        ObservedDataplane after = kernel.observe(desired.owned());
        return new Outcome(plan, Planner.diff(after, desired), failure, after);
    }
}
