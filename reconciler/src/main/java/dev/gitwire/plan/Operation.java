package dev.gitwire.plan;

import dev.gitwire.keys.PresharedKey;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.Endpoint;
import dev.gitwire.model.Guard;
import dev.gitwire.model.NftTable;
import dev.gitwire.model.Route;
import dev.gitwire.model.Rule;
import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * One change to the kernel, at the grain of a single object: one route, one allowed IP. The executor
 * batches consecutive operations into as few kernel calls as it can.
 */
public sealed interface Operation {

    /**
     * The kind, for counts in `gitwire plan`, its JSON and the metric label gitwire_kernel_operations_total{kind}:
     * spelled out once here, so that renaming a class changes no dashboard, alert or script (OperationKindTest).
     */
    default String kind() {
        return KINDS.get(getClass());
    }

    /** Each operation's kind, as users see it. */
    Map<Class<? extends Operation>, String> KINDS = Map.ofEntries(
            Map.entry(CreateDevice.class, "CreateDevice"),
            Map.entry(AnchorLink.class, "AnchorLink"),
            Map.entry(SetLink.class, "SetLink"),
            Map.entry(DeleteDevice.class, "DeleteDevice"),
            Map.entry(ConfigureDevice.class, "ConfigureDevice"),
            Map.entry(AddPeer.class, "AddPeer"),
            Map.entry(UpdatePeer.class, "UpdatePeer"),
            Map.entry(RemovePeer.class, "RemovePeer"),
            Map.entry(SetPresharedKey.class, "SetPresharedKey"),
            Map.entry(AddAllowedIp.class, "AddAllowedIp"),
            Map.entry(RemoveAllowedIp.class, "RemoveAllowedIp"),
            Map.entry(AddRoute.class, "AddRoute"),
            Map.entry(ReplaceRoute.class, "ReplaceRoute"),
            Map.entry(DeleteRoute.class, "DeleteRoute"),
            Map.entry(AddRule.class, "AddRule"),
            Map.entry(DeleteRule.class, "DeleteRule"),
            Map.entry(InstallGuard.class, "InstallGuard"),
            Map.entry(GuardDestination.class, "GuardDestination"),
            Map.entry(ReleaseDestination.class, "ReleaseDestination"),
            Map.entry(DeleteGuard.class, "DeleteGuard"),
            Map.entry(ReplaceNftTable.class, "ReplaceNftTable"),
            Map.entry(DeleteNftTable.class, "DeleteNftTable"),
            Map.entry(SetSysctl.class, "SetSysctl"),
            Map.entry(RestoreSysctl.class, "RestoreSysctl"));

    /** Creates link W with its WireGuard device (kernel or wireguard-go), at an MTU, and sets it up. */
    record CreateDevice(String interfaceName, int mtu) implements Operation {}

    /**
     * Gives link W the IPv4 dummy address 192.0.0.8 (RFC 7600), scope host: the kernel fails every
     * reverse-path check, loose too, for packets from an interface without an address unless their source
     * routes back through it, so without one the first packets a peer tunnels before this node routes it
     * would be dropped. Host scope: never a source of traffic, never on the wire.
     */
    record AnchorLink(String interfaceName) implements Operation {
        public static final IpAddress ADDRESS = IpAddress.parse("192.0.0.8");
    }

    record SetLink(String interfaceName, int mtu, boolean up) implements Operation {}

    /** Deletes link W; with wireguard-go, that also ends the daemon. */
    record DeleteDevice(String interfaceName) implements Operation {}

    /** Device settings; the private key is printed by no toString. */
    record ConfigureDevice(Optional<PrivateKey> privateKey, OptionalInt listenPort, OptionalLong firewallMark)
            implements Operation {}

    record AddPeer(PublicKey key, Optional<Endpoint> endpoint, Duration persistentKeepalive) implements Operation {}

    record UpdatePeer(PublicKey key, Optional<Endpoint> endpoint, Duration persistentKeepalive) implements Operation {}

    record RemovePeer(PublicKey key) implements Operation {}

    /**
     * Sets a peer's pre-shared key (empty: clears it), in the same device transaction as the peer's other changes:
     * a peer added with one never makes a handshake without it. Printed by no toString.
     */
    record SetPresharedKey(PublicKey key, Optional<PresharedKey> presharedKey) implements Operation {}

    /** Adds an allowed IP to a peer; one that belongs to another peer moves, with no gap. */
    record AddAllowedIp(PublicKey key, Cidr cidr) implements Operation {}

    record RemoveAllowedIp(PublicKey key, Cidr cidr) implements Operation {}

    record AddRoute(Route route) implements Operation {}

    record ReplaceRoute(Route route) implements Operation {}

    record DeleteRoute(Route route) implements Operation {}

    record AddRule(Rule rule) implements Operation {}

    record DeleteRule(Rule rule) implements Operation {}

    /** Creates the guard with exactly these rules and destinations, in one transaction, replacing any there. */
    record InstallGuard(Guard guard) implements Operation {}

    /** A destination the guard starts to protect: added only once traffic to it is routed into the tunnel. */
    record GuardDestination(Cidr destination) implements Operation {}

    /** A destination that is deliberately no longer a peer's: released before its route leaves the tunnel. */
    record ReleaseDestination(Cidr destination) implements Operation {}

    /** Removes the guard: on disable, first of all, since the node then deliberately stops encrypting. */
    record DeleteGuard() implements Operation {}

    record ReplaceNftTable(NftTable table) implements Operation {}

    record DeleteNftTable(String family, String name) implements Operation {}

    /** Sets a sysctl, remembering the value found before gitwire's first change. */
    record SetSysctl(String name, String value) implements Operation {}

    /** Puts back the value found before gitwire's first change. */
    record RestoreSysctl(String name) implements Operation {}
}
