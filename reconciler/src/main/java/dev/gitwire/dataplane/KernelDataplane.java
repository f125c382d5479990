package dev.gitwire.dataplane;

import dev.gitwire.dataplane.link.Addresses;
import dev.gitwire.dataplane.link.Links;
import dev.gitwire.dataplane.netlink.GenericNetlink;
import dev.gitwire.dataplane.netlink.NetlinkConnection;
import dev.gitwire.dataplane.netlink.NetlinkException;
import dev.gitwire.dataplane.netlink.NetlinkSocket;
import dev.gitwire.dataplane.netlink.NetworkNamespace;
import dev.gitwire.dataplane.nft.CommandRunner;
import dev.gitwire.dataplane.nft.GuardTable;
import dev.gitwire.dataplane.nft.Nftables;
import dev.gitwire.dataplane.route.RouteTable;
import dev.gitwire.dataplane.route.Rules;
import dev.gitwire.dataplane.sysctl.RememberedSysctl;
import dev.gitwire.dataplane.sysctl.Sysctls;
import dev.gitwire.dataplane.wireguard.DeviceUpdate;
import dev.gitwire.dataplane.wireguard.DeviceUpdate.PeerUpdate;
import dev.gitwire.dataplane.wireguard.GenlCodec;
import dev.gitwire.dataplane.wireguard.KernelBackend;
import dev.gitwire.dataplane.wireguard.UapiBackend;
import dev.gitwire.dataplane.wireguard.WireguardDevice;
import dev.gitwire.dataplane.wireguard.WireguardGoLauncher;
import dev.gitwire.dataplane.wireguard.WireguardLink;
import dev.gitwire.desired.DesiredDataplane.Ownership;
import dev.gitwire.desired.DesiredState;
import dev.gitwire.desired.HostEncryptionTables;
import dev.gitwire.desired.Underlay;
import dev.gitwire.keys.PresharedKey;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.BackendChoice;
import dev.gitwire.model.DeviceState;
import dev.gitwire.model.Endpoint;
import dev.gitwire.model.Guard;
import dev.gitwire.model.Link;
import dev.gitwire.model.NftTable;
import dev.gitwire.model.Route;
import dev.gitwire.model.Rule;
import dev.gitwire.model.SortedArraySet;
import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpAddress;
import dev.gitwire.net.IpFamily;
import dev.gitwire.plan.ObservedDataplane;
import dev.gitwire.plan.Operation;
import dev.gitwire.plan.Plan;
import dev.gitwire.statedir.StateFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The kernel of one node as gitwire sees and changes it: observation of everything gitwire owns, and
 * execution of a plan, consecutive operations of one kind batched into one kernel exchange (a netlink
 * batch of routes, one WireGuard transaction for a run of peer changes).
 */
public final class KernelDataplane implements Dataplane {

    private final NetlinkConnection netlink;
    private final NetworkNamespace namespace;
    private final WireguardLink.Preference preference;
    private final WireguardGoLauncher launcher;
    private final Path stateDirectory;
    private final Nftables nftables;
    private final GuardTable guard;
    private final Sysctls sysctls;
    private volatile Boolean kernelHasWireguard;
    /** The device name, table, rule priority and mark of the last converged reconcile, a line each. */
    private static final String OWNED_FILE = "owned";
    private final DropTotal guardDrops = new DropTotal();
    private final ExecutorService readers = Executors.newFixedThreadPool(3, read -> {
        Thread thread = new Thread(read, "gitwire-observe");
        thread.setDaemon(true);
        return thread;
    });

    public KernelDataplane(NetworkNamespace namespace, WireguardLink.Preference preference, WireguardGoLauncher launcher,
            Path stateDirectory) {
        this.namespace = namespace;
        this.netlink = NetlinkConnection.open(NetlinkSocket.NETLINK_ROUTE, namespace);
        this.preference = preference;
        this.launcher = launcher;
        this.stateDirectory = stateDirectory;
        this.nftables = new Nftables(new CommandRunner(namespace));
        this.guard = new GuardTable(new CommandRunner(namespace));
        this.sysctls = new Sysctls(namespace);
    }

