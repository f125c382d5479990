package dev.gitwire.plan;

import dev.gitwire.desired.DesiredDataplane;
import dev.gitwire.desired.DesiredDataplane.Ownership;
import dev.gitwire.desired.DesiredDataplane.WireguardSpec;
import dev.gitwire.keys.PresharedKey;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.DeviceState;
import dev.gitwire.model.Guard;
import dev.gitwire.model.NftTable;
import dev.gitwire.model.PeerConfig;
import dev.gitwire.model.PeerState;
import dev.gitwire.model.Route;
import dev.gitwire.model.SortedArraySet;
import dev.gitwire.net.Cidr;
import dev.gitwire.plan.Operation.AddAllowedIp;
import dev.gitwire.plan.Operation.AddPeer;
import dev.gitwire.plan.Operation.AddRoute;
import dev.gitwire.plan.Operation.AddRule;
import dev.gitwire.plan.Operation.AnchorLink;
import dev.gitwire.plan.Operation.ConfigureDevice;
import dev.gitwire.plan.Operation.CreateDevice;
import dev.gitwire.plan.Operation.DeleteDevice;
import dev.gitwire.plan.Operation.DeleteGuard;
import dev.gitwire.plan.Operation.DeleteNftTable;
import dev.gitwire.plan.Operation.DeleteRoute;
import dev.gitwire.plan.Operation.DeleteRule;
import dev.gitwire.plan.Operation.GuardDestination;
import dev.gitwire.plan.Operation.InstallGuard;
import dev.gitwire.plan.Operation.ReleaseDestination;
import dev.gitwire.plan.Operation.RemoveAllowedIp;
import dev.gitwire.plan.Operation.RemovePeer;
import dev.gitwire.plan.Operation.ReplaceNftTable;
import dev.gitwire.plan.Operation.ReplaceRoute;
import dev.gitwire.plan.Operation.RestoreSysctl;
import dev.gitwire.plan.Operation.SetLink;
import dev.gitwire.plan.Operation.SetPresharedKey;
import dev.gitwire.plan.Operation.SetSysctl;
import dev.gitwire.plan.Operation.UpdatePeer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The least change from the observed kernel to the desired one, in an order that never drops traffic
 * that should flow and never lets a guarded destination out in plaintext (docs/reference/kernel.md): link, device,
 * peers and their new allowed IPs, host-encryption marks, the guard's rules and the destinations it releases,
 * routes, the rule, then the destinations the guard starts to protect; a route leaves before its allowed
 * IP, and an allowed IP moving between peers is added to its new peer, which takes it from the old one at
 * once. Disabling removes the guard, then the rule, first.
 */
public final class Planner {

    private Planner() {}

    public static Plan diff(ObservedDataplane actual, DesiredDataplane desired) {
        List<Operation> ops = new ArrayList<>();
        if (desired.wireguard().isEmpty()) {
            teardown(actual, desired, ops, false);
        } else {
            converge(actual, desired, desired.wireguard().get(), ops);
        }
        return new Plan(ops);
    }

    /**
     * What an intent that names another device, table, rule priority or mark leaves behind, removed before the new
     * is set up: the old device (it holds the listen port the new one needs), the old rule, the old table's routes.
     * The guard and the host-encryption tables keep their names and are rewritten by the diff that follows; until
     * then what went to the old device finds no route into the tunnel, and the guard drops it.
     */
    public static Plan retire(ObservedDataplane old, Ownership before, Ownership now) {
        List<Operation> ops = new ArrayList<>();
        boolean ruleMoved = before.table() != now.table() || before.rulePriority() != now.rulePriority()
                || before.firewallMark() != now.firewallMark();
        if (ruleMoved) {
            old.rules().forEach(r -> ops.add(new DeleteRule(r)));
        }
        if (before.table() != now.table()) {
            old.routes().forEach(r -> ops.add(new DeleteRoute(r)));
        }
        if (!before.interfaceName().equals(now.interfaceName()) && old.link().isPresent()) {
            ops.add(new DeleteDevice(before.interfaceName()));
        }
        return new Plan(ops);
    }

