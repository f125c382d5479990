package dev.gitwire.bench;

import dev.gitwire.keys.PrivateKey;
import dev.gitwire.net.IpAddress;
import dev.gitwire.net.IpFamily;
import dev.gitwire.testing.Shell;
import dev.gitwire.testing.WireguardGoHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A one-shot {@code gitwire apply} (the {@code gitwire} launcher and the jar, JVM start included) of a node whose
 * one peer lists N workload IPs,
 * against a shell script doing the same kernel work with the tools a user would use instead (wireguard-go,
 * {@code wg setconf}, {@code ip -batch}, {@code nft -f}, {@code ip rule}); alternating which goes first, each
 * on a fresh node, both checked by the same reading of the kernel. Then a second apply that changes nothing.
 * The peer never answers, so gitwire's routes are throws (the handshake gate, docs/architecture.md); the
 * script installs the same throws. The launcher's first apply makes its class-data archive (docs/operations.md):
 * that run is timed and printed on its own, before the rounds. Needs root and {@code target/gitwire.jar}
 * ({@code make bench} builds it).
 */
public final class ApplyBenchmark {

    private static final String DEVICE = "gitwire0";

    public static void main(String[] given) throws Exception {
        BenchArgs args = new BenchArgs(given);
        int count = args.integer(0, 100_000);
        int rounds = args.integer(1, 3);
        Path jar = Path.of(args.text(2, "target/gitwire.jar")).toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build it first (mvn -DskipTests package)");
        }
        Path work = Files.createTempDirectory("gitwire-apply-bench");
        List<String> ips = workloadIps(count);
        SecureRandom random = new SecureRandom();
        String peerKey = PrivateKey.generate(random).publicKey().base64();
        Path repo = intentRepo(work.resolve("repo"), peerKey, ips);
        Path script = shellScript(work, PrivateKey.generate(random), peerKey, ips);
        Path launcher = launcher();
        Shell.run("rm", "-rf", jar.resolveSibling("cds").toString()); // the archive of this jar is made in this run
        long training;
        try (WireguardGoHost node = node()) {
            training = timed(gitwireApply(node, launcher, jar, repo, Files.createTempDirectory(work, "state")),
                    work.resolve("training.out"), "converged");
        }

