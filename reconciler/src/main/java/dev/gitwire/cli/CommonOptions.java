package dev.gitwire.cli;

import dev.gitwire.agent.NodeSettings;
import dev.gitwire.dataplane.wireguard.WireguardLink;
import dev.gitwire.git.GitAccess;
import dev.gitwire.source.CommitTrust;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The flags every node command shares (docs/reference/commands.md); each has a GITWIRE_ environment variable for
 * the DaemonSet.
 */
final class CommonOptions {

    @Mixin
    GitAccessOptions git;

    @Mixin
    StatusPushOptions statusPush;

    @Option(names = "--repo", required = true,
            description = "The intent repo: a Git URL or a local path (env GITWIRE_REPO)")
    String repo;

    @Option(names = "--node", required = true, description = "This node's name (env GITWIRE_NODE)")
    String node;

    @Option(names = "--ref", defaultValue = "main", description = "Branch of the intent (default main)")
    String ref;

    @Option(names = "--state-dir", defaultValue = "/var/lib/gitwire",
            description = "Where the private key and remembered values live (default /var/lib/gitwire)")
    Path stateDir;

    @Option(names = "--status-branch", description = "Branch that node status is committed to; none when absent")
    String statusBranch;

    @Option(names = "--status-heartbeat", defaultValue = "30m",
            description = "Commit an unchanged status anyway this often (0s: never), so that a silent node shows")
    String statusHeartbeat;

    @Option(names = "--no-kubernetes", defaultValue = "false",
            description = "Standalone: workloads from the inventory, keys from pins")
    boolean noKubernetes;

    @Option(names = "--kubeconfig", description = "Kubeconfig file")
    Path kubeconfig;

    @Option(names = "--wireguard", defaultValue = "auto",
            description = "auto, kernel or userspace (default auto)")
    String wireguard;

    @Option(names = "--wireguard-go", defaultValue = "wireguard-go",
            description = "The wireguard-go program, for the userspace backend")
    String wireguardGo;

    @Option(names = "--verify-signatures", defaultValue = "false",
            description = "Apply only commits with a good signature by a trusted key")
    boolean verifySignatures;

    @Option(names = "--trusted-keys", description = "Armored OpenPGP public keys whose signatures are trusted")
    Path trustedKeys;

    @Option(names = "--allowed-signers", description = "SSH allowed signers file, as git's gpg.ssh.allowedSignersFile")
    Path allowedSigners;

    @Option(names = "--accept-clean-merges", defaultValue = "false",
            description = "Also apply a head that is a clean merge (no change of its own) of a branch whose head a"
                    + " trusted key signed into trusted history: pull requests merged in a Git host's web UI, which"
                    + " the host signs with its own key or leaves unsigned")
    boolean acceptCleanMerges;

    @Option(names = "--ssh-revoked-keys",
            description = "SSH public keys (one a line) or an OpenSSH KRL whose signatures are never trusted,"
                    + " as git's gpg.ssh.revocationFile")
    Path sshRevokedKeys;

    /** Who writes the status branch with Kubernetes: the agent elected among them, or a `gitwire writer`. */
    enum StatusWriter { agents, separate }

    @Option(names = "--status-writer", defaultValue = "agents",
            description = "With Kubernetes: `agents` stand for the election of the one that writes the status branch"
                    + " (each then holds the push credential); `separate`: a `gitwire writer` Deployment does, alone"
                    + " holding it, and agents only publish their status objects and follow its announcements")
    StatusWriter statusWriter;

    @Option(names = "--allow-missing-admission-policies",
            defaultValue = "false",
            description = "With Kubernetes, change the kernel even when a dry run shows the ValidatingAdmissionPolicies"
                    + " of deploy/ are not in force (before Kubernetes 1.30): any node could then rewrite others' keys")
    boolean allowMissingAdmissionPolicies;

    @Option(names = "--allow-rewind", defaultValue = "false",
            description = "Accept a head that does not descend from the last applied commit")
    boolean allowRewind;

    @Option(names = "--teardown-grace", defaultValue = "auto",
            description = "How long a device or peer that is no longer used keeps accepting, after the routes into it"
                    + " are gone, so that peers still sending through the tunnel are heard; it must exceed the spread"
                    + " of the nodes' reads of a commit. auto: run, --interval plus 10s; apply, 5s (default auto)")
    String teardownGrace;

    /** The one-shot commands' grace: the nodes of a cluster apply a commit within seconds of each other. */
    static final Duration ONE_SHOT_GRACE = Duration.ofSeconds(5);
    /** What a node's read of a commit may lag its poll by: a fetch, and the reconcile after it. */
    static final Duration READ_SPREAD = Duration.ofSeconds(10);

    /** The agent's settings: with the Kubernetes API for pods, nodes and keys, unless standalone. */
    NodeSettings settings() {
        return settings(ONE_SHOT_GRACE);
    }

    /**
     * The same, with {@code autoGrace} as the teardown grace unless one is given: the agent polls, and a node may
     * read a commit up to a poll later than another, so its grace follows its interval.
     */
    NodeSettings settings(Duration autoGrace) {
        return settings(autoGrace, NodeSettings.PeerTimers.DEFAULT);
    }

    /** The same, with peers repaired and pre-shared keys renewed as {@code peerTimers} say. */
    NodeSettings settings(Duration autoGrace, NodeSettings.PeerTimers peerTimers) {
        if (statusPush.statusRepo != null && statusBranch == null) {
            throw new GitwireCommand.UsageException("--status-repo needs --status-branch");
        }
        GitAccess access = git.access();
        GitAccess statusAccess = statusPush.access(access);
        Optional<NodeSettings.StatusTarget> status = Optional.ofNullable(statusBranch)
                .map(branch -> new NodeSettings.StatusTarget(statusPush.repo(repo), branch, statusAccess,
                        RunCommand.parseDuration(statusHeartbeat)));
        return new NodeSettings(repo, ref, node, stateDir, status, access, trust(),
                choice(), wireguardGo, noKubernetes ? Optional.empty()
                        : Optional.of(new NodeSettings.KubernetesAccess(Optional.ofNullable(kubeconfig),
                                !allowMissingAdmissionPolicies, statusWriter == StatusWriter.agents)),
                teardownGrace.equals("auto") ? autoGrace : RunCommand.parseDuration(teardownGrace), peerTimers);
    }

    CommitTrust trust() {
        try {
            return new CommitTrust(verifySignatures, Optional.ofNullable(trustedKeys), Optional.ofNullable(allowedSigners),
                    allowRewind).revokingSshKeys(Optional.ofNullable(sshRevokedKeys)).acceptingCleanMerges(acceptCleanMerges);
        } catch (IllegalArgumentException e) {
            throw new GitwireCommand.UsageException(e.getMessage());
        }
    }

    WireguardLink.Preference choice() {
        return switch (wireguard) {
            case "auto" -> WireguardLink.Preference.AUTO;
            case "kernel" -> WireguardLink.Preference.KERNEL;
            case "userspace" -> WireguardLink.Preference.USERSPACE;
            default -> throw new GitwireCommand.UsageException("--wireguard is auto, kernel or userspace, not " + wireguard);
        };
    }
}