    /**
     * Only the pre-shared keys of {@code desired}'s peers that are on {@code device} and hold another: a key just
     * agreed goes on at once, so that the two ends hold it a round trip apart rather than a reconcile apart (a
     * handshake in between fails); everything else waits for the next reconcile.
     */
    public static Plan presharedKeys(DeviceState device, DesiredDataplane desired) {
        Map<PublicKey, Optional<PresharedKey>> wanted = new HashMap<>();
        desired.wireguard().ifPresent(wg -> wg.peers().forEach(p -> wanted.put(p.publicKey(), p.presharedKey())));
        List<Operation> ops = new ArrayList<>();
        for (PeerState peer : device.peers()) {
            Optional<PresharedKey> want = wanted.get(peer.config().publicKey());
            if (want != null && !want.equals(peer.config().presharedKey())) {
                ops.add(new SetPresharedKey(peer.config().publicKey(), want));
            }
        }
        return new Plan(ops);
    }

    /**
     * The first half of a teardown: the node stops routing into the tunnel and its guard goes, but the device
     * and its peers stay, so that peers still sending through the tunnel are heard until they stop too.
     */
    public static Plan drain(ObservedDataplane actual, DesiredDataplane desired) {
        List<Operation> ops = new ArrayList<>();
        teardown(actual, desired, ops, true);
        return new Plan(ops);
    }

    private static void teardown(ObservedDataplane actual, DesiredDataplane desired, List<Operation> ops,
            boolean keepDevice) {
        actual.guard().ifPresent(g -> ops.add(new DeleteGuard()));
        actual.rules().forEach(rule -> ops.add(new DeleteRule(rule)));
        actual.routes().forEach(route -> ops.add(new DeleteRoute(route)));
        if (actual.linkIsOurs() && !keepDevice) {
            ops.add(new DeleteDevice(desired.owned().interfaceName()));
        }
        actual.nftTables().forEach(t -> ops.add(new DeleteNftTable(t.family(), t.name())));
        actual.rememberedSysctls().stream().sorted().forEach(name -> ops.add(new RestoreSysctl(name)));
    }

