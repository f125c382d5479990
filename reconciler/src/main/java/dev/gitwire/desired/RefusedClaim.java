package dev.gitwire.desired;

import dev.gitwire.net.Cidr;

/**
 * A destination the live cluster said belongs to {@code node}, not routed because of {@code reason}. A contested
 * one (claimed by two nodes, none of which held it before) is also {@code guarded}: it may be another node's,
 * so it is prohibited and held by the guard, never released to plaintext because of a claim.
 */
public record RefusedClaim(String node, Cidr claim, String reason, boolean guarded) {

    @Override
    public String toString() {
        return claim + " of node " + node + ": " + reason;
    }
}
