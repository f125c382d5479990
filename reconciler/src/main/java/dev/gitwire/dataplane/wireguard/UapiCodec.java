package dev.gitwire.dataplane.wireguard;

import dev.gitwire.keys.PresharedKey;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.DeviceState;
import dev.gitwire.model.Endpoint;
import dev.gitwire.model.PeerConfig;
import dev.gitwire.model.PeerState;
import dev.gitwire.model.SortedArraySet;
import dev.gitwire.net.Cidr;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The userspace WireGuard configuration protocol (wireguard.com/xplatform): {@code key=value} lines,
 * keys in hex, a blank line ending each request and reply, {@code errno=N} closing a reply.
 */
public final class UapiCodec {

    private static final HexFormat HEX = HexFormat.of();
    private static final String ALLOWED_IP = "allowed_ip=";

    private UapiCodec() {}

    public static String encode(DeviceUpdate update) {
        StringBuilder out = new StringBuilder(64 + update.peers().size() * 128).append("set=1\n");
        update.privateKey().ifPresent(k -> out.append("private_key=").append(HEX.formatHex(k.raw())).append('\n'));
        update.listenPort().ifPresent(p -> out.append("listen_port=").append(p).append('\n'));
        update.firewallMark().ifPresent(m -> out.append("fwmark=").append(m).append('\n'));
        if (update.replacePeers()) {
            out.append("replace_peers=true\n");
        }
        for (DeviceUpdate.PeerUpdate peer : update.peers()) {
            out.append("public_key=").append(HEX.formatHex(peer.publicKey().raw())).append('\n');
            if (peer.remove()) {
                out.append("remove=true\n");
                continue;
            }
            // before the keepalive: wireguard-go initiates a handshake on that line, with the key it holds then
            peer.presharedKey().ifPresent(k -> out.append("preshared_key=").append(HEX.formatHex(k.raw())).append('\n'));
            peer.endpoint().ifPresent(e -> out.append("endpoint=").append(e).append('\n'));
            peer.persistentKeepalive().ifPresent(
                    k -> out.append("persistent_keepalive_interval=").append(k.getSeconds()).append('\n'));
            if (peer.replaceAllowedIps()) {
                out.append("replace_allowed_ips=true\n");
            }
            for (Cidr cidr : peer.removeAllowedIps()) {
                cidr.appendTo(out.append("allowed_ip=-")).append('\n');
            }
            for (Cidr cidr : peer.addAllowedIps()) {
                cidr.appendTo(out.append("allowed_ip=")).append('\n');
            }
        }
        return out.append('\n').toString();
    }

    /** Parses a reply to {@code get=1}; the private key is turned into its public key and dropped. */
    public static DeviceState decodeDevice(String reply) {
        Optional<PublicKey> devicePublicKey = Optional.empty();
        int listenPort = 0;
        long fwmark = 0;
        List<PeerState> peers = new ArrayList<>();
        PeerBuilder peer = null;
        for (int start = 0, end; start < reply.length(); start = end + 1) {
            end = reply.indexOf('\n', start);
            end = end < 0 ? reply.length() : end;
            if (reply.startsWith(ALLOWED_IP, start)) { // 100,000s of lines: no key string each
                peer.allowedIps.add(Cidr.parse(reply.substring(start + ALLOWED_IP.length(), end)));
                continue;
            }
            int eq = reply.indexOf('=', start);
            if (eq < 0 || eq > end) {
                continue;
            }
            String key = reply.substring(start, eq);
            String value = reply.substring(eq + 1, end);
            switch (key) {
                case "private_key" -> devicePublicKey = Optional.of(PrivateKey.of(HEX.parseHex(value)).publicKey());
                case "listen_port" -> listenPort = Integer.parseInt(value);
                case "fwmark" -> fwmark = Long.parseLong(value);
                case "public_key" -> {
                    if (peer != null) {
                        peers.add(peer.build());
                    }
                    peer = new PeerBuilder(PublicKey.of(HEX.parseHex(value)));
                }
                case "endpoint" -> peer.endpoint = Optional.of(Endpoint.parse(value));
                case "persistent_keepalive_interval" -> peer.keepalive = Duration.ofSeconds(Long.parseLong(value));
                case "preshared_key" -> peer.presharedKey = Optional.of(PresharedKey.of(HEX.parseHex(value)));
                case "last_handshake_time_sec" -> peer.handshakeSeconds = Long.parseLong(value);
                case "last_handshake_time_nsec" -> peer.handshakeNanos = Long.parseLong(value);
                case "rx_bytes" -> peer.received = Long.parseLong(value);
                case "tx_bytes" -> peer.sent = Long.parseLong(value);
                case "errno" -> checkErrno(value, "get device");
                default -> { } // protocol_version: not gitwire's concern
            }
        }
        if (peer != null) {
            peers.add(peer.build());
        }
        return new DeviceState(devicePublicKey, listenPort, fwmark, peers);
    }

    /** Checks the {@code errno=N} of a reply to a set. */
    public static void checkSetReply(String reply) {
        for (String line : reply.split("\n")) {
            if (line.startsWith("errno=")) {
                checkErrno(line.substring(6), "set device");
                return;
            }
        }
        throw new WireguardException(0, "set device: no errno in reply");
    }

    private static void checkErrno(String value, String what) {
        int errno = Integer.parseInt(value);
        if (errno != 0) {
            throw new WireguardException(Math.abs(errno), what + " refused");
        }
    }

    private static final class PeerBuilder {
        final PublicKey key;
        Optional<Endpoint> endpoint = Optional.empty();
        Duration keepalive = Duration.ZERO;
        Optional<PresharedKey> presharedKey = Optional.empty();
        final List<Cidr> allowedIps = new ArrayList<>(); // in the device's order; the PeerConfig sorts them once
        long handshakeSeconds;
        long handshakeNanos;
        long received;
        long sent;

        PeerBuilder(PublicKey key) {
            this.key = key;
        }

        PeerState build() {
            Optional<Instant> handshake = handshakeSeconds == 0 && handshakeNanos == 0
                    ? Optional.empty()
                    : Optional.of(Instant.ofEpochSecond(handshakeSeconds, handshakeNanos));
            return new PeerState(new PeerConfig(key, endpoint, keepalive, SortedArraySet.copyOf(allowedIps),
                    presharedKey), handshake, received, sent);
        }
    }
}
