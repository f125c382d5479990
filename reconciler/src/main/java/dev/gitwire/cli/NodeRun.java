package dev.gitwire.cli;

import dev.gitwire.agent.Reconciler;
import dev.gitwire.cluster.LiveCluster;
import dev.gitwire.dataplane.KernelDataplane;
import dev.gitwire.dataplane.netlink.NetworkNamespace;
import dev.gitwire.dataplane.wireguard.UapiBackend;
import dev.gitwire.dataplane.wireguard.WireguardGoLauncher;
import dev.gitwire.desired.DesiredDataplane;
import dev.gitwire.desired.DesiredState;
import dev.gitwire.desired.NodeIdentity;
import dev.gitwire.intent.Intent;
import dev.gitwire.intent.IntentReader;
import dev.gitwire.intent.Problem;
import dev.gitwire.keys.KeyFile;
import dev.gitwire.net.IpAddress;
import dev.gitwire.source.DirectoryTree;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** What `plan` and `apply` share: read the intent, know this node, compute what it must have. */
final class NodeRun implements AutoCloseable {

    final Intent intent;
    final DesiredDataplane desired;
    final Reconciler reconciler;
    private final KernelDataplane kernel;

    private NodeRun(Intent intent, DesiredDataplane desired, KernelDataplane kernel) {
        this.intent = intent;
        this.desired = desired;
        this.kernel = kernel;
        this.reconciler = new Reconciler(kernel);
    }

    /** Empty, with the problems printed, when the intent is not valid: the kernel is then never touched. */
    static Optional<NodeRun> prepare(CommonOptions options, PrintWriter err) throws IOException {
        if (!options.noKubernetes) {
            throw new GitwireCommand.UsageException("the Kubernetes source is not built yet: run with --no-kubernetes");
        }
        Path repo = Path.of(options.repo);
        if (!Files.isDirectory(repo)) {
            throw new GitwireCommand.UsageException(options.repo + " is not a directory (Git URLs come with the Git source)");
        }
        IntentReader.Result read = new IntentReader().read(new DirectoryTree(repo));
        if (!read.valid()) {
            err.println("gitwire: the intent is not valid; nothing was changed");
            read.problems().forEach(p -> err.println(p.format()));
            return Optional.empty();
        }
        read.problems().stream().filter(p -> !p.isError()).map(Problem::format).forEach(err::println);
        Intent intent = read.intent().orElseThrow();
        NodeIdentity identity = new NodeIdentity(options.node, KeyFile.loadOrCreate(options.stateDir));
        KernelDataplane kernel = new KernelDataplane(NetworkNamespace.current(), options.choice(),
                new WireguardGoLauncher(List.of(), options.wireguardGo, UapiBackend.DEFAULT_SOCKET_DIRECTORY),
                options.stateDir);
        Optional<IpAddress> first = intent.node(options.node).flatMap(n -> n.addresses().stream().findFirst());
        DesiredDataplane desired = DesiredState.compute(intent, LiveCluster.fromInventory(intent), identity,
                kernel.underlay(first), List.of());
        return Optional.of(new NodeRun(intent, desired, kernel));
    }

    /** A line on the node's place in the mesh, for the top of the output. */
    String summary() {
        return desired.wireguard().map(wg -> "node: " + wg.peers().size() + " peers, "
                + desired.routes().size() + " routes in table " + desired.owned().table() + ", mtu " + wg.mtu().mtu()
                + " (" + wg.mtu().reason() + "), public key " + wg.privateKey().publicKey().base64())
                .orElse("node: not in the mesh (disabled or not selected): everything gitwire owns is removed");
    }

    @Override
    public void close() {
        kernel.close();
    }
}
