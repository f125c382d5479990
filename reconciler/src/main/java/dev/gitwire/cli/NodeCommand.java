package dev.gitwire.cli;

import dev.gitwire.agent.Agent;
import dev.gitwire.agent.NodeAgent;
import dev.gitwire.agent.NotReadyException;
import dev.gitwire.source.SourceUnavailableException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** A command about this node's kernel: with no intent to apply, it ends with exit 1 before the kernel is touched. */
abstract class NodeCommand implements Callable<Integer> {

    /** How long a one-shot command waits for the Kubernetes API's first answer. */
    private static final Duration CLUSTER_WAIT = Duration.ofSeconds(30);

    @Mixin
    CommonOptions options;

    @Spec
    CommandSpec spec;

    @Option(names = "--allow-last-good",
            description = "Exit 0 when the newest revision is refused and the last good one is used instead, as"
                    + " the agent does (default: exit 1, so that a script sees the refusal)")
    boolean allowLastGood;

    /** The exit status of a command that otherwise succeeded: 1 when the newest revision was refused. */
    int unlessRefused(Agent.Prepared prepared) {
        return prepared.sourced().refusal().isPresent() && !allowLastGood ? GitwireCommand.EXIT_FAILURE
                : GitwireCommand.EXIT_OK;
    }

    @Override
    public final Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        NodeAgent opened;
        try {
            opened = looksOnly() ? NodeAgent.forPlanning(options.settings()) : NodeAgent.onThisNode(options.settings());
        } catch (IllegalArgumentException e) {
            throw new GitwireCommand.UsageException(e.getMessage()); // flags that do not fit together
        }
        try (NodeAgent agent = opened) {
            Agent.Prepared prepared;
            try {
                agent.read();
                agent.awaitCluster(CLUSTER_WAIT);
                prepared = agent.prepare();
            } catch (SourceUnavailableException e) {
                err.println("gitwire: no intent to apply: " + e.getMessage() + "; nothing was changed");
                return GitwireCommand.EXIT_FAILURE;
            } catch (NotReadyException e) {
                err.println("gitwire: not applied: " + e.getMessage() + "; nothing was changed");
                return GitwireCommand.EXIT_FAILURE;
            }
            prepared.notes().forEach(n -> err.println("gitwire: " + n));
            return run(agent, prepared, out, err);
        } finally {
            out.flush();
            err.flush();
        }
    }

    abstract int run(NodeAgent agent, Agent.Prepared prepared, PrintWriter out, PrintWriter err);

    /** Whether the command only looks: then nothing is written anywhere, not even the key file. */
    boolean looksOnly() {
        return false;
    }
}
