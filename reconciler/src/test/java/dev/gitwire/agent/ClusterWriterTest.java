package dev.gitwire.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.cluster.IntentNotice;
import dev.gitwire.cluster.StatusConfigMaps;
import dev.gitwire.dataplane.SimulatedDataplane;
import dev.gitwire.dataplane.wireguard.WireguardLink;
import dev.gitwire.git.GitAccess;
import dev.gitwire.git.GitRemote;
import dev.gitwire.keys.PrivateKey;
import dev.gitwire.source.CommitTrust;
import dev.gitwire.source.IntentSource;
import dev.gitwire.status.StatusBranch;
import dev.gitwire.status.StatusBranchTest;
import dev.gitwire.status.StatusCodec;
import dev.gitwire.testing.AdmissionStandIn;
import dev.gitwire.testing.GitServer;
import dev.gitwire.testing.IntentFixtures;
import dev.gitwire.testing.Kubeconfig;
import dev.gitwire.testing.Shell;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17, point 3: with Kubernetes, nodes write their status to the API and one agent, elected with a Lease,
 * folds them into the status branch (fabric8's mock API server in CRUD mode, a real `git daemon`).
 */
@EnableKubernetesMockClient(crud = true)
class ClusterWriterTest {

    private static final String BRANCH = "gitwire/status";
    private static final String REVISION = "main@sha1:" + "ab".repeat(20);

    KubernetesClient client;
    KubernetesMockServer mock;

    @TempDir
    Path tmp;

    @Test
    void oneElectedWriterFoldsEveryNodesStatusAndAnotherTakesOverWithNothingLostOrTwice() throws Exception {
        try (GitServer server = new GitServer(tmp.resolve("served"))) {
            String url = server.create("status");
            PrivateKey key = PrivateKey.generate(new SecureRandom());
            for (int i = 0; i < 5; i++) {
                new StatusConfigMaps(client, "gitwire-system")
                        .publish(StatusBranchTest.status("node-" + i, key, REVISION, 3), 5);
            }
            // a node that writes a status naming another node is ignored, whatever it claims
            client.configMaps().inNamespace("gitwire-system").resource(new ConfigMapBuilder().withNewMetadata()
                    .withName(StatusConfigMaps.name("node-9")).addToLabels(StatusConfigMaps.ROLE_LABEL, StatusConfigMaps.ROLE)
                    .endMetadata().addToData(StatusConfigMaps.KEY, StatusCodec.write(
                            StatusBranchTest.status("node-0", key, REVISION, 99))).build()).create();

            List<String> events = new CopyOnWriteArrayList<>();
            AtomicInteger announced = new AtomicInteger();
            List<GitRemote> remotes = new ArrayList<>();
            List<ClusterWriter> writers = new ArrayList<>();
            for (String agent : List.of("node-0", "node-1")) {
                GitRemote remote = new GitRemote(url, tmp.resolve(agent), GitAccess.anonymous());
                remotes.add(remote);
                ClusterWriter writer = new ClusterWriter(client, "gitwire-system", agent,
                        new StatusBranch(remote, GitAccess.anonymous(), BRANCH), Duration.ofMillis(500));
                BiConsumer<String, String> record = (event, message) -> events.add(agent + " " + event
                        + ": " + message);
                writer.start(announced::incrementAndGet, record, record);
                writers.add(writer);
            }
            Path bare = server.path("status");
            await(() -> writers.stream().filter(ClusterWriter::leading).count() == 1, "one writer leads");
            await(() -> Shell.tryRun(List.of("git", "-C", bare.toString(), "ls-tree", "-r", "--name-only", BRANCH), null)
                    .output().lines().filter(l -> l.startsWith("nodes/")).count() == 5, "the five statuses land");
            assertThat(writers.stream().filter(ClusterWriter::leading).count()).isEqualTo(1);
            assertThat(Shell.run("git", "-C", bare.toString(), "show", BRANCH + ":nodes/node-0.yaml"))
                    .contains("allowedIPs: 3").doesNotContain("allowedIPs: 99");
            String first = Shell.run("git", "-C", bare.toString(), "log", "--format=%B", BRANCH);
            assertThat(first).contains("5 nodes changed");
            for (int i = 0; i < 5; i++) {
                assertThat(first).contains("Node: node-" + i);
            }

            // the leader announces what it fetched and verified; the other agent hears of it
            ClusterWriter leader = writers.stream().filter(ClusterWriter::leading).findFirst().orElseThrow();
            ClusterWriter follower = writers.stream().filter(w -> w != leader).findFirst().orElseThrow();
            follower.fetched("main@sha1:" + "cd".repeat(20)); // a follower announces nothing
            leader.fetched(REVISION);
            await(() -> follower.announced().equals(Optional.of(REVISION)), "the follower hears the announced revision");
            assertThat(client.configMaps().inNamespace("gitwire-system").withName(IntentNotice.NAME).get().getData())
                    .containsEntry(IntentNotice.KEY, REVISION);

            // the leader goes away; a node changes meanwhile; the other agent takes over and folds it, once
            leader.close();
            new StatusConfigMaps(client, "gitwire-system").publish(StatusBranchTest.status("node-3", key, REVISION, 4), 5);
            long lost = System.nanoTime();
            await(follower::leading, "the other agent takes over");
            assertThat(Duration.ofNanos(System.nanoTime() - lost)).isLessThan(ClusterWriter.LEASE_DURATION.plusSeconds(5));
            await(() -> Shell.run("git", "-C", bare.toString(), "show", BRANCH + ":nodes/node-3.yaml")
                    .contains("allowedIPs: 4"), "the change made while no one led lands");
            Thread.sleep(1500); // three more folds: nothing changed, so no commit
            List<String> commits = Shell.run("git", "-C", bare.toString(), "log", "--format=%H", BRANCH).lines().toList();
            assertThat(commits).hasSize(2);
            String history = Shell.run("git", "-C", bare.toString(), "log", "--format=%B", BRANCH);
            assertThat(history.lines().filter(l -> l.equals("Node: node-3"))).hasSize(2); // its first report, its change
            assertThat(StatusBranch.lastChanges(new GitRemote(url, tmp.resolve("reader"), GitAccess.anonymous()), BRANCH,
                    Set.of("node-3", "node-4"), 100)).containsOnlyKeys("node-3", "node-4");
            assertThat(events).anyMatch(e -> e.contains("gitwire-status-node-9: names node node-0"));
            follower.close();
            remotes.forEach(GitRemote::close);
        }
    }

    /**
     * At 20,000 nodes, a list of every status each fold interval costs the API server megabytes and the writer
     * a parse of every status: the writer lists them once when it starts to lead, then follows a watch.
     */
    @Test
    void theWriterListsTheStatusesOnceAndFollowsAWatchThen() throws Exception {
        try (GitServer server = new GitServer(tmp.resolve("served"))) {
            String url = server.create("status");
            PrivateKey key = PrivateKey.generate(new SecureRandom());
            StatusConfigMaps statuses = new StatusConfigMaps(client, "gitwire-system");
            statuses.publish(StatusBranchTest.status("node-1", key, REVISION, 3), 2);
            GitRemote remote = new GitRemote(url, tmp.resolve("writer"), GitAccess.anonymous());
            ClusterWriter writer = new ClusterWriter(client, "gitwire-system", "node-0",
                    new StatusBranch(remote, GitAccess.anonymous(), BRANCH), Duration.ofMillis(200));
            writer.start(() -> { }, (event, message) -> { }, (event, message) -> { });
            Path bare = server.path("status");
            await(() -> onBranch(bare, "node-1").contains("allowedIPs: 3"), "the first status lands");
            int listsBefore = statusLists();
            new StatusConfigMaps(client, "gitwire-system").publish(StatusBranchTest.status("node-2", key, REVISION, 5), 2);
            await(() -> onBranch(bare, "node-2").contains("allowedIPs: 5"), "a new node's status lands");
            statuses.publish(StatusBranchTest.status("node-1", key, REVISION, 4), 2);
            await(() -> onBranch(bare, "node-1").contains("allowedIPs: 4"), "a changed status lands");
            Thread.sleep(1000); // five more folds
            assertThat(listsBefore + statusLists()).as("lists of the statuses, while leading").isEqualTo(1);
            writer.close();
            remote.close();
        }
    }

    /** The lists of the status ConfigMaps the API server received since the last call (watches aside). */
    private int statusLists() throws InterruptedException {
        int lists = 0;
        for (var request = mock.takeRequest(0, TimeUnit.SECONDS); request != null;
                request = mock.takeRequest(0, TimeUnit.SECONDS)) {
            String path = request.getPath();
            if (request.getMethod().equals("GET") && path.contains("/configmaps?") && path.contains("node-status")
                    && !path.contains("watch=true")) {
                lists++;
            }
        }
        return lists;
    }

    private static String onBranch(Path bare, String node) {
        return Shell.tryRun(List.of("git", "-C", bare.toString(), "show", BRANCH + ":nodes/" + node + ".yaml"), null)
                .output();
    }

    @Test
    void aWriterThatDiesWithoutReleasingItsLeaseIsReplacedWithinTheLeaseDuration() throws Exception {
        try (GitServer server = new GitServer(tmp.resolve("served"))) {
            String url = server.create("status");
            PrivateKey key = PrivateKey.generate(new SecureRandom());
            List<KubernetesClient> clients = List.of(mock.createClient(), mock.createClient());
            List<ClusterWriter> writers = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                GitRemote remote = new GitRemote(url, tmp.resolve("agent-" + i), GitAccess.anonymous());
                ClusterWriter writer = new ClusterWriter(clients.get(i), "gitwire-system", "agent-" + i,
                        new StatusBranch(remote, GitAccess.anonymous(), BRANCH), Duration.ofMillis(500));
                writer.start(() -> { }, (event, message) -> { }, (event, message) -> { });
                writers.add(writer);
            }
            await(() -> writers.stream().filter(ClusterWriter::leading).count() == 1, "one writer leads");
            int dead = writers.get(0).leading() ? 0 : 1;
            clients.get(dead).close(); // as a node that loses power: its Lease is not released, it expires
            long died = System.nanoTime();
            new StatusConfigMaps(client, "gitwire-system").publish(StatusBranchTest.status("node-7", key, REVISION, 2), 2);
            await(() -> writers.get(1 - dead).leading(), "the other writer takes over");
            Duration takeOver = Duration.ofNanos(System.nanoTime() - died);
            assertThat(takeOver).isLessThan(ClusterWriter.LEASE_DURATION.plus(ClusterWriter.RETRY_PERIOD).plusSeconds(3));
            await(() -> Shell.tryRun(List.of("git", "-C", server.path("status").toString(), "show",
                    BRANCH + ":nodes/node-7.yaml"), null).exitCode() == 0, "the new writer folds what the dead one left");
            writers.forEach(ClusterWriter::close);
        }
    }

    /**
     * Issue 26 point 8: any node's ServiceAccount may patch the writer's Lease. One that names itself holder with a
     * renewal ten years ahead stopped every agent from leading on main (fabric8 expires a Lease from its renewTime):
     * no status reached Git again. A renewal further ahead than clocks disagree counts as expired, and one is said.
     */
    @Test
    void aLeaseRenewedFarIntoTheFutureIsTakenAsExpired() throws Exception {
        ZonedDateTime decade = ZonedDateTime.now(ZoneOffset.UTC).plusYears(10);
        client.leases().inNamespace("gitwire-system").resource(new LeaseBuilder()
                .withNewMetadata().withName("gitwire-writer").endMetadata().withNewSpec().withHolderIdentity("node-evil")
                .withLeaseDurationSeconds(15).withAcquireTime(decade).withRenewTime(decade).endSpec().build()).create();
        try (GitServer server = new GitServer(tmp.resolve("served"))) {
            String url = server.create("status");
            List<String> warned = new CopyOnWriteArrayList<>();
            ClusterWriter writer = new ClusterWriter(client, "gitwire-system", "node-a", new StatusBranch(
                    new GitRemote(url, tmp.resolve("node-a"), GitAccess.anonymous()), GitAccess.anonymous(), BRANCH),
                    Duration.ofMillis(500));
            writer.start(() -> { }, (event, message) -> { }, (event, message) -> warned.add(message));
            await(writer::leading, "node-a leads despite the forward-dated Lease");
            assertThat(warned).anyMatch(w -> w.contains("node-evil") && w.contains("taken as expired"));
            assertThat(client.leases().inNamespace("gitwire-system").withName("gitwire-writer").get().getSpec()
                    .getHolderIdentity()).isEqualTo("node-a");
            writer.close();
        }
    }

    @Test
    void aFollowingAgentFetchesTheIntentOnlyWhenTheWriterAnnouncesANewRevision() throws Exception {
        try (GitServer server = new GitServer(tmp.resolve("served"))) {
            String url = server.create("intent");
            Path work = intentRepo(url);
            List<NodeAgent> agents = new ArrayList<>();
            for (String node : List.of("aks-nodepool1-12345678-vmss000000", "aks-nodepool1-12345678-vmss000001")) {
                agents.add(agent(url, node, true));
            }
            AdmissionStandIn.policiesInForce(mock, "default", "aks-nodepool1-12345678-vmss000000",
                    "aks-nodepool1-12345678-vmss000001");
            try {
                Map<NodeAgent, AtomicInteger> heard = new IdentityHashMap<>();
                agents.forEach(a -> heard.put(a, new AtomicInteger()));
                agents.forEach(a -> a.joinWriterElection(heard.get(a)::incrementAndGet, (event, message) -> { },
                        (event, message) -> { }));
                await(() -> agents.stream().filter(a -> a.writerLeads().orElse(false)).count() == 1, "one agent leads");
                NodeAgent leader = agents.stream().filter(a -> a.writerLeads().orElse(false)).findFirst().orElseThrow();
                NodeAgent follower = agents.stream().filter(a -> a != leader).findFirst().orElseThrow();
                leader.read();
                String first = revision(leader);
                await(() -> heard.get(follower).get() == 1, "the follower hears the first revision");
                assertThat(follower.read()).as("Git asked").isTrue();
                assertThat(revision(follower)).isEqualTo(first);

                commit(work, url, "second");
                // its poll: the writer announced nothing new, so Git is not asked, and gitwire_git_reads_total says so
                assertThat(follower.read()).as("Git asked").isFalse();
                assertThat(revision(follower)).isEqualTo(first);
                assertThat(leader.read()).as("Git asked").isTrue(); // the writer's poll fetches, verifies and announces
                String second = revision(leader);
                assertThat(second).isNotEqualTo(first);
                await(() -> heard.get(follower).get() == 2, "the follower hears the second revision");
                follower.read();
                assertThat(revision(follower)).isEqualTo(second);
            } finally {
                agents.forEach(NodeAgent::close);
            }
        }
    }

    /**
     * Issue 26 point 8: with every agent standing for the writer, every node held the status push credential and
     * could rewrite the branch (its history, the README) directly. With `--status-writer separate`, a `gitwire writer`
     * alone holds it: it folds the agents' status objects and announces the intent; the agents, which never push,
     * follow its announcements.
     */
    @Test
    void aSeparateWriterAloneWritesTheBranchAndTheAgentsFollowIt() throws Exception {
        try (GitServer server = new GitServer(tmp.resolve("served"))) {
            String url = server.create("intent");
            Path work = intentRepo(url);
            String node = "aks-nodepool1-12345678-vmss000000";
            AdmissionStandIn.policiesInForce(mock, "default", node);
            NodeAgent agent = agent(url, node, false);
            StatusWriterProcess writer = new StatusWriterProcess(mock.createClient(), "default", "writer-0",
                    new IntentSource(url, "main", tmp.resolve("writer/intent"), GitAccess.anonymous(), CommitTrust.none(),
                            false),
                    new StatusBranch(new GitRemote(url, tmp.resolve("writer/status"), GitAccess.anonymous()),
                            GitAccess.anonymous(), BRANCH), Duration.ofMillis(300),
                    new InetSocketAddress("127.0.0.1", 0), new AgentLog(System.err, false,
                            Clock.systemUTC(), AgentLog.Level.warn));
            Thread running = new Thread(() -> {
                try {
                    writer.run();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            running.start();
            try {
                AtomicInteger heard = new AtomicInteger();
                agent.joinWriterElection(heard::incrementAndGet, (event, message) -> { }, (event, message) -> { });
                assertThat(agent.writerLeads()).as("the agent does not stand").isEmpty();
                await(writer::leading, "the writer leads");
                await(() -> heard.get() >= 1, "the agent hears the first revision");
                assertThat(agent.read()).as("Git asked").isTrue();
                String first = revision(agent);
                assertThat(agent.read()).as("nothing new announced: Git not asked").isFalse();

                agent.report(agent.prepare(), agent.reconcile(agent.prepare()));
                await(() -> Shell.tryRun(List.of("git", "-C", server.path("intent").toString(), "show",
                        BRANCH + ":nodes/" + node + ".yaml"), null).exitCode() == 0, "the writer folds the agent's status");
                assertThat(Shell.run("git", "-C", server.path("intent").toString(), "log", "--format=%an", BRANCH))
                        .as("every commit of the branch is the writer's").doesNotContain(node);

                commit(work, url, "second");
                await(() -> heard.get() >= 2, "the agent hears the second revision");
                assertThat(agent.read()).isTrue();
                assertThat(revision(agent)).isNotEqualTo(first);
                String metrics = Shell.run("curl", "-s", "http://127.0.0.1:" + writer.httpAddress().getPort() + "/metrics");
                assertThat(metrics).contains("gitwire_status_writer 1");
            } finally {
                writer.close();
                running.join(10_000);
                agent.close();
            }
        }
    }

    /** The example intent, committed and pushed to {@code url} as its first commit; the work tree. */
    private Path intentRepo(String url) throws Exception {
        Path work = tmp.resolve("work");
        IntentFixtures.copy(IntentFixtures.examplesRepo(), work);
        Shell.run("git", "init", "-q", "-b", "main", work.toString());
        commit(work, url, "first");
        return work;
    }

    /** An agent of {@code node} (a Node of the API from now on), standing for the writer or following one. */
    private NodeAgent agent(String url, String node, boolean standsForWriter) throws Exception {
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName(node)
                .endMetadata().build()).create();
        Path kubeconfig = Kubeconfig.write(tmp.resolve("kubeconfig"), client.getMasterUrl().toString());
        return NodeAgent.on(new NodeSettings(url, "main", node, tmp.resolve(node), Optional.of(
                new NodeSettings.StatusTarget(url, BRANCH, GitAccess.anonymous(), Duration.ZERO)),
                GitAccess.anonymous(), CommitTrust.none(), WireguardLink.Preference.AUTO, "wireguard-go",
                Optional.of(new NodeSettings.KubernetesAccess(Optional.of(kubeconfig), true, standsForWriter)),
                NodeSettings.DEFAULT_TEARDOWN_GRACE), new SimulatedDataplane());
    }

    private static String revision(NodeAgent agent) throws Exception {
        assertThat(agent.awaitCluster(Duration.ofSeconds(10))).isTrue();
        return agent.prepare().sourced().revision().toString();
    }

    private static void commit(Path work, String url, String message) {
        Shell.run("git", "-C", work.toString(), "add", "-A");
        Shell.run("git", "-C", work.toString(), "-c", "user.name=t", "-c", "user.email=t@gitwire.dev", "commit", "-q",
                "--allow-empty", "-m", message);
        Shell.run("git", "-C", work.toString(), "push", "-q", url, "main");
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(100);
        }
    }
}
