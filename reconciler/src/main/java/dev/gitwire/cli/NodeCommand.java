package dev.gitwire.cli;

import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command about this node's kernel: an invalid intent ends it with exit 1 before the kernel is touched. */
abstract class NodeCommand implements Callable<Integer> {

    @Mixin
    CommonOptions options;

    @Spec
    CommandSpec spec;

    @Override
    public final Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            Optional<NodeRun> prepared = NodeRun.prepare(options, err);
            if (prepared.isEmpty()) {
                return GitwireCommand.EXIT_FAILURE;
            }
            try (NodeRun run = prepared.get()) {
                return run(run, out, err);
            }
        } finally {
            out.flush();
            err.flush();
        }
    }

    abstract int run(NodeRun run, PrintWriter out, PrintWriter err) throws java.io.IOException;
}
