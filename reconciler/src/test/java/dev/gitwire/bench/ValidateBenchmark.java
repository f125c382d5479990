package dev.gitwire.bench;

import dev.gitwire.intent.Intent;
import dev.gitwire.intent.IntentReader;
import dev.gitwire.intent.IntentWriter;
import dev.gitwire.intent.Membership;
import dev.gitwire.intent.MeshIntent;
import dev.gitwire.intent.MeshNode;
import dev.gitwire.intent.Mode;
import dev.gitwire.intent.NodeSelector;
import dev.gitwire.intent.RouteSource;
import dev.gitwire.intent.RoutingSettings;
import dev.gitwire.intent.WireguardSettings;
import dev.gitwire.net.IpAddress;
import dev.gitwire.net.IpFamily;
import dev.gitwire.source.DirectoryTree;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Validating an inventory of N nodes with P workload IPs each, as `gitwire validate` does: the files are
 * written once, then read, schema-checked, bound and cross-checked several times; median time and the
 * heap peak of one read are printed. Not a test: run with `make bench`.
 */
public final class ValidateBenchmark {

    public static void main(String[] given) throws Exception {
        BenchArgs args = new BenchArgs(given);
        int nodes = args.integer(0, 5000);
        int podsPerNode = args.integer(1, 110);
        Path dir = Files.createTempDirectory("gitwire-bench-validate");
        new IntentWriter().writeTo(inventory(nodes, podsPerNode), dir);

        IntentReader reader = new IntentReader();
        DirectoryTree tree = new DirectoryTree(dir);
        for (int i = 0; i < 2; i++) {
            check(reader.read(tree), nodes);
        }
        long[] millis = new long[5];
        long peak = 0;
        for (int i = 0; i < millis.length; i++) {
            HeapPeak.reset();
            long start = System.nanoTime();
            check(reader.read(tree), nodes);
            millis[i] = (System.nanoTime() - start) / 1_000_000;
            peak = Math.max(peak, HeapPeak.megabytes());
        }
        Arrays.sort(millis);
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        System.out.printf("validate %d nodes x %d workload IPs (%d IPs): median %d ms (min %d, max %d),"
                        + " heap peak %d MB, max heap %d MB%n",
                nodes, podsPerNode, (long) nodes * podsPerNode, millis[2], millis[0], millis[4], peak,
                Runtime.getRuntime().maxMemory() / (1024 * 1024));
    }

    private static void check(IntentReader.Result result, int nodes) {
        if (!result.valid() || result.intent().orElseThrow().nodes().size() != nodes) {
            throw new IllegalStateException("benchmark inventory is not valid: " + result.errors());
        }
    }

    /** AKS-like: node i at 10.(i / 256).(i % 256).4 in a /8 VNet, its pods' IPs in 10.64.0.0/10 by index. */
    static Intent inventory(int nodes, int podsPerNode) {
        return inventory(nodes, podsPerNode, false);
    }

    /** The same, with an IPv6 twin of every node and pod address (fd00:64::/64 for the pods) when dual stack. */
    static Intent inventory(int nodes, int podsPerNode, boolean dualStack) {
        MeshIntent mesh = new MeshIntent("bench", true, Mode.OPPORTUNISTIC, RouteSource.WORKLOAD_IPS, true,
                Membership.INVENTORY, NodeSelector.ALL, List.of(), List.of(), MeshIntent.DEFAULT_WORKLOAD_INTERFACES,
                WireguardSettings.DEFAULT, RoutingSettings.DEFAULT);
        List<MeshNode> list = new ArrayList<>(nodes);
        long podBase = IpAddress.parse("10.64.0.0").lo();
        for (int i = 0; i < nodes; i++) {
            List<IpAddress> pods = new ArrayList<>(podsPerNode);
            for (int p = 0; p < podsPerNode; p++) {
                pods.add(new IpAddress(IpFamily.IPV4, 0, podBase + (long) i * podsPerNode + p));
                if (dualStack) {
                    pods.add(new IpAddress(IpFamily.IPV6, 0xfd00_0064_0000_0000L, (long) i * podsPerNode + p));
                }
            }
            // below the pods' 10.64.0.0: past 16,384 nodes the next block of addresses ends in .5, .6, ...
            List<IpAddress> addresses = new ArrayList<>(List.of(
                    IpAddress.parse("10." + (i / 256 % 64) + "." + (i % 256) + "." + (4 + i / 16_384))));
            if (dualStack) {
                addresses.add(new IpAddress(IpFamily.IPV6, 0xfd00_0010_0000_0000L, i + 1));
            }
            list.add(new MeshNode(String.format("aks-nodepool1-%05d", i), Map.of("agentpool", "nodepool1"),
                    addresses, MeshNode.NodeWireguard.DEFAULT, List.of(), pods));
        }
        return new Intent(mesh, list);
    }
}
