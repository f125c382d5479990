package dev.gitwire.agent;

import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The addresses of the servers the agent itself needs, the Git servers and the Kubernetes API, which are
 * never routed into the tunnel: an agent that reached them through the tunnel could lose them with it.
 * Resolved again at every {@link #refresh()} (every read of Git), since they move (a managed Git host, a
 * failed-over API endpoint); a lookup that fails keeps the addresses found before, and says so.
 */
final class ControlPlaneBypass {

    /** How a host name becomes addresses: DNS, or a test's stand-in. */
    interface Resolver {
        List<IpAddress> resolve(String host) throws UnknownHostException;
    }

    static final Resolver DNS = host -> {
        List<IpAddress> addresses = new ArrayList<>();
        for (InetAddress address : InetAddress.getAllByName(host)) {
            addresses.add(IpAddress.fromBytes(address.getAddress()));
        }
        return addresses;
    };

    /** How a note on a host that could not be resolved begins. */
    static final String UNRESOLVED = "cannot resolve ";

    private final Resolver resolver;
    private final Map<String, List<Cidr>> known = new LinkedHashMap<>();
    private volatile List<Cidr> addresses = List.of();

    ControlPlaneBypass(List<String> hosts, Resolver resolver) {
        this.resolver = resolver;
        hosts.stream().filter(h -> h != null && !h.isEmpty()).forEach(h -> known.put(h, List.of()));
    }

    /** Looks every host up again; returns a note per host that did not resolve. Called from one thread. */
    synchronized List<String> refresh() {
        List<String> notes = new ArrayList<>();
        for (Map.Entry<String, List<Cidr>> host : known.entrySet()) {
            try {
                host.setValue(resolver.resolve(host.getKey()).stream().map(Cidr::host).toList());
            } catch (UnknownHostException e) {
                notes.add(UNRESOLVED + host.getKey() + " (" + e.getMessage() + "): "
                        + (host.getValue().isEmpty() ? "no address of it is known, so none is kept out of the tunnel"
                                : "keeping the " + host.getValue().size() + " addresses found before out of the tunnel"));
            }
        }
        TreeSet<Cidr> all = new TreeSet<>();
        known.values().forEach(all::addAll);
        addresses = List.copyOf(all);
        return notes;
    }

    /** The addresses found last: host prefixes, for throw routes in table T. */
    List<Cidr> addresses() {
        return addresses;
    }
}
