package dev.gitwire.dataplane.nft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gitwire.model.Guard;
import dev.gitwire.net.Cidr;
import dev.gitwire.testing.Privileged;
import dev.gitwire.testing.Shell;
import dev.gitwire.testing.TestNamespace;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The guard on the real kernel: what it drops, what it lets through, and that it reads back as written. */
@Privileged
class GuardTableKernelIT {

    private static final long MARK = 0x100000;
    private TestNamespace node;
    private TestNamespace wire;
    private GuardTable guard;

    /** A node with eth0 (10.9.0.1/24) to a neighbour that answers for 10.9.0.2 and, routed, for 10.20.0.0/16. */
    @BeforeEach
    void twoNamespaces() {
        node = new TestNamespace();
        wire = new TestNamespace();
        node.ip("link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns", wire.name());
        node.ip("addr", "add", "10.9.0.1/24", "dev", "eth0");
        node.ip("link", "set", "eth0", "up");
        wire.ip("addr", "add", "10.9.0.2/24", "dev", "eth0");
        wire.ip("addr", "add", "10.20.0.5/32", "dev", "lo");
        wire.ip("link", "set", "eth0", "up");
        node.ip("route", "add", "10.20.0.0/16", "via", "10.9.0.2");
        guard = new GuardTable(new CommandRunner(node.namespace()));
    }

    @AfterEach
    void cleanUp() {
        node.close();
        wire.close();
    }

    @Test
    void guardedDestinationsAreDroppedUnlessMarkedAndOthersPass() {
        assertThat(pings("10.20.0.5")).isTrue();
        guard.install(Guard.of(MARK, "gitwire0", destinations("10.20.0.0/24", "10.9.0.77/32")));

        assertThat(pings("10.20.0.5")).as("inside a guarded prefix, leaving by eth0").isFalse();
        assertThat(pings("10.9.0.2")).as("not guarded").isTrue();
        assertThat(node.exec("ping", "-c", "1", "-W", "1", "-m", Long.toString(MARK), "10.20.0.5"))
                .as("marked: WireGuard's own packets").contains("1 received");

        guard.remove(List.of(Cidr.parse("10.20.0.0/24")));
        assertThat(pings("10.20.0.5")).isTrue();
        guard.add(List.of(Cidr.parse("10.20.0.5/32")));
        assertThat(pings("10.20.0.5")).as("a guarded host").isFalse();
    }

    /** Issue 28 point 8: what the guard drops is counted, and a table that counted reads as gitwire's own. */
    @Test
    void theDropsAreCountedAndCountingIsNoDrift() {
        Guard written = Guard.of(MARK, "gitwire0", destinations("10.20.0.0/24", "10.9.0.77/32"));
        guard.install(written);
        assertThat(guard.read()).contains(written);
        assertThat(guard.droppedAtLastRead()).isZero();
        for (int i = 0; i < 3; i++) {
            assertThat(pings("10.20.0.5")).isFalse();
        }
        assertThat(pings("10.9.0.2")).as("not guarded: not counted").isTrue();
        assertThat(guard.read()).as("counters are no difference from what gitwire writes").contains(written);
        assertThat(guard.droppedAtLastRead()).isEqualTo(3);
    }

    @Test
    void readsBackAsWrittenAndAnythingElseReadsAsNotOurs() {
        assertThat(guard.read()).isEmpty();
        Guard written = Guard.of(MARK, "gitwire0", destinations("10.20.0.0/24", "10.20.1.0/24", "10.9.0.7/32",
                "10.9.0.8/32", "fd00::5/128", "fd00:1::/64"));
        guard.install(written);
        assertThat(guard.read()).contains(written);

        node.exec("nft", "add rule inet gitwire_guard output counter");
        Guard drifted = guard.read().orElseThrow();
        assertThat(drifted.firewallMark()).isZero();
        assertThat(drifted.destinations()).isEqualTo(written.destinations());

        guard.install(written); // replaces whatever was there, elements included
        assertThat(guard.read()).contains(written);
        guard.delete();
        assertThat(guard.read()).isEmpty();
        guard.delete(); // deleting what is absent is no error
    }

    @Test
    void anIntervalThatIsNotAPrefixReadsAsNotOurs() {
        Guard written = Guard.of(MARK, "gitwire0", destinations("10.20.0.0/24"));
        guard.install(written);
        node.exec("nft", "add element inet gitwire_guard nets4 { 10.30.0.1-10.30.0.5 }");
        assertThat(guard.read().orElseThrow().firewallMark()).isZero();
    }

    @Test
    void aTransactionThatFailsChangesNothing() {
        Guard written = Guard.of(MARK, "gitwire0", destinations("10.20.0.0/24"));
        guard.install(written);
        assertThatThrownBy(() -> guard.remove(List.of(Cidr.parse("10.20.0.0/24"), Cidr.parse("10.30.0.0/24"))))
                .isInstanceOf(NftablesException.class).hasMessageContaining("guard");
        assertThat(guard.read()).contains(written);
    }

    @Test
    void aHundredThousandHostsGoInAndOutInOneTransactionEachAndReadBackWhole() {
        TreeSet<Cidr> many = new TreeSet<>();
        for (int i = 0; i < 100_000; i++) {
            many.add(Cidr.parse("10." + (64 + (i >> 16)) + "." + ((i >> 8) & 255) + "." + (i & 255) + "/32"));
        }
        guard.install(Guard.of(MARK, "gitwire0", many).withoutDestinations());
        guard.add(many); // read at once: a resizable hash set, still growing, lists short here

        assertThat(guard.read().orElseThrow().destinations()).hasSize(100_000);
        guard.remove(many);
        assertThat(guard.read().orElseThrow().destinations()).isEmpty();
    }

    private boolean pings(String address) {
        return Shell.tryRun(List.of("ip", "netns", "exec", node.name(), "ping", "-c", "1", "-W", "1", address), null)
                .exitCode() == 0;
    }

    private static TreeSet<Cidr> destinations(String... cidrs) {
        TreeSet<Cidr> set = new TreeSet<>();
        for (String c : cidrs) {
            set.add(Cidr.parse(c));
        }
        return set;
    }
}
