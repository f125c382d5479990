package dev.gitwire.bench;

import dev.gitwire.dataplane.netlink.NetlinkConnection;
import dev.gitwire.dataplane.netlink.NetlinkSocket;
import dev.gitwire.dataplane.route.RouteTable.Change;
import dev.gitwire.dataplane.route.RouteTable;
import dev.gitwire.model.Route;
import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpAddress;
import dev.gitwire.net.IpFamily;
import dev.gitwire.testing.Shell;
import dev.gitwire.testing.TestNamespace;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Installs, then deletes, N /32 device routes in one table of a fresh namespace: gitwire's pipelined
 * netlink against `ip -batch`, alternating in the same run; prints medians and the ratio. Needs root.
 */
public final class RouteBenchmark {

    private static final long TABLE = 51820;

    public static void main(String[] given) {
        BenchArgs args = new BenchArgs(given);
        int count = args.integer(0, 100_000);
        int rounds = args.integer(1, 5);
        List<Route> routes = new ArrayList<>(count);
        long base = IpAddress.parse("10.64.0.0").lo();
        for (int i = 0; i < count; i++) {
            routes.add(Route.device(Cidr.host(new IpAddress(IpFamily.IPV4, 0, base + i)), "azv1"));
        }
        StringBuilder addBatch = new StringBuilder();
        StringBuilder delBatch = new StringBuilder();
        for (Route r : routes) {
            addBatch.append("route add ").append(r.destination()).append(" dev azv1 scope link table ").append(TABLE)
                    .append('\n');
            delBatch.append("route del ").append(r.destination()).append(" dev azv1 table ").append(TABLE).append('\n');
        }
        long[][] ms = new long[4][rounds];
        try (TestNamespace ns = new TestNamespace()) {
            ns.ip("link", "add", "azv1", "type", "veth", "peer", "name", "azv1p");
            ns.ip("link", "set", "azv1", "up");
            try (NetlinkConnection netlink = NetlinkConnection.open(NetlinkSocket.NETLINK_ROUTE, ns.namespace())) {
                RouteTable table = new RouteTable(netlink, TABLE);
                for (int round = 0; round < rounds; round++) {
                    long t0 = System.nanoTime();
                    table.applyOrThrow(routes.stream().map(Change.Add::new).toList());
                    long t1 = System.nanoTime();
                    check(ns, count);
                    long t2 = System.nanoTime();
                    table.applyOrThrow(routes.stream().map(Change.Delete::new).toList());
                    long t3 = System.nanoTime();
                    check(ns, 0);
                    long t4 = System.nanoTime();
                    Shell.run(List.of("ip", "-n", ns.name(), "-batch", "-"), addBatch.toString());
                    long t5 = System.nanoTime();
                    check(ns, count);
                    long t6 = System.nanoTime();
                    Shell.run(List.of("ip", "-n", ns.name(), "-batch", "-"), delBatch.toString());
                    long t7 = System.nanoTime();
                    check(ns, 0);
                    ms[0][round] = (t1 - t0) / 1_000_000;
                    ms[1][round] = (t3 - t2) / 1_000_000;
                    ms[2][round] = (t5 - t4) / 1_000_000;
                    ms[3][round] = (t7 - t6) / 1_000_000;
                }
            }
        }
        long gitwireAdd = median(ms[0]);
        long gitwireDel = median(ms[1]);
        long ipAdd = median(ms[2]);
        long ipDel = median(ms[3]);
        System.out.printf("routes %d, rounds %d: add gitwire %d ms, ip -batch %d ms (%.1fx); "
                        + "delete gitwire %d ms, ip -batch %d ms (%.1fx)%n", count, rounds, gitwireAdd, ipAdd,
                (double) ipAdd / gitwireAdd, gitwireDel, ipDel, (double) ipDel / gitwireDel);
    }

    private static void check(TestNamespace ns, int expected) {
        long lines = Shell.run("ip", "-n", ns.name(), "route", "show", "table", String.valueOf(TABLE)).lines().count();
        if (lines != expected) {
            throw new IllegalStateException("table holds " + lines + " routes, expected " + expected);
        }
    }

    static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
