package dev.gitwire.model;

import dev.gitwire.net.Cidr;
import dev.gitwire.net.PackedOrder;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * A route in one table: {@code <dst> dev W scope link}, {@code throw <dst>} or {@code prohibit <dst>}
 * as gitwire writes them; routes found with other types or a gateway are kept as observed, to be removed.
 */
public record Route(Cidr destination, RouteType type, Optional<String> device, boolean linkScope,
        boolean hasGateway, long metric) implements Comparable<Route>, PackedOrder {

    public static Route device(Cidr destination, String device) {
        return via(device).apply(destination);
    }

    /** Routes into one device, sharing one name: a peer's 100,000 routes are not 100,000 more objects. */
    public static Function<Cidr, Route> via(String device) {
        Optional<String> name = Optional.of(device);
        return destination -> new Route(destination, RouteType.UNICAST, name, true, false, 0);
    }

    public static Route throwing(Cidr destination) {
        return new Route(destination, RouteType.THROW, Optional.empty(), false, false, 0);
    }

    public static Route prohibit(Cidr destination) {
        return new Route(destination, RouteType.PROHIBIT, Optional.empty(), false, false, 0);
    }

    @Override
    public int compareTo(Route other) {
        int byDestination = destination.compareTo(other.destination);
        return byDestination != 0 ? byDestination : Long.compare(metric, other.metric);
    }

    /** The destination's key for the routes gitwire writes (metric 0), which {@link #compareTo} orders by destination. */
    @Override
    public long packedOrder() {
        return metric == 0 ? destination.packedOrder() : UNPACKED;
    }

    @Override
    public String toString() {
        return appendTo(new StringBuilder(48)).toString();
    }

    /** Appends the route as {@code ip route} shows it: a plan prints 100,000 of them in one text. */
    public StringBuilder appendTo(StringBuilder out) {
        if (type != RouteType.UNICAST) {
            out.append(type.name().toLowerCase(Locale.ROOT)).append(' ');
        }
        destination.appendTo(out);
        device.ifPresent(d -> out.append(" dev ").append(d));
        out.append(linkScope ? " scope link" : "").append(hasGateway ? " via (gateway)" : "");
        return metric != 0 ? out.append(" metric ").append(metric) : out;
    }
}
