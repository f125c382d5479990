package dev.gitwire.dataplane.nft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gitwire.desired.HostEncryptionTables;
import dev.gitwire.model.NftTable;
import dev.gitwire.net.IpAddress;
import dev.gitwire.testing.Privileged;
import dev.gitwire.testing.TestNamespace;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@Privileged
class NftablesKernelIT {

    private TestNamespace ns;
    private Nftables nft;

    @BeforeEach
    void namespace() {
        ns = new TestNamespace();
        nft = new Nftables(new CommandRunner(ns.namespace()));
    }

    @AfterEach
    void cleanUp() {
        ns.close();
    }

    @Test
    void hostEncryptionTablesAreWrittenAtomicallyAndReadBackEqual() {
        ns.exec("nft", "add table inet foreign; add chain inet foreign c { type filter hook input priority 0; }");
        // many peers, written in address order; nft lists a set in an order of its own
        List<IpAddress> peers = new ArrayList<>();
        for (int i = 1; i <= 300; i++) {
            peers.add(IpAddress.parse("10.240." + i / 250 + "." + i % 250));
        }
        peers.add(IpAddress.parse("fd00::20"));
        // with post-quantum pre-shared keys: the exchange's TCP port marked in a route chain
        List<NftTable> tables = HostEncryptionTables.of(0x100000, "gitwire0", peers, OptionalInt.of(51822));

        nft.replace(tables, List.of());

        assertThat(nft.read("inet", "gitwire")).contains(tables.get(0));
        assertThat(nft.read("arp", "gitwire")).contains(tables.get(1));
        String listed = ns.exec("nft", "list", "ruleset");
        assertThat(listed).contains("iifname != \"gitwire0\" ip saddr {").contains("10.240.1.49")
                .contains("iifname != \"gitwire0\" ip6 saddr fd00::20 meta mark set")
                .contains("arp saddr ip {")
                .contains("meta mark set meta mark | 0x00100000")
                .contains("type filter hook prerouting priority raw; policy accept;")
                .contains("type route hook output priority mangle; policy accept;")
                .contains("tcp dport 51822 meta mark set meta mark | 0x00100000")
                .contains("table inet foreign");

        List<NftTable> changed = HostEncryptionTables.of(0x200000, "wg0", List.of(IpAddress.parse("10.240.0.20")),
                OptionalInt.empty());
        nft.replace(changed, List.of());
        assertThat(nft.read("inet", "gitwire")).contains(changed.get(0));
        assertThat(nft.read("arp", "gitwire")).contains(changed.get(1));
        assertThat(ns.exec("nft", "list", "table", "inet", "gitwire")).doesNotContain("cali");
    }

    @Test
    void driftIsVisibleAndDeletionLeavesForeignTablesAlone() {
        ns.exec("nft", "add table inet foreign");
        List<NftTable> tables = HostEncryptionTables.of(0x100000, "gitwire0", List.of(IpAddress.parse("10.240.0.20")),
                OptionalInt.empty());
        nft.replace(tables, List.of());
        ns.exec("nft", "add rule inet gitwire prerouting counter");
        assertThat(nft.read("inet", "gitwire")).isPresent().get().isNotEqualTo(tables.get(0));

        nft.replace(List.of(), List.of(HostEncryptionTables.INET_ABSENT, HostEncryptionTables.ARP_ABSENT));

        assertThat(nft.read("inet", "gitwire")).isEmpty();
        assertThat(nft.read("arp", "gitwire")).isEmpty();
        assertThat(ns.exec("nft", "list", "tables")).contains("table inet foreign");
        nft.replace(List.of(), List.of(HostEncryptionTables.INET_ABSENT)); // deleting what is absent is no error
    }

    @Test
    void aRefusedTransactionChangesNothingAndSaysWhy() {
        List<NftTable> tables = HostEncryptionTables.of(0x100000, "gitwire0", List.of(IpAddress.parse("10.240.0.20")),
                OptionalInt.empty());
        nft.replace(tables, List.of());
        NftTable broken = new NftTable("inet", "gitwire", List.of(new NftTable.Chain("prerouting", "filter",
                "prerouting", -300, "accept", List.of(new NftTable.Rule(List.of(
                        new NftTable.Verdict("no-such-statement")))))));

        assertThatThrownBy(() -> nft.replace(List.of(broken), List.of()))
                .isInstanceOf(NftablesException.class).hasMessageContaining("nft transaction refused");
        assertThat(nft.read("inet", "gitwire")).contains(tables.get(0));
    }
}
