package dev.gitwire.intent;

/** Which destinations of a peer go through the tunnel. */
public enum RouteSource implements Spelled {
    /** One host route per pod, as Azure CNI gives every pod a VNet IP. */
    WORKLOAD_IPS("WorkloadIPs"),
    /** The node's pod CIDR blocks. */
    POD_CIDRS("PodCIDRs");

    private final String spelling;

    RouteSource(String spelling) {
        this.spelling = spelling;
    }

    @Override
    public String spelling() {
        return spelling;
    }
}
