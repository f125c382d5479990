package dev.gitwire.status;

import java.io.IOException;

/**
 * Where a node's status goes: the status branch itself (standalone), or, with Kubernetes, an object of the
 * node's own in the API, which the one elected writer folds into the branch (docs/git-source-and-status.md).
 */
public interface StatusDestination {

    /** What a publish did: wrote (with its message), or found nothing to write; and its attempts (0: none needed). */
    record Published(boolean committed, String message, int attempts) {}

    /** Writes this node's status unless the destination already holds it. */
    Published publish(NodeStatus status, int clusterSize) throws StatusUnavailableException, IOException;
}
