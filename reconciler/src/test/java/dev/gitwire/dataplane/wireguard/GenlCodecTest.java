package dev.gitwire.dataplane.wireguard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.dataplane.netlink.Attributes;
import dev.gitwire.dataplane.netlink.Attributes.Attribute;
import dev.gitwire.dataplane.netlink.GenericNetlink;
import dev.gitwire.dataplane.netlink.NetlinkMessage;
import dev.gitwire.dataplane.wireguard.DeviceUpdate.PeerUpdate;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.DeviceState;
import dev.gitwire.model.Endpoint;
import dev.gitwire.model.PeerConfig;
import dev.gitwire.model.PeerState;
import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The kernel backend's messages against byte fixtures built, independently of gitwire's writer, from
 * the layout of include/uapi/linux/wireguard.h (x86-64, little endian): struct nlattr {u16 len, u16
 * type}, 4-byte alignment, NLA_F_NESTED (0x8000) on nests, array entries of type 0.
 */
class GenlCodecTest {

    private static final HexFormat HEX = HexFormat.of();
    private static final PublicKey K = PublicKey.of(filled(0x11));
    private static final PublicKey L = PublicKey.of(filled(0x22));

    /**
     * WG_CMD_SET_DEVICE (1), version 1, for "wg0":
     * 01010000                     genl header: cmd 1, version 1
     * 0800 0200 77673000           WGDEVICE_A_IFNAME "wg0\0"
     * 0600 0600 6cca 0000          WGDEVICE_A_LISTEN_PORT u16 51820, padded
     * 0800 0700 00001000           WGDEVICE_A_FWMARK u32 0x100000
     * 0800 0500 01000000           WGDEVICE_A_FLAGS u32 WGDEVICE_F_REPLACE_PEERS
     * 9400 0880                    WGDEVICE_A_PEERS | NLA_F_NESTED
     *  9000 0080                    peer 0 | NLA_F_NESTED
     *   2400 0100 11 x 32           WGPEER_A_PUBLIC_KEY
     *   0800 0300 02000000          WGPEER_A_FLAGS u32 WGPEER_F_REPLACE_ALLOWEDIPS
     *   1400 0400 0200 ca6c 0af00004 0000000000000000   WGPEER_A_ENDPOINT sockaddr_in AF_INET, port 51820 (network order), 10.240.0.4
     *   0600 0500 1900 0000         WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL u16 25
     *   2400 0200 00 x 32           WGPEER_A_PRESHARED_KEY: none (a peer set exactly has no other)
     *   2000 0980                   WGPEER_A_ALLOWEDIPS | NLA_F_NESTED
     *    1c00 0080                   allowed IP 0 | NLA_F_NESTED
     *     0600 0100 0200 0000        WGALLOWEDIP_A_FAMILY u16 AF_INET
     *     0800 0200 0af00005         WGALLOWEDIP_A_IPADDR 10.240.0.5
     *     0500 0300 20 000000        WGALLOWEDIP_A_CIDR_MASK u8 32
     */
    private static final String SET_DEVICE = "010100000800020077673000060006006cca00000800070000001000080005000100000094"
            + "000880900000802400010011111111111111111111111111111111111111111111111111111111111111110800030002000000"
            + "140004000200ca6c0af0000400000000000000000600050019000000" + "24000200" + "00".repeat(32)
            + "200009801c0000800600010002000000080002000af000050500030020000000";

    /**
     * A GET_DEVICE dump of "wg0" in one datagram: three netlink messages (type 0x1d, the family id,
     * NLM_F_MULTI, sequence 7). The first holds the device (public key 33 x 32, port 51820, fwmark
     * 0x100000) and peer K (endpoint 10.240.0.4:51820, keepalive 0, handshake 1700000000 s + 7 ns,
     * rx 1000, tx 2000, allowed IP 10.240.0.5/32). The second continues peer K (allowed IP
     * 10.240.0.6/32, the split the kernel makes when a peer does not fit) and holds peer L (endpoint
     * [fd00::4]:51821, sockaddr_in6, allowed IP fd00::41/128). The third is NLMSG_DONE.
     */
    private static final String GET_DEVICE_DUMP = "e40000001d0002000700000000000000000100000800020077673000240004003333"
            + "333333333333333333333333333333333333333333333333333333333333060006006cca000008000700000010009400"
            + "0880900000802400010011111111111111111111111111111111111111111111111111111111111111111400040002"
            + "00ca6c0af00004000000000000000006000500000000001400060000f153650000000007000000000000000c000700"
            + "e8030000000000000c000800d007000000000000200009801c0000800600010002000000080002000af00005050003"
            + "0020000000dc0000001d0002000700000000000000000100000800020077673000c0000880480000802400010011111111"
            + "11111111111111111111111111111111111111111111111111111111200009801c000080060001000200000008000200"
            + "0af00006050003002000000074000080240001002222222222222222222222222222222222222222222222222222222222"
            + "222222200004000a00ca6d00000000fd000000000000000000000000000004000000002c0009802800008006000100"
            + "0a00000014000200fd0000000000000000000000000000410500030080000000140000000300020007000000000000000"
            + "0000000";

    private static byte[] filled(int value) {
        byte[] raw = new byte[32];
        Arrays.fill(raw, (byte) value);
        return raw;
    }

