package dev.gitwire.plan;

import dev.gitwire.dataplane.model.DeviceState;
import dev.gitwire.dataplane.model.NftTable;
import dev.gitwire.dataplane.model.PeerConfig;
import dev.gitwire.dataplane.model.PeerState;
import dev.gitwire.dataplane.model.Route;
import dev.gitwire.desired.DesiredDataplane;
import dev.gitwire.desired.DesiredDataplane.WireguardSpec;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.net.Cidr;
import dev.gitwire.plan.Operation.AddAllowedIp;
import dev.gitwire.plan.Operation.AddPeer;
import dev.gitwire.plan.Operation.AddRoute;
import dev.gitwire.plan.Operation.AddRule;
import dev.gitwire.plan.Operation.ConfigureDevice;
import dev.gitwire.plan.Operation.CreateDevice;
import dev.gitwire.plan.Operation.DeleteDevice;
import dev.gitwire.plan.Operation.DeleteNftTable;
import dev.gitwire.plan.Operation.DeleteRoute;
import dev.gitwire.plan.Operation.DeleteRule;
import dev.gitwire.plan.Operation.RemoveAllowedIp;
import dev.gitwire.plan.Operation.RemovePeer;
import dev.gitwire.plan.Operation.ReplaceNftTable;
import dev.gitwire.plan.Operation.ReplaceRoute;
import dev.gitwire.plan.Operation.RestoreSysctl;
import dev.gitwire.plan.Operation.SetLink;
import dev.gitwire.plan.Operation.SetSysctl;
import dev.gitwire.plan.Operation.UpdatePeer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;

/**
 * The least change from the observed kernel to the desired one, in an order that never drops traffic
 * that should flow (DESIGN §4): link, device, peers and their new allowed IPs, host-encryption marks,
 * routes, then the rule; a route leaves before its allowed IP, and an allowed IP moving between peers is
 * added to its new peer, which takes it from the old one at once. Disabling removes the rule first.
 */
public final class Planner {

    private Planner() {}

    public static Plan diff(ObservedDataplane actual, DesiredDataplane desired) {
        List<Operation> ops = new ArrayList<>();
        if (desired.wireguard().isEmpty()) {
            teardown(actual, desired, ops);
        } else {
            converge(actual, desired, desired.wireguard().get(), ops);
        }
        return new Plan(ops);
    }

    private static void teardown(ObservedDataplane actual, DesiredDataplane desired, List<Operation> ops) {
        actual.rules().forEach(rule -> ops.add(new DeleteRule(rule)));
        actual.routes().forEach(route -> ops.add(new DeleteRoute(route)));
        if (actual.linkIsOurs()) {
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
            Set<Cidr> gotIps = got == null ? Set.of() : got.allowedIps();
            want.allowedIps().stream().filter(c -> !gotIps.contains(c))
                    .forEach(c -> ops.add(new AddAllowedIp(want.publicKey(), c)));
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

        routes(actual, desired, ops);

        // allowed IPs and peers that are no longer wanted, now that no route leads to them
        Map<PublicKey, PeerConfig> wanted = new HashMap<>();
        wg.peers().forEach(p -> wanted.put(p.publicKey(), p));
        Set<Cidr> wantedAnywhere = null; // built only when some allowed IP leaves a peer: rare, and large
        for (PeerConfig got : have.values()) {
            PeerConfig want = wanted.get(got.publicKey());
            if (want == null) {
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

        Set<String> wantedTables = new HashSet<>();
        desired.nftTables().forEach(t -> wantedTables.add(t.family() + " " + t.name()));
        actual.nftTables().stream().filter(t -> !wantedTables.contains(t.family() + " " + t.name()))
                .forEach(t -> ops.add(new DeleteNftTable(t.family(), t.name())));
        actual.rememberedSysctls().stream().filter(s -> !desired.sysctls().containsKey(s)).sorted()
                .forEach(s -> ops.add(new RestoreSysctl(s)));
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
