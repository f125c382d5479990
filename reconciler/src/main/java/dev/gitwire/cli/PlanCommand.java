package dev.gitwire.cli;

import dev.gitwire.plan.Plan;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gitwire plan}: what one reconcile would change on this node; changes nothing. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Print the changes one reconcile would make on this node; change nothing.")
final class PlanCommand implements Callable<Integer> {

    @Mixin
    CommonOptions options;

    @Option(names = "--output", defaultValue = "text", description = "text or json")
    ValidateCommand.Output output;

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
            Plan plan = run.reconciler.plan(run.desired);
            if (output == ValidateCommand.Output.json) {
                out.println(PlanText.json(plan));
            } else {
                out.println(run.summary());
                PlanText.lines(plan).forEach(out::println);
            }
        }
        out.flush();
        err.flush();
        return GitwireCommand.EXIT_OK;
    }
}
