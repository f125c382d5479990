package dev.gitwire.dataplane.wireguard;

import dev.gitwire.dataplane.link.Links;
import dev.gitwire.dataplane.netlink.NetlinkConnection;
import dev.gitwire.dataplane.netlink.NetlinkException;
import dev.gitwire.dataplane.netlink.NetlinkSocket;
import dev.gitwire.dataplane.netlink.NetworkNamespace;
import dev.gitwire.model.Link;
import java.nio.file.Files;
import java.util.Optional;

/**
 * Finds or creates the WireGuard link W and opens the backend that controls it: the kernel's when a
 * {@code wireguard} link exists or can be created, else wireguard-go's TUN. A link named W of any other
 * kind is not gitwire's and is reported, never deleted.
 */
public final class WireguardLink {

    /** Which implementation the operator asked for (--wireguard); auto prefers the kernel. What runs is a BackendChoice. */
    public enum Preference { AUTO, KERNEL, USERSPACE }

    /** The opened device and which backend runs it, for the status. */
    public record Opened(WireguardDevice device, Link link, String backend) {}

    private final Links links;
    private final NetworkNamespace namespace;
    private final WireguardGoLauncher launcher;

    public WireguardLink(NetlinkConnection routeNetlink, WireguardGoLauncher launcher) {
        this.links = new Links(routeNetlink);
        this.namespace = routeNetlink.namespace();
        this.launcher = launcher;
    }

    public Opened open(String name, Preference preference) {
        Optional<Link> existing = links.get(name);
        if (existing.isPresent()) {
            return attach(existing.get(), preference);
        }
        if (preference != Preference.USERSPACE) {
            try {
                return attach(links.create(name, "wireguard", 0), preference);
            } catch (NetlinkException e) {
                if (preference == Preference.KERNEL) {
                    throw new WireguardException(e.errno(), "cannot create a kernel WireGuard link " + name + ": "
                            + e.getMessage());
                }
                // no WireGuard module: the userspace implementation takes over
            }
        }
        launcher.start(name);
        return attach(links.require(name), Preference.USERSPACE);
    }

    private Opened attach(Link link, Preference preference) {
        String kind = link.kind().orElse("none");
        if (kind.equals("wireguard") && preference != Preference.USERSPACE) {
            NetlinkConnection generic = NetlinkConnection.open(NetlinkSocket.NETLINK_GENERIC, namespace);
            return new Opened(new WireguardDevice(new KernelBackend(generic, link.name())), link, "kernel");
        }
        boolean served = Files.exists(launcher.socketDirectory().resolve(link.name() + ".sock"));
        if (kind.equals("tun") && served && preference != Preference.KERNEL) {
            return new Opened(new WireguardDevice(new UapiBackend(launcher.socketDirectory(), link.name())), link,
                    "userspace");
        }
        throw new WireguardException(0, "link " + link.name() + " of kind " + kind
                + (kind.equals("tun") && !served ? " has no wireguard-go serving it" : "")
                + " is not a WireGuard device gitwire can use; it is left alone");
    }
}
