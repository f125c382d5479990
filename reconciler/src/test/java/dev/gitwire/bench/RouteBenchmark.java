package dev.gitwire.bench;

import dev.gitwire.dataplane.netlink.NetlinkConnection;
import dev.gitwire.dataplane.netlink.NetlinkSocket;
import dev.gitwire.dataplane.route.RouteTable;
import dev.gitwire.dataplane.route.RouteTable.Change;
import dev.gitwire.model.Route;
import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpAddress;
import dev.gitwire.net.IpFamily;
import dev.gitwire.testing.Shell;
import dev.gitwire.testing.TestNamespace;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

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
            ns.veth("azv1");
            try (NetlinkConnection netlink = NetlinkConnection.open(NetlinkSocket.NETLINK_ROUTE, ns.namespace())) {
                RouteTable table = new RouteTable(netlink, TABLE);
                Set<Route> wanted = new HashSet<>(routes);
                for (int round = 0; round < rounds; round++) {
                    // alternate which tool goes first: neither always meets a colder or a warmer kernel
                    boolean gitwireFirst = round % 2 == 0;
                    for (int turn = 0; turn < 2; turn++) {
                        if ((turn == 0) == gitwireFirst) {
                            long t0 = System.nanoTime();
                            table.applyOrThrow(routes.stream().map(Change.Add::new).toList());
                            ms[0][round] = (System.nanoTime() - t0) / 1_000_000;
                            check(table, wanted);
                            long t1 = System.nanoTime();
                            table.applyOrThrow(routes.stream().map(Change.Delete::new).toList());
                            ms[1][round] = (System.nanoTime() - t1) / 1_000_000;
                        } else {
                            long t0 = System.nanoTime();
                            Shell.run(List.of("ip", "-n", ns.name(), "-batch", "-"), addBatch.toString());
                            ms[2][round] = (System.nanoTime() - t0) / 1_000_000;
                            check(table, wanted);
                            long t1 = System.nanoTime();
                            Shell.run(List.of("ip", "-n", ns.name(), "-batch", "-"), delBatch.toString());
                            ms[3][round] = (System.nanoTime() - t1) / 1_000_000;
                        }
                        check(table, Set.of());
                    }
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

    /** The table holds exactly these routes, read back through netlink: contents, not a count. */
    private static void check(RouteTable table, Set<Route> expected) {
        Set<Route> held = new HashSet<>(table.routes(IpFamily.IPV4));
        if (!held.equals(expected)) {
            throw new IllegalStateException("table holds " + held.size() + " routes, not the " + expected.size() + " expected");
        }
    }

    static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
