package dev.gitwire.intent;

import dev.gitwire.intent.MeshNode.NodeWireguard;
import dev.gitwire.intent.NodeSelector.Operator;
import dev.gitwire.intent.NodeSelector.Requirement;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpAddress;
import dev.gitwire.pq.PqPublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * Turns schema-valid files into intent records with every default applied, and checks what a schema
 * cannot: values that the kernel would refuse or misread. Every problem names the field's line.
 */
final class IntentBinder {

    static final int MAX_KEEPALIVE_SECONDS = 65535;
    private static final long MAX_U32 = 0xFFFF_FFFFL;

    private IntentBinder() {}

    static MeshIntent bindMesh(LocatedFile f, List<Problem> problems) {
        WireguardSettings wgDefaults = WireguardSettings.DEFAULT;
        String interfaceName = f.string(wgDefaults.interfaceName(), "spec", "wireguard", "interfaceName");
        interfaceNameProblem(interfaceName)
                .ifPresent(p -> problems.add(f.error(p, "spec", "wireguard", "interfaceName")));

        int listenPort = port(f, problems, wgDefaults.listenPort(), "spec", "wireguard", "listenPort");
        long mark = firewallMark(f, problems);
        Mtu mtu = mtu(f, problems);
        Duration keepalive = keepalive(f, problems);
        Optional<Duration> keyRotation = keyRotation(f, problems);

        long table = f.scalar("spec", "routing", "table").map(Long.class::cast)
                .orElse(RoutingSettings.DEFAULT.table());
        if (table == 0 || table >= 253 && table <= 255 || table < 0 || table > MAX_U32) {
            problems.add(f.error("routing table " + table + " is reserved or out of range"
                    + " (0 unspec, 253 default, 254 main, 255 local; at most 4294967295)", "spec", "routing", "table"));
        }
        long priority = f.scalar("spec", "routing", "rulePriority").map(Long.class::cast)
                .orElse(RoutingSettings.DEFAULT.rulePriority());
        // what another agent of the cluster takes for its own: a warning, the operator may know better
        KnownClashes.interfaceName(interfaceName)
                .ifPresent(w -> problems.add(f.warning(w, "spec", "wireguard", "interfaceName")));
        KnownClashes.firewallMark(mark).ifPresent(w -> problems.add(f.warning(w, "spec", "wireguard", "firewallMark")));
        KnownClashes.table(table).ifPresent(w -> problems.add(f.warning(w, "spec", "routing", "table")));
        KnownClashes.rulePriority(priority).ifPresent(w -> problems.add(f.warning(w, "spec", "routing", "rulePriority")));

        List<Cidr> bypass = parseEach(f, problems, Cidr::parse, "spec", "bypass");
        List<Cidr> workloadNetworks = parseEach(f, problems, Cidr::parse, "spec", "workloadNetworks");
        for (int i = 0; i < workloadNetworks.size(); i++) {
            int at = i;
            ClaimBounds.workloadNetworkRefusal(workloadNetworks.get(i))
                    .ifPresent(why -> problems.add(f.error("workload network " + why, "spec", "workloadNetworks", at)));
        }
        Membership membership = Spelled.bySpelling(Membership.class,
                f.string(Membership.INVENTORY.spelling(), "spec", "membership"));
        if (membership == Membership.CLUSTER && workloadNetworks.isEmpty()) {
            // every node and pod of the cluster claims destinations from the API: unbounded, one could claim any
            problems.add(f.error("membership Cluster takes nodes and pod IPs from the Kubernetes API: spec.workloadNetworks"
                    + " must name the networks they may use", "spec", "membership"));
        }
        return new MeshIntent(
                f.string("", "metadata", "name"),
                f.bool(false, "spec", "enabled"),
                Spelled.bySpelling(Mode.class, f.string(Mode.OPPORTUNISTIC.spelling(), "spec", "mode")),
                Spelled.bySpelling(RouteSource.class,
                        f.string(RouteSource.WORKLOAD_IPS.spelling(), "spec", "routeSource")),
                f.bool(false, "spec", "hostEncryption"),
                membership,
                nodeSelector(f, problems),
                bypass,
                workloadNetworks,
                f.strings(MeshIntent.DEFAULT_WORKLOAD_INTERFACES, "spec", "workloadInterfaces"),
                new WireguardSettings(interfaceName, listenPort, mark, mtu, keepalive, keyRotation,
                        f.bool(false, "spec", "wireguard", "postQuantum")),
                new RoutingSettings(table, priority));
    }

