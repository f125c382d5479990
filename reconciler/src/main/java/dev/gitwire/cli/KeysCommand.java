package dev.gitwire.cli;

import dev.gitwire.keys.PrivateKey;
import dev.gitwire.statedir.KeyFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gitwire keys}: the node's WireGuard keys, for what needs a commit (a pinned key's rotation). */
@Command(name = "keys", mixinStandardHelpOptions = true, subcommands = KeysCommand.Next.class,
        description = "This node's WireGuard keys; see `gitwire keys next`.")
final class KeysCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * {@code gitwire keys next}: makes the node's next key beside its key (0600, never printed) and prints the pin
     * change for a pull request. The agent switches to it when the commit lands; both keys are trusted meanwhile.
     */
    @Command(name = "next", mixinStandardHelpOptions = true,
            exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
                    "0:the next key exists; its pin change is printed",
                    "1:the node has no key yet, or the state directory cannot be written",
                    "2:usage error"},
            description = "Make the next WireGuard key of a node whose key is pinned (in --state-dir, mode 0600; the"
                    + " one made before, if any) and print the nextPublicKey to commit in nodes/<node>.yaml. The agent"
                    + " switches to it when that commit lands, with no packet lost; a later commit moves it to publicKey.")
    static final class Next implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--node", required = true, description = "The node's name (env GITWIRE_NODE)")
        String node;

        @Option(names = "--state-dir", defaultValue = "/var/lib/gitwire",
                description = "The node's state directory, where its private key lives (default /var/lib/gitwire)")
        Path stateDir;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try {
                Optional<PrivateKey> current = KeyFile.load(stateDir);
                if (current.isEmpty()) {
                    err.println("gitwire: no key in " + stateDir + " yet: the agent makes one when it first starts;"
                            + " pin that one first");
                    return GitwireCommand.EXIT_FAILURE;
                }
                PrivateKey next = KeyFile.loadOrCreateNext(stateDir);
                out.println("# nodes/" + node + ".yaml, in a pull request: the node switches to the next key when it"
                        + " lands;");
                out.println("# then a second commit sets publicKey to it and removes nextPublicKey.");
                out.println("spec:");
                out.println("  wireguard:");
                out.println("    publicKey: " + current.get().publicKey().base64());
                out.println("    nextPublicKey: " + next.publicKey().base64());
                return GitwireCommand.EXIT_OK;
            } catch (IOException e) {
                err.println("gitwire: " + e.getMessage());
                return GitwireCommand.EXIT_FAILURE;
            } finally {
                out.flush();
                err.flush();
            }
        }
    }
}