    @Test
    void aSetDeviceIsEncodedByteForByteAsTheKernelLaysItOut() {
        DeviceUpdate update = new DeviceUpdate(Optional.empty(), OptionalInt.of(51820), OptionalLong.of(0x100000), true,
                List.of(PeerUpdate.exactly(new PeerConfig(K, Optional.of(Endpoint.parse("10.240.0.4:51820")),
                        Duration.ofSeconds(25), new TreeSet<>(List.of(Cidr.parse("10.240.0.5/32")))))));
        List<byte[]> messages = GenlCodec.setDevice("wg0", update);
        assertThat(messages).hasSize(1);
        assertThat(HEX.formatHex(messages.get(0))).isEqualTo(SET_DEVICE);
    }

    @Test
    void aDumpWithASplitPeerIsJoined() {
        List<NetlinkMessage> messages = NetlinkMessage.parseAll(ByteBuffer.wrap(HEX.parseHex(GET_DEVICE_DUMP)));
        assertThat(messages).hasSize(3);
        DeviceState device = GenlCodec.decodeDevice(messages.subList(0, 2));

        assertThat(device.publicKey()).contains(PublicKey.of(filled(0x33)));
        assertThat(device.listenPort()).isEqualTo(51820);
        assertThat(device.firewallMark()).isEqualTo(0x100000);
        assertThat(device.peers()).hasSize(2);
        PeerState k = device.peer(K).orElseThrow();
        assertThat(k.config().endpoint()).contains(Endpoint.parse("10.240.0.4:51820"));
        assertThat(k.config().allowedIps()).containsExactly(Cidr.parse("10.240.0.5/32"), Cidr.parse("10.240.0.6/32"));
        assertThat(k.latestHandshake()).contains(Instant.ofEpochSecond(1700000000, 7));
        assertThat(k.receivedBytes()).isEqualTo(1000);
        assertThat(k.sentBytes()).isEqualTo(2000);
        PeerState l = device.peer(L).orElseThrow();
        assertThat(l.config().endpoint()).contains(Endpoint.parse("[fd00::4]:51821"));
        assertThat(l.config().allowedIps()).containsExactly(Cidr.parse("fd00::41/128"));
        assertThat(messages.get(2).isDone()).isTrue();
    }

    @Test
    void aLargeUpdateIsSplitWithFlagsOnlyInTheFirstFragments() {
        List<Cidr> many = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            many.add(Cidr.host(IpAddress.parse("10.64." + (i / 256) + "." + (i % 256))));
        }
        DeviceUpdate update = new DeviceUpdate(Optional.empty(), OptionalInt.of(51820), OptionalLong.of(0x100000), true,
                List.of(PeerUpdate.exactly(new PeerConfig(K, Optional.of(Endpoint.parse("10.240.0.4:51820")),
                                Duration.ZERO, new TreeSet<>(many))),
                        PeerUpdate.removeAllowedIps(L, List.of(Cidr.parse("10.65.0.1/32")))));

        List<byte[]> messages = GenlCodec.setDevice("wg0", update);

        assertThat(messages.size()).isGreaterThan(3);
        TreeSet<Cidr> added = new TreeSet<>();
        List<Cidr> removed = new ArrayList<>();
        for (int m = 0; m < messages.size(); m++) {
            assertThat(messages.get(m).length).isLessThanOrEqualTo(GenlCodec.MAX_MESSAGE_BYTES);
            Attributes device = Attributes.parse(ByteBuffer.wrap(messages.get(m)).order(ByteOrder.nativeOrder()),
                    GenericNetlink.GENL_HEADER_LENGTH, messages.get(m).length);
            assertThat(device.string(GenlCodec.WGDEVICE_A_IFNAME)).isEqualTo("wg0");
            assertThat(device.has(GenlCodec.WGDEVICE_A_FLAGS)).isEqualTo(m == 0);
            assertThat(device.has(GenlCodec.WGDEVICE_A_LISTEN_PORT)).isEqualTo(m == 0);
            for (Attribute entry : device.get(GenlCodec.WGDEVICE_A_PEERS).nested().all()) {
                Attributes peer = entry.nested();
                PublicKey key = PublicKey.of(peer.get(GenlCodec.WGPEER_A_PUBLIC_KEY).bytes());
                boolean firstOfK = key.equals(K) && m == 0;
                if (key.equals(K)) {
                    assertThat(peer.has(GenlCodec.WGPEER_A_FLAGS)).isEqualTo(firstOfK);
                    assertThat(peer.has(GenlCodec.WGPEER_A_ENDPOINT)).isEqualTo(firstOfK);
                }
                Attribute ips = peer.get(GenlCodec.WGPEER_A_ALLOWEDIPS);
                for (Attribute ip : ips == null ? List.<Attribute>of() : ips.nested().all()) {
                    Attributes a = ip.nested();
                    Cidr cidr = new Cidr(IpAddress.fromBytes(a.get(GenlCodec.WGALLOWEDIP_A_IPADDR).bytes()),
                            a.get(GenlCodec.WGALLOWEDIP_A_CIDR_MASK).u8());
                    if (a.u32(GenlCodec.WGALLOWEDIP_A_FLAGS, 0) == GenlCodec.WGALLOWEDIP_F_REMOVE_ME) {
                        assertThat(key).isEqualTo(L);
                        removed.add(cidr);
                    } else {
                        added.add(cidr);
                    }
                }
            }
        }
        assertThat(added).containsExactlyElementsOf(new TreeSet<>(many));
        assertThat(removed).containsExactly(Cidr.parse("10.65.0.1/32"));
    }
}
