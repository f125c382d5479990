package dev.gitwire.bench;

import dev.gitwire.dataplane.wireguard.DeviceUpdate.PeerUpdate;
import dev.gitwire.dataplane.wireguard.DeviceUpdate;
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
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeSet;

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

        long[][] ms = new long[4][rounds];
        try (WireguardGoHost host = new WireguardGoHost()) {
            host.startWireguardGo("wg-bench");
            WireguardDevice device = new WireguardDevice(new UapiBackend(host.socketDirectory(), "wg-bench"));
            device.apply(update);
            for (int warmUp = 0; warmUp < 10; warmUp++) { // the agent reads a warm JVM's device again and again
                check(device.read(), peers, allowed);
            }
            for (int round = 0; round < rounds; round++) {
                long t0 = System.nanoTime();
                device.apply(update);
                long t1 = System.nanoTime();
                DeviceState state = device.read();
                long t2 = System.nanoTime();
                check(state, peers, allowed);
                long t3 = System.nanoTime();
                host.run("wg", "setconf", "wg-bench", confFile.toString());
                long t4 = System.nanoTime();
                String dump = host.run("wg", "show", "wg-bench", "dump");
                long t5 = System.nanoTime();
                if (dump.lines().count() != peers + 1) {
                    throw new IllegalStateException("wg show dump has " + dump.lines().count() + " lines");
                }
                check(device.read(), peers, allowed);
                ms[0][round] = (t1 - t0) / 1_000_000;
                ms[1][round] = (t2 - t1) / 1_000_000;
                ms[2][round] = (t4 - t3) / 1_000_000;
                ms[3][round] = (t5 - t4) / 1_000_000;
            }
        } finally {
            Files.deleteIfExists(confFile);
        }
        long set = RouteBenchmark.median(ms[0]);
        long read = RouteBenchmark.median(ms[1]);
        long setconf = RouteBenchmark.median(ms[2]);
        long dump = RouteBenchmark.median(ms[3]);
        System.out.printf("wireguard-go %d peers x %d allowed IPs, rounds %d: configure gitwire %d ms, wg setconf %d ms"
                        + " (%.2fx); read gitwire %d ms, wg show dump %d ms (%.2fx)%n", peers, allowed, rounds, set,
                setconf, (double) setconf / set, read, dump, (double) dump / read);
    }

    private static void check(DeviceState state, int peers, int allowed) {
        if (state.peers().size() != peers || state.peers().stream().anyMatch(p -> p.config().allowedIps().size() != allowed)) {
            throw new IllegalStateException("device holds " + state.peers().size() + " peers, expected " + peers);
        }
    }
}
