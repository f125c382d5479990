package dev.gitwire.dataplane.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class NetlinkMessageTest {

    /**
     * struct nlmsghdr {len 56, type NLMSG_ERROR, flags NLM_F_CAPPED | NLM_F_ACK_TLVS, seq 42, pid 1234};
     * struct nlmsgerr {error -EEXIST, the request's header (len 28, RTM_NEWROUTE, flags, seq 42, pid 0)};
     * then, because capped, no request payload; NLMSGERR_ATTR_MSG "Route exists".
     */
    private static final String EXTENDED_ACK = "38000000020000032a000000d2040000efffffff1c000000180005062a0000000000"
            + "000011000100526f7574652065786973747300000000";

    @Test
    void anExtendedAckCarriesTheErrnoAndTheKernelsText() {
        List<NetlinkMessage> messages = NetlinkMessage.parseAll(ByteBuffer.wrap(HexFormat.of().parseHex(EXTENDED_ACK)));
        assertThat(messages).singleElement().satisfies(m -> {
            assertThat(m.isError()).isTrue();
            assertThat(m.sequence()).isEqualTo(42);
            assertThat(m.errorCode()).isEqualTo(-17);
            assertThat(m.extendedAckMessage()).isEqualTo("Route exists");
            assertThat(NetlinkException.of(-m.errorCode(), "add route", m.extendedAckMessage()))
                    .isInstanceOf(NetlinkException.ObjectExists.class)
                    .hasMessageContaining("add route: ").hasMessageContaining("(kernel: Route exists)");
        });
    }

    @Test
    void aTruncatedMessageIsRefused() {
        byte[] bytes = HexFormat.of().parseHex(EXTENDED_ACK.substring(0, 40));
        assertThatThrownBy(() -> NetlinkMessage.parseAll(ByteBuffer.wrap(bytes)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated");
    }

    @Test
    void nestedAttributesAreWrittenWithTheirFlagAndPadding() {
        byte[] written = new MessageWriter().beginNested(8).attributeU16(6, 51820).attributeString(2, "wg0").endNested()
                .toBytes();
        assertThat(HexFormat.of().formatHex(written)).isEqualTo("1400" + "0880" + "0600" + "0600" + "6cca0000"
                + "0800" + "0200" + "77673000");
    }
}
