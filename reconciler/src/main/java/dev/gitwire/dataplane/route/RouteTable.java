package dev.gitwire.dataplane.route;

import dev.gitwire.dataplane.link.Links;
import dev.gitwire.dataplane.netlink.Attributes;
import dev.gitwire.dataplane.netlink.NetlinkConnection;
import dev.gitwire.dataplane.netlink.NetlinkException;
import dev.gitwire.dataplane.netlink.NetlinkMessage;
import dev.gitwire.dataplane.netlink.NetlinkRequest;
import dev.gitwire.model.Route;
import dev.gitwire.net.IpFamily;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The routes of one routing table, read with a dump and changed in pipelined batches. */
public final class RouteTable {

    private final NetlinkConnection netlink;
    private final Links links;
    private final long table;

    public RouteTable(NetlinkConnection netlink, long table) {
        this.netlink = netlink;
        this.links = new Links(netlink);
        this.table = table;
    }

    public long table() {
        return table;
    }

    public List<Route> routes(IpFamily family) {
        Map<Integer, String> names = new HashMap<>();
        links.all().forEach(l -> names.put(l.index(), l.name()));
        List<NetlinkMessage> messages;
        try {
            messages = netlink.dump(RouteCodec.dump(table, family));
        } catch (NetlinkException.ObjectNotFound e) {
            return List.of(); // with strict checking the kernel says so of a table that has never held a route
        }
        List<Route> routes = new ArrayList<>(messages.size());
        for (NetlinkMessage message : messages) {
            Attributes attributes = RouteCodec.attributes(message);
            if (RouteCodec.table(message, attributes) == table) { // in case the kernel did not filter
                routes.add(RouteCodec.decode(message, attributes, index -> Optional.ofNullable(names.get(index))));
            }
        }
        routes.sort(null);
        return routes;
    }

    /** A change to one route; batches of them go to the kernel in one pipelined exchange. */
    public sealed interface Change {
        Route route();

        record Add(Route route) implements Change {}

        record Replace(Route route) implements Change {}

        record Delete(Route route) implements Change {}
    }

    /**
     * Applies the changes in order, pipelined; returns the failures (empty when all were ACKed).
     * Device names are resolved once for the whole batch.
     */
    public List<NetlinkException> apply(List<? extends Change> changes) {
        Map<String, Integer> indexes = new HashMap<>();
        List<NetlinkRequest> requests = new ArrayList<>(changes.size());
        for (Change change : changes) {
            Route route = change.route();
            int device = route.device().map(name -> indexes.computeIfAbsent(name, n -> links.require(n).index()))
                    .orElse(0);
            requests.add(change instanceof Change.Delete
                    ? RouteCodec.delete(table, route)
                    : RouteCodec.add(table, route, device, change instanceof Change.Replace));
        }
        List<NetlinkException> failures = new ArrayList<>();
        netlink.executeAll(requests).forEach(outcome -> outcome.ifPresent(failures::add));
        return failures;
    }

    /** Applies changes and throws the first failure, for callers that treat any refusal as fatal. */
    public void applyOrThrow(List<? extends Change> changes) {
        List<NetlinkException> failures = apply(changes);
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
    }

    /** Removes every route of the table, in both families: the table is gitwire's alone. */
    public void flush() {
        for (IpFamily family : IpFamily.values()) {
            applyOrThrow(routes(family).stream().map(Change.Delete::new).toList());
        }
    }
}
