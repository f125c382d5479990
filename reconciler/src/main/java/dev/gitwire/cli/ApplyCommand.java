package dev.gitwire.cli;

import dev.gitwire.agent.NodeAgent;
import dev.gitwire.agent.Reconciler;
import java.io.PrintWriter;
import picocli.CommandLine.Command;

/** {@code gitwire apply}: one reconcile; exit 0 only when the kernel was verified to match. */
@Command(name = "apply", mixinStandardHelpOptions = true,
        description = "Reconcile this node once: change what differs, then verify; exit 0 only when converged.")
final class ApplyCommand extends NodeCommand {

    @Override
    int run(NodeAgent agent, NodeAgent.Prepared prepared, PrintWriter out, PrintWriter err) {
        out.println(NodeAgent.summary(prepared));
        Reconciler.Outcome outcome = agent.reconcile(prepared);
        PlanText.lines(outcome.executed()).forEach(out::println);
        outcome.failure().ifPresent(f -> err.println("gitwire: apply stopped: " + f));
        agent.report(prepared, outcome).ifPresent(out::println);
        if (outcome.converged()) {
            out.println("converged: the kernel matches the intent");
            // the last good intent runs, but the newest one was refused: that is a failure to report
            return prepared.sourced().refusal().isPresent() ? GitwireCommand.EXIT_FAILURE : GitwireCommand.EXIT_OK;
        }
        err.println("gitwire: not converged; still different:");
        PlanText.lines(outcome.residual()).forEach(err::println);
        return GitwireCommand.EXIT_FAILURE;
    }
}
