package dev.gitwire.dataplane.wireguard;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts wireguard-go for an interface. It daemonises, so it outlives the agent: an agent restart keeps
 * the tunnel and its traffic. {@code prefix} runs it elsewhere (nsenter into a test node); empty in a pod.
 */
public final class WireguardGoLauncher {

    private static final long SOCKET_WAIT_MILLIS = 10_000;

    private final List<String> prefix;
    private final String binary;
    private final Path socketDirectory;

    public WireguardGoLauncher(List<String> prefix, String binary, Path socketDirectory) {
        this.prefix = List.copyOf(prefix);
        this.binary = binary;
        this.socketDirectory = socketDirectory;
    }

    public Path socketDirectory() {
        return socketDirectory;
    }

    /**
     * Runs wireguard-go and waits until the device answers on its UAPI socket. The socket file alone is
     * not enough: wireguard-go opens it, then re-executes itself as the daemon, which sets the TUN's MTU
     * to its default again before it serves; an MTU set in between would be lost.
     */
    public void start(String interfaceName) {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(binary, interfaceName));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new WireguardException(0, binary + " " + interfaceName + " failed: " + lastLine(output));
            }
            Path socket = socketDirectory.resolve(interfaceName + ".sock");
            long deadline = System.currentTimeMillis() + SOCKET_WAIT_MILLIS;
            while (!Files.exists(socket)) {
                if (System.currentTimeMillis() > deadline) {
                    throw new WireguardException(0, binary + " started but " + socket + " did not appear");
                }
                Thread.sleep(20);
            }
            new UapiBackend(socketDirectory, interfaceName).read();
        } catch (IOException e) {
            throw new WireguardException("cannot run " + binary + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WireguardException("interrupted while starting " + binary, e);
        }
    }

    private static String lastLine(String output) {
        String[] lines = output.strip().split("\n");
        return lines[lines.length - 1];
    }
}