    static MeshNode bindNode(LocatedFile f, List<Problem> problems) {
        String name = f.string("", "metadata", "name");
        String expected = f.file().substring(f.file().lastIndexOf('/') + 1).replaceFirst("\\.yaml$", "");
        if (!name.equals(expected)) {
            problems.add(f.error("node name '" + name + "' differs from the file name " + expected + ".yaml",
                    "metadata", "name"));
        }
        Optional<PublicKey> pin = pin(f, problems, "publicKey");
        Optional<PublicKey> next = pin(f, problems, "nextPublicKey");
        if (next.isPresent() && pin.isEmpty()) {
            problems.add(f.error("nextPublicKey moves a pin: it needs publicKey (a node without a pin rotates its key"
                    + " by itself)", "spec", "wireguard", "nextPublicKey"));
        } else if (next.isPresent() && next.equals(pin)) {
            problems.add(f.error("nextPublicKey is the pinned key itself: it names the key the node moves to",
                    "spec", "wireguard", "nextPublicKey"));
        }
        OptionalInt port = f.at("spec", "wireguard", "listenPort").isPresent()
                ? OptionalInt.of(port(f, problems, 0, "spec", "wireguard", "listenPort"))
                : OptionalInt.empty();
        return new MeshNode(
                name,
                f.stringMap("metadata", "labels"),
                parseEach(f, problems, IpAddress::parse, "spec", "addresses"),
                new NodeWireguard(f.bool(true, "spec", "wireguard", "enabled"), pin, next, port, pqPin(f, problems)),
                parseEach(f, problems, Cidr::parse, "spec", "podCIDRs"),
                parseEach(f, problems, IpAddress::parse, "spec", "workloadIPs"));
    }

    private static Optional<PqPublicKey> pqPin(LocatedFile f, List<Problem> problems) {
        return f.scalar("spec", "wireguard", "postQuantumPublicKey").flatMap(text -> {
            try {
                return Optional.of(PqPublicKey.parse((String) text));
            } catch (IllegalArgumentException e) {
                problems.add(f.error("pinned post-quantum key is not valid: " + e.getMessage(), "spec", "wireguard",
                        "postQuantumPublicKey"));
                return Optional.empty();
            }
        });
    }

    private static Optional<PublicKey> pin(LocatedFile f, List<Problem> problems, String field) {
        return f.scalar("spec", "wireguard", field).flatMap(text -> {
            try {
                return Optional.of(PublicKey.parse((String) text));
            } catch (IllegalArgumentException e) {
                problems.add(f.error("pinned public key is not valid: " + e.getMessage(), "spec", "wireguard", field));
                return Optional.empty();
            }
        });
    }

    /** Linux's dev_valid_name: at most 15 bytes, not "." or "..", no '/', ':' or white space. */
    static Optional<String> interfaceNameProblem(String name) {
        if (name.length() > 15) {
            return Optional.of("interface name '" + name + "' is longer than 15 characters");
        }
        if (name.equals(".") || name.equals("..")) {
            return Optional.of("interface name '" + name + "' is not allowed");
        }
        if (name.chars().anyMatch(c -> c == '/' || c == ':' || Character.isWhitespace(c) || c > 0x7e)) {
            return Optional.of("interface name '" + name + "' contains '/', ':', white space or a non-ASCII character");
        }
        return Optional.empty();
    }

    private static int port(LocatedFile f, List<Problem> problems, int fallback, Object... path) {
        long port = f.scalar(path).map(Long.class::cast).orElse((long) fallback);
        if (port < 1 || port > 65535) {
            problems.add(f.error("listen port " + port + " is outside 1..65535", path));
            return fallback;
        }
        return (int) port;
    }

    private static long firewallMark(LocatedFile f, List<Problem> problems) {
        Object[] path = {"spec", "wireguard", "firewallMark"};
        long mark = f.scalar(path)
                .map(v -> v instanceof Long l ? l : Long.parseLong(((String) v).substring(2), 16))
                .orElse(WireguardSettings.DEFAULT.firewallMark());
        if (mark == 0) {
            problems.add(f.error("firewall mark must not be 0: WireGuard's own packets would not be told apart", path));
        } else if (Long.bitCount(mark) != 1) {
            problems.add(f.warning(String.format("firewall mark 0x%x has more than one bit set;"
                    + " a single bit avoids clashing with other users of the mark", mark), path));
        }
        return mark;
    }

