package dev.gitwire.demo;

import dev.gitwire.intent.Intent;
import dev.gitwire.intent.IntentReader;
import dev.gitwire.intent.MeshNode;
import dev.gitwire.net.IpAddress;
import dev.gitwire.source.DirectoryTree;
import dev.gitwire.testing.GitServer;
import dev.gitwire.testing.GitWorkTree;
import dev.gitwire.testing.IntentFixtures;
import dev.gitwire.testing.Shell;
import dev.gitwire.testing.Testbed;
import dev.gitwire.testing.Testbed.Node;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * `make demo`: the three AKS-like nodes of examples-repo on a bridge, one of them without WireGuard, a
 * Git server, and `gitwire run` on every node; then what a user came to see: a commit turns encryption
 * on, the capture proves it, another commit changes the mesh, and the status branch tells the story.
 */
public final class Demo {

    private static final String OPTED_OUT = "aks-nodepool1-12345678-vmss000002";

    private final Testbed bed;
    private final Map<String, Process> agents = new LinkedHashMap<>();
    private GitWorkTree work;
    private GitServer git;
    private String url;

    private Demo(Testbed bed) {
        this.bed = bed;
    }

    public static void main(String[] args) throws Exception {
        boolean keep = String.join(" ", args).contains("--keep");
        if (!Files.readString(Path.of("/proc/self/status")).lines().anyMatch(l -> l.matches("Uid:\\s+0\\s.*"))) {
            System.err.println("make demo needs root: it creates network namespaces, links and a WireGuard mesh."
                    + " Run: sudo make demo");
            System.exit(1);
        }
        Testbed bed = new Testbed();
        Demo demo = new Demo(bed);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (!keep) {
                demo.stopAgents();
                bed.close();
            }
        }));
        demo.run();
        if (keep) {
            System.out.println("\n--keep: the testbed keeps running; its files are in " + bed.root()
                    + "\n  nodes: " + bed.nodes().stream().map(n -> n.name() + " (netns " + n.host().namespace().name()
                            + ")").toList() + "\n  Git: " + demo.url);
            Thread.currentThread().join();
        }
    }

    private void run() throws Exception {
        step("1. The cluster: examples-repo's three nodes, their pods, a Git server");
        Intent example = new IntentReader().read(new DirectoryTree(IntentFixtures.examplesRepo())).intent().orElseThrow();
        int number = 1;
        for (MeshNode node : example.nodes()) {
            Node added = bed.addNode(node.name(), number++, node.addresses().get(0).toString(),
                    node.workloadIPs().stream().map(IpAddress::toString).toList());
            System.out.printf("   %s  address %s  pods %s%n", added.name(), added.address(), added.pods());
        }
        git = bed.gitServer();
        url = git.create("mesh");
        work = new GitWorkTree(bed.root().resolve("mesh"), "file://" + git.path("mesh"), Map.of());
        IntentFixtures.copy(IntentFixtures.examplesRepo(), work.dir());
        edit("nodes/" + OPTED_OUT + ".yaml", "enabled: true", "enabled: false");
        work.commit("gitwire intent, encryption off", List.of());
        work.push(false);
        System.out.println("   intent repo " + url + " (encryption off; " + OPTED_OUT + " opts out of WireGuard)");

        step("2. One agent per node: gitwire run");
        for (Node node : bed.nodes()) {
            agents.put(node.name(), bed.startGitwire(node, "run", "--allow-unsigned", "--repo",
                    url, "--node", node.name(), "--state-dir", node.stateDir().toString(), "--no-kubernetes",
                    "--status-branch", "gitwire/status", "--interval", "5s"));
        }
        waitFor("every agent ready", () -> bed.nodes().stream().allMatch(n -> Testbed.agentHttp(n, "GET", "/readyz").endsWith("200")));
        Node first = bed.nodes().get(0);
        Node second = bed.nodes().get(1);
        Node plain = bed.nodes().get(2);
        showCapture("   pod to pod before: ", first, second.podAddress(1));

        step("3. A pull request merged: spec.enabled: true");
        edit("mesh.yaml", "enabled: false", "enabled: true");
        work.commit("Enable WireGuard encryption between nodes", List.of());
        work.push(false);
        long start = System.nanoTime();
        for (int round = 0; round < 2; round++) { // the second round: keys learnt from the status branch
            bed.nodes().forEach(n -> Testbed.agentHttp(n, "POST", "/reconcile"));
            waitFor("every agent converged", () -> bed.nodes().stream().allMatch(n -> Testbed.agentHttp(n, "GET", "/readyz").endsWith("200")
                    && Testbed.agentHttp(n, "GET", "/metrics").contains("revision=\"main@sha1:" + head() + "\"")));
            Thread.sleep(1500);
        }
        waitFor("peers up", () -> Testbed.reachable(bed.pod(first.podAddress(1)), second.podAddress(1), 1));
        System.out.printf("   every node converged %d ms after the merge%n", (System.nanoTime() - start) / 1_000_000);

        step("4. The mesh: gitwire status, and wg show on " + first.name());
        System.out.print(indent(bed.gitwire(first, "status", "--repo", url).output()));
        System.out.print(indent(first.host().run("wg", "show", "gitwire0")));

        step("5. Proof on the wire (tcpdump on the bridge)");
        showCapture("   pod to pod, both nodes with WireGuard: ", first, second.podAddress(1));
        showCapture("   pod to the node without WireGuard:     ", first, plain.podAddress(1));

        step("6. Another commit: a keepalive of 25s, and the agents follow");
        edit("mesh.yaml", "persistentKeepalive: 0s", "persistentKeepalive: 25s");
        work.commit("Keep NAT mappings alive", List.of());
        work.push(false);
        bed.nodes().forEach(n -> Testbed.agentHttp(n, "POST", "/reconcile"));
        waitFor("every agent on the new revision", () -> bed.nodes().stream()
                .allMatch(n -> Testbed.agentHttp(n, "GET", "/metrics").contains("revision=\"main@sha1:" + head() + "\"")));
        System.out.print(indent(first.host().run("wg", "show", "gitwire0", "persistent-keepalive")));

        step("7. The audit trail: git log gitwire/status");
        Thread.sleep(2000);
        System.out.print(indent(Shell.run("git", "-C", git.path("mesh").toString(), "log", "--format=%h %s",
                "gitwire/status")));
        System.out.println("\nDemo complete.");
    }

    private void showCapture(String label, Node from, String to) throws Exception {
        Path capture = bed.capture(() -> Shell.tryRun(List.of("ip", "netns", "exec", bed.pod(from.podAddress(1)).name(),
                "ping", "-c", "3", "-i", "0.2", "-W", "1", to), null));
        System.out.printf("%s%d WireGuard UDP packets (port 51820), %d plaintext ICMP packets%n", label,
                Testbed.count(capture, "udp port 51820"), Testbed.count(capture, "icmp"));
        Shell.run(List.of("tcpdump", "-n", "-r", capture.toString(), "icmp or udp port 51820"), null).lines()
                .filter(l -> !l.startsWith("reading")).limit(4)
                .forEach(l -> System.out.println("     " + l));
    }

    private String head() {
        return work.git("rev-parse", "HEAD").strip();
    }

    private void edit(String file, String from, String to) throws Exception {
        Path path = work.dir().resolve(file);
        Files.writeString(path, Files.readString(path).replace(from, to));
    }

    private static void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    private static void step(String title) {
        System.out.println("\n== " + title);
    }

    private static String indent(String text) {
        return text.lines().map(l -> "   " + l).reduce("", (a, b) -> a + b + "\n");
    }

    private void stopAgents() {
        agents.values().forEach(Process::destroy);
        for (Process agent : agents.values()) {
            try {
                agent.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
