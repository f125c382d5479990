package dev.gitwire.dataplane.wireguard;

import dev.gitwire.keys.PresharedKey;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.Endpoint;
import dev.gitwire.model.PeerConfig;
import dev.gitwire.net.Cidr;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * One change to a device, in the vocabulary both the kernel and the userspace interface share: device
 * settings to set, and per peer what to add, set or remove. Unset optionals leave a value as it is; a pre-shared key
 * is cleared by setting {@link PresharedKey#NONE}.
 */
public record DeviceUpdate(Optional<PrivateKey> privateKey, OptionalInt listenPort, OptionalLong firewallMark,
        boolean replacePeers, List<PeerUpdate> peers) {

    public DeviceUpdate {
        peers = List.copyOf(peers);
    }

    public static DeviceUpdate peers(List<PeerUpdate> peers) {
        return new DeviceUpdate(Optional.empty(), OptionalInt.empty(), OptionalLong.empty(), false, peers);
    }

    /**
     * One peer's change. {@code removeAllowedIps} must only be honoured where the backend removes single
     * allowed IPs; {@link WireguardDevice} turns it into a safe sequence elsewhere.
     */
    public record PeerUpdate(PublicKey publicKey, boolean remove, Optional<Endpoint> endpoint,
            Optional<Duration> persistentKeepalive, boolean replaceAllowedIps, List<Cidr> addAllowedIps,
            List<Cidr> removeAllowedIps, Optional<PresharedKey> presharedKey) {

        public PeerUpdate {
            addAllowedIps = List.copyOf(addAllowedIps);
            removeAllowedIps = List.copyOf(removeAllowedIps);
        }

        public static PeerUpdate removal(PublicKey key) {
            return new PeerUpdate(key, true, Optional.empty(), Optional.empty(), false, List.of(), List.of(),
                    Optional.empty());
        }

        /** Creates or resets a peer to exactly this configuration. */
        public static PeerUpdate exactly(PeerConfig config) {
            return new PeerUpdate(config.publicKey(), false, config.endpoint(),
                    Optional.of(config.persistentKeepalive()), true, List.copyOf(config.allowedIps()), List.of(),
                    Optional.of(config.presharedKey().orElse(PresharedKey.NONE)));
        }

        public static PeerUpdate addAllowedIps(PublicKey key, List<Cidr> cidrs) {
            return new PeerUpdate(key, false, Optional.empty(), Optional.empty(), false, cidrs, List.of(),
                    Optional.empty());
        }

        public static PeerUpdate removeAllowedIps(PublicKey key, List<Cidr> cidrs) {
            return new PeerUpdate(key, false, Optional.empty(), Optional.empty(), false, List.of(), cidrs,
                    Optional.empty());
        }
    }
}
