package dev.gitwire.intent;

import dev.gitwire.net.Cidr;
import java.util.List;

/** mesh.yaml, with every default applied. */
public record MeshIntent(
        String name,
        boolean enabled,
        Mode mode,
        RouteSource routeSource,
        boolean hostEncryption,
        Membership membership,
        NodeSelector nodeSelector,
        List<Cidr> bypass,
        List<String> workloadInterfaces,
        WireguardSettings wireguard,
        RoutingSettings routing) {

    public static final List<String> DEFAULT_WORKLOAD_INTERFACES = List.of("azv", "cali");

    public MeshIntent {
        bypass = List.copyOf(bypass);
        workloadInterfaces = List.copyOf(workloadInterfaces);
    }
}
