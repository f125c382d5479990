package dev.gitwire.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.intent.MeshIntent;
import dev.gitwire.intent.Mode;
import dev.gitwire.intent.WireguardSettings;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.statedir.KeyFile;
import dev.gitwire.testing.GitWorkTree;
import dev.gitwire.testing.PingWatch;
import dev.gitwire.testing.Privileged;
import dev.gitwire.testing.Shell;
import dev.gitwire.testing.Testbed;
import dev.gitwire.testing.Testbed.Node;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Issue 31 point 1: keys rotated on a schedule. Two nodes run `gitwire run` against a Git remote with a status
 * branch and no pins (each learns the other's key there); node b's key was made long ago. The commit that sets
 * {@code keyRotation: 24h} makes node b replace its key at once (its slot has passed), under a continuous ping
 * from a pod of node a to one of node b: none of it is lost or leaves in plaintext, and the new key is in use on
 * both ends.
 */
@Privileged
class KeyRotationEndToEndIT {

    @Test
    void aKeyPastItsSlotIsReplacedUnderTrafficWithNothingInPlaintext() throws Exception {
        try (Testbed bed = new Testbed()) {
            Node a = bed.addNode("node-a", 1, 1);
            Node b = bed.addNode("node-b", 2, 1);
            Files.writeString(b.stateDir().resolve(KeyFile.CREATED), "2020-01-01T00:00:00Z\n");
            Path bare = bed.root().resolve("intent.git");
            Shell.run("git", "init", "-q", "--bare", "-b", "main", bare.toString());
            String url = "file://" + bare;
            GitWorkTree work = new GitWorkTree(bed.root().resolve("work"), url, Map.of());
            MeshIntent mesh = Testbed.mesh(true, true, Mode.OPPORTUNISTIC);
            bed.writeIntent(work.dir(), mesh, Set.of(), Testbed.Inventory.UNPINNED);
            work.commit("enable encryption", List.of());
            work.push(false);
            for (Node node : List.of(a, b)) {
                node.host().namespace().exec("sysctl", "-q", "-w", "net.ipv4.conf.all.rp_filter=2",
                        "net.ipv4.conf.eth0.rp_filter=2");
                bed.startGitwire(node, "run", "--allow-unsigned", "--repo", url, "--node", node.name(), "--state-dir",
                        node.stateDir().toString(), "--no-kubernetes", "--status-branch", "gitwire/status",
                        "--interval", "1s", "--teardown-grace", "10s");
            }
            assertThat(Testbed.routesIntoTunnel(a, b, 60_000) && Testbed.routesIntoTunnel(b, a, 60_000))
                    .as("%s%n%s", bed.log(a), bed.log(b)).isTrue();
            String oldKey = b.key().publicKey().base64();
            assertThat(peers(a)).contains(oldKey);

            try (PingWatch watch = new PingWatch(bed, bed.pod(a.podAddress(1)), b.podAddress(1))) {
                Thread.sleep(1_000);
                bed.writeIntent(work.dir(), withKeyRotation(mesh, Duration.ofHours(24)), Set.of(),
                        Testbed.Inventory.UNPINNED);
                work.commit("rotate keys daily", List.of());
                work.push(false);
                assertThat(Testbed.eventually(30_000, () -> !key(b).publicKey().base64().equals(oldKey)))
                        .as("node b rotated:%n%s", bed.log(b)).isTrue();
                String newKey = key(b).publicKey().base64();
                assertThat(Testbed.eventually(30_000, () -> handshaken(a, newKey) && handshaken(b,
                        a.key().publicKey().base64()) && Testbed.reachable(bed.pod(a.podAddress(1)), b.podAddress(1), 1)))
                        .as("the new key in use on both ends:%n%s%n%s", bed.log(a), bed.log(b)).isTrue();
                Thread.sleep(1_000);
                PingWatch.Result seen = watch.stop();
                long plaintext = Testbed.count(seen.capture(), "icmp and host " + a.podAddress(1) + " and host "
                        + b.podAddress(1));
                System.out.printf("scheduled key rotation: %d of %d echo requests lost, %d in plaintext%n", seen.lost(),
                        seen.transmitted(), plaintext);
                assertThat(plaintext).isZero();
                assertThat(seen.lost()).as("echo requests lost across the rotation, %s", seen.losses()).isZero();
                assertThat(seen.transmitted()).isGreaterThan(10);
                assertThat(Testbed.eventually(30_000, () -> !peers(a).contains(oldKey)))
                        .as("the old key leaves node a's device after its grace").isTrue();

                assertThat(key(a)).as("node a's key is young: kept").isEqualTo(a.key());
                String status = Shell.run("git", "-C", bare.toString(), "show", "gitwire/status:nodes/node-b.yaml");
                Instant created = Instant.parse(status.replaceAll("(?s).*keyCreated: \"?([^\"\\n]+)\"?\\n.*", "$1"));
                assertThat(created).as("the status says when the key was made").isAfter(Instant.now().minusSeconds(120));
                assertThat(status).contains("publicKey: " + newKey);
                String metrics = Testbed.agentHttp(b, "GET", "/metrics");
                assertThat(metrics).contains("gitwire_key_rotation_interval_seconds 86400.0")
                        .containsPattern("gitwire_key_age_seconds [0-9]{1,2}\\.0\\n");
                assertThat(bed.log(b)).contains("key-rotated");
            }
        }
    }

    /**
     * A pinned key moves by a commit: `gitwire keys next` on node b prints the pin change, the commit lands (a plain
     * directory polled every second, no status branch: nobody publishes a key, the commit is the switch), node b
     * switches to its next key and node a to the next pin, under a ping: none lost, none in plaintext.
     */
    @Test
    void aPinnedKeyMovesWhenItsNextPinIsCommittedWithNothingLost() throws Exception {
        try (Testbed bed = new Testbed()) {
            Node a = bed.addNode("node-a", 1, 1);
            Node b = bed.addNode("node-b", 2, 1);
            Path repo = Files.createDirectories(bed.root().resolve("repo"));
            bed.writeIntent(repo, Testbed.mesh(true, true, Mode.OPPORTUNISTIC), Set.of());
            for (Node node : List.of(a, b)) {
                node.host().namespace().exec("sysctl", "-q", "-w", "net.ipv4.conf.all.rp_filter=2",
                        "net.ipv4.conf.eth0.rp_filter=2");
                bed.startGitwire(node, "run", "--allow-unsigned", "--repo", repo.toString(), "--node", node.name(),
                        "--state-dir", node.stateDir().toString(), "--no-kubernetes", "--interval", "1s",
                        "--teardown-grace", "10s");
            }
            assertThat(Testbed.routesIntoTunnel(a, b, 60_000) && Testbed.routesIntoTunnel(b, a, 60_000))
                    .as("%s%n%s", bed.log(a), bed.log(b)).isTrue();
            String oldKey = b.key().publicKey().base64();

            Shell.Result next = bed.gitwire(b, "keys", "next", "--node", "node-b", "--state-dir", b.stateDir().toString());
            assertThat(next.exitCode()).as(next.output()).isZero();
            String nextKey = next.output().replaceAll("(?s).*nextPublicKey: (\\S+).*", "$1");
            assertThat(nextKey).isEqualTo(KeyFile.loadNext(b.stateDir()).orElseThrow().publicKey().base64());
            Thread.sleep(2_000);
            assertThat(key(b).publicKey().base64()).as("made, not committed: not used").isEqualTo(oldKey);

            try (PingWatch watch = new PingWatch(bed, bed.pod(a.podAddress(1)), b.podAddress(1))) {
                Thread.sleep(1_000);
                Path pins = repo.resolve("nodes/node-b.yaml");
                Files.writeString(pins, Files.readString(pins).replaceFirst("( *)publicKey: (\\S+)",
                        "$1publicKey: $2\n$1nextPublicKey: " + nextKey));
                assertThat(Testbed.eventually(30_000, () -> handshaken(a, nextKey)
                        && Testbed.reachable(bed.pod(a.podAddress(1)), b.podAddress(1), 1)))
                        .as("the next key in use:%n%s%n%s", bed.log(a), bed.log(b)).isTrue();
                assertThat(key(b).publicKey().base64()).isEqualTo(nextKey);
                Thread.sleep(1_000);
                PingWatch.Result seen = watch.stop();
                long plaintext = Testbed.count(seen.capture(), "icmp and host " + a.podAddress(1) + " and host "
                        + b.podAddress(1));
                System.out.printf("pinned key moved by a commit: %d of %d echo requests lost, %d in plaintext%n",
                        seen.lost(), seen.transmitted(), plaintext);
                assertThat(plaintext).isZero();
                assertThat(seen.lost()).as("echo requests lost across the switch, %s", seen.losses()).isZero();
                assertThat(Testbed.eventually(30_000, () -> !peers(a).contains(oldKey)))
                        .as("the old key leaves node a's device after its grace").isTrue();
            }
        }
    }

    private static MeshIntent withKeyRotation(MeshIntent mesh, Duration interval) {
        return Testbed.withWireguard(mesh, wg -> new WireguardSettings(wg.interfaceName(), wg.listenPort(),
                wg.firewallMark(), wg.mtu(), wg.persistentKeepalive(), Optional.of(interval), wg.postQuantum()));
    }

    private static PrivateKey key(Node node) {
        try {
            return KeyFile.loadOrCreate(node.stateDir());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String peers(Node node) {
        return node.host().run("wg", "show", Testbed.DEVICE, "peers");
    }

    /** Whether {@code node}'s device has had a handshake with {@code peer}. */
    private static boolean handshaken(Node node, String peer) {
        return node.host().run("wg", "show", Testbed.DEVICE, "latest-handshakes").lines()
                .anyMatch(l -> l.startsWith(peer) && !l.split("\\s+")[1].equals("0"));
    }
}
