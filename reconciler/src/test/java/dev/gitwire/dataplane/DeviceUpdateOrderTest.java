package dev.gitwire.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.dataplane.wireguard.DeviceUpdate;
import dev.gitwire.dataplane.wireguard.DeviceUpdate.PeerUpdate;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.keys.PublicKey;
import dev.gitwire.model.Endpoint;
import dev.gitwire.net.Cidr;
import dev.gitwire.net.IpAddress;
import dev.gitwire.net.IpFamily;
import dev.gitwire.plan.Operation;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** How a plan's device operations become one device transaction: in plan order, a peer's run merged. */
class DeviceUpdateOrderTest {

    private static final SecureRandom RANDOM = new SecureRandom();
    private final PublicKey a = PrivateKey.generate(RANDOM).publicKey();
    private final PublicKey b = PrivateKey.generate(RANDOM).publicKey();

    @Test
    void aPeerGainingManyAllowedIpsIsOneUpdateHoldingThemAllInPlanOrder() {
        List<Operation> ops = new ArrayList<>();
        ops.add(new Operation.ConfigureDevice(Optional.empty(), OptionalInt.of(51820), OptionalLong.of(0x100000)));
        ops.add(new Operation.AddPeer(a, Optional.of(new Endpoint(IpAddress.parse("10.99.0.2"), 51820)), Duration.ZERO));
        List<Cidr> ips = new ArrayList<>();
        long base = IpAddress.parse("10.64.0.0").lo();
        for (int i = 0; i < 100_000; i++) {
            Cidr ip = Cidr.host(new IpAddress(IpFamily.IPV4, 0, base + i));
            ips.add(ip);
            ops.add(new Operation.AddAllowedIp(a, ip));
        }
        DeviceUpdate update = KernelDataplane.deviceUpdate(ops);
        assertThat(update.listenPort()).hasValue(51820);
        assertThat(update.peers()).hasSize(1);
        PeerUpdate peer = update.peers().get(0);
        assertThat(peer.endpoint()).contains(new Endpoint(IpAddress.parse("10.99.0.2"), 51820));
        assertThat(peer.persistentKeepalive()).contains(Duration.ZERO);
        assertThat(peer.addAllowedIps()).isEqualTo(ips);
        assertThat(peer.removeAllowedIps()).isEmpty();
    }

    @Test
    void runsOfOnePeerMergeButARemovalAndAnotherPeerEndThem() {
        Cidr one = Cidr.parse("10.64.0.1/32");
        Cidr two = Cidr.parse("10.64.0.2/32");
        DeviceUpdate update = KernelDataplane.deviceUpdate(List.of(
                new Operation.RemoveAllowedIp(a, one),
                new Operation.AddAllowedIp(a, two),
                new Operation.UpdatePeer(a, Optional.empty(), Duration.ofSeconds(25)),
                new Operation.RemovePeer(b),
                new Operation.AddAllowedIp(a, one)));
        assertThat(update.peers()).extracting(PeerUpdate::publicKey).containsExactly(a, b, a);
        assertThat(update.peers().get(0).removeAllowedIps()).containsExactly(one);
        assertThat(update.peers().get(0).addAllowedIps()).containsExactly(two);
        assertThat(update.peers().get(0).persistentKeepalive()).contains(Duration.ofSeconds(25));
        assertThat(update.peers().get(1).remove()).isTrue();
        assertThat(update.peers().get(2).addAllowedIps()).containsExactly(one);
    }
}
