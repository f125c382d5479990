package dev.gitwire.agent;

import dev.gitwire.dataplane.wireguard.WireguardLink;
import dev.gitwire.source.CommitTrust;
import dev.gitwire.source.GitAccess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Everything a node agent is configured with (the command line's common flags, parsed). */
public record NodeSettings(String repo, String ref, String node, Path stateDirectory, Optional<StatusTarget> status,
        GitAccess access, CommitTrust trust, WireguardLink.Choice wireguard, String wireguardGo,
        Optional<KubernetesAccess> kubernetes, Duration teardownGrace) {

    /** How long a device, or a peer, that stops being used keeps accepting what peers still send through it. */
    public static final Duration DEFAULT_TEARDOWN_GRACE = Duration.ofSeconds(5);

    /** Where the node's status is committed: a branch of the intent repo, or of a repo of its own. */
    public record StatusTarget(String repo, String branch) {}

    /** Where the Kubernetes API is: a kubeconfig file, or the pod's service account when empty. */
    public record KubernetesAccess(Optional<Path> kubeconfig) {}
}
