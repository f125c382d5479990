package dev.gitwire.cli;

import dev.gitwire.agent.Reconciler;
import dev.gitwire.agent.StatusReport;
import dev.gitwire.cluster.LiveCluster;
import dev.gitwire.dataplane.KernelDataplane;
import dev.gitwire.dataplane.netlink.NetworkNamespace;
import dev.gitwire.dataplane.wireguard.UapiBackend;
import dev.gitwire.dataplane.wireguard.WireguardGoLauncher;
import dev.gitwire.desired.DesiredDataplane;
import dev.gitwire.desired.DesiredState;
import dev.gitwire.desired.NodeIdentity;
import dev.gitwire.intent.Intent;
import dev.gitwire.intent.Problem;
import dev.gitwire.keys.KeyFile;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.net.IpAddress;
import dev.gitwire.source.IntentSource;
import dev.gitwire.source.SourceUnavailableException;
import dev.gitwire.status.NodeStatus;
import dev.gitwire.status.StatusBranch;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What `plan` and `apply` share: read the newest trusted, valid intent (or keep the last good one), know
 * this node, compute what it must have; and, after an apply, report to the status branch.
 */
final class NodeRun implements AutoCloseable {

    final Intent intent;
    final DesiredDataplane desired;
    final Reconciler reconciler;
    final IntentSource.Sourced sourced;
    private final NodeIdentity identity;
    private final IntentSource source;
    private final Optional<StatusBranch> statusBranch;
    private final KernelDataplane kernel;

    private NodeRun(IntentSource.Sourced sourced, DesiredDataplane desired, NodeIdentity identity, IntentSource source,
            Optional<StatusBranch> statusBranch, KernelDataplane kernel) {
        this.sourced = sourced;
        this.intent = sourced.intent();
        this.desired = desired;
        this.identity = identity;
        this.source = source;
        this.statusBranch = statusBranch;
        this.kernel = kernel;
        this.reconciler = new Reconciler(kernel);
    }

    /** Empty, with the reason printed, when there is no intent to apply: the kernel is then never touched. */
    static Optional<NodeRun> prepare(CommonOptions options, PrintWriter err) throws IOException {
        if (!options.noKubernetes) {
            throw new GitwireCommand.UsageException("the Kubernetes source is not built yet: run with --no-kubernetes");
        }
        IntentSource source = new IntentSource(options.repo, options.ref, options.stateDir, options.access(),
                options.trust());
        IntentSource.Sourced sourced;
        try {
            sourced = source.read();
        } catch (SourceUnavailableException e) {
            err.println("gitwire: no intent to apply: " + e.getMessage() + "; nothing was changed");
            source.close();
            return Optional.empty();
        }
        sourced.refusal().ifPresent(r -> err.println("gitwire: keeping " + sourced.revision() + ": " + r));
        sourced.problems().stream().map(Problem::format).forEach(err::println);

        Optional<StatusBranch> statusBranch = Optional.empty();
        Map<String, PublicKey> published = new HashMap<>();
        if (options.statusBranch != null) {
            if (source.remote().isEmpty()) {
                throw new GitwireCommand.UsageException("--status-branch needs a Git URL as --repo");
            }
            StatusBranch branch = new StatusBranch(source.remote().get(), options.access(), options.statusBranch);
            statusBranch = Optional.of(branch);
            try {
                branch.readAll().forEach((name, s) -> s.publicKey().ifPresent(k -> published.put(name, PublicKey.parse(k))));
            } catch (SourceUnavailableException | IllegalArgumentException e) {
                err.println("gitwire: published keys not read: " + e.getMessage() + "; using pins only");
            }
        }
        Intent intent = sourced.intent();
        NodeIdentity identity = new NodeIdentity(options.node, KeyFile.loadOrCreate(options.stateDir));
        KernelDataplane kernel = new KernelDataplane(NetworkNamespace.current(), options.choice(),
                new WireguardGoLauncher(List.of(), options.wireguardGo, UapiBackend.DEFAULT_SOCKET_DIRECTORY),
                options.stateDir);
        Optional<IpAddress> first = intent.node(options.node).flatMap(n -> n.addresses().stream().findFirst());
        DesiredDataplane desired = DesiredState.compute(intent, LiveCluster.fromInventory(intent, published), identity,
                kernel.underlay(first), List.of());
        return Optional.of(new NodeRun(sourced, desired, identity, source, statusBranch, kernel));
    }

    /** A line on the node's place in the mesh, for the top of the output. */
    String summary() {
        return "revision " + sourced.revision() + "\n" + desired.wireguard().map(wg -> "node: " + wg.peers().size()
                + " peers, " + desired.routes().size() + " routes in table " + desired.owned().table() + ", mtu "
                + wg.mtu().mtu() + " (" + wg.mtu().reason() + "), public key " + wg.privateKey().publicKey().base64())
                .orElse("node: not in the mesh (disabled or not selected): everything gitwire owns is removed");
    }

    /** Commits this node's status when it changed; a line saying what happened. */
    Optional<String> report(Reconciler.Outcome outcome) throws IOException {
        if (statusBranch.isEmpty()) {
            return Optional.empty();
        }
        int port = intent.node(identity.nodeName()).flatMap(n -> n.wireguard().listenPort().isPresent()
                ? Optional.of(n.wireguard().listenPort().getAsInt()) : Optional.empty())
                .orElse(intent.mesh().wireguard().listenPort());
        NodeStatus status = StatusReport.of(identity.nodeName(), identity.privateKey().publicKey(), desired, outcome,
                sourced, port);
        try {
            StatusBranch.Published published = statusBranch.get().publish(status);
            return Optional.of(published.committed() ? "status: committed \"" + published.message() + "\""
                    : "status: unchanged");
        } catch (SourceUnavailableException e) {
            return Optional.of("status: not written: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        kernel.close();
        source.close();
    }
}
