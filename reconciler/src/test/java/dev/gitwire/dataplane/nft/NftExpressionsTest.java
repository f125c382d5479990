package dev.gitwire.dataplane.nft;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gitwire.model.NftTable;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The typed expressions in nft's JSON: what is written reads back equal; another shape is never mistaken for one. */
class NftExpressionsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyExpressionGitwireWritesReadsBackAsItself() throws Exception {
        for (NftTable.Expression expression : List.of(new NftTable.IncomingInterfaceIsNot("gitwire0"),
                new NftTable.OutgoingInterfaceIs("gitwire0"), new NftTable.PayloadIn("ip", "saddr", List.of("10.0.0.2")),
                new NftTable.PayloadIn("arp", "saddr ip", List.of("10.0.0.3", "10.0.0.2")),
                new NftTable.PayloadIn("ip6", "daddr", List.of("@gitwire_hosts6")), new NftTable.Marked(0x2000),
                new NftTable.MarkOr(0x2000), new NftTable.Counter(), new NftTable.Verdict("drop"))) {
            // through text, as nft prints it back: numbers become ints, a set a plain array
            JsonNode printed = JSON.readTree(NftExpressions.json(expression).toString());
            assertThat(NftExpressions.parse(printed)).isEqualTo(expression);
        }
    }

    @Test
    void nftsOrderOfAnAnonymousSetAndItsCountsMakeNoDifference() throws Exception {
        assertThat(NftExpressions.parse(JSON.readTree("{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\":"
                + " \"ip\", \"field\": \"saddr\"}}, \"right\": {\"set\": [\"10.0.0.9\", \"10.0.0.1\"]}}}")))
                .isEqualTo(new NftTable.PayloadIn("ip", "saddr", List.of("10.0.0.1", "10.0.0.9")));
        assertThat(NftExpressions.parse(JSON.readTree("{\"counter\": {\"packets\": 12, \"bytes\": 1008}}")))
                .isEqualTo(new NftTable.Counter());
    }

    /** nft prints a port as a number: the post-quantum exchange's port marked in a route chain read back as it. */
    @Test
    void aPortReadsBackAsTheNumberNftPrints() throws Exception {
        assertThat(NftExpressions.parse(JSON.readTree("{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\":"
                + " \"tcp\", \"field\": \"dport\"}}, \"right\": 51822}}")))
                .isEqualTo(new NftTable.PayloadIn("tcp", "dport", List.of("51822")));
        assertThat(NftExpressions.parse(JSON.readTree("{\"match\": {\"op\": \"==\", \"left\": {\"payload\": {\"protocol\":"
                + " \"tcp\", \"field\": \"sport\"}}, \"right\": {\"set\": [51823, 51822]}}}")))
                .isEqualTo(new NftTable.PayloadIn("tcp", "sport", List.of("51822", "51823")));
    }

    @Test
    void aChangedOperatorOrAnUnknownStatementIsSomeoneElses() throws Exception {
        JsonNode equal = JSON.readTree("{\"match\": {\"op\": \"==\", \"left\": {\"meta\": {\"key\": \"iifname\"}},"
                + " \"right\": \"gitwire0\"}}");
        assertThat(NftExpressions.parse(equal)).isInstanceOf(NftTable.Other.class);
        assertThat(NftExpressions.parse(JSON.readTree("{\"log\": {\"prefix\": \"x\"}}")))
                .isInstanceOf(NftTable.Other.class);
    }
}
