package dev.gitwire.bench;

import dev.gitwire.dataplane.wireguard.DeviceUpdate;
import dev.gitwire.dataplane.wireguard.DeviceUpdate.PeerUpdate;
import dev.gitwire.dataplane.wireguard.UapiBackend;
import dev.gitwire.dataplane.wireguard.WireguardDevice;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.model.DeviceState;
import dev.gitwire.model.Endpoint;
import dev.gitwire.model.PeerConfig;
import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpAddress;
import dev.gitwire.net.IpFamily;
import dev.gitwire.testing.WireguardGoHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Configures P peers x A allowed IPs on a real wireguard-go, then reads it back: gitwire's UAPI backend
 * against `wg setconf` and `wg show dump`, alternating in the same run; prints medians and ratios.
 */
public final class WireguardBenchmark {

    public static void main(String[] given) throws Exception {
        BenchArgs args = new BenchArgs(given);
        int peers = args.integer(0, 1000);
        int allowed = args.integer(1, 100);
        int rounds = args.integer(2, 5);
        SecureRandom random = new SecureRandom();
        PrivateKey deviceKey = PrivateKey.generate(random);
        List<PeerConfig> configs = new ArrayList<>(peers);
        long base = IpAddress.parse("10.64.0.0").lo();
        StringBuilder conf = new StringBuilder("[Interface]\nPrivateKey = " + deviceKey.base64()
                + "\nListenPort = 51820\nFwMark = 0x100000\n");
        for (int p = 0; p < peers; p++) {
            TreeSet<Cidr> ips = new TreeSet<>();
            for (int a = 0; a < allowed; a++) {
                ips.add(Cidr.host(new IpAddress(IpFamily.IPV4, 0, base + (long) p * allowed + a)));
            }
            PeerConfig config = new PeerConfig(PrivateKey.generate(random).publicKey(),
                    Optional.of(new Endpoint(new IpAddress(IpFamily.IPV4, 0, IpAddress.parse("10.240.0.0").lo() + p + 1),
                            51820)), Duration.ZERO, ips);
            configs.add(config);
            conf.append("\n[Peer]\nPublicKey = ").append(config.publicKey().base64())
                    .append("\nEndpoint = ").append(config.endpoint().orElseThrow())
                    .append("\nAllowedIPs = ")
                    .append(String.join(", ", ips.stream().map(Cidr::toString).toList())).append('\n');
        }
        DeviceUpdate update = new DeviceUpdate(Optional.of(deviceKey), OptionalInt.of(51820),
                OptionalLong.of(0x100000), true, configs.stream().map(PeerUpdate::exactly).toList());
        Path confFile = Files.createTempFile("gitwire-bench", ".conf");
        Files.writeString(confFile, conf);

        Path emptyFile = Files.createTempFile("gitwire-bench-empty", ".conf");
        Files.writeString(emptyFile, "[Interface]\nPrivateKey = " + deviceKey.base64() + "\n");
        DeviceUpdate empty = new DeviceUpdate(Optional.empty(), OptionalInt.empty(), OptionalLong.empty(), true, List.of());
        Set<PeerConfig> expected = new HashSet<>(configs);
        long[][] ms = new long[5][rounds];
        try (WireguardGoHost host = new WireguardGoHost()) {
            host.startWireguardGo("wg-bench");
            WireguardDevice device = new WireguardDevice(new UapiBackend(host.socketDirectory(), "wg-bench"));
            device.apply(update);
            for (int warmUp = 0; warmUp < 10; warmUp++) { // the agent reads a warm JVM's device again and again
                check(device.read(), expected);
            }
            for (int round = 0; round < rounds; round++) {
                // what `wg` pays and gitwire does not: a process started from this JVM, entering the node's namespaces
                long s0 = System.nanoTime();
                host.run("true");
                ms[4][round] = (System.nanoTime() - s0) / 1_000_000;
                boolean gitwireFirst = round % 2 == 0; // neither side always meets the warmer daemon
                for (int turn = 0; turn < 2; turn++) {
                    if ((turn == 0) == gitwireFirst) {
                        device.apply(empty); // from an empty device each time: a configure that did nothing fails the check
                        long t0 = System.nanoTime();
                        device.apply(update);
                        ms[0][round] = (System.nanoTime() - t0) / 1_000_000;
                        long t1 = System.nanoTime();
                        DeviceState state = device.read();
                        ms[1][round] = (System.nanoTime() - t1) / 1_000_000;
                        check(state, expected);
                    } else {
                        host.run("wg", "setconf", "wg-bench", emptyFile.toString());
                        long t0 = System.nanoTime();
                        host.run("wg", "setconf", "wg-bench", confFile.toString());
                        ms[2][round] = (System.nanoTime() - t0) / 1_000_000;
                        long t1 = System.nanoTime();
                        String dump = host.run("wg", "show", "wg-bench", "dump");
                        ms[3][round] = (System.nanoTime() - t1) / 1_000_000;
                        checkDump(dump, expected);
                        check(device.read(), expected);
                    }
                }
            }
        } finally {
            Files.deleteIfExists(confFile);
            Files.deleteIfExists(emptyFile);
        }
        long start = RouteBenchmark.median(ms[4]);
        long set = RouteBenchmark.median(ms[0]);
        long read = RouteBenchmark.median(ms[1]);
        long setconf = Math.max(1, RouteBenchmark.median(ms[2]) - start);
        long dump = Math.max(1, RouteBenchmark.median(ms[3]) - start);
        System.out.printf("wireguard-go %d peers x %d allowed IPs, rounds %d, wg's process start (%d ms) taken off: "
                        + "configure gitwire %d ms, wg setconf %d ms (%.2fx); read gitwire %d ms, wg show dump %d ms (%.2fx)%n",
                peers, allowed, rounds, start, set, setconf, (double) setconf / set, read, dump, (double) dump / read);
    }

    /** The device holds exactly these peers, each with its endpoint and allowed IPs: contents, not counts. */
    private static void check(DeviceState state, Set<PeerConfig> expected) {
        Set<PeerConfig> held = new HashSet<>();
        state.peers().forEach(p -> held.add(p.config()));
        if (!held.equals(expected)) {
            throw new IllegalStateException("device holds " + held.size() + " peers, not the " + expected.size() + " expected");
        }
    }

    /** `wg show dump` lists exactly these peers with their allowed IPs. */
    private static void checkDump(String dump, Set<PeerConfig> expected) {
        Map<String, Set<String>> listed = new HashMap<>();
        dump.lines().skip(1).map(l -> l.split("\t")).forEach(f -> listed.put(f[0], Set.of(f[3].split(","))));
        Map<String, Set<String>> wanted = new HashMap<>();
        expected.forEach(p -> wanted.put(p.publicKey().base64(), p.allowedIps().stream().map(Cidr::toString)
                .collect(Collectors.toSet())));
        if (!listed.equals(wanted)) {
            throw new IllegalStateException("wg show dump lists " + listed.size() + " peers, not the " + wanted.size()
                    + " expected");
        }
    }
}
