package dev.gitwire.testing;

import dev.gitwire.intent.Intent;
import dev.gitwire.intent.IntentWriter;
import dev.gitwire.intent.Membership;
import dev.gitwire.intent.MeshIntent;
import dev.gitwire.intent.MeshNode;
import dev.gitwire.intent.Mode;
import dev.gitwire.intent.NodeSelector;
import dev.gitwire.intent.RouteSource;
import dev.gitwire.intent.RoutingSettings;
import dev.gitwire.intent.WireguardSettings;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpAddress;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * A cluster on one machine: nodes as network namespaces (each with its own mount namespace, for
 * wireguard-go's socket) on one bridge, 10.240.0.0/24 at MTU 1500; pods as network namespaces on veth
 * pairs whose node side is named azv..., with a /32 route each and proxy ARP, as Azure CNI does. Node i
 * has address 10.240.0.(10i) and its pods 10.240.0.(10i+j). The Azure VNet delivers a pod's IP to its
 * node; here each node answers ARP on eth0 for its own pods only (proxy neighbour entries; proxy_arp on
 * eth0 would also claim other nodes' pods once they route into the tunnel). gitwire runs in a node with
 * {@link #gitwire}.
 */
public final class Testbed implements AutoCloseable {

    private static final String SUBNET_PREFIX = "10.240.0.";
    /**
     * When set (`make kernel-test` sets it), a node runs gitwire as a user does, through this launcher with its
     * jar and class-data archives: under QEMU's emulation that starts in half the time of the test classpath.
     */
    private static final String LAUNCHER = System.getProperty("gitwire.testbed.launcher");

    private final String id = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffL);
    private final TestNamespace fabric = new TestNamespace();
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final List<TestNamespace> pods = new ArrayList<>();
    private final Map<String, TestNamespace> podNames = new LinkedHashMap<>();
    private final List<Process> running = new ArrayList<>();
    private final List<String> containers = new ArrayList<>();
    private final Path root;
    private GitServer gitServer;
    private TcpRelay apiRelay;
    /** Whether nodes and pods added from now on have IPv6 addresses too (see {@link #dualStack()}). */
    private boolean dualStack;
    /** Whether the intents written list the IPv6 addresses alone (see {@link #ipv6Only()}). */
    private boolean ipv6Only;
    /** Each address's IPv6 twin, in dual-stack mode: node and pod addresses alike. */
    private final Map<String, String> ipv6 = new LinkedHashMap<>();

    /** The IPv6 prefix of the dual-stack bridge: node i at fd00:240::(10i), its pods right after, as in IPv4. */
    public static final String SUBNET6_PREFIX = "fd00:240::";

    /** One node: its host, its number, its state directory, its private key, its address and its pods'. */
    public record Node(String name, int number, WireguardGoHost host, Path stateDir, PrivateKey key, String address,
            List<String> pods) {
        /** The address of pod {@code pod}, counting from 1. */
        public String podAddress(int pod) {
            return pods.get(pod - 1);
        }
    }

    public Testbed() throws IOException {
        root = Files.createTempDirectory("gitwire-testbed-");
        fabric.ip("link", "add", "br0", "type", "bridge");
        fabric.ip("link", "set", "br0", "up");
    }

    public Path root() {
        return root;
    }

    /**
     * Dual stack from now on: the bridge, the nodes and the pods added next get IPv6 addresses beside their IPv4
     * ones (fd00:240::/64, the same numbers), nodes answer neighbour solicitations for their pods (proxy NDP, as
     * the VNet delivers a pod's IPv6 address to its node), and pods route IPv6 to their node's link-local fe80::1.
     */
    public Testbed dualStack() {
        dualStack = true;
        fabric.exec("sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=0", "net.ipv6.conf.default.disable_ipv6=0",
                "net.ipv6.conf.br0.disable_ipv6=0", "net.ipv6.conf.br0.accept_dad=0");
        return this;
    }

    /**
     * An IPv6-only cluster as gitwire sees it: the dual-stack testbed, but the intents list each node's and pod's
     * IPv6 address alone, so the tunnel's endpoints and everything it carries are IPv6 (the links keep their IPv4
     * addresses, which no intent names).
     */
    public Testbed ipv6Only() {
        dualStack();
        ipv6Only = true;
        return this;
    }

    /** The IPv6 twin of a node's or pod's address, in dual-stack mode. */
    public String ipv6Of(String address) {
        String twin = ipv6.get(address);
        if (twin == null) {
            throw new IllegalArgumentException(address + " has no IPv6 twin: not a dual-stack testbed's");
        }
        return twin;
    }

    private static String twin(String ipv4) {
        return SUBNET6_PREFIX + ipv4.substring(ipv4.lastIndexOf('.') + 1);
    }

    /** The address of the fabric's own side of the bridge, where the testbed's Git server and API server listen. */
    public static final String SERVICES_ADDRESS = SUBNET_PREFIX + "254";

    /** The WireGuard device's name by default (spec.wireguard.interfaceName). */
    public static final String DEVICE = WireguardSettings.DEFAULT.interfaceName();

    /** The port on which the nodes reach the Kubernetes API. */
    public static final int API_SERVER_PORT = 6443;

    /** A real `git daemon` on the bridge, reachable from every node, serving repositories from this testbed. */
    public GitServer gitServer() throws IOException {
        if (gitServer == null) {
            servicesAddress();
            gitServer = new GitServer(root.resolve("served"), List.of("ip", "netns", "exec", fabric.name()),
                    SERVICES_ADDRESS);
        }
        return gitServer;
    }

    /**
     * Makes an API server that runs in this JVM (fabric8's mock) reachable from every node at
     * {@code https://10.240.0.254:6443}; returns the kubeconfig that the nodes' agents use.
     */
    public Path kubernetesApi(URI server) throws IOException {
        if (apiRelay == null) {
            servicesAddress();
            apiRelay = new TcpRelay(fabric.namespace(), new InetSocketAddress(SERVICES_ADDRESS, API_SERVER_PORT),
                    new InetSocketAddress(server.getHost(), server.getPort()));
        }
        return Kubeconfig.write(root.resolve("kubeconfig"),
                server.getScheme() + "://" + SERVICES_ADDRESS + ":" + API_SERVER_PORT);
    }

    private void servicesAddress() {
        if (!fabric.ip("-br", "addr", "show", "dev", "br0").contains(SERVICES_ADDRESS + "/")) {
            fabric.ip("addr", "add", SERVICES_ADDRESS + "/24", "dev", "br0");
        }
    }

    /** Pings over IPv6 until one reply arrives or the deadline passes. */
    public static boolean reachable6(TestNamespace from, String address, long seconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (Shell.tryRun(List.of("ip", "netns", "exec", from.name(), "ping", "-6", "-c", "1", "-W", "1", address), null)
                    .exitCode() == 0) {
                return true;
            }
        }
        return false;
    }

    public TestNamespace fabric() {
        return fabric;
    }

    public Node node(String name) {
        return nodes.get(name);
    }

    public List<Node> nodes() {
        return List.copyOf(nodes.values());
    }

    /** Adds node number {@code number} (1..24) at 10.240.0.(10n) with {@code podCount} pods right after it. */
    public Node addNode(String name, int number, int podCount) throws IOException {
        return addNode(name, number, podCount, "azv");
    }

    /** The same, its pods' host-side links named {@code podInterfacePrefix}N (Azure CNI's are azv, Cilium's lxc). */
    public Node addNode(String name, int number, int podCount, String podInterfacePrefix) throws IOException {
        List<String> pods = new ArrayList<>();
        for (int pod = 1; pod <= podCount; pod++) {
            pods.add(SUBNET_PREFIX + (number * 10 + pod));
        }
        return addNode(name, number, SUBNET_PREFIX + (number * 10), pods, podInterfacePrefix);
    }

    /** Adds a node with the given address and pod addresses, all in 10.240.0.0/24. */
    public Node addNode(String name, int number, String address, List<String> podAddresses) throws IOException {
        return addNode(name, number, address, podAddresses, "azv");
    }

    private Node addNode(String name, int number, String address, List<String> podAddresses, String podInterfacePrefix)
            throws IOException {
        WireguardGoHost host = new WireguardGoHost();
        TestNamespace ns = host.namespace();
        String port = "p" + id + number;
        ns.ip("link", "add", "eth0", "type", "veth", "peer", "name", port);
        ns.ip("link", "set", port, "netns", fabric.name());
        fabric.ip("link", "set", port, "master", "br0");
        fabric.ip("link", "set", port, "up");
        Node node = new Node(name, number, host, Files.createDirectories(root.resolve("state-" + name)),
                PrivateKey.generate(new SecureRandom()), address, List.copyOf(podAddresses));
        ns.ip("addr", "add", node.address() + "/24", "dev", "eth0");
        ns.ip("link", "set", "eth0", "mtu", "1500", "up");
        if (dualStack) {
            sysctl(ns, "net.ipv4.ip_forward=1", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0",
                    "net.ipv6.conf.eth0.accept_dad=0", "net.ipv6.conf.all.forwarding=1", "net.ipv6.conf.eth0.proxy_ndp=1",
                    "net.ipv4.neigh.eth0.proxy_delay=0", "net.ipv6.neigh.eth0.proxy_delay=0");
            ipv6.put(node.address(), twin(node.address()));
            ns.ip("-6", "addr", "add", twin(node.address()) + "/64", "dev", "eth0", "nodad");
        } else {
            sysctl(ns, "net.ipv4.ip_forward=1", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1",
                    "net.ipv4.neigh.eth0.proxy_delay=0");
        }
        writeKey(node);
        nodes.put(name, node);
        for (int pod = 1; pod <= podAddresses.size(); pod++) {
            addPod(node, pod, podInterfacePrefix);
        }
        return node;
    }

    private static void writeKey(Node node) throws IOException {
        Files.writeString(node.stateDir().resolve("private.key"), node.key().base64() + "\n", StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(node.stateDir().resolve("private.key"),
                PosixFilePermissions.fromString("rw-------"));
    }

    /** Gives a node a new private key, in its state directory and in the intents written from now on. */
    public Node rekey(Node node) throws IOException {
        Node rekeyed = new Node(node.name(), node.number(), node.host(), node.stateDir(),
                PrivateKey.generate(new SecureRandom()), node.address(), node.pods());
        writeKey(rekeyed);
        nodes.put(node.name(), rekeyed);
        return rekeyed;
    }

    private void addPod(Node node, int pod, String interfacePrefix) {
        TestNamespace ns = new TestNamespace();
        pods.add(ns);
        String hostSide = interfacePrefix + node.number() + "x" + pod;
        TestNamespace nodeNs = node.host().namespace();
        nodeNs.ip("link", "add", hostSide, "type", "veth", "peer", "name", "eth0", "netns", ns.name());
        nodeNs.ip("link", "set", hostSide, "up");
        sysctl(nodeNs, "net.ipv4.conf." + hostSide + ".proxy_arp=1", "net.ipv4.neigh." + hostSide + ".proxy_delay=0");
        nodeNs.ip("route", "add", node.podAddress(pod) + "/32", "dev", hostSide);
        nodeNs.ip("neigh", "add", "proxy", node.podAddress(pod), "dev", "eth0");
        ns.ip("addr", "add", node.podAddress(pod) + "/32", "dev", "eth0");
        ns.ip("link", "set", "eth0", "up");
        ns.ip("route", "add", SUBNET_PREFIX + "0/24", "dev", "eth0");
        if (dualStack) {
            String address6 = twin(node.podAddress(pod));
            ipv6.put(node.podAddress(pod), address6);
            sysctl(ns, "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.eth0.accept_dad=0");
            sysctl(nodeNs, "net.ipv6.conf." + hostSide + ".accept_dad=0");
            nodeNs.ip("-6", "addr", "add", "fe80::1/64", "dev", hostSide, "nodad");
            nodeNs.ip("-6", "route", "add", address6 + "/128", "dev", hostSide);
            nodeNs.ip("-6", "neigh", "add", "proxy", address6, "dev", "eth0");
            ns.ip("-6", "addr", "add", address6 + "/128", "dev", "eth0", "nodad");
            ns.ip("-6", "route", "add", "default", "via", "fe80::1", "dev", "eth0");
            podNames.put(address6, ns);
        } else {
            sysctl(ns, "net.ipv6.conf.all.disable_ipv6=1");
        }
        podNames.put(node.podAddress(pod), ns);
    }

    /** The pod with this address. */
    public TestNamespace pod(String address) {
        return podNames.get(address);
    }

    /** Strict reverse-path filtering (rp_filter 1) on every node so far: what host encryption must survive. */
    public void strictReversePathFiltering() {
        nodes.values().forEach(node -> sysctl(node.host().namespace(), "net.ipv4.conf.all.rp_filter=1",
                "net.ipv4.conf.eth0.rp_filter=1"));
    }

    /**
     * Strict reverse-path filtering for IPv6 too, as firewalld sets it (the kernel has no rp_filter for IPv6): an IPv6
     * packet whose source does not route back through the interface it came in by, its mark considered, is dropped.
     */
    public void strictReversePathFiltering6() {
        nodes.values().forEach(node -> node.host().namespace().exec("nft", "add table inet rpf6 { chain pre { type filter"
                + " hook prerouting priority -290; meta nfproto ipv6 fib saddr . mark . iif oif missing drop; }; }"));
    }

    private static void sysctl(TestNamespace ns, String... settings) {
        for (String setting : settings) {
            ns.exec("sysctl", "-q", "-w", setting);
        }
    }

    /** What the inventory of a testbed's intent says about each node, besides its address. */
    public enum Inventory {
        /** Keys pinned, pods listed as workload IPs: the standalone mode with everything in Git. */
        PINNED,
        /** Pods listed, no pins: nodes learn each other's keys from the status branch. */
        UNPINNED,
        /** Neither: pods and keys come from the Kubernetes API. */
        KUBERNETES
    }

    /**
     * Writes the intent of this testbed into {@code repo}: every node with its address, its key pinned
     * and its pods as workload IPs; nodes in {@code withoutWireguard} opt out.
     */
    public Path writeIntent(Path repo, MeshIntent mesh, Set<String> withoutWireguard) throws IOException {
        return writeIntent(repo, mesh, withoutWireguard, Inventory.PINNED);
    }

    /** The same, with as much in the inventory as {@code inventory} says. */
    public Path writeIntent(Path repo, MeshIntent mesh, Set<String> withoutWireguard, Inventory listed)
            throws IOException {
        List<MeshNode> inventory = new ArrayList<>();
        for (Node node : nodes.values()) {
            List<IpAddress> workloads = listed == Inventory.KUBERNETES ? List.of()
                    : withTwins(node.pods()).stream().map(IpAddress::parse).toList();
            inventory.add(new MeshNode(node.name(), Map.of(), withTwins(List.of(node.address())).stream()
                    .map(IpAddress::parse).toList(),
                    new MeshNode.NodeWireguard(!withoutWireguard.contains(node.name()),
                            listed == Inventory.PINNED ? Optional.of(node.key().publicKey())
                                    : Optional.empty(),
                            Optional.empty(), OptionalInt.empty(), Optional.empty()),
                    List.of(), workloads));
        }
        try (var old = Files.exists(repo.resolve("nodes")) ? Files.list(repo.resolve("nodes")) : Stream.<Path>empty()) {
            for (Path file : old.toList()) {
                Files.delete(file);
            }
        }
        new IntentWriter().writeTo(new Intent(mesh, inventory), repo);
        return repo;
    }

    /** The addresses, each followed by its IPv6 twin when it has one (dual stack). */
    private List<String> withTwins(List<String> addresses) {
        List<String> both = new ArrayList<>();
        for (String address : addresses) {
            if (!ipv6Only) {
                both.add(address);
            }
            if (ipv6.containsKey(address)) {
                both.add(ipv6.get(address));
            }
        }
        return both;
    }

    /** A mesh like {@link #mesh}, whose workload network is the bridge's IPv6 subnet alone. */
    public static MeshIntent ipv6OnlyMesh(boolean enabled, boolean hostEncryption, Mode mode) {
        MeshIntent mesh = mesh(enabled, hostEncryption, mode);
        return new MeshIntent(mesh.name(), enabled, mode, mesh.routeSource(), hostEncryption, mesh.membership(),
                mesh.nodeSelector(), mesh.bypass(), List.of(Cidr.parse(SUBNET6_PREFIX + "/64")),
                mesh.workloadInterfaces(), mesh.wireguard(), mesh.routing());
    }

    /** A mesh like {@link #mesh}, whose workload networks are the dual-stack bridge's two subnets. */
    public static MeshIntent dualStackMesh(boolean enabled, boolean hostEncryption, Mode mode) {
        MeshIntent mesh = mesh(enabled, hostEncryption, mode);
        return new MeshIntent(mesh.name(), enabled, mode, mesh.routeSource(), hostEncryption, mesh.membership(),
                mesh.nodeSelector(), mesh.bypass(), List.of(Cidr.parse(SUBNET_PREFIX + "0/24"), Cidr.parse(SUBNET6_PREFIX + "/64")),
                mesh.workloadInterfaces(), mesh.wireguard(), mesh.routing());
    }

    /** A mesh like the example's, enabled or not, with host encryption and mode as given; the subnet its workload network. */
    public static MeshIntent mesh(boolean enabled, boolean hostEncryption, Mode mode) {
        return new MeshIntent("testbed", enabled, mode, RouteSource.WORKLOAD_IPS, hostEncryption, Membership.INVENTORY,
                NodeSelector.ALL, List.of(), List.of(Cidr.parse(SUBNET_PREFIX + "0/24")), List.of("azv"),
                WireguardSettings.DEFAULT, RoutingSettings.DEFAULT);
    }

    /** {@code mesh} with its WireGuard settings as {@code wireguard} makes them (a key rotation, post-quantum keys). */
    public static MeshIntent withWireguard(MeshIntent mesh, UnaryOperator<WireguardSettings> wireguard) {
        return new MeshIntent(mesh.name(), mesh.enabled(), mesh.mode(), mesh.routeSource(), mesh.hostEncryption(),
                mesh.membership(), mesh.nodeSelector(), mesh.bypass(), mesh.workloadNetworks(), mesh.workloadInterfaces(),
                wireguard.apply(mesh.wireguard()), mesh.routing());
    }

    /** Runs `gitwire ARGS` inside a node, from this JVM's classpath; returns exit code and output. */
    public Shell.Result gitwire(Node node, String... args) {
        return Shell.tryRun(gitwireCommand(node, args), null);
    }

    /** Starts `gitwire ARGS` inside a node; its output goes to the node's log; {@link #close()} stops it (SIGTERM). */
    public Process startGitwire(Node node, String... args) throws IOException {
        ProcessBuilder agent = new ProcessBuilder(gitwireCommand(node, args)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(root.resolve(node.name() + ".log").toFile()));
        if (LAUNCHER != null) { // under emulation, C2's compilations cost more than they save in a test's minutes
            agent.environment().put("GITWIRE_JAVA_OPTS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC");
        }
        Process started = agent.start();
        running.add(started);
        return started;
    }

    /**
     * Starts the agent of a node as the image's container ({@link AgentImage}: the DaemonSet's security context),
     * with {@code args} after the image; its output goes to the node's log; {@link #close()} stops it.
     */
    public Process startGitwireContainer(Node node, List<String> podmanOptions, String... args) throws IOException {
        List<String> options = new ArrayList<>(AgentImage.asAgentOf(node,
                Files.createDirectories(root.resolve("wireguard-sockets-" + node.name())),
                Files.createDirectories(root.resolve("tmp-" + node.name()))));
        options.addAll(podmanOptions);
        Process started = new ProcessBuilder(AgentImage.run(options, args)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(root.resolve(node.name() + ".log").toFile())).start();
        running.add(started);
        containers.add("gitwire-" + node.host().namespace().name());
        return started;
    }

    /** What the node's gitwire processes have written so far, for a failure message. */
    public String log(Node node) {
        String device; // what WireGuard itself says, for a failure no log explains (a handshake that never came)
        try {
            device = node.host().run("wg", "show");
        } catch (RuntimeException e) {
            device = "(wg show failed: " + e.getMessage() + ")";
        }
        try {
            return Files.readString(root.resolve(node.name() + ".log")) + "\n-- wg show on " + node.name() + ":\n"
                    + device;
        } catch (IOException e) {
            return "(no log)\n-- wg show on " + node.name() + ":\n" + device;
        }
    }

    private static List<String> gitwireCommand(Node node, String... args) {
        List<String> command = new ArrayList<>(node.host().inside());
        if (LAUNCHER != null) {
            command.add(LAUNCHER);
        } else {
            command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                    "dev.gitwire.cli.Main"));
        }
        command.addAll(List.of(args));
        return command;
    }

    /** `gitwire apply` of the intent in {@code repo} on a node, standalone, with {@code flags} besides. */
    public Shell.Result apply(Node node, Path repo, String... flags) {
        List<String> args = new ArrayList<>(List.of("apply", "--repo", repo.toString(), "--node", node.name(),
                "--state-dir", node.stateDir().toString(), "--no-kubernetes"));
        args.addAll(List.of(flags));
        return gitwire(node, args.toArray(String[]::new));
    }

    /**
     * `gitwire apply` on every node at once, as nodes of a cluster apply a commit: a peer is routed only once
     * both sides have each other's key, so one node applying alone waits for the others.
     */
    public Map<String, Shell.Result> applyEverywhere(Path repo) throws InterruptedException {
        return onEveryNode(node -> apply(node, repo));
    }

    /** A command on every node at once, as the nodes of a cluster run it; the results by node name. */
    public Map<String, Shell.Result> onEveryNode(Function<Node, Shell.Result> command)
            throws InterruptedException {
        Map<String, Shell.Result> results = new ConcurrentHashMap<>();
        List<Thread> threads = new ArrayList<>();
        for (Node node : nodes.values()) {
            Thread thread = new Thread(() -> results.put(node.name(), command.apply(node)), "on-" + node.name());
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            thread.join();
        }
        return new TreeMap<>(results);
    }

    /** Whether {@code from} routes every pod of {@code to} into the tunnel, within {@code millis}. */
    public static boolean routesIntoTunnel(Node from, Node to, long millis) throws InterruptedException {
        return eventually(millis, () -> to.pods().stream().allMatch(pod -> routesIntoTunnel(from, pod)));
    }

    /** Whether {@code from} routes {@code destination} into the tunnel now (table 51820 may not exist yet). */
    public static boolean routesIntoTunnel(Node from, String destination) {
        return Shell.tryRun(List.of("ip", destination.contains(":") ? "-6" : "-4", "-n", from.host().namespace().name(),
                "route", "show", "table", "51820"), null).output().contains(destination + " dev " + DEVICE);
    }

    /** An HTTP request to the agent of a node, on its default address; the body, a line, then the status code. */
    public static String agentHttp(Node node, String method, String path) {
        List<String> command = new ArrayList<>(node.host().inside());
        command.addAll(List.of("curl", "-s", "-m", "5", "-o", "-", "-w", "\n%{http_code}", "-X", method,
                "http://127.0.0.1:9824" + path));
        return Shell.tryRun(command, null).output();
    }

    /** Whether this kernel has WireGuard: in the VM of `make kernel-test`, where nodes use it instead of wireguard-go. */
    public static boolean kernelWireguard() {
        return Files.isDirectory(Path.of("/sys/module/wireguard"));
    }

    /** Whether the condition became true before the deadline, checked every 50 ms. */
    public static boolean eventually(long millis, BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(50);
        }
        return condition.getAsBoolean();
    }

    /** Pings until one reply arrives or the deadline passes (the first handshake can race for seconds). */
    public static boolean reachable(TestNamespace from, String address, long seconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (Shell.tryRun(List.of("ip", "netns", "exec", from.name(), "ping", "-c", "1", "-W", "1", address), null)
                    .exitCode() == 0) {
                return true;
            }
        }
        return false;
    }

    /** Captures on the bridge while {@code traffic} runs; returns the capture file, for counting. */
    public Path capture(Runnable traffic) throws IOException, InterruptedException {
        Path file = root.resolve("capture-" + System.nanoTime() + ".pcap");
        Process tcpdump = new ProcessBuilder("ip", "netns", "exec", fabric.name(), "tcpdump", "-i", "br0", "-n", "-U",
                "--immediate-mode", "-w", file.toString()).redirectErrorStream(true).start();
        Thread.sleep(700); // tcpdump needs a moment before it captures
        try {
            traffic.run();
            Thread.sleep(300);
        } finally {
            tcpdump.destroy();
            tcpdump.waitFor(5, TimeUnit.SECONDS);
        }
        return file;
    }

    /** How many packets of a capture match a filter. */
    public static long count(Path capture, String filter) {
        String out = Shell.run(List.of("tcpdump", "-n", "-r", capture.toString(), filter), null);
        return out.lines().filter(l -> !l.startsWith("reading from")).count();
    }

    @Override
    public void close() {
        for (Process agent : running) { // SIGTERM: the agents leave the dataplane as it is
            agent.destroy();
        }
        for (Process agent : running) {
            try {
                agent.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        containers.forEach(AgentImage::remove);
        if (gitServer != null) {
            gitServer.stop();
        }
        if (apiRelay != null) {
            apiRelay.close();
        }
        pods.forEach(TestNamespace::close);
        nodes.values().forEach(n -> n.host().close());
        fabric.close();
        try (var walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp directory left behind is harmless
        }
    }
}
