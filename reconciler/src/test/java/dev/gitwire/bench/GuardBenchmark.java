package dev.gitwire.bench;

import dev.gitwire.dataplane.netlink.NetlinkConnection;
import dev.gitwire.dataplane.netlink.NetlinkSocket;
import dev.gitwire.dataplane.nft.CommandRunner;
import dev.gitwire.dataplane.nft.GuardTable;
import dev.gitwire.dataplane.route.RouteTable;
import dev.gitwire.dataplane.route.RouteTable.Change;
import dev.gitwire.model.Guard;
import dev.gitwire.model.Route;
import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpAddress;
import dev.gitwire.net.IpFamily;
import dev.gitwire.testing.TestNamespace;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The guard's own cost beside table T's, for N /32 destinations in a fresh namespace, in the same run, the
 * order alternating per round: adding them to the guard (one nft transaction) against adding their routes
 * (gitwire's pipelined netlink), the same for removing them, and reading each back. Needs root.
 */
public final class GuardBenchmark {

    private static final long TABLE = 51820;

    public static void main(String[] given) {
        BenchArgs args = new BenchArgs(given);
        int count = args.integer(0, 100_000);
        int rounds = args.integer(1, 5);
        TreeSet<Cidr> destinations = new TreeSet<>();
        List<Route> routes = new ArrayList<>(count);
        long base = IpAddress.parse("10.64.0.0").lo();
        for (int i = 0; i < count; i++) {
            Cidr host = Cidr.host(new IpAddress(IpFamily.IPV4, 0, base + i));
            destinations.add(host);
            routes.add(Route.device(host, "azv1"));
        }
        long[][] ms = new long[6][rounds];
        try (TestNamespace ns = new TestNamespace()) {
            ns.veth("azv1");
            GuardTable guard = new GuardTable(new CommandRunner(ns.namespace()));
            Guard sized = Guard.of(0x100000, "gitwire0", destinations);
            try (NetlinkConnection netlink = NetlinkConnection.open(NetlinkSocket.NETLINK_ROUTE, ns.namespace())) {
                RouteTable table = new RouteTable(netlink, TABLE);
                for (int round = 0; round < rounds; round++) {
                    guard.install(sized.withoutDestinations());
                    for (int turn = 0; turn < 2; turn++) {
                        if ((round + turn) % 2 == 0) {
                            long t0 = System.nanoTime();
                            guard.add(destinations);
                            long t1 = System.nanoTime();
                            check(guard.read().orElseThrow().destinations().size(), count, "guard");
                            long t2 = System.nanoTime();
                            guard.remove(destinations);
                            long t3 = System.nanoTime();
                            check(guard.read().orElseThrow().destinations().size(), 0, "guard");
                            ms[0][round] = (t1 - t0) / 1_000_000;
                            ms[2][round] = (t3 - t2) / 1_000_000;
                            ms[4][round] = (t2 - t1) / 1_000_000;
                        } else {
                            long t0 = System.nanoTime();
                            table.applyOrThrow(routes.stream().map(Change.Add::new).toList());
                            long t1 = System.nanoTime();
                            check(table.routes(IpFamily.IPV4).size(), count, "table");
                            long t2 = System.nanoTime();
                            table.applyOrThrow(routes.stream().map(Change.Delete::new).toList());
                            long t3 = System.nanoTime();
                            check(table.routes(IpFamily.IPV4).size(), 0, "table");
                            ms[1][round] = (t1 - t0) / 1_000_000;
                            ms[3][round] = (t3 - t2) / 1_000_000;
                            ms[5][round] = (t2 - t1) / 1_000_000;
                        }
                    }
                    guard.delete();
                }
            }
        }
        System.out.printf("guard %d destinations, rounds %d: add guard %d ms, table T routes %d ms (guard %.2fx of"
                        + " the routes' time); remove guard %d ms, routes %d ms (%.2fx); read back guard %d ms,"
                        + " routes %d ms (%.2fx)%n", count, rounds,
                RouteBenchmark.median(ms[0]), RouteBenchmark.median(ms[1]),
                (double) RouteBenchmark.median(ms[0]) / RouteBenchmark.median(ms[1]),
                RouteBenchmark.median(ms[2]), RouteBenchmark.median(ms[3]),
                (double) RouteBenchmark.median(ms[2]) / RouteBenchmark.median(ms[3]),
                RouteBenchmark.median(ms[4]), RouteBenchmark.median(ms[5]),
                (double) RouteBenchmark.median(ms[4]) / RouteBenchmark.median(ms[5]));
    }

    private static void check(int found, int expected, String what) {
        if (found != expected) {
            throw new IllegalStateException(what + " holds " + found + ", expected " + expected);
        }
    }
}
