package dev.gitwire.dataplane.wireguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gitwire.dataplane.wireguard.DeviceUpdate.PeerUpdate;
import dev.gitwire.keys.PresharedKey;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.DeviceState;
import dev.gitwire.model.Endpoint;
import dev.gitwire.model.PeerConfig;
import dev.gitwire.model.PeerState;
import dev.gitwire.net.Cidr;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class UapiCodecTest {

    private static final PublicKey A = PublicKey.of(filled(0x11));
    private static final String A_HEX = HexFormat.of().formatHex(filled(0x11));

    private static byte[] filled(int value) {
        byte[] raw = new byte[32];
        Arrays.fill(raw, (byte) value);
        return raw;
    }

    @Test
    void anUpdateIsWrittenInTheOrderWireguardReadsIt() {
        DeviceUpdate update = new DeviceUpdate(Optional.empty(), OptionalInt.of(51820), OptionalLong.of(0x100000), false,
                List.of(new PeerUpdate(A, false, Optional.of(Endpoint.parse("[fd00::4]:51820")),
                        Optional.of(Duration.ofSeconds(25)), true, List.of(Cidr.parse("10.240.0.5/32")),
                        List.of(Cidr.parse("10.240.0.9/32")), Optional.empty())));
        assertThat(UapiCodec.encode(update)).isEqualTo("""
                set=1
                listen_port=51820
                fwmark=1048576
                public_key=%s
                endpoint=[fd00::4]:51820
                persistent_keepalive_interval=25
                replace_allowed_ips=true
                allowed_ip=-10.240.0.9/32
                allowed_ip=10.240.0.5/32

                """.formatted(A_HEX));
    }

    @Test
    void singleRemovalsBecomeAParkingPeerFirstAndTheOwnerIsNotReset() {
        DeviceUpdate update = DeviceUpdate.peers(List.of(PeerUpdate.removeAllowedIps(A, List.of(Cidr.parse("10.1.0.1/32")))));
        String parking = HexFormat.of().formatHex(WireguardDevice.PARKING_PEER.raw());
        assertThat(UapiCodec.encode(WireguardDevice.withParkingPeer(update))).isEqualTo("""
                set=1
                public_key=%s
                allowed_ip=10.1.0.1/32
                public_key=%s
                remove=true
                public_key=%s

                """.formatted(parking, parking, A_HEX));
    }

    @Test
    void aGetReplyIsReadWithoutKeepingThePrivateKey() {
        String privateHex = HexFormat.of().formatHex(filled(0x40));
        DeviceState state = UapiCodec.decodeDevice("""
                private_key=%s
                listen_port=51820
                fwmark=1048576
                public_key=%s
                endpoint=10.240.0.64:51820
                persistent_keepalive_interval=0
                allowed_ip=10.240.0.65/32
                allowed_ip=10.240.0.64/32
                last_handshake_time_sec=1700000000
                last_handshake_time_nsec=5
                rx_bytes=100
                tx_bytes=200
                protocol_version=1
                errno=0

                """.formatted(privateHex, A_HEX));
        assertThat(state.toString()).doesNotContain(privateHex);
        assertThat(state.listenPort()).isEqualTo(51820);
        assertThat(state.firewallMark()).isEqualTo(0x100000);
        PeerState peer = state.peers().get(0);
        assertThat(peer.config().endpoint()).contains(Endpoint.parse("10.240.0.64:51820"));
        assertThat(peer.config().allowedIps()).containsExactly(Cidr.parse("10.240.0.64/32"), Cidr.parse("10.240.0.65/32"));
        assertThat(peer.latestHandshake()).contains(Instant.ofEpochSecond(1700000000, 5));
        assertThat(peer.receivedBytes()).isEqualTo(100);
        assertThat(peer.sentBytes()).isEqualTo(200);
    }

    /** Issue 31: a pre-shared key is set, cleared with zeros, read back, and never printed. */
    @Test
    void aPresharedKeyIsWrittenReadBackAndNeverPrinted() {
        PresharedKey psk = PresharedKey.of(filled(0x5a));
        String pskHex = HexFormat.of().formatHex(filled(0x5a));
        DeviceUpdate set = DeviceUpdate.peers(List.of(new PeerUpdate(A, false, Optional.empty(),
                Optional.of(Duration.ofSeconds(5)), false, List.of(), List.of(), Optional.of(psk))));
        // before the keepalive, on whose line wireguard-go initiates a handshake: never one with no key (Strict)
        assertThat(UapiCodec.encode(set)).contains("public_key=" + A_HEX + "\npreshared_key=" + pskHex
                + "\npersistent_keepalive_interval=5\n");
        assertThat(set.toString()).doesNotContain(pskHex).doesNotContain("5a5a");
        assertThat(UapiCodec.encode(DeviceUpdate.peers(List.of(PeerUpdate.exactly(new PeerConfig(A, Optional.empty(),
                Duration.ZERO, new TreeSet<>())))))).as("a peer set exactly has no other key")
                .contains("preshared_key=" + "0".repeat(64));

        String reply = "public_key=%s\npreshared_key=%s\nerrno=0\n\n";
        PeerState withKey = UapiCodec.decodeDevice(reply.formatted(A_HEX, pskHex)).peers().get(0);
        assertThat(withKey.config().presharedKey()).contains(psk);
        assertThat(withKey.toString()).doesNotContain(pskHex);
        assertThat(UapiCodec.decodeDevice(reply.formatted(A_HEX, "0".repeat(64))).peers().get(0).config().presharedKey())
                .as("zeros: none").isEmpty();
    }

    @Test
    void aRefusalCarriesItsErrno() {
        assertThatThrownBy(() -> UapiCodec.checkSetReply("errno=-22\n\n"))
                .isInstanceOfSatisfying(WireguardException.class, e -> assertThat(e.errno()).isEqualTo(22));
    }
}