    @Override
    public Underlay underlay(Optional<IpAddress> firstAddress) {
        IpFamily family = firstAddress.map(IpAddress::family).orElse(IpFamily.IPV4);
        Optional<Link> link = firstAddress.flatMap(a -> new Addresses(netlink).linkIndexOf(a))
                .flatMap(index -> new Links(netlink).all().stream().filter(l -> l.index() == index).findFirst());
        return link.map(l -> new Underlay(Optional.of(l.name()), l.mtu(), family)).orElse(Underlay.unknown(family));
    }

    @Override
    public List<String> unsettable(Map<String, String> wanted) {
        return wanted.entrySet().stream()
                .filter(e -> !e.getValue().equals(sysctls.read(e.getKey())) && !sysctls.writable(e.getKey()))
                .map(e -> e.getKey() + "=" + e.getValue()).sorted().toList();
    }

    @Override
    public ObservedDataplane observe(Ownership owned) {
        Optional<Link> link = new Links(netlink).get(owned.interfaceName());
        // the device (its own socket) and nft (processes) are read while this thread dumps routes and rules
        Future<Optional<DeviceState>> device = readers.submit(() -> link.flatMap(this::readDevice));
        Future<Optional<Guard>> guarded = readers.submit(guard::read);
        Future<List<NftTable>> tables = readers.submit(this::hostEncryptionTables);
        RouteTable table = new RouteTable(netlink, owned.table());
        List<Route> routes = new ArrayList<>(); // each family sorted, IPv4 first: one linear sort
        List<Rule> rules = new ArrayList<>();
        Rules allRules = new Rules(netlink);
        for (IpFamily family : IpFamily.values()) {
            routes.addAll(table.routes(family));
            allRules.all(family).stream().filter(r -> r.table() == owned.table() && !r.otherSelectors())
                    .forEach(rules::add);
        }
        Map<String, String> values = new HashMap<>();
        Set<String> remembered = new HashSet<>();
        for (String name : DesiredState.OWNED_SYSCTLS) { // what the desired side says gitwire owns
            values.put(name, sysctls.read(name));
            if (remembered(name).remembered().isPresent()) {
                remembered.add(name);
            }
        }
        boolean anchored = link.map(l -> new Addresses(netlink).has(l.index(), Operation.AnchorLink.ADDRESS)).orElse(false);
        ObservedDataplane observed = new ObservedDataplane(link, result(device), anchored, SortedArraySet.copyOf(routes),
                rules, result(guarded), result(tables), values, remembered);
        guardDrops.counted(guard.droppedAtLastRead());
        return observed;
    }

    @Override
    public Optional<Ownership> ownedBefore() {
        try {
            List<String> lines = Files.readAllLines(stateDirectory.resolve(OWNED_FILE));
            return Optional.of(new Ownership(lines.get(0), Long.parseLong(lines.get(1)), Long.parseLong(lines.get(2)),
                    Long.parseLong(lines.get(3))));
        } catch (IOException | RuntimeException e) {
            // none yet (the first converged reconcile writes it), or one that does not read (a disk that failed
            // mid-write): either names nothing to retire, and the diff owns the rest
            return Optional.empty();
        }
    }

