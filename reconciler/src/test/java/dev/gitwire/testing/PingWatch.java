package dev.gitwire.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A ping every 100 ms from one pod to another, with a capture on the bridge running beside it: what a user
 * watching a transition or a fault sees, counted when it stops (lost echo requests, and what crossed the wire).
 */
public final class PingWatch implements AutoCloseable {

    private static final Pattern SUMMARY = Pattern.compile("(\\d+) packets transmitted, (\\d+) received");
    private static final Pattern REPLY = Pattern.compile("bytes from .*icmp_seq=(\\d+)");
    private static final Duration EVERY = Duration.ofMillis(100);

    private final Process ping;
    private final Process tcpdump;
    private final Path capture;
    private final Instant started;
    private Result result;

    /**
     * What a watch saw: echo requests sent, replies received, the capture file, and when the lost ones were sent (to
     * read beside the agents' logs when a test fails).
     */
    public record Result(int transmitted, int received, Path capture, String losses) {
        public int lost() {
            return transmitted - received;
        }
    }

    public PingWatch(Testbed bed, TestNamespace from, String to) throws IOException, InterruptedException {
        capture = bed.root().resolve("watch-" + System.nanoTime() + ".pcap");
        tcpdump = new ProcessBuilder("ip", "netns", "exec", bed.fabric().name(), "tcpdump", "-i", "br0", "-n", "-U",
                "--immediate-mode", "-w", capture.toString()).redirectErrorStream(true).start();
        Thread.sleep(700); // tcpdump needs a moment before it captures
        started = Instant.now();
        ping = new ProcessBuilder("ip", "netns", "exec", from.name(), "ping", "-n", "-i", "0.1", to)
                .redirectErrorStream(true).start();
    }

    /** Stops the ping as a user would (SIGINT, so that it prints its summary), a moment after the last reply. */
    public Result stop() throws IOException, InterruptedException {
        if (result != null) {
            return result;
        }
        Thread.sleep(1_500); // replies held by a handshake arrive late: they count
        new ProcessBuilder("kill", "-INT", Long.toString(ping.pid())).start().waitFor();
        String output = new String(ping.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        ping.waitFor(5, TimeUnit.SECONDS);
        Thread.sleep(300);
        tcpdump.destroy();
        tcpdump.waitFor(5, TimeUnit.SECONDS);
        Matcher m = SUMMARY.matcher(output);
        if (!m.find()) {
            throw new AssertionError("no ping summary in:\n" + output);
        }
        int transmitted = Integer.parseInt(m.group(1));
        result = new Result(transmitted, Integer.parseInt(m.group(2)), capture, losses(output, transmitted));
        return result;
    }

    /** The lost echo requests as runs of sequence numbers, each with about when it was sent. */
    private String losses(String output, int transmitted) {
        BitSet answered = new BitSet();
        Matcher reply = REPLY.matcher(output);
        while (reply.find()) {
            answered.set(Integer.parseInt(reply.group(1)));
        }
        StringBuilder runs = new StringBuilder();
        for (int seq = answered.nextClearBit(1); seq <= transmitted; seq = answered.nextClearBit(seq)) {
            int end = Math.min(answered.nextSetBit(seq) < 0 ? transmitted + 1 : answered.nextSetBit(seq), transmitted + 1);
            runs.append(runs.length() == 0 ? "" : ", ").append("icmp_seq ").append(seq)
                    .append(end - 1 > seq ? "-" + (end - 1) : "").append(" (sent about ")
                    .append(started.plus(EVERY.multipliedBy(seq - 1))).append(")");
            seq = end;
        }
        return runs.length() == 0 ? "none lost" : "lost: " + runs;
    }

    @Override
    public void close() { // destroys, waits for nothing: nothing here can be interrupted
        if (result == null) {
            ping.destroyForcibly();
            tcpdump.destroyForcibly();
        }
    }

    /** The processes of a node's namespace with this command name, such as wireguard-go. */
    public static List<Long> pids(TestNamespace ns, String command) {
        return Shell.run("ip", "netns", "pids", ns.name()).lines().map(String::strip).filter(p -> !p.isEmpty())
                .map(Long::parseLong).filter(pid -> {
                    try {
                        return Files.readString(Path.of("/proc", Long.toString(pid), "comm")).strip()
                                .equals(command);
                    } catch (IOException e) {
                        return false; // ended meanwhile
                    }
                }).toList();
    }
}
