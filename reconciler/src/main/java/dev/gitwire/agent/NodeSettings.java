package dev.gitwire.agent;

import dev.gitwire.dataplane.wireguard.WireguardLink;
import dev.gitwire.git.GitAccess;
import dev.gitwire.pq.PskRenewal;
import dev.gitwire.source.CommitTrust;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Everything a node agent is configured with (the command line's common flags, parsed). */
public record NodeSettings(String repo, String ref, String node, Path stateDirectory, Optional<StatusTarget> status,
        GitAccess access, CommitTrust trust, WireguardLink.Preference wireguard, String wireguardGo,
        Optional<KubernetesAccess> kubernetes, Duration teardownGrace, PeerTimers peerTimers) {

    /** The same, with the default {@link PeerTimers}. */
    public NodeSettings(String repo, String ref, String node, Path stateDirectory, Optional<StatusTarget> status,
            GitAccess access, CommitTrust trust, WireguardLink.Preference wireguard, String wireguardGo,
            Optional<KubernetesAccess> kubernetes, Duration teardownGrace) {
        this(repo, ref, node, stateDirectory, status, access, trust, wireguard, wireguardGo, kubernetes, teardownGrace,
                PeerTimers.DEFAULT);
    }

    /**
     * How long a routed peer may stay silent before it is repaired ({@link PeerRepair}), and how often a pair renews its
     * post-quantum pre-shared key ({@link PskRenewal}).
     */
    public record PeerTimers(Duration deadPeerAfter, Duration pskRenewal) {
        public static final PeerTimers DEFAULT = new PeerTimers(PeerRepair.REJECT_AFTER_TIME, PskRenewal.RENEW_EVERY);
    }

    /** How long a device, or a peer, that stops being used keeps accepting what peers still send through it. */
    public static final Duration DEFAULT_TEARDOWN_GRACE = Duration.ofSeconds(5);

    /**
     * Where the node's status is committed: a branch of the intent repo, or of a repo of its own; and the
     * credential that pushes it, which should be the only one that can write anything.
     */
    public record StatusTarget(String repo, String branch, GitAccess access, Duration heartbeat) {

        /** How often an unchanged status is committed anyway, so that a node's silence shows. */
        public static final Duration DEFAULT_HEARTBEAT = Duration.ofMinutes(30);
    }

    /**
     * What weakens the trust boundary, said at every start and in the status: an intent any pusher can
     * change, and a status branch whose credential can also push the intent.
     */
    public List<String> trustWarnings() {
        List<String> warnings = new ArrayList<>();
        if (!trust.verifiesSignatures()) {
            warnings.add("the intent's signatures are not verified (--allow-unsigned): anyone who can push to " + repo
                    + " changes what every node routes; use --verify-signatures with --trusted-keys or --allowed-signers");
        }
        // an agent that never pushes (a separate writer does) holds no status credential to share
        boolean pushes = kubernetes.map(KubernetesAccess::standForWriter).orElse(true);
        status.filter(s -> pushes && s.repo().equals(repo) && s.access().sameCredentialsAs(access)).ifPresent(s -> warnings.add(
                "the status branch " + s.branch() + " lives in the intent repo under the intent's credential: a node"
                        + " taken over can push the intent too; give the status a repo (--status-repo) or a credential"
                        + " (--status-git-token-file) of its own, and make the intent's read-only"));
        return warnings;
    }

    /**
     * The API; whether the admission policies that narrow the agent's writes must be in force before it changes
     * anything (docs/security.md; off only by --allow-missing-admission-policies); and whether the agent stands for
     * the election of the status writer, or a `gitwire writer` Deployment, alone holding the status push
     * credential, writes the status branch (--status-writer separate).
     */
    public record KubernetesAccess(Optional<Path> kubeconfig, boolean requireAdmissionPolicies, boolean standForWriter) {
        public KubernetesAccess(Optional<Path> kubeconfig) {
            this(kubeconfig, true, true);
        }
    }
}