    @Override
    public void remember(Ownership owned) {
        String text = owned.interfaceName() + "\n" + owned.table() + "\n" + owned.rulePriority() + "\n"
                + owned.firewallMark() + "\n";
        try {
            StateFile.replace(stateDirectory.resolve(OWNED_FILE), text.getBytes(StandardCharsets.US_ASCII),
                    PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remember what this node owns in " + stateDirectory, e);
        }
    }

    @Override
    public long guardDroppedPackets() {
        return guardDrops.total();
    }

    /** A total over counters that start again at 0 whenever the table is installed anew. */
    private static final class DropTotal {
        private long total;
        private long countedBefore;

        synchronized void counted(long counted) {
            total += counted >= countedBefore ? counted - countedBefore : counted;
            countedBefore = counted;
        }

        synchronized long total() {
            return total;
        }
    }

    private List<NftTable> hostEncryptionTables() {
        List<NftTable> tables = new ArrayList<>();
        for (NftTable absent : HostEncryptionTables.OWNED) {
            nftables.read(absent.family(), absent.name()).ifPresent(tables::add);
        }
        return tables;
    }

    /** What a reader returned, or what it threw, as it threw it; each read has a deadline of its own. */
    private static <T> T result(Future<T> read) {
        try {
            return read.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while observing the kernel", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    @Override
    public Optional<DeviceState> device(Ownership owned) {
        return new Links(netlink).get(owned.interfaceName()).flatMap(this::readDevice);
    }

    private Optional<DeviceState> readDevice(Link link) {
        return device(link).map(d -> {
            try (d) {
                return d.read();
            }
        });
    }

    @Override
    public void execute(Plan plan, Ownership owned) {
        Optional<WireguardDevice> device = new Links(netlink).get(owned.interfaceName()).flatMap(this::device);
        try {
            run(plan.operations(), owned, device);
        } finally {
            device.ifPresent(WireguardDevice::close);
        }
    }

    private void run(List<Operation> ops, Ownership owned, Optional<WireguardDevice> opened) {
        Optional<WireguardDevice> device = opened;
        for (int i = 0; i < ops.size(); ) {
            Operation op = ops.get(i);
            int end = i + 1;
            if (isRouteOp(op)) {
                while (end < ops.size() && isRouteOp(ops.get(end))) {
                    end++;
                }
                new RouteTable(netlink, owned.table()).applyOrThrow(routeChanges(ops.subList(i, end)));
            } else if (isDeviceOp(op)) {
                while (end < ops.size() && isDeviceOp(ops.get(end))) {
                    end++;
                }
                device.orElseThrow(() -> new IllegalStateException("no WireGuard device " + owned.interfaceName()))
                        .apply(deviceUpdate(ops.subList(i, end)));
            } else if (op instanceof Operation.GuardDestination || op instanceof Operation.ReleaseDestination) {
                while (end < ops.size() && ops.get(end).getClass() == op.getClass()) {
                    end++;
                }
                List<Cidr> destinations = ops.subList(i, end).stream().map(o -> o instanceof Operation.GuardDestination g
                        ? g.destination() : ((Operation.ReleaseDestination) o).destination()).toList();
                if (op instanceof Operation.GuardDestination) {
                    guard.add(destinations);
                } else {
                    guard.remove(destinations);
                }
            } else if (op instanceof Operation.InstallGuard install) {
                guard.install(install.guard());
            } else if (op instanceof Operation.DeleteGuard) {
                guard.delete();
            } else if (op instanceof Operation.CreateDevice create) {
                WireguardLink.Opened created = new WireguardLink(netlink, launcher).open(create.interfaceName(), preference);
                new Links(netlink).set(created.link(), create.mtu(), true);
                device.ifPresent(WireguardDevice::close);
                device = Optional.of(created.device());
            } else if (op instanceof Operation.AnchorLink anchor) {
                new Addresses(netlink).addHostScoped(new Links(netlink).require(anchor.interfaceName()).index(),
                        Operation.AnchorLink.ADDRESS);
            } else if (op instanceof Operation.SetLink set) {
                Links links = new Links(netlink);
                links.set(links.require(set.interfaceName()), set.mtu(), set.up());
            } else if (op instanceof Operation.DeleteDevice delete) {
                Links links = new Links(netlink);
                links.get(delete.interfaceName()).ifPresent(links::delete);
            } else if (op instanceof Operation.AddRule add) {
                new Rules(netlink).add(add.rule());
            } else if (op instanceof Operation.DeleteRule delete) {
                new Rules(netlink).delete(delete.rule());
            } else if (op instanceof Operation.ReplaceNftTable replace) {
                nftables.replace(List.of(replace.table()), List.of());
            } else if (op instanceof Operation.DeleteNftTable delete) {
                nftables.replace(List.of(), List.of(new NftTable(delete.family(), delete.name(), List.of())));
            } else if (op instanceof Operation.SetSysctl set) {
                remembered(set.name()).set(set.value());
            } else if (op instanceof Operation.RestoreSysctl restore) {
                remembered(restore.name()).restore();
            }
            i = end;
        }
    }

    /** By what is there, --wireguard and the kernel. */
    @Override
    public BackendChoice backend(String interfaceName) {
        Optional<Link> link = new Links(netlink).get(interfaceName);
        if (link.isPresent()) {
            String kind = link.get().kind().orElse("none");
            return kind.equals("wireguard") ? new BackendChoice(BackendChoice.KERNEL, "link " + interfaceName
                    + " is kernel WireGuard") : new BackendChoice(BackendChoice.USERSPACE, "link " + interfaceName
                    + " is a " + kind + " served by wireguard-go");
        }
        return switch (preference) {
            case KERNEL -> new BackendChoice(BackendChoice.KERNEL, "--wireguard kernel");
            case USERSPACE -> new BackendChoice(BackendChoice.USERSPACE, "--wireguard userspace");
            case AUTO -> kernelHasWireguard() ? new BackendChoice(BackendChoice.KERNEL, "the kernel has WireGuard")
                    : new BackendChoice(BackendChoice.USERSPACE, "the kernel has no WireGuard module: wireguard-go");
        };
    }

    /**
     * Asked once: the agent asks after every reconcile, and without link W (a node the mesh leaves out) the
     * answer is only a forecast; once W exists, its kind says which WireGuard runs.
     */
    private boolean kernelHasWireguard() {
        Boolean known = kernelHasWireguard;
        if (known == null) {
            try (NetlinkConnection generic = NetlinkConnection.open(NetlinkSocket.NETLINK_GENERIC, namespace)) {
                GenericNetlink.resolve(generic, GenlCodec.FAMILY);
                known = true;
            } catch (NetlinkException e) {
                known = false;
            }
            kernelHasWireguard = known;
        }
        return known;
    }

    /** The device behind link W: a kernel WireGuard link, or a TUN served by wireguard-go; else none. */
    private Optional<WireguardDevice> device(Link link) {
        String kind = link.kind().orElse("");
        if (kind.equals("wireguard")) {
            return Optional.of(new WireguardDevice(new KernelBackend(
                    NetlinkConnection.open(NetlinkSocket.NETLINK_GENERIC, namespace), link.name())));
        }
        if (kind.equals("tun") && Files.exists(launcher.socketDirectory().resolve(link.name() + ".sock"))) {
            return Optional.of(new WireguardDevice(new UapiBackend(launcher.socketDirectory(), link.name())));
        }
        return Optional.empty();
    }

    private RememberedSysctl remembered(String name) {
        return new RememberedSysctl(sysctls, name, stateDirectory);
    }

    private static boolean isRouteOp(Operation op) {
        return op instanceof Operation.AddRoute || op instanceof Operation.ReplaceRoute
                || op instanceof Operation.DeleteRoute;
    }

    private static boolean isDeviceOp(Operation op) {
        return op instanceof Operation.ConfigureDevice || op instanceof Operation.AddPeer
                || op instanceof Operation.UpdatePeer || op instanceof Operation.RemovePeer
                || op instanceof Operation.SetPresharedKey
                || op instanceof Operation.AddAllowedIp || op instanceof Operation.RemoveAllowedIp;
    }

    private static List<RouteTable.Change> routeChanges(List<Operation> ops) {
        List<RouteTable.Change> changes = new ArrayList<>(ops.size());
        for (Operation op : ops) {
            if (op instanceof Operation.AddRoute add) {
                changes.add(new RouteTable.Change.Add(add.route()));
            } else if (op instanceof Operation.ReplaceRoute replace) {
                changes.add(new RouteTable.Change.Replace(replace.route()));
            } else {
                changes.add(new RouteTable.Change.Delete(((Operation.DeleteRoute) op).route()));
            }
        }
        return changes;
    }

    /** One transaction: device settings, then peer changes in plan order, consecutive ones of a peer merged. */
    static DeviceUpdate deviceUpdate(List<Operation> ops) {
        DeviceUpdate settings = DeviceUpdate.peers(List.of());
        List<PeerUpdate> peers = new ArrayList<>();
        PeerRun run = null;
        for (Operation op : ops) {
            if (op instanceof Operation.ConfigureDevice c) {
                settings = new DeviceUpdate(c.privateKey(), c.listenPort(), c.firewallMark(), false, List.of());
                continue;
            }
            PeerUpdate next = peerUpdate(op);
            if (run != null && run.key.equals(next.publicKey()) && !run.remove && !next.remove()) {
                run.absorb(next);
                continue;
            }
            if (run != null) {
                peers.add(run.update());
            }
            run = new PeerRun(next);
        }
        if (run != null) {
            peers.add(run.update());
        }
        return new DeviceUpdate(settings.privateKey(), settings.listenPort(), settings.firewallMark(), false, peers);
    }

    private static PeerUpdate peerUpdate(Operation op) {
        if (op instanceof Operation.AddPeer add) {
            return new PeerUpdate(add.key(), false, add.endpoint(), Optional.of(add.persistentKeepalive()), false,
                    List.of(), List.of(), Optional.empty());
        }
        if (op instanceof Operation.UpdatePeer update) {
            return new PeerUpdate(update.key(), false, update.endpoint(), Optional.of(update.persistentKeepalive()),
                    false, List.of(), List.of(), Optional.empty());
        }
        if (op instanceof Operation.SetPresharedKey set) {
            return new PeerUpdate(set.key(), false, Optional.empty(), Optional.empty(), false, List.of(), List.of(),
                    Optional.of(set.presharedKey().orElse(PresharedKey.NONE)));
        }
        if (op instanceof Operation.RemovePeer remove) {
            return PeerUpdate.removal(remove.key());
        }
        if (op instanceof Operation.AddAllowedIp add) {
            return PeerUpdate.addAllowedIps(add.key(), List.of(add.cidr()));
        }
        Operation.RemoveAllowedIp remove = (Operation.RemoveAllowedIp) op;
        return PeerUpdate.removeAllowedIps(remove.key(), List.of(remove.cidr()));
    }

    /** Consecutive changes of one peer, gathered in one pass: a peer gaining 100,000 allowed IPs is one update. */
    private static final class PeerRun {
        final PublicKey key;
        final boolean remove;
        Optional<Endpoint> endpoint;
        Optional<Duration> keepalive;
        Optional<PresharedKey> presharedKey;
        boolean replace;
        final List<Cidr> add = new ArrayList<>();
        final List<Cidr> removeIps = new ArrayList<>();

        PeerRun(PeerUpdate first) {
            key = first.publicKey();
            remove = first.remove();
            endpoint = first.endpoint();
            keepalive = first.persistentKeepalive();
            presharedKey = first.presharedKey();
            replace = first.replaceAllowedIps();
            add.addAll(first.addAllowedIps());
            removeIps.addAll(first.removeAllowedIps());
        }

        void absorb(PeerUpdate next) {
            endpoint = next.endpoint().or(() -> endpoint);
            keepalive = next.persistentKeepalive().or(() -> keepalive);
            presharedKey = next.presharedKey().or(() -> presharedKey);
            replace |= next.replaceAllowedIps();
            add.addAll(next.addAllowedIps());
            removeIps.addAll(next.removeAllowedIps());
        }

        PeerUpdate update() {
            return new PeerUpdate(key, remove, endpoint, keepalive, replace, add, removeIps, presharedKey);
        }
    }

    @Override
    public List<Watch> watch(Supplier<Ownership> owned, Consumer<String> onChange) {
        return List.of(KernelWatcher.routing(namespace, owned, onChange), KernelWatcher.nftables(namespace, onChange));
    }

    @Override
    public void close() {
        readers.shutdownNow();
        netlink.close();
    }
}
