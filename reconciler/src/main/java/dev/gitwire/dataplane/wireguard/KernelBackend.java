package dev.gitwire.dataplane.wireguard;

import dev.gitwire.dataplane.netlink.GenericNetlink;
import dev.gitwire.dataplane.netlink.NetlinkConnection;
import dev.gitwire.dataplane.netlink.NetlinkRequest;
import dev.gitwire.model.DeviceState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The kernel's WireGuard through its generic netlink family. */
public final class KernelBackend implements WireguardBackend {

    private final NetlinkConnection netlink;
    private final String interfaceName;
    private final int family;

    /** Resolves the family; {@code NetlinkException.ObjectNotFound} when the kernel has no WireGuard. */
    public KernelBackend(NetlinkConnection genericNetlink, String interfaceName) {
        this.netlink = genericNetlink;
        this.interfaceName = interfaceName;
        this.family = GenericNetlink.resolve(genericNetlink, GenlCodec.FAMILY);
    }

    @Override
    public DeviceState read() {
        return GenlCodec.decodeDevice(netlink.dump(new NetlinkRequest(family, 0, GenlCodec.getDevice(interfaceName),
                "get wireguard device " + interfaceName)));
    }

    /** Sends the fragments in order; the first refusal stops the rest. */
    @Override
    public void apply(DeviceUpdate update) {
        for (byte[] payload : GenlCodec.setDevice(interfaceName, update)) {
            netlink.execute(new NetlinkRequest(family, 0, payload, "set wireguard device " + interfaceName));
        }
    }

    /** WGALLOWEDIP_F_REMOVE_ME came with Linux 6.16; older kernels would ignore the flag and add the IP. */
    @Override
    public boolean removesSingleAllowedIps() {
        try {
            return releaseAtLeast(Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip(), 6, 16);
        } catch (IOException e) {
            return false;
        }
    }

    static boolean releaseAtLeast(String release, int major, int minor) {
        String[] parts = release.split("[.-]");
        try {
            int foundMajor = Integer.parseInt(parts[0]);
            int foundMinor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
            return foundMajor > major || (foundMajor == major && foundMinor >= minor);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    @Override
    public String describe() {
        return "kernel WireGuard " + interfaceName;
    }

    @Override
    public void close() {
        netlink.close();
    }
}
