package dev.gitwire.testing;

import dev.gitwire.intent.Intent;
import dev.gitwire.intent.Membership;
import dev.gitwire.intent.MeshIntent;
import dev.gitwire.intent.MeshNode;
import dev.gitwire.intent.MeshNode.NodeWireguard;
import dev.gitwire.intent.Mode;
import dev.gitwire.intent.Mtu;
import dev.gitwire.intent.NodeSelector;
import dev.gitwire.intent.NodeSelector.Operator;
import dev.gitwire.intent.NodeSelector.Requirement;
import dev.gitwire.intent.RouteSource;
import dev.gitwire.intent.RoutingSettings;
import dev.gitwire.intent.WireguardSettings;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpAddress;
import dev.gitwire.net.IpFamily;
import dev.gitwire.pq.PqKeyPair;
import dev.gitwire.pq.PqPublicKey;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** Valid intents for property tests: every generated intent passes validation by construction. */
public final class IntentArbitraries {

    /** Label values chosen to trip a YAML 1.1 reader or a careless writer. */
    private static final List<String> TRICKY_TEXT =
            List.of("on", "yes", "no", "off", "0755", "1.10", "0x1F", "true", "null", "~", "", "12", "a: b", "#x", "00_",
                    "0b101", "1:20", "Y", "-0_7");

    private IntentArbitraries() {}

    public static Arbitrary<Intent> intents() {
        return Combinators.combine(meshes(), Arbitraries.integers().between(0, 12), Arbitraries.of(true, false))
                .flatAs((mesh, count, dualStack) -> nodeList(count, dualStack).map(nodes -> new Intent(mesh, nodes)));
    }

    public static Arbitrary<IpAddress> addresses() {
        Arbitrary<IpAddress> v4 = Arbitraries.longs().between(0, 0xFFFF_FFFFL)
                .map(v -> new IpAddress(IpFamily.IPV4, 0, v));
        Arbitrary<IpAddress> v6 = Combinators.combine(Arbitraries.longs(), Arbitraries.longs())
                .as((hi, lo) -> new IpAddress(IpFamily.IPV6, hi, lo));
        Arbitrary<IpAddress> sparseV6 = Combinators.combine(Arbitraries.of(0L, 0xfd00_0000_0000_0000L, -1L),
                Arbitraries.of(0L, 1L, 0xffff_0000L, 0x1_0000_0000L)).as((hi, lo) -> new IpAddress(IpFamily.IPV6, hi, lo));
        return Arbitraries.oneOf(v4, v6, sparseV6);
    }

    public static Arbitrary<Cidr> cidrs() {
        return addresses().flatMap(a -> Arbitraries.integers().between(0, a.family().bits())
                .map(len -> new Cidr(a.masked(len), len)));
    }

    /** One ML-KEM key for every pin: making one is the costly part of a try. */
    private static final PqPublicKey PQ_KEY = PqKeyPair.generate(new SecureRandom()).publicKey();

