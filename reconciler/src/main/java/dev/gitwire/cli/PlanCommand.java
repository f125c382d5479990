package dev.gitwire.cli;

import dev.gitwire.agent.NodeAgent;
import dev.gitwire.plan.Plan;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code gitwire plan}: what one reconcile would change on this node; changes nothing. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Print the changes one reconcile would make on this node; change nothing.")
final class PlanCommand extends NodeCommand {

    @Option(names = "--output", defaultValue = "text", description = "text or json")
    ValidateCommand.Output output;

    @Override
    int run(NodeAgent agent, NodeAgent.Prepared prepared, PrintWriter out, PrintWriter err) {
        Plan plan = agent.reconciler().plan(prepared.desired());
        if (output == ValidateCommand.Output.json) {
            out.println(PlanText.json(plan));
        } else {
            out.println(NodeAgent.summary(prepared));
            PlanText.lines(plan).forEach(out::println);
        }
        return GitwireCommand.EXIT_OK;
    }
}