        long[][] ms = new long[3][rounds];
        for (int round = 0; round < rounds; round++) {
            boolean gitwireFirst = round % 2 == 0; // neither side always meets a warmer kernel or page cache
            for (int turn = 0; turn < 2; turn++) {
                try (WireguardGoHost node = node()) {
                    if ((turn == 0) == gitwireFirst) {
                        Path state = Files.createTempDirectory(work, "state");
                        List<String> apply = gitwireApply(node, launcher, jar, repo, state);
                        ms[0][round] = timed(apply, work.resolve("apply.out"), "converged");
                        check(node, ips, peerKey);
                        ms[2][round] = timed(apply, work.resolve("again.out"), "0 changes");
                        check(node, ips, peerKey);
                    } else {
                        List<String> shell = new ArrayList<>(node.inside());
                        shell.addAll(List.of("bash", script.toString()));
                        ms[1][round] = timed(shell, work.resolve("shell.out"), "");
                        check(node, ips, peerKey);
                    }
                }
            }
        }
        Shell.run("rm", "-rf", work.toString());
        long gitwire = RouteBenchmark.median(ms[0]);
        long tools = RouteBenchmark.median(ms[1]);
        System.out.printf("one-shot apply, a peer with %d workload IPs, rounds %d, process start included: gitwire apply"
                        + " %d ms, shell tools %d ms (ratio %.2f, gitwire/tools); no-change apply %d ms;"
                        + " the launcher's first apply, making its class-data archive, %d ms%n",
                count, rounds, gitwire, tools, (double) gitwire / tools, RouteBenchmark.median(ms[2]), training);
    }

    /** {@code count} workload IPs from 10.64.0.0 on. */
    static List<String> workloadIps(int count) {
        return workloadIps("10.64.0.0", count);
    }

    /** {@code count} consecutive workload IPs from {@code first} on. */
    static List<String> workloadIps(String first, int count) {
        List<String> ips = new ArrayList<>(count);
        long base = IpAddress.parse(first).lo();
        for (int i = 0; i < count; i++) {
            ips.add(new IpAddress(IpFamily.IPV4, 0, base + i).toString());
        }
        return ips;
    }

    /** A fresh node with wireguard-go and an underlay address. */
    static WireguardGoHost node() {
        WireguardGoHost node = new WireguardGoHost();
        node.namespace().ip("link", "add", "eth0", "type", "veth", "peer", "name", "eth0p");
        node.namespace().ip("address", "add", "10.99.0.1/24", "dev", "eth0");
        node.namespace().ip("link", "set", "eth0", "up");
        node.namespace().ip("link", "set", "eth0p", "up");
        return node;
    }

    /** The {@code gitwire} launcher at the root of the checkout, as a user runs it. */
    static Path launcher() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("gitwire")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return dir.resolve("gitwire");
            }
        }
        throw new IllegalStateException("the gitwire launcher is not in " + Path.of("").toAbsolutePath() + " or above");
    }

    private static List<String> gitwireApply(WireguardGoHost node, Path launcher, Path jar, Path repo, Path state) {
        List<String> command = new ArrayList<>(node.inside());
        command.addAll(List.of("env", "GITWIRE_JAR=" + jar, launcher.toString(),
                "apply", "--repo", "file://" + repo, "--node", "a", "--no-kubernetes", "--state-dir", state.toString(),
                "--wireguard", "userspace", "--handshake-timeout", "0s"));
        return command;
    }

    /** Runs a command to its end, its output to {@code output}; fails unless it exits 0 and says {@code expected}. */
    static long timed(List<String> command, Path output, String expected) throws Exception {
        long t0 = System.nanoTime();
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException("timed out: " + command);
        }
        long elapsed = (System.nanoTime() - t0) / 1_000_000;
        String said = Files.readString(output);
        if (process.exitValue() != 0 || !said.contains(expected)) {
            throw new IllegalStateException(String.join(" ", command) + " exited " + process.exitValue() + ":\n"
                    + said.substring(Math.max(0, said.length() - 2000)));
        }
        return elapsed;
    }

    /** The node holds exactly the work both sides were asked for: every route and every allowed IP, read back. */
    static void check(WireguardGoHost node, List<String> ips, String peerKey) {
        check(node, ips, peerKey, List.of());
    }

    /** As above, with throws for {@code bypassed} too: the addresses of servers the agent keeps out of the tunnel. */
    static void check(WireguardGoHost node, List<String> ips, String peerKey, List<String> bypassed) {
        Set<String> routes = new HashSet<>();
        node.namespace().ip("route", "show", "table", "51820").lines()
                .map(l -> l.strip().split("\\s+")).forEach(f -> routes.add(f[0].equals("throw") ? f[1] : String.join(" ", f)));
        Set<String> wanted = new HashSet<>(ips);
        wanted.addAll(bypassed);
        if (!routes.equals(wanted)) {
            throw new IllegalStateException("table 51820 holds " + routes.size() + " routes, not the " + wanted.size()
                    + " throws expected");
        }
        String[] fields = node.run("wg", "show", DEVICE, "allowed-ips").strip().split("\\s+");
        Set<String> allowed = new HashSet<>(Arrays.asList(fields).subList(1, fields.length));
        Set<String> wantedAllowed = new HashSet<>();
        ips.forEach(ip -> wantedAllowed.add(ip + "/32"));
        wantedAllowed.add("10.99.0.2/32");
        if (!fields[0].equals(peerKey) || !allowed.equals(wantedAllowed)) {
            throw new IllegalStateException("peer " + fields[0] + " has " + allowed.size() + " allowed IPs, not the "
                    + wantedAllowed.size() + " expected");
        }
        if (!node.namespace().ip("rule").contains("not from all fwmark 0x2000/0x2000 lookup 51820")) {
            throw new IllegalStateException("the fwmark rule is missing");
        }
    }

    /** Node a, and node b whose pinned key and N workload IPs make it a's one peer; committed on main. */
    static Path intentRepo(Path repo, String peerKey, List<String> ips) throws IOException {
        Files.createDirectories(repo.resolve("nodes"));
        Files.writeString(repo.resolve("mesh.yaml"), """
                apiVersion: gitwire.dev/v1alpha1
                kind: MeshIntent
                metadata:
                  name: apply-bench
                spec:
                  enabled: true
                  workloadInterfaces: [azv]
                """);
        Files.writeString(repo.resolve("nodes/a.yaml"), node("a", "10.99.0.1", ""));
        Files.writeString(repo.resolve("nodes/b.yaml"), peerNode("b", "10.99.0.2", peerKey, ips));
        Shell.run("git", "-C", repo.toString(), "init", "-q", "-b", "main");
        Shell.run("git", "-C", repo.toString(), "add", ".");
        Shell.run("git", "-C", repo.toString(), "-c", "user.name=bench", "-c", "user.email=bench@gitwire.dev",
                "commit", "-q", "-m", "a peer with many workload IPs");
        return repo;
    }

    /** A node file with a pinned key and the given workload IPs. */
    static String peerNode(String name, String address, String peerKey, List<String> ips) {
        StringBuilder file = new StringBuilder(node(name, address, "  wireguard:\n    publicKey: " + peerKey + "\n"));
        file.append("  workloadIPs:\n");
        ips.forEach(ip -> file.append("    - ").append(ip).append('\n'));
        return file.toString();
    }

    private static String node(String name, String address, String extra) {
        return "apiVersion: gitwire.dev/v1alpha1\nkind: MeshNode\nmetadata:\n  name: " + name + "\nspec:\n  addresses: ["
                + address + "]\n" + extra;
    }

    /** What a user would run instead: the device, its peer, the link, the routes, the guard table and the rule. */
    static Path shellScript(Path work, PrivateKey key, String peerKey, List<String> ips) throws IOException {
        Files.writeString(work.resolve("wg.conf"), "[Interface]\nPrivateKey = " + key.base64()
                + "\nListenPort = 51820\nFwMark = 0x100000\n\n[Peer]\nPublicKey = " + peerKey
                + "\nEndpoint = 10.99.0.2:51820\nPersistentKeepalive = 5\nAllowedIPs = " + String.join("/32, ", ips)
                + "/32, 10.99.0.2/32\n");
        StringBuilder routes = new StringBuilder();
        ips.forEach(ip -> routes.append("route add throw ").append(ip).append(" table 51820\n"));
        Files.writeString(work.resolve("routes.batch"), routes);
        Files.writeString(work.resolve("guard.nft"), """
                table inet gitwire_guard {
                  set hosts4 { type ipv4_addr; size 65536; }
                  set nets4 { type ipv4_addr; flags interval; }
                  set hosts6 { type ipv6_addr; size 65536; }
                  set nets6 { type ipv6_addr; flags interval; }
                  chain output {
                    type filter hook output priority filter; policy accept;
                    meta mark & 0x00100000 == 0x00100000 accept
                    oifname "gitwire0" accept
                    ip daddr @hosts4 drop
                    ip daddr @nets4 drop
                    ip6 daddr @hosts6 drop
                    ip6 daddr @nets6 drop
                  }
                }
                """);
        Path script = work.resolve("apply.sh");
        Files.writeString(script, "set -e\ncd " + work + "\n"
                + "wireguard-go " + DEVICE + "\n"
                + "wg setconf " + DEVICE + " wg.conf\n"
                + "ip link set " + DEVICE + " mtu 1440 up\n"
                + "ip address add 192.0.0.8/32 dev " + DEVICE + " scope host\n"
                + "ip -batch routes.batch\n"
                + "nft -f guard.nft\n"
                + "ip rule add not fwmark 0x2000/0x2000 table 51820 priority 97\n");
        return script;
    }
}
