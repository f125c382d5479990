package dev.gitwire.dataplane.wireguard;

import dev.gitwire.dataplane.netlink.Attributes;
import dev.gitwire.dataplane.netlink.Attributes.Attribute;
import dev.gitwire.dataplane.netlink.GenericNetlink;
import dev.gitwire.dataplane.netlink.MessageWriter;
import dev.gitwire.dataplane.netlink.NetlinkMessage;
import dev.gitwire.dataplane.wireguard.DeviceUpdate.PeerUpdate;
import dev.gitwire.keys.PresharedKey;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.DeviceState;
import dev.gitwire.model.Endpoint;
import dev.gitwire.model.PeerConfig;
import dev.gitwire.model.PeerState;
import dev.gitwire.model.SortedArraySet;
import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpAddress;
import dev.gitwire.net.IpFamily;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The kernel's WireGuard generic netlink family (include/uapi/linux/wireguard.h), as pure encoding and
 * decoding. A GET_DEVICE dump may split one peer's allowed IPs over several messages: they are joined.
 * A SET_DEVICE is split into messages of at most {@link #MAX_MESSAGE_BYTES}: device settings and
 * REPLACE_PEERS go in the first one only, a peer's flags, endpoint and keepalive in its first fragment only.
 */
public final class GenlCodec {

    public static final String FAMILY = "wireguard";
    public static final int VERSION = 1;
    public static final int MAX_MESSAGE_BYTES = 8192;

    static final int WG_CMD_GET_DEVICE = 0;
    static final int WG_CMD_SET_DEVICE = 1;
    static final int WGDEVICE_A_IFNAME = 2;
    static final int WGDEVICE_A_PRIVATE_KEY = 3;
    static final int WGDEVICE_A_PUBLIC_KEY = 4;
    static final int WGDEVICE_A_FLAGS = 5;
    static final int WGDEVICE_A_LISTEN_PORT = 6;
    static final int WGDEVICE_A_FWMARK = 7;
    static final int WGDEVICE_A_PEERS = 8;
    static final int WGDEVICE_F_REPLACE_PEERS = 1;
    static final int WGPEER_A_PUBLIC_KEY = 1;
    static final int WGPEER_A_PRESHARED_KEY = 2;
    static final int WGPEER_A_FLAGS = 3;
    static final int WGPEER_A_ENDPOINT = 4;
    static final int WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL = 5;
    static final int WGPEER_A_LAST_HANDSHAKE_TIME = 6;
    static final int WGPEER_A_RX_BYTES = 7;
    static final int WGPEER_A_TX_BYTES = 8;
    static final int WGPEER_A_ALLOWEDIPS = 9;
    static final int WGPEER_F_REMOVE_ME = 1;
    static final int WGPEER_F_REPLACE_ALLOWEDIPS = 2;
    static final int WGALLOWEDIP_A_FAMILY = 1;
    static final int WGALLOWEDIP_A_IPADDR = 2;
    static final int WGALLOWEDIP_A_CIDR_MASK = 3;
    static final int WGALLOWEDIP_A_FLAGS = 4;
    static final int WGALLOWEDIP_F_REMOVE_ME = 1;
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    /** Room kept free in a fragment for closing the nests that are open. */
    private static final int CLOSING_ROOM = 64;

    private GenlCodec() {}

    public static byte[] getDevice(String interfaceName) {
        return GenericNetlink.header(WG_CMD_GET_DEVICE, VERSION).attributeString(WGDEVICE_A_IFNAME, interfaceName)
                .toBytes();
    }

    /** The payloads (after the netlink header) of the SET_DEVICE messages that carry {@code update}. */
    public static List<byte[]> setDevice(String interfaceName, DeviceUpdate update) {
        List<byte[]> messages = new ArrayList<>();
        MessageWriter w = deviceHeader(interfaceName, update, true);
        boolean peersOpen = false;
        for (PeerUpdate peer : update.peers()) {
            List<AllowedIpEntry> entries = entries(peer);
            int next = 0;
            boolean firstFragment = true;
            do {
                int peerHead = 4 + 36 + 36 + 8 + 32 + 8 + 8; // nest, key, psk, flags, endpoint, keepalive, allowed IPs
                if (w.length() + peerHead + CLOSING_ROOM > MAX_MESSAGE_BYTES) {
                    messages.add(close(w, peersOpen));
                    w = deviceHeader(interfaceName, update, false);
                    peersOpen = false;
                }
                if (!peersOpen) {
                    w.beginNested(WGDEVICE_A_PEERS);
                    peersOpen = true;
                }
                w.beginNested(0);
                w.attribute(WGPEER_A_PUBLIC_KEY, peer.publicKey().raw());
                if (firstFragment) {
                    int flags = (peer.remove() ? WGPEER_F_REMOVE_ME : 0)
                            | (peer.replaceAllowedIps() ? WGPEER_F_REPLACE_ALLOWEDIPS : 0);
                    if (flags != 0) {
                        w.attributeU32(WGPEER_A_FLAGS, flags);
                    }
                    if (peer.endpoint().isPresent()) {
                        w.attribute(WGPEER_A_ENDPOINT, sockaddr(peer.endpoint().get()));
                    }
                    if (peer.persistentKeepalive().isPresent()) {
                        w.attributeU16(WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL,
                                (int) peer.persistentKeepalive().get().getSeconds());
                    }
                    if (peer.presharedKey().isPresent()) { // all zeros clears it
                        w.attribute(WGPEER_A_PRESHARED_KEY, peer.presharedKey().get().raw());
                    }
                }
                if (next < entries.size()) {
                    w.beginNested(WGPEER_A_ALLOWEDIPS);
                    while (next < entries.size() && w.length() + entries.get(next).bytes() + CLOSING_ROOM
                            <= MAX_MESSAGE_BYTES) {
                        entries.get(next++).write(w);
                    }
                    w.endNested();
                }
                w.endNested();
                firstFragment = false;
                if (next < entries.size()) {
                    messages.add(close(w, peersOpen));
                    w = deviceHeader(interfaceName, update, false);
                    peersOpen = false;
                }
            } while (next < entries.size());
        }
        messages.add(close(w, peersOpen));
        return messages;
    }

    private static byte[] close(MessageWriter w, boolean peersOpen) {
        if (peersOpen) {
            w.endNested();
        }
        return w.toBytes();
    }

    private static MessageWriter deviceHeader(String interfaceName, DeviceUpdate update, boolean first) {
        MessageWriter w = GenericNetlink.header(WG_CMD_SET_DEVICE, VERSION)
                .attributeString(WGDEVICE_A_IFNAME, interfaceName);
        if (first) {
            update.privateKey().ifPresent(k -> w.attribute(WGDEVICE_A_PRIVATE_KEY, k.raw()));
            update.listenPort().ifPresent(p -> w.attributeU16(WGDEVICE_A_LISTEN_PORT, p));
            update.firewallMark().ifPresent(m -> w.attributeU32(WGDEVICE_A_FWMARK, m));
            if (update.replacePeers()) {
                w.attributeU32(WGDEVICE_A_FLAGS, WGDEVICE_F_REPLACE_PEERS);
            }
        }
        return w;
    }

    /** One allowed-IP entry of a SET: an address to add, or to remove (Linux 6.16+). */
    private record AllowedIpEntry(Cidr cidr, boolean remove) {
        int bytes() {
            return 4 + 8 + 4 + cidr.family().bytes() + 8 + (remove ? 8 : 0);
        }

        void write(MessageWriter w) {
            w.beginNested(0)
                    .attributeU16(WGALLOWEDIP_A_FAMILY, cidr.family() == IpFamily.IPV4 ? AF_INET : AF_INET6)
                    .attribute(WGALLOWEDIP_A_IPADDR, cidr.network().toBytes())
                    .attributeU8(WGALLOWEDIP_A_CIDR_MASK, cidr.prefixLength());
            if (remove) {
                w.attributeU32(WGALLOWEDIP_A_FLAGS, WGALLOWEDIP_F_REMOVE_ME);
            }
            w.endNested();
        }
    }

    private static List<AllowedIpEntry> entries(PeerUpdate peer) {
        List<AllowedIpEntry> entries = new ArrayList<>();
        peer.removeAllowedIps().forEach(c -> entries.add(new AllowedIpEntry(c, true)));
        peer.addAllowedIps().forEach(c -> entries.add(new AllowedIpEntry(c, false)));
        return entries;
    }

    /** struct sockaddr_in or sockaddr_in6: family in host order, port in network order. */
    static byte[] sockaddr(Endpoint endpoint) {
        boolean v4 = endpoint.address().family() == IpFamily.IPV4;
        ByteBuffer b = ByteBuffer.allocate(v4 ? 16 : 28).order(ByteOrder.nativeOrder());
        b.putShort((short) (v4 ? AF_INET : AF_INET6));
        b.order(ByteOrder.BIG_ENDIAN).putShort((short) endpoint.port());
        if (!v4) {
            b.putInt(0); // flow info
        }
        b.put(endpoint.address().toBytes());
        return b.array();
    }

    static Endpoint endpoint(ByteBuffer sockaddr) {
        int family = Short.toUnsignedInt(sockaddr.order(ByteOrder.nativeOrder()).getShort(0));
        int port = Short.toUnsignedInt(sockaddr.duplicate().order(ByteOrder.BIG_ENDIAN).getShort(2));
        byte[] address = new byte[family == AF_INET ? 4 : 16];
        sockaddr.duplicate().position(family == AF_INET ? 4 : 8).get(address);
        return new Endpoint(IpAddress.fromBytes(address), port);
    }

    /** Joins the messages of a GET_DEVICE dump into one device; a peer continued in the next message is merged. */
    public static DeviceState decodeDevice(List<NetlinkMessage> messages) {
        Optional<PublicKey> publicKey = Optional.empty();
        int listenPort = 0;
        long fwmark = 0;
        Map<PublicKey, PeerAccumulator> peers = new LinkedHashMap<>();
        for (NetlinkMessage message : messages) {
            Attributes device = message.attributes(GenericNetlink.GENL_HEADER_LENGTH);
            if (device.has(WGDEVICE_A_PUBLIC_KEY)) {
                publicKey = Optional.of(PublicKey.of(device.get(WGDEVICE_A_PUBLIC_KEY).bytes()));
            }
            if (device.has(WGDEVICE_A_LISTEN_PORT)) {
                listenPort = device.get(WGDEVICE_A_LISTEN_PORT).u16();
            }
            fwmark = device.u32(WGDEVICE_A_FWMARK, fwmark);
            Attribute list = device.get(WGDEVICE_A_PEERS);
            if (list == null) {
                continue;
            }
            for (Attribute entry : list.nested().all()) {
                Attributes peer = entry.nested();
                PublicKey key = PublicKey.of(peer.get(WGPEER_A_PUBLIC_KEY).bytes());
                peers.computeIfAbsent(key, PeerAccumulator::new).add(peer);
            }
        }
        return new DeviceState(publicKey, listenPort, fwmark,
                peers.values().stream().map(PeerAccumulator::build).toList());
    }

    private static final class PeerAccumulator {
        final PublicKey key;
        Optional<Endpoint> endpoint = Optional.empty();
        Duration keepalive = Duration.ZERO;
        Optional<PresharedKey> presharedKey = Optional.empty();
        Optional<Instant> handshake = Optional.empty();
        long received;
        long sent;
        final List<Cidr> allowedIps = new ArrayList<>(); // in the device's order; the PeerConfig sorts them once

        PeerAccumulator(PublicKey key) {
            this.key = key;
        }

        void add(Attributes peer) {
            if (peer.has(WGPEER_A_ENDPOINT)) {
                endpoint = Optional.of(endpoint(peer.get(WGPEER_A_ENDPOINT).value()));
            }
            if (peer.has(WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL)) {
                keepalive = Duration.ofSeconds(peer.get(WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL).u16());
            }
            if (peer.has(WGPEER_A_PRESHARED_KEY)) {
                presharedKey = Optional.of(PresharedKey.of(peer.get(WGPEER_A_PRESHARED_KEY).bytes()));
            }
            if (peer.has(WGPEER_A_LAST_HANDSHAKE_TIME)) {
                ByteBuffer time = peer.get(WGPEER_A_LAST_HANDSHAKE_TIME).value();
                long seconds = time.getLong(0);
                long nanos = time.getLong(8);
                handshake = seconds == 0 && nanos == 0 ? Optional.empty() : Optional.of(Instant.ofEpochSecond(seconds, nanos));
            }
            if (peer.has(WGPEER_A_RX_BYTES)) {
                received = peer.get(WGPEER_A_RX_BYTES).u64();
            }
            if (peer.has(WGPEER_A_TX_BYTES)) {
                sent = peer.get(WGPEER_A_TX_BYTES).u64();
            }
            Attribute ips = peer.get(WGPEER_A_ALLOWEDIPS);
            if (ips != null) {
                for (Attribute ip : ips.nested().all()) {
                    Attributes a = ip.nested();
                    allowedIps.add(new Cidr(IpAddress.fromBytes(a.get(WGALLOWEDIP_A_IPADDR).bytes()),
                            a.get(WGALLOWEDIP_A_CIDR_MASK).u8()));
                }
            }
        }

        PeerState build() {
            return new PeerState(new PeerConfig(key, endpoint, keepalive, SortedArraySet.copyOf(allowedIps),
                    presharedKey), handshake, received, sent);
        }
    }
}