    private static Arbitrary<MeshIntent> meshes() {
        Arbitrary<WireguardSettings> wireguard = Combinators.combine(
                        Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz0123456789.-_").ofMinLength(3)
                                .ofMaxLength(15),
                        Arbitraries.integers().between(1, 65535),
                        Arbitraries.integers().between(0, 31).map(bit -> 1L << bit),
                        Arbitraries.<Mtu>oneOf(Arbitraries.just(new Mtu.Auto()),
                                Arbitraries.integers().between(Mtu.MIN, Mtu.MAX).map(Mtu.Fixed::new)),
                        Arbitraries.integers().between(0, 65535).map(Duration::ofSeconds),
                        Arbitraries.integers().between(24, 8760).map(h -> Duration.ofHours(h)).optional(),
                        Arbitraries.of(true, false))
                .as(WireguardSettings::new);
        Arbitrary<RoutingSettings> routing = Combinators.combine(
                        Arbitraries.longs().between(1, 0xFFFF_FFFFL).filter(t -> t < 253 || t > 255),
                        Arbitraries.longs().between(0, 0xFFFF_FFFFL))
                .as(RoutingSettings::new);
        Arbitrary<List<Object>> switches = Combinators.combine(
                        Arbitraries.of("mesh", "prod-westeurope", "a.b-c"),
                        Arbitraries.of(true, false),
                        Arbitraries.of(Mode.class),
                        Arbitraries.of(RouteSource.class),
                        Arbitraries.of(true, false),
                        Arbitraries.of(Membership.class),
                        selectors())
                .as(List::<Object>of);
        // bypass blocks away from the nodes' claims, which a bypass would refuse (ClaimBounds)
        Arbitrary<Cidr> bypassBlock = cidrs().filter(c -> !c.overlaps(Cidr.parse("10.0.0.0/8")) && !c.overlaps(Cidr.parse("fd00::/8")));
        return Combinators.combine(switches, bypassBlock.list().ofMaxSize(4),
                        Arbitraries.of("azv", "cali", "veth", "eni").list().uniqueElements().ofMaxSize(3),
                        wireguard, routing)
                .as((s, bypass, interfaces, wg, rt) -> new MeshIntent((String) s.get(0), (Boolean) s.get(1),
                        (Mode) s.get(2), (RouteSource) s.get(3), (Boolean) s.get(4), (Membership) s.get(5),
                        (NodeSelector) s.get(6), bypass,
                        // claims from the API need bounds: the nodes' claims lie in 10/8 and fd00::/8
                        s.get(5) == Membership.CLUSTER ? List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("fd00::/8")) : List.of(),
                        interfaces, wg, rt));
    }

    private static Arbitrary<NodeSelector> selectors() {
        Arbitrary<Requirement> requirement = Arbitraries.of(Operator.class).flatMap(op -> Arbitraries.of(TRICKY_TEXT)
                .list().ofMinSize(op.takesValues() ? 1 : 0).ofMaxSize(op.takesValues() ? 3 : 0)
                .map(values -> new Requirement("gitwire.dev/role", op, values)));
        return Combinators.combine(labels(), requirement.list().ofMaxSize(2)).as(NodeSelector::new);
    }

    private static Arbitrary<Map<String, String>> labels() {
        return Arbitraries.maps(Arbitraries.of("zone", "on", "yes", "agentpool", "kubernetes.io/os"),
                Arbitraries.of(TRICKY_TEXT)).ofMaxSize(3);
    }

    /** Nodes whose addresses, pod CIDRs and workload IPs are disjoint by construction from their index. */
    private static Arbitrary<List<MeshNode>> nodeList(int count, boolean dualStack) {
        List<Arbitrary<MeshNode>> nodes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            nodes.add(node(i, dualStack));
        }
        return Combinators.combine(nodes).as(list -> list);
    }

    private static Arbitrary<MeshNode> node(int index, boolean dualStack) {
        List<IpAddress> addresses = new ArrayList<>(List.of(IpAddress.parse("10.240.0." + (index + 1))));
        if (dualStack) {
            addresses.add(IpAddress.parse("fd00::" + Integer.toHexString(index + 1)));
        }
        Cidr podCidr = Cidr.parse("10.244." + index + ".0/24");
        byte[] key = new byte[PublicKey.LENGTH];
        key[0] = (byte) (index + 1);
        byte[] nextKey = key.clone();
        nextKey[1] = 1;
        Arbitrary<NodeWireguard> wireguard = Combinators.combine(
                        Arbitraries.of(true, false),
                        Arbitraries.of(Optional.<PublicKey>empty(), Optional.of(PublicKey.of(key))),
                        Arbitraries.of(Optional.<PublicKey>empty(), Optional.of(PublicKey.of(nextKey))),
                        Arbitraries.of(OptionalInt.empty(), OptionalInt.of(51820 + index)),
                        Arbitraries.of(Optional.<PqPublicKey>empty(), Optional.of(PQ_KEY)))
                .as((enabled, pin, next, port, pq) -> new NodeWireguard(enabled, pin, pin.isPresent() ? next
                        : Optional.empty(), port, pq)); // a next key moves a pin: never without one
        Arbitrary<List<IpAddress>> workloads = Arbitraries.integers().between(1, 254).set().ofMaxSize(20)
                .map(hosts -> hosts.stream().sorted().map(h -> IpAddress.parse("10.244." + index + "." + h)).toList());
        return Combinators.combine(labels(), wireguard, workloads)
                .as((labels, wg, ips) -> new MeshNode("node-" + index, labels, addresses, wg, List.of(podCidr), ips));
    }
}
