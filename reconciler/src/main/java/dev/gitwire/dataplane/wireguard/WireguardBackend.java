package dev.gitwire.dataplane.wireguard;

import dev.gitwire.model.DeviceState;
/**
 * The control interface of one WireGuard device: the kernel's generic netlink family, or the
 * userspace implementation's UAPI socket. Both speak {@link DeviceUpdate}.
 */
public interface WireguardBackend extends AutoCloseable {

    DeviceState read();

    /** Applies one update as one transaction of the backend. */
    void apply(DeviceUpdate update);

    /** Whether {@link DeviceUpdate.PeerUpdate#removeAllowedIps()} is honoured natively. */
    boolean removesSingleAllowedIps();

    String describe();

    @Override
    void close();
}
