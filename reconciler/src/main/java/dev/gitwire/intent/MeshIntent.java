package dev.gitwire.intent;

import dev.gitwire.net.Cidr;
import java.util.List;

/** mesh.yaml, with every default applied. An empty {@code workloadNetworks} bounds no claim (see {@link ClaimBounds}). */
public record MeshIntent(
        String name,
        boolean enabled,
        Mode mode,
        RouteSource routeSource,
        boolean hostEncryption,
        Membership membership,
        NodeSelector nodeSelector,
        List<Cidr> bypass,
        List<Cidr> workloadNetworks,
        List<String> workloadInterfaces,
        WireguardSettings wireguard,
        RoutingSettings routing) {

    public static final List<String> DEFAULT_WORKLOAD_INTERFACES = List.of("azv", "cali");

    public MeshIntent {
        bypass = List.copyOf(bypass);
        workloadNetworks = List.copyOf(workloadNetworks);
        workloadInterfaces = List.copyOf(workloadInterfaces);
    }

    /** This mesh with host encryption off: what a node applies while it cannot set what host encryption needs. */
    public MeshIntent withoutHostEncryption() {
        return new MeshIntent(name, enabled, mode, routeSource, false, membership, nodeSelector, bypass, workloadNetworks,
                workloadInterfaces, wireguard, routing);
    }
}
