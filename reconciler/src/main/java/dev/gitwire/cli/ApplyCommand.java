package dev.gitwire.cli;

import dev.gitwire.agent.Reconciler;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code gitwire apply}: one reconcile; exit 0 only when the kernel was verified to match. */
@Command(name = "apply", mixinStandardHelpOptions = true,
        description = "Reconcile this node once: change what differs, then verify; exit 0 only when converged.")
final class ApplyCommand implements Callable<Integer> {

    @Mixin
    CommonOptions options;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Optional<NodeRun> prepared = NodeRun.prepare(options, err);
        if (prepared.isEmpty()) {
            err.flush();
            return GitwireCommand.EXIT_FAILURE;
        }
        try (NodeRun run = prepared.get()) {
            out.println(run.summary());
            Reconciler.Outcome outcome = run.reconciler.reconcile(run.desired);
            PlanText.lines(outcome.executed()).forEach(out::println);
            outcome.failure().ifPresent(f -> err.println("gitwire: apply stopped: " + f));
            if (outcome.converged()) {
                out.println("converged: the kernel matches the intent");
                out.flush();
                return GitwireCommand.EXIT_OK;
            }
            err.println("gitwire: not converged; still different:");
            PlanText.lines(outcome.residual()).forEach(err::println);
        }
        out.flush();
        err.flush();
        return GitwireCommand.EXIT_FAILURE;
    }
}
