package dev.gitwire.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gitwire.intent.Mode;
import dev.gitwire.testing.Shell;
import dev.gitwire.testing.TestNamespace;
import dev.gitwire.testing.Testbed;
import dev.gitwire.testing.Testbed.Node;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The guard's per-packet cost: iperf3 from a pod on node a to a pod on node b through wireguard-go
 * (encrypted: the guard's first rules accept), and to a pod on node c, which has no WireGuard (plaintext:
 * every packet is looked up in the guard's sets), with node a's guard in place, holding 60,000 extra
 * host destinations, and without it; alternating, in the same run. Needs root.
 */
public final class GuardThroughputBenchmark {

    /** Extra host destinations in the guard: as many as its smallest size holds (65,536) allows. */
    private static final int EXTRA = 60_000;

    public static void main(String[] given) throws Exception {
        BenchArgs args = new BenchArgs(given);
        int rounds = args.integer(0, 3);
        int seconds = args.integer(1, 5);
        try (Testbed bed = new Testbed()) {
            Node a = bed.addNode("node-a", 1, 1);
            Node b = bed.addNode("node-b", 2, 1);
            Node c = bed.addNode("node-c", 3, 1);
            Path repo = bed.writeIntent(Files.createDirectories(bed.root().resolve("repo")),
                    Testbed.mesh(true, false, Mode.OPPORTUNISTIC), Set.of("node-c"));
            for (Map.Entry<String, Shell.Result> applied : bed.applyEverywhere(repo).entrySet()) {
                if (applied.getValue().exitCode() != 0 || applied.getValue().output().contains("awaiting")) {
                    throw new IllegalStateException(applied.getKey() + ": " + applied.getValue().output());
                }
            }
            TestNamespace node = a.host().namespace();
            StringBuilder extra = new StringBuilder("add element inet gitwire_guard hosts4 { ");
            for (int i = 0; i < EXTRA; i++) {
                extra.append(i == 0 ? "" : ", ").append("10.").append(64 + (i >> 16)).append('.')
                        .append((i >> 8) & 255).append('.').append(i & 255);
            }
            Shell.run(List.of("ip", "netns", "exec", node.name(), "nft", "-f", "-"), extra.append(" }\n").toString());
            String saved = node.exec("nft", "list", "table", "inet", "gitwire_guard");
            for (Node server : List.of(b, c)) {
                Shell.run("ip", "netns", "exec", bed.pod(server.podAddress(1)).name(), "iperf3", "-s", "-D");
            }
            Thread.sleep(500);
            List<Double> encryptedWith = new ArrayList<>();
            List<Double> encryptedWithout = new ArrayList<>();
            List<Double> plainWith = new ArrayList<>();
            List<Double> plainWithout = new ArrayList<>();
            TestNamespace client = bed.pod(a.podAddress(1));
            for (int round = 0; round < rounds; round++) {
                for (int turn = 0; turn < 2; turn++) {
                    boolean guarded = (round + turn) % 2 == 0;
                    if (guarded) {
                        Shell.run(List.of("ip", "netns", "exec", node.name(), "nft", "-f", "-"), saved);
                    } else {
                        Shell.run(List.of("ip", "netns", "exec", node.name(), "nft", "-f", "-"),
                                "table inet gitwire_guard {}\ndelete table inet gitwire_guard\n");
                    }
                    (guarded ? encryptedWith : encryptedWithout).add(mbits(client, b.podAddress(1), seconds));
                    (guarded ? plainWith : plainWithout).add(mbits(client, c.podAddress(1), seconds));
                }
            }
            System.out.printf("guard per packet, %d rounds of %d s: encrypted to a peer %.0f Mbit/s with the guard,"
                            + " %.0f without (%.3f); plaintext to a node without WireGuard, 60,000 guarded"
                            + " destinations, %.0f with, %.0f without (%.3f)%n", rounds, seconds,
                    median(encryptedWith), median(encryptedWithout), median(encryptedWith) / median(encryptedWithout),
                    median(plainWith), median(plainWithout), median(plainWith) / median(plainWithout));
        }
    }

    private static double mbits(TestNamespace client, String server, int seconds) throws Exception {
        String json = Shell.run("ip", "netns", "exec", client.name(), "iperf3", "-c", server, "-t",
                Integer.toString(seconds), "-J");
        return new ObjectMapper().readTree(json).path("end").path("sum_received").path("bits_per_second").asDouble()
                / 1e6;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return sorted.get(sorted.size() / 2);
    }
}