    private static Mtu mtu(LocatedFile f, List<Problem> problems) {
        Optional<Object> value = f.scalar("spec", "wireguard", "mtu");
        if (value.isEmpty() || value.get() instanceof String) {
            return new Mtu.Auto();
        }
        long bytes = (Long) value.get();
        if (bytes < Mtu.MIN || bytes > Mtu.MAX) {
            problems.add(f.error("MTU " + bytes + " is outside " + Mtu.MIN + ".." + Mtu.MAX,
                    "spec", "wireguard", "mtu"));
            return new Mtu.Auto();
        }
        return new Mtu.Fixed((int) bytes);
    }

    private static Duration keepalive(LocatedFile f, List<Problem> problems) {
        String text = f.string("0s", "spec", "wireguard", "persistentKeepalive");
        long amount = Long.parseLong(text.substring(0, text.length() - 1));
        Duration duration = switch (text.charAt(text.length() - 1)) {
            case 'h' -> Duration.ofHours(amount);
            case 'm' -> Duration.ofMinutes(amount);
            default -> Duration.ofSeconds(amount);
        };
        if (duration.getSeconds() > MAX_KEEPALIVE_SECONDS) {
            problems.add(f.error("persistent keepalive " + text + " is longer than " + MAX_KEEPALIVE_SECONDS + "s",
                    "spec", "wireguard", "persistentKeepalive"));
            return Duration.ZERO;
        }
        return duration;
    }

    private static Optional<Duration> keyRotation(LocatedFile f, List<Problem> problems) {
        Object[] path = {"spec", "wireguard", "keyRotation"};
        if (f.scalar(path).isEmpty()) {
            return Optional.empty();
        }
        String text = f.string("", path);
        long amount = Long.parseLong(text.substring(0, text.length() - 1));
        Duration interval = text.endsWith("d") ? Duration.ofDays(amount) : Duration.ofHours(amount);
        if (interval.compareTo(WireguardSettings.MIN_KEY_ROTATION) < 0
                || interval.compareTo(WireguardSettings.MAX_KEY_ROTATION) > 0) {
            problems.add(f.error("key rotation " + text + " is outside 24h..365d: every rotation costs each peer a"
                    + " handshake; remove the field to keep keys until replaced by hand", path));
            return Optional.empty();
        }
        return Optional.of(interval);
    }

    private static NodeSelector nodeSelector(LocatedFile f, List<Problem> problems) {
        List<Requirement> requirements = new ArrayList<>();
        for (int i = 0; i < f.size("spec", "nodeSelector", "matchExpressions"); i++) {
            Object[] at = {"spec", "nodeSelector", "matchExpressions", i};
            Operator operator = Spelled.bySpelling(Operator.class, f.string("", concat(at, "operator")));
            List<String> values = f.strings(List.of(), concat(at, "values"));
            if (operator.takesValues() && values.isEmpty()) {
                problems.add(f.error("operator " + operator.spelling() + " needs at least one value", at));
            } else if (!operator.takesValues() && !values.isEmpty()) {
                problems.add(f.error("operator " + operator.spelling() + " takes no values", concat(at, "values")));
            }
            requirements.add(new Requirement(f.string("", concat(at, "key")), operator, values));
        }
        return new NodeSelector(f.stringMap("spec", "nodeSelector", "matchLabels"), requirements);
    }

    private static <T> List<T> parseEach(LocatedFile f, List<Problem> problems, Function<String, T> parser,
            Object... path) {
        List<String> texts = f.strings(List.of(), path);
        List<T> values = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            try {
                values.add(parser.apply(texts.get(i)));
            } catch (IllegalArgumentException e) {
                problems.add(f.error(e.getMessage(), concat(path, i)));
            }
        }
        return values;
    }

    private static Object[] concat(Object[] path, Object step) {
        Object[] longer = Arrays.copyOf(path, path.length + 1);
        longer[path.length] = step;
        return longer;
    }
}
