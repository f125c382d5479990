package dev.gitwire.cli;

import dev.gitwire.agent.Agent;
import dev.gitwire.agent.NodeAgent;
import dev.gitwire.agent.Reconciler;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code gitwire plan}: what one reconcile would change on this node; changes nothing. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
                "0:planned (with --exit-code: and nothing to change)",
                "1:no intent to plan from, the newest revision refused (without --allow-last-good), or the kernel"
                        + " could not be read",
                "2:usage error",
                "3:with --exit-code: changes are pending"},
        description = "Print the changes one reconcile would make on this node; change nothing.")
final class PlanCommand extends NodeCommand {

    @Option(names = "--output", defaultValue = "text", description = "text or json")
    ValidateCommand.Output output;

    @Option(names = "--exit-code", description = "Exit 3 when changes are pending (0 when none; 1 failure, 2 usage), for scripts")
    boolean exitCode;

    /** `--exit-code`: changes are pending. */
    static final int EXIT_CHANGES_PENDING = 3; // not 2, the usage error: a script must tell them apart

    @Override
    boolean looksOnly() {
        return true;
    }

    @Override
    int run(NodeAgent agent, Agent.Prepared prepared, PrintWriter out, PrintWriter err) {
        Reconciler.Preview preview = agent.reconciler().plan(prepared.desired());
        if (output == ValidateCommand.Output.json) {
            out.println(PlanText.json(preview));
        } else {
            out.println(NodeAgent.summary(prepared));
            out.println("wireguard: " + agent.wireguardBackend(prepared.desired().owned()));
            PlanText.gating(preview.target()).forEach(out::println);
            PlanText.print(out, preview.plan(), preview.target());
        }
        int status = unlessRefused(prepared);
        return exitCode && status == GitwireCommand.EXIT_OK && !preview.plan().isEmpty() ? EXIT_CHANGES_PENDING : status;
    }
}
