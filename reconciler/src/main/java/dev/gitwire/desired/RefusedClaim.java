package dev.gitwire.desired;

import dev.gitwire.net.Cidr;

/** A destination the live cluster said belongs to {@code node}, not routed because of {@code reason}. */
public record RefusedClaim(String node, Cidr claim, String reason) {

    @Override
    public String toString() {
        return claim + " of node " + node + ": " + reason;
    }
}