    private static void converge(ObservedDataplane actual, DesiredDataplane desired, WireguardSpec wg,
            List<Operation> ops) {
        String name = desired.owned().interfaceName();
        int mtu = wg.mtu().mtu();
        Optional<DeviceState> device = actual.device();
        if (actual.link().isEmpty()) {
            ops.add(new CreateDevice(name, mtu));
            device = Optional.of(new DeviceState(Optional.empty(), 0, 0, List.of()));
        } else if (actual.link().get().mtu() != mtu || !actual.link().get().up()) {
            ops.add(new SetLink(name, mtu, true));
        }
        if (actual.link().isEmpty() || !actual.linkAnchored()) {
            ops.add(new AnchorLink(name));
        }
        DeviceState current = device.orElse(new DeviceState(Optional.empty(), 0, 0, List.of()));

        PublicKey ownKey = wg.privateKey().publicKey();
        boolean keyDiffers = !current.publicKey().equals(Optional.of(ownKey));
        if (keyDiffers || current.listenPort() != wg.listenPort() || current.firewallMark() != wg.firewallMark()) {
            ops.add(new ConfigureDevice(keyDiffers ? Optional.of(wg.privateKey()) : Optional.empty(),
                    current.listenPort() != wg.listenPort() ? OptionalInt.of(wg.listenPort()) : OptionalInt.empty(),
                    current.firewallMark() != wg.firewallMark() ? OptionalLong.of(wg.firewallMark())
                            : OptionalLong.empty()));
        }

        Map<PublicKey, PeerConfig> have = new HashMap<>();
        current.peers().stream().map(PeerState::config).forEach(p -> have.put(p.publicKey(), p));

        // peers and the allowed IPs they gain (moves included), before any route points at them
        for (PeerConfig want : wg.peers()) {
            PeerConfig got = have.get(want.publicKey());
            if (got == null) {
                ops.add(new AddPeer(want.publicKey(), want.endpoint(), want.persistentKeepalive()));
            } else if (!got.endpoint().equals(want.endpoint())
                    || !got.persistentKeepalive().equals(want.persistentKeepalive())) {
                ops.add(new UpdatePeer(want.publicKey(), want.endpoint(), want.persistentKeepalive()));
            }
            if (!(got == null ? Optional.<PresharedKey>empty() : got.presharedKey()).equals(want.presharedKey())) {
                ops.add(new SetPresharedKey(want.publicKey(), want.presharedKey()));
            }
            Set<Cidr> gotIps = got == null ? Set.of() : got.allowedIps();
            if (!gotIps.equals(want.allowedIps())) { // one linear comparison for the usual peer that is as wanted
                want.allowedIps().stream().filter(c -> !gotIps.contains(c))
                        .forEach(c -> ops.add(new AddAllowedIp(want.publicKey(), c)));
            }
        }

        // marks for strict reverse-path filtering, before routes send peers' addresses into the tunnel
        for (NftTable table : desired.nftTables()) {
            if (!actual.nftTables().contains(table)) {
                ops.add(new ReplaceNftTable(table));
            }
        }
        new TreeMap<>(desired.sysctls()).forEach((key, value) -> {
            if (!value.equals(actual.sysctls().get(key))) {
                ops.add(new SetSysctl(key, value));
            }
        });

        SortedSet<Cidr> guarded = guardBeforeRoutes(actual, desired, ops);
        routes(actual, desired, ops);

        // allowed IPs and peers that are no longer wanted, now that no route leads to them
        Map<PublicKey, PeerConfig> wanted = new HashMap<>();
        wg.peers().forEach(p -> wanted.put(p.publicKey(), p));
        Set<Cidr> wantedAnywhere = null; // built only when some allowed IP leaves a peer: rare, and large
        for (PeerConfig got : have.values()) {
            PeerConfig want = wanted.get(got.publicKey());
            if (want == null || got.allowedIps().equals(want.allowedIps())) {
                continue;
            }
            for (Cidr c : got.allowedIps()) {
                if (want.allowedIps().contains(c)) {
                    continue;
                }
                if (wantedAnywhere == null) {
                    wantedAnywhere = new HashSet<>();
                    for (PeerConfig p : wg.peers()) {
                        wantedAnywhere.addAll(p.allowedIps());
                    }
                }
                if (!wantedAnywhere.contains(c)) {
                    ops.add(new RemoveAllowedIp(got.publicKey(), c)); // one moving to another peer was added there
                }
            }
        }
        have.keySet().stream().filter(k -> !wanted.containsKey(k)).sorted()
                .forEach(k -> ops.add(new RemovePeer(k)));

        // the rule last: only now is table T complete
        desired.rules().stream().filter(r -> !actual.rules().contains(r)).forEach(r -> ops.add(new AddRule(r)));
        actual.rules().stream().filter(r -> !desired.rules().contains(r)).forEach(r -> ops.add(new DeleteRule(r)));
        // the guard protects a destination only once its route leads into the tunnel
        desired.guard().ifPresent(g -> {
            Cursor<Cidr> already = new Cursor<>(guarded.iterator(), passed -> { });
            g.destinations().stream().filter(d -> !already.holds(d)).forEach(d -> ops.add(new GuardDestination(d)));
        });

        Set<String> wantedTables = new HashSet<>();
        desired.nftTables().forEach(t -> wantedTables.add(t.family() + " " + t.name()));
        actual.nftTables().stream().filter(t -> !wantedTables.contains(t.family() + " " + t.name()))
                .forEach(t -> ops.add(new DeleteNftTable(t.family(), t.name())));
        actual.rememberedSysctls().stream().filter(s -> !desired.sysctls().containsKey(s)).sorted()
                .forEach(s -> ops.add(new RestoreSysctl(s)));
    }

