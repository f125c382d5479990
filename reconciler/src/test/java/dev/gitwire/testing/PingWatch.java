package dev.gitwire.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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

    private final Process ping;
    private final Process tcpdump;
    private final Path capture;
    private Result result;

    /** What a watch saw: echo requests sent, replies received, and the capture file. */
    public record Result(int transmitted, int received, Path capture) {
        public int lost() {
            return transmitted - received;
        }
    }

    public PingWatch(Testbed bed, TestNamespace from, String to) throws IOException, InterruptedException {
        capture = bed.root().resolve("watch-" + System.nanoTime() + ".pcap");
        tcpdump = new ProcessBuilder("ip", "netns", "exec", bed.fabric().name(), "tcpdump", "-i", "br0", "-n", "-U",
                "--immediate-mode", "-w", capture.toString()).redirectErrorStream(true).start();
        Thread.sleep(700); // tcpdump needs a moment before it captures
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
        result = new Result(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), capture);
        return result;
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
