package dev.gitwire.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.intent.Mode;
import dev.gitwire.testing.KernelWireguard;
import dev.gitwire.testing.PingWatch;
import dev.gitwire.testing.Privileged;
import dev.gitwire.testing.Shell;
import dev.gitwire.testing.Testbed;
import dev.gitwire.testing.Testbed.Node;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 29, first steps: IPv6 across gitwire's dataplane on a wire. A dual-stack testbed (IPv6 on the bridge, pods
 * with both families), one WireGuard device carrying both over the IPv4 underlay: IPv6 pod to pod is encrypted
 * (no IPv6 echo request on the bridge, only WireGuard's UDP), a node without WireGuard is reached in plaintext, and an
 * IPv6 route or the IPv6 rule deleted by hand is put back, with the guard dropping meanwhile, never leaking.
 */
@Privileged
class DualStackEndToEndIT {

    /** IPv6 echo requests (ICMPv6 type 128) on the bridge, to or from {@code address}. */
    private static String echoRequests6(String address) {
        return "icmp6 and ip6[40] == 128 and host " + address;
    }

    /** Dual stack over the IPv4 underlay, and the same scenario in an IPv6-only cluster (the IPv6 underlay). */
    @ParameterizedTest(name = "IPv6 only: {0}")
    @ValueSource(booleans = {false, true})
    @Tag(KernelWireguard.ALSO_IN_VM) // and on kernel WireGuard, in the VM
    void ipv6PodTrafficIsEncryptedAndItsRouteAndRuleRepairedWithoutALeak(boolean ipv6Only) throws Exception {
        try (Testbed bed = ipv6Only ? new Testbed().ipv6Only() : new Testbed().dualStack()) {
            Node a = bed.addNode("node-a", 1, 1);
            Node b = bed.addNode("node-b", 2, 1);
            Node c = bed.addNode("node-c", 3, 1);
            String podA = bed.ipv6Of(a.podAddress(1));
            String podB = bed.ipv6Of(b.podAddress(1));
            String podC = bed.ipv6Of(c.podAddress(1));
            assertThat(Testbed.reachable6(bed.pod(a.podAddress(1)), podB, 10)).as("the dual-stack bridge works").isTrue();

            Path repo = bed.writeIntent(Files.createDirectories(bed.root().resolve("repo")),
                    ipv6Only ? Testbed.ipv6OnlyMesh(true, false, Mode.OPPORTUNISTIC)
                            : Testbed.dualStackMesh(true, false, Mode.OPPORTUNISTIC), Set.of("node-c"));
            int mtu = ipv6Only ? 1500 - 80 : 1500 - 60;
            bed.applyEverywhere(repo);
            assertThat(Testbed.reachable6(bed.pod(a.podAddress(1)), podB, 20)).isTrue();
            bed.applyEverywhere(repo); // routes each peer once its handshake is proven
            assertThat(a.host().namespace().ip("-6", "route", "show", "table", "51820"))
                    .contains(podB + " dev " + Testbed.DEVICE);
            assertThat(a.host().namespace().ip("-6", "rule", "show")).contains("97:").contains("lookup 51820");
            assertThat(a.host().run("wg", "show", Testbed.DEVICE, "allowed-ips")).contains(podB + "/128");
            if (!ipv6Only) {
                assertThat(a.host().run("wg", "show", Testbed.DEVICE, "allowed-ips")).contains(b.podAddress(1) + "/32");
                // both families, said per family (issue 29 point 7)
                String planned = bed.gitwire(a, "plan", "--repo", repo.toString(), "--node", a.name(), "--state-dir",
                        a.stateDir().toString(), "--no-kubernetes").output();
                assertThat(planned).containsPattern("routes in table 51820 \\(\\d+ IPv4, \\d+ IPv6\\)")
                        .containsPattern("unencrypted \\(dropped if the tunnel is missing\\): 1 IPv4, 1 IPv6");
            }

            Path encrypted = bed.capture(() -> Shell.run("ip", "netns", "exec", bed.pod(a.podAddress(1)).name(), "ping",
                    "-6", "-c", "5", "-i", "0.2", podB));
            System.out.printf("%s: pod to pod over IPv6: %d plaintext echo requests, %d WireGuard packets%n",
                    ipv6Only ? "IPv6 only" : "dual stack", Testbed.count(encrypted, echoRequests6(podA)),
                    Testbed.count(encrypted, "udp port 51820"));
            assertThat(Testbed.count(encrypted, echoRequests6(podA))).as("IPv6 echo requests in plaintext").isZero();
            assertThat(Testbed.count(encrypted, "udp port 51820")).isGreaterThanOrEqualTo(10);

            // path MTU through the tunnel: a large IPv6 packet gets "packet too big" (the tunnel's MTU), never a
            // black hole, and the pod's next ones fit
            Shell.Result big = Shell.tryRun(List.of("ip", "netns", "exec", bed.pod(a.podAddress(1)).name(), "ping", "-6",
                    "-c", "2", "-W", "2", "-M", "do", "-s", "1452", podB), null);
            System.out.printf("%s: a 1,500-byte IPv6 ping through the tunnel: %s%n", ipv6Only ? "IPv6 only" : "dual stack",
                    big.output().lines().filter(l -> l.contains("too big") || l.contains("mtu")).findFirst().orElse("?"));
            assertThat(big.output()).containsIgnoringCase("too big").contains("mtu=" + mtu);
            assertThat(Shell.tryRun(List.of("ip", "netns", "exec", bed.pod(a.podAddress(1)).name(), "ping", "-6", "-c",
                    "3", "-W", "2", "-s", "1400", podB), null).output()).containsPattern("[1-3] received");

            assertThat(Testbed.reachable6(bed.pod(a.podAddress(1)), podC, 10)).isTrue();
            Path plain = bed.capture(() -> Shell.run("ip", "netns", "exec", bed.pod(a.podAddress(1)).name(), "ping",
                    "-6", "-c", "3", "-i", "0.2", podC));
            assertThat(Testbed.count(plain, echoRequests6(podA))).as("to the node without WireGuard, in plaintext")
                    .isGreaterThanOrEqualTo(3);

            // drift: the IPv6 route, then the IPv6 rule, deleted by hand: the guard drops, apply puts them back
            for (List<String> drift : List.of(List.of("-6", "route", "del", podB, "table", "51820"),
                    List.of("-6", "rule", "del", "priority", "97"))) {
                a.host().namespace().ip(drift.toArray(String[]::new));
                Path leaking = bed.capture(() -> Shell.tryRun(List.of("ip", "netns", "exec", bed.pod(a.podAddress(1))
                        .name(), "ping", "-6", "-c", "3", "-i", "0.2", "-W", "1", podB), null));
                assertThat(Testbed.count(leaking, echoRequests6(podA))).as("after %s: plaintext", drift).isZero();
                Shell.Result repaired = bed.apply(a, repo);
                assertThat(repaired.exitCode()).as(repaired.output()).isZero();
                assertThat(Testbed.reachable6(bed.pod(a.podAddress(1)), podB, 10)).as("after %s", drift).isTrue();
            }
            Path again = bed.capture(() -> Shell.run("ip", "netns", "exec", bed.pod(a.podAddress(1)).name(), "ping",
                    "-6", "-c", "3", "-i", "0.2", podB));
            assertThat(Testbed.count(again, echoRequests6(podA))).isZero();

            // wireguard-go killed: its device, routes and rule go with it; the guard keeps IPv6 in as well
            List<Long> daemons = PingWatch.pids(a.host().namespace(), "wireguard-go");
            if (daemons.isEmpty()) { // kernel WireGuard (the VM): no daemon to kill
                assertThat(a.host().namespace().ip("-d", "link", "show", Testbed.DEVICE)).contains(" wireguard ");
                return;
            }
            assertThat(daemons).hasSize(1);
            Shell.run("kill", "-KILL", daemons.get(0).toString());
            assertThat(Testbed.eventually(5_000, () -> !a.host().namespace().ip("link", "show").contains(Testbed.DEVICE)))
                    .isTrue();
            Path killed = bed.capture(() -> Shell.tryRun(List.of("ip", "netns", "exec", bed.pod(a.podAddress(1)).name(),
                    "ping", "-6", "-c", "3", "-i", "0.2", "-W", "1", podB), null));
            System.out.printf("%s: wireguard-go killed: %d plaintext IPv6 echo requests%n", ipv6Only ? "IPv6 only" : "dual stack",
                    Testbed.count(killed, echoRequests6(podA)));
            assertThat(Testbed.count(killed, echoRequests6(podA))).as("wireguard-go killed: plaintext").isZero();
            assertThat(bed.apply(a, repo).exitCode()).isZero();
            assertThat(Testbed.reachable6(bed.pod(a.podAddress(1)), podB, 20)).as("repaired").isTrue();
        }
    }

    /**
     * Host to host over IPv6 with host encryption, under strict reverse-path filtering in both families (IPv6's as
     * firewalld does it, an nft fib rule): a peer's IPv6 node address routes into the tunnel, and what the nodes send
     * each other over IPv6 crosses the bridge as WireGuard's UDP only (over the IPv4 underlay).
     */
    @Test
    void ipv6HostTrafficIsEncryptedWithHostEncryption() throws Exception {
        try (Testbed bed = new Testbed().dualStack()) {
            Node a = bed.addNode("node-a", 1, 1);
            Node b = bed.addNode("node-b", 2, 1);
            String hostA = bed.ipv6Of(a.address());
            String hostB = bed.ipv6Of(b.address());
            bed.strictReversePathFiltering();
            bed.strictReversePathFiltering6();
            Path repo = bed.writeIntent(Files.createDirectories(bed.root().resolve("repo")),
                    Testbed.dualStackMesh(true, true, Mode.OPPORTUNISTIC), Set.of());
            bed.applyEverywhere(repo);
            assertThat(Testbed.reachable6(a.host().namespace(), hostB, 20)).isTrue();
            bed.applyEverywhere(repo);
            assertThat(a.host().namespace().ip("-6", "route", "show", "table", "51820"))
                    .contains(hostB + " dev " + Testbed.DEVICE);
            assertThat(Testbed.reachable6(a.host().namespace(), hostB, 20)).as("host to host over IPv6, encrypted").isTrue();
            Path hosts = bed.capture(() -> a.host().namespace().exec("ping", "-6", "-c", "5", "-i", "0.2", hostB));
            System.out.printf("dual stack: host to host over IPv6: %d plaintext echo requests%n",
                    Testbed.count(hosts, echoRequests6(hostA)));
            assertThat(Testbed.count(hosts, echoRequests6(hostA))).as("IPv6 host traffic in plaintext").isZero();
            assertThat(Testbed.count(hosts, "udp port 51820")).isGreaterThanOrEqualTo(10);
        }
    }

    /**
     * An IPv6-only cluster, as the intent sees it: the tunnel's endpoints are IPv6 (WireGuard's UDP over IPv6 on the
     * bridge, none over IPv4), the MTU is the underlay's minus 80, and pod traffic is encrypted.
     */
    @Test
    void anIpv6OnlyClusterTunnelsOverIpv6() throws Exception {
        try (Testbed bed = new Testbed().ipv6Only()) {
            Node a = bed.addNode("node-a", 1, 1);
            Node b = bed.addNode("node-b", 2, 1);
            String podA = bed.ipv6Of(a.podAddress(1));
            String podB = bed.ipv6Of(b.podAddress(1));
            Path repo = bed.writeIntent(Files.createDirectories(bed.root().resolve("repo")),
                    Testbed.ipv6OnlyMesh(true, false, Mode.STRICT), Set.of());
            Shell.Result first = bed.apply(a, repo);
            assertThat(first.output()).contains("mtu 1420 (eth0 MTU 1500 minus 80 for an IPv6 underlay)");
            bed.applyEverywhere(repo);
            assertThat(Testbed.reachable6(bed.pod(a.podAddress(1)), podB, 20)).isTrue();
            bed.applyEverywhere(repo);
            assertThat(Testbed.routesIntoTunnel(a, podB)).isTrue();
            Path capture = bed.capture(() -> Shell.run("ip", "netns", "exec", bed.pod(a.podAddress(1)).name(), "ping",
                    "-6", "-c", "5", "-i", "0.2", podB));
            System.out.printf("IPv6 only: %d plaintext echo requests, %d WireGuard packets over IPv6, %d over IPv4%n",
                    Testbed.count(capture, echoRequests6(podA)), Testbed.count(capture, "ip6 and udp port 51820"),
                    Testbed.count(capture, "ip and udp port 51820"));
            assertThat(Testbed.count(capture, echoRequests6(podA))).isZero();
            assertThat(Testbed.count(capture, "ip6 and udp port 51820")).isGreaterThanOrEqualTo(10);
            assertThat(Testbed.count(capture, "ip and udp port 51820")).isZero();
        }
    }

    /**
     * Issue 29 point 4: host encryption in an IPv6-only cluster under strict IPv6 reverse-path filtering. IPv6 has
     * no src_valid_mark: the filter is netfilter's (firewalld's `fib saddr . mark . iif oif missing drop`), and its
     * lookup takes the packet's mark, so WireGuard's own UDP from a peer's IPv6 address, marked on arrival as for
     * IPv4, looks its source up past table T and passes; host traffic crosses the bridge encrypted.
     */
    @Test
    void ipv6HostEncryptionPassesStrictIpv6ReversePathFiltering() throws Exception {
        try (Testbed bed = new Testbed().ipv6Only()) {
            Node a = bed.addNode("node-a", 1, 1);
            Node b = bed.addNode("node-b", 2, 1);
            bed.strictReversePathFiltering6();
            String hostA = bed.ipv6Of(a.address());
            String hostB = bed.ipv6Of(b.address());
            Path repo = bed.writeIntent(Files.createDirectories(bed.root().resolve("repo")),
                    Testbed.ipv6OnlyMesh(true, true, Mode.STRICT), Set.of());
            bed.applyEverywhere(repo);
            bed.applyEverywhere(repo);
            assertThat(Testbed.eventually(20_000, () -> Testbed.routesIntoTunnel(a, hostB))).isTrue();
            assertThat(Testbed.reachable6(a.host().namespace(), hostB, 20)).as("host to host, IPv6 underlay").isTrue();
            Path hosts = bed.capture(() -> a.host().namespace().exec("ping", "-6", "-c", "5", "-i", "0.2", hostB));
            System.out.printf("IPv6 only, host encryption, strict IPv6 rp filter: %d plaintext echo requests, %d"
                    + " WireGuard packets%n", Testbed.count(hosts, echoRequests6(hostA)),
                    Testbed.count(hosts, "ip6 and udp port 51820"));
            assertThat(Testbed.count(hosts, echoRequests6(hostA))).isZero();
            assertThat(Testbed.count(hosts, "ip6 and udp port 51820")).isGreaterThanOrEqualTo(10);
        }
    }
}
