package dev.gitwire.status;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What one node observed (kind MeshNodeStatus, docs/reference/status.md). It holds no timestamp that moves on its own,
 * so that an unchanged node writes an unchanged file and makes no commit. {@code peers} lists the nodes left
 * out of this node's mesh, each with why, not every peer: a status stays a few hundred bytes at 20,000 nodes,
 * and pods coming and going on other nodes change no node's file (docs/git-source-and-status.md).
 */
public record NodeStatus(String name, Optional<String> publicKey, int listenPort, Optional<String> observedRevision,
        Phase phase, List<Condition> conditions, Optional<Dataplane> dataplane, List<Peer> peers,
        Optional<Instant> keyCreated, Optional<String> pqPublicKey) {

    public NodeStatus {
        conditions = List.copyOf(conditions);
        peers = List.copyOf(peers);
    }

    /** A status that says nothing of its key's age or a post-quantum key (a node before 0.3.0, a test). */
    public NodeStatus(String name, Optional<String> publicKey, int listenPort, Optional<String> observedRevision,
            Phase phase, List<Condition> conditions, Optional<Dataplane> dataplane, List<Peer> peers) {
        this(name, publicKey, listenPort, observedRevision, phase, conditions, dataplane, peers, Optional.empty(),
                Optional.empty());
    }

    public enum Phase { Ready, Degraded, Disabled, Error }

    /** A condition as Kubernetes writes them: type, True/False/Unknown, a CamelCase reason, a message. */
    public record Condition(String type, String status, String reason, String message) {}

    /** The dataplane in numbers. */
    /** The node's device and what it carries; of the allowed IPs and routes, how many are IPv6 (dual stack). */
    public record Dataplane(String interfaceName, String backend, int mtu, String mtuReason, int peers,
            int allowedIps, int routes, boolean hostEncryption, int allowedIpsIpv6, int routesIpv6) {}

    /** Another node as this one sees it. */
    public record Peer(String name, Optional<String> publicKey, Optional<String> endpoint, int allowedIps,
            String state, int allowedIpsIpv6) {}

    /** How many peers this node encrypts to: those on its device, less those still awaiting a first handshake. */
    public long encrypted() {
        return dataplane.map(Dataplane::peers).orElse(0)
                - peers.stream().filter(p -> p.state().equals("AwaitingHandshake")).count();
    }

    /** How many nodes this one is meant to encrypt to: those it does, and those left out. */
    public long meant() {
        return encrypted() + peers.size();
    }

    public Optional<Condition> condition(String type) {
        return conditions.stream().filter(c -> c.type().equals(type)).findFirst();
    }
}