    /**
     * The guard's rules (re)installed, and the destinations it releases, before any route changes: a released
     * destination leaves the guard before its route leaves the tunnel. A wanted destination that the guard
     * already covers (itself, or a prefix around it), or whose route already leads into the tunnel, is guarded
     * from here on. Returns what the guard holds after these steps.
     */
    private static SortedSet<Cidr> guardBeforeRoutes(ObservedDataplane actual, DesiredDataplane desired,
            List<Operation> ops) {
        if (desired.guard().isEmpty()) {
            actual.guard().ifPresent(g -> ops.add(new DeleteGuard()));
            return SortedArraySet.of();
        }
        Guard want = desired.guard().get();
        SortedSet<Cidr> have = actual.guard().map(Guard::destinations).orElse(SortedArraySet.of());
        TreeSet<Cidr> prefixes = new TreeSet<>();
        have.stream().filter(c -> !c.isHost()).forEach(prefixes::add);
        // every set here is sorted: one pass over the wanted destinations walks the others alongside
        List<Cidr> released = new ArrayList<>();
        Cursor<Cidr> held = new Cursor<>(have.iterator(), released::add);
        Cursor<Cidr> tunnelled = new Cursor<>(actual.link().isEmpty() ? Collections.emptyIterator()
                : actual.routes().stream().filter(r -> r.device().filter(want.interfaceName()::equals).isPresent())
                        .map(Route::destination).iterator(), skipped -> { });
        List<Cidr> covered = new ArrayList<>();
        List<Cidr> gained = new ArrayList<>();
        for (Cidr d : want.destinations()) {
            boolean guardHolds = held.holds(d);
            if (guardHolds || tunnelled.holds(d) || covers(prefixes, d)) {
                covered.add(d);
                if (!guardHolds) {
                    gained.add(d);
                }
            }
        }
        held.finish();
        SortedArraySet<Cidr> guarding = SortedArraySet.copyOf(covered); // in order: a linear copy
        if (actual.guard().isEmpty() || !actual.guard().get().fits(want)) {
            ops.add(new InstallGuard(new Guard(want.firewallMark(), want.interfaceName(), want.hostCapacity(),
                    guarding)));
            return guarding;
        }
        gained.forEach(d -> ops.add(new GuardDestination(d)));
        released.forEach(d -> ops.add(new ReleaseDestination(d)));
        return guarding;
    }

    /** Walks a sorted sequence forward while ascending probes ask what it holds: a merge, without an index. */
    private static final class Cursor<T extends Comparable<? super T>> {
        private final Iterator<T> items;
        private final Consumer<T> passedOver;
        private T next;

        Cursor(Iterator<T> items, Consumer<T> passedOver) {
            this.items = items;
            this.passedOver = passedOver;
            this.next = items.hasNext() ? items.next() : null;
        }

        /** Whether the sequence holds {@code probe}; what lies before it and was not asked for is passed over. */
        boolean holds(T probe) {
            while (next != null && next.compareTo(probe) < 0) {
                passedOver.accept(next);
                next = items.hasNext() ? items.next() : null;
            }
            if (next != null && next.compareTo(probe) == 0) {
                next = items.hasNext() ? items.next() : null;
                return true;
            }
            return false;
        }

        /** Passes over the rest. */
        void finish() {
            while (next != null) {
                passedOver.accept(next);
                next = items.hasNext() ? items.next() : null;
            }
        }
    }

    /** Whether a prefix of the guard holds {@code d}; they are disjoint, so the one just below it is the only candidate. */
    private static boolean covers(TreeSet<Cidr> prefixes, Cidr d) {
        Cidr floor = prefixes.floor(d);
        return floor != null && floor.overlaps(d) && floor.prefixLength() <= d.prefixLength();
    }

    /**
     * Routes are keyed by destination (one per destination in table T, metric 0): both sides are sorted
     * by destination and metric, so one merge pass finds every difference without building an index.
     * Additions and replacements come before deletions.
     */
    private static void routes(ObservedDataplane actual, DesiredDataplane desired, List<Operation> ops) {
        List<Operation> deletions = new ArrayList<>();
        Iterator<Route> have = actual.routes().iterator();
        Iterator<Route> want = desired.routes().iterator();
        Route got = next(have);
        Route wanted = next(want);
        while (got != null || wanted != null) {
            int order = got == null ? 1 : wanted == null ? -1 : got.destination().compareTo(wanted.destination());
            if (order < 0) {
                deletions.add(new DeleteRoute(got)); // not wanted, or a second route to a wanted destination
                got = next(have);
            } else if (order > 0) {
                ops.add(new AddRoute(wanted));
                wanted = next(want);
            } else {
                if (got.metric() != wanted.metric()) {
                    ops.add(new AddRoute(wanted)); // a replace keys on the metric: add beside it, delete it after
                    deletions.add(new DeleteRoute(got));
                } else if (!got.equals(wanted)) {
                    ops.add(new ReplaceRoute(wanted));
                }
                got = next(have);
                wanted = next(want);
            }
        }
        ops.addAll(deletions);
    }

    private static Route next(Iterator<Route> routes) {
        return routes.hasNext() ? routes.next() : null;
    }
}
