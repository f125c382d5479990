package dev.gitwire.dataplane.wireguard;

import dev.gitwire.dataplane.wireguard.DeviceUpdate.PeerUpdate;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.DeviceState;
import dev.gitwire.net.Cidr;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * A WireGuard device with one guarantee on top of its backend: removing some allowed IPs of a peer never
 * opens a window in which its other allowed IPs are missing. Where the backend cannot remove a single
 * allowed IP, the IPs are first moved to a temporary "parking" peer (an allowed IP belongs to one peer,
 * so adding it there takes it from its owner alone), and that peer is then removed, all in one
 * transaction; the owner's other allowed IPs are never touched.
 */
public final class WireguardDevice implements AutoCloseable {

    /**
     * A fixed key no node has: SHA-256 of "gitwire parking peer". Not the all-zero key, which
     * wireguard-go takes for the device's own key while the device has none, and then ignores the peer.
     */
    static final PublicKey PARKING_PEER = PublicKey.of(sha256("gitwire parking peer"));

    private final WireguardBackend backend;

    public WireguardDevice(WireguardBackend backend) {
        this.backend = backend;
    }

    public DeviceState read() {
        return backend.read();
    }

    public void apply(DeviceUpdate update) {
        boolean removes = update.peers().stream().anyMatch(p -> !p.removeAllowedIps().isEmpty());
        backend.apply(removes && !backend.removesSingleAllowedIps() ? withParkingPeer(update) : update);
    }

    public String describe() {
        return backend.describe();
    }

    /**
     * The same update with single removals done through the parking peer, placed first: should the update
     * also add one of those IPs to another peer, that later add wins, as it must.
     */
    static DeviceUpdate withParkingPeer(DeviceUpdate update) {
        List<Cidr> parked = new ArrayList<>();
        List<PeerUpdate> peers = new ArrayList<>();
        for (PeerUpdate peer : update.peers()) {
            parked.addAll(peer.removeAllowedIps());
            peers.add(new PeerUpdate(peer.publicKey(), peer.remove(), peer.endpoint(), peer.persistentKeepalive(),
                    peer.replaceAllowedIps(), peer.addAllowedIps(), List.of(), peer.presharedKey()));
        }
        List<PeerUpdate> ordered = new ArrayList<>();
        if (!parked.isEmpty()) {
            ordered.add(PeerUpdate.addAllowedIps(PARKING_PEER, parked));
            ordered.add(PeerUpdate.removal(PARKING_PEER));
        }
        ordered.addAll(peers);
        return new DeviceUpdate(update.privateKey(), update.listenPort(), update.firewallMark(),
                update.replacePeers(), ordered);
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    @Override
    public void close() {
        backend.close();
    }
}
