package dev.gitwire.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP line on loopback to a real server (a git daemon, the mock API) that a test can cut: {@link State#DOWN}
 * closes each connection at once (the server down), {@link State#SILENT} accepts and never answers (a partition,
 * a stuck proxy). It counts the connections clients open: for Git, the fetches a host serves.
 */
public final class SwitchableLine implements AutoCloseable {

    public enum State { OPEN, DOWN, SILENT }

    private final ServerSocket listening;
    private final InetSocketAddress target;
    private final Set<Socket> held = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile State state = State.OPEN;

    public SwitchableLine(InetSocketAddress target) throws IOException {
        this.target = target;
        this.listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        daemon("line-accept", this::accept);
    }

    public int port() {
        return listening.getLocalPort();
    }

    /** How many connections clients opened, whatever became of them. */
    public int connections() {
        return connections.get();
    }

    /** From now on; leaving {@link State#SILENT} ends the connections held silent, as a partition that heals resets them. */
    public void set(State next) {
        State before = state;
        state = next;
        if (before == State.SILENT && next != State.SILENT) {
            held.forEach(SwitchableLine::closeQuietly);
            held.clear();
        }
    }

    private void accept() {
        while (!listening.isClosed()) {
            Socket client;
            try {
                client = listening.accept();
            } catch (IOException closed) {
                return;
            }
            connections.incrementAndGet();
            switch (state) {
                case DOWN -> closeQuietly(client);
                case SILENT -> held.add(client);
                case OPEN -> forward(client);
            }
        }
    }

    private void forward(Socket client) {
        Socket server = new Socket();
        try {
            server.connect(target, 2_000);
        } catch (IOException e) {
            closeQuietly(client);
            closeQuietly(server);
            return;
        }
        held.add(client);
        held.add(server);
        AtomicInteger open = new AtomicInteger(2);
        Runnable ended = () -> {
            if (open.decrementAndGet() == 0) { // both directions done: the connection is over
                closeQuietly(client);
                closeQuietly(server);
                held.remove(client);
                held.remove(server);
            }
        };
        daemon("line-in", () -> pump(client, server, ended));
        daemon("line-out", () -> pump(server, client, ended));
    }

    /** Copies one direction; its end is passed on as a half close, and a failure closes both. */
    private static void pump(Socket from, Socket to, Runnable ended) {
        byte[] buffer = new byte[16 * 1024];
        try {
            InputStream in = from.getInputStream(); // not closed here: that would close the socket both ways
            OutputStream out = to.getOutputStream();
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
                out.flush();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            closeQuietly(from);
            closeQuietly(to);
        } finally {
            ended.run();
        }
    }

    private static void daemon(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing: nothing more to do with it
        }
    }

    @Override
    public void close() throws IOException {
        listening.close();
        held.forEach(SwitchableLine::closeQuietly);
    }
}
