package dev.gitwire.desired;

import dev.gitwire.desired.DesiredDataplane.WireguardSpec;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.Guard;
import dev.gitwire.model.PeerConfig;
import dev.gitwire.model.Route;
import dev.gitwire.model.RouteType;
import dev.gitwire.model.SortedArraySet;
import dev.gitwire.net.Cidr;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Routes into the tunnel only what a handshake has proven (issue 13, docs/architecture.md): a peer's
 * destinations keep their previous path (plaintext in Opportunistic, refused in Strict) until the device
 * reports a handshake with it, which shows that both sides hold each other's keys, so turning encryption on
 * or a node joining loses no packet. A peer is proven by a handshake, or by a destination of its already in
 * the guard: once routed, it stays routed (fail closed) across a key change or a device that had to be
 * recreated. A peer waiting gets a persistent keepalive, which makes the device start the handshake at once
 * and retry it, instead of waiting for traffic that its unrouted destinations will never send.
 */
public final class HandshakeGate {

    /** The keepalive of a peer waiting for its first handshake, when the intent sets none. */
    public static final Duration KICK = Duration.ofSeconds(5);

    private HandshakeGate() {}

    /**
     * The desired state with unproven peers held back. {@code guarded} is what the guard holds now,
     * {@code handshaken} the peers the device reports a handshake with.
     */
    public static DesiredDataplane apply(DesiredDataplane desired, Set<Cidr> guarded, Set<PublicKey> handshaken) {
        if (desired.wireguard().isEmpty() || desired.guard().isEmpty()) {
            return desired;
        }
        Set<PublicKey> proven = new HashSet<>();
        desired.tunnelled().forEach((key, destinations) -> {
            if (handshaken.contains(key) || destinations.stream().anyMatch(guarded::contains)) {
                proven.add(key);
            }
        });
        if (proven.size() == desired.tunnelled().size()) {
            return desired;
        }
        Set<Cidr> routed = new HashSet<>();
        desired.tunnelled().forEach((key, destinations) -> {
            if (proven.contains(key)) {
                routed.addAll(destinations);
            }
        });
        boolean strict = desired.refusal() == RouteType.PROHIBIT;
        Map<Cidr, Route> routes = new HashMap<>(); // both sorted once at the end
        desired.routes().forEach(r -> routes.put(r.destination(), r));
        Set<Cidr> guard = new HashSet<>(desired.guard().get().destinations());
        desired.tunnelled().forEach((key, destinations) -> {
            if (!proven.contains(key)) {
                destinations.stream().filter(d -> !routed.contains(d)).forEach(d -> {
                    routes.put(d, strict ? Route.prohibit(d) : Route.throwing(d));
                    if (!strict) {
                        guard.remove(d);
                    }
                });
            }
        });
        WireguardSpec wg = desired.wireguard().get();
        List<PeerConfig> peers = new ArrayList<>();
        for (PeerConfig p : wg.peers()) {
            boolean waiting = desired.tunnelled().containsKey(p.publicKey()) && !proven.contains(p.publicKey());
            peers.add(waiting && p.persistentKeepalive().isZero()
                    ? new PeerConfig(p.publicKey(), p.endpoint(), KICK, p.allowedIps(), p.presharedKey()) : p);
        }
        List<PeerReport> reports = desired.reports().stream().map(r -> r.state() == PeerReport.State.PEERED
                && r.key().filter(k -> desired.tunnelled().containsKey(k) && !proven.contains(k)).isPresent()
                ? new PeerReport(r.node(), PeerReport.State.AWAITING_HANDSHAKE, r.key()) : r).toList();
        Guard old = desired.guard().get();
        return new DesiredDataplane(desired.owned(),
                Optional.of(new WireguardSpec(wg.mtu(), wg.privateKey(), wg.listenPort(), wg.firewallMark(), peers)),
                SortedArraySet.copyOf(routes.values()), desired.rules(),
                Optional.of(Guard.of(old.firewallMark(), old.interfaceName(), SortedArraySet.copyOf(guard))),
                desired.tunnelled(),
                desired.refusal(), desired.nftTables(), desired.sysctls(), reports, desired.refusedClaims(),
                desired.refusedBypass());
    }
}
