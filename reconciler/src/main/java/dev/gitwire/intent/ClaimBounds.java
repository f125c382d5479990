package dev.gitwire.intent;

import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpAddress;
import java.util.List;
import java.util.Optional;

/**
 * Which destinations a node may claim as its own (a workload IP, a pod CIDR, an address), so that no
 * intent file and no API object can pull other traffic into the tunnel: never a default route, never an
 * address that is not a unicast one of some host (loopback, link-local, multicast, unspecified, reserved),
 * never one overlapping a bypass block; and, when the mesh names its workload networks, only inside them.
 */
public final class ClaimBounds {

    private record Special(Cidr block, String what) {}

    private static final List<Special> SPECIAL = List.of(
            new Special(Cidr.parse("0.0.0.0/8"), "the unspecified network 0.0.0.0/8"),
            new Special(Cidr.parse("127.0.0.0/8"), "loopback 127.0.0.0/8"),
            new Special(Cidr.parse("169.254.0.0/16"), "link-local 169.254.0.0/16"),
            new Special(Cidr.parse("224.0.0.0/4"), "multicast 224.0.0.0/4"),
            new Special(Cidr.parse("240.0.0.0/4"), "reserved and broadcast 240.0.0.0/4"),
            new Special(Cidr.parse("168.63.129.16/32"), "Azure's platform address 168.63.129.16 (DNS, DHCP, WireServer,"
                    + " load-balancer probes)"),
            new Special(Cidr.parse("::/128"), "the unspecified address ::"),
            new Special(Cidr.parse("::1/128"), "loopback ::1"),
            new Special(Cidr.parse("fe80::/10"), "link-local fe80::/10"),
            new Special(Cidr.parse("ff00::/8"), "multicast ff00::/8"),
            // built from bytes: the JDK parses an IPv4-mapped literal as IPv4 (IpAddress refuses it), netlink does not
            new Special(new Cidr(IpAddress.fromBytes(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1,
                    0, 0, 0, 0}), 96), "IPv4-mapped ::ffff:0:0/96 (an IPv4 address in IPv6 clothing)"),
            new Special(Cidr.parse("100::/64"), "the discard prefix 100::/64"),
            new Special(Cidr.parse("2001:db8::/32"), "documentation 2001:db8::/32"),
            new Special(Cidr.parse("3fff::/20"), "documentation 3fff::/20"));

    /** Space some clusters do give pods, so named in spec.workloadNetworks it may be claimed; else never. */
    private static final Special SHARED = new Special(Cidr.parse("100.64.0.0/10"),
            "shared address space 100.64.0.0/10 (carrier-grade NAT), which spec.workloadNetworks does not name");

    private final List<Cidr> bypass;
    private final List<Cidr> workloadNetworks;

    private ClaimBounds(List<Cidr> bypass, List<Cidr> workloadNetworks) {
        this.bypass = List.copyOf(bypass);
        this.workloadNetworks = List.copyOf(workloadNetworks);
    }

    public static ClaimBounds of(MeshIntent mesh) {
        return new ClaimBounds(mesh.bypass(), mesh.workloadNetworks());
    }

    /** The bounds that hold whatever mesh.yaml says: for node files read without a valid mesh.yaml. */
    static ClaimBounds always() {
        return new ClaimBounds(List.of(), List.of());
    }

    /** Why {@code claim}, a workload IP or pod CIDR, may not be routed to a node, or empty when it may. */
    public Optional<String> refusal(Cidr claim) {
        Optional<String> refusal = unicast(claim); // checked in turn without a lambda each: 100,000s per intent
        refusal = refusal.isPresent() ? refusal : outsideBypass(claim);
        return refusal.isPresent() ? refusal : insideWorkloadNetworks(claim);
    }

    /**
     * Why a node address may not be one: as {@link #refusal}, except that it may lie in a bypass block (a
     * control-plane node's address, say): it is still the node's WireGuard endpoint, and the bypass keeps its
     * host traffic out of the tunnel, as the operator asked.
     */
    public Optional<String> addressRefusal(Cidr address) {
        Optional<String> refusal = unicast(address);
        return refusal.isPresent() ? refusal : insideWorkloadNetworks(address);
    }

    private static Optional<String> unicast(Cidr claim) {
        if (claim.prefixLength() == 0) {
            return Optional.of(claim + " is a default route");
        }
        for (Special special : SPECIAL) {
            if (special.block().overlaps(claim)) {
                return Optional.of(claim + " overlaps " + special.what());
            }
        }
        return Optional.empty();
    }

    private Optional<String> outsideBypass(Cidr claim) {
        for (Cidr block : bypass) {
            if (block.overlaps(claim)) {
                return Optional.of(claim + " overlaps " + block + " of spec.bypass");
            }
        }
        return Optional.empty();
    }

    private Optional<String> insideWorkloadNetworks(Cidr claim) {
        if (workloadNetworks.isEmpty()) {
            return SHARED.block().overlaps(claim) ? Optional.of(claim + " overlaps " + SHARED.what()) : Optional.empty();
        }
        for (Cidr network : workloadNetworks) {
            if (inside(claim, network)) {
                return Optional.empty();
            }
        }
        return Optional.of(claim + " is outside spec.workloadNetworks " + workloadNetworks);
    }

    /** Why a block may not bound the workloads (it would bound nothing, or only what is always refused). */
    static Optional<String> workloadNetworkRefusal(Cidr network) {
        return network.prefixLength() == 0 ? Optional.of(network + " bounds nothing: name the networks pods and nodes use")
                : unicast(network);
    }

    private static boolean inside(Cidr claim, Cidr network) {
        return claim.family() == network.family() && claim.prefixLength() >= network.prefixLength()
                && network.contains(claim.network());
    }
}
