package dev.gitwire.testing;

import dev.gitwire.dataplane.netlink.NetworkNamespace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Relays TCP connections from an address inside a network namespace to one in this JVM's own namespace:
 * how agents in node namespaces reach a server that runs inside the test JVM (the mock Kubernetes API).
 * The listening socket is opened inside the namespace and stays there; every other socket is the JVM's.
 */
public final class TcpRelay implements AutoCloseable {

    private final ServerSocketChannel server;
    private final InetSocketAddress target;
    private final Set<SocketChannel> connections = ConcurrentHashMap.newKeySet();

    public TcpRelay(NetworkNamespace namespace, InetSocketAddress listen, InetSocketAddress target) {
        this.target = target;
        this.server = namespace.enter(() -> {
            try {
                return ServerSocketChannel.open().bind(listen);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot listen on " + listen + " in " + namespace, e);
            }
        });
        daemon("relay-accept-" + listen, this::accept);
    }

    private void accept() {
        while (server.isOpen()) {
            try {
                SocketChannel inside = server.accept();
                SocketChannel outside = SocketChannel.open(target);
                connections.add(inside);
                connections.add(outside);
                AtomicInteger open = new AtomicInteger(2);
                Runnable ended = () -> {
                    if (open.decrementAndGet() == 0) { // both directions done: the connection is over
                        closeQuietly(inside);
                        closeQuietly(outside);
                    }
                };
                daemon("relay-in", () -> pump(inside, outside, ended));
                daemon("relay-out", () -> pump(outside, inside, ended));
            } catch (IOException e) {
                return; // the relay was closed, or the target is gone: clients see a refused connection
            }
        }
    }

    /** Copies one direction; an end of stream is passed on as a half close, so HTTP/1.1 and watches behave. */
    private void pump(SocketChannel from, SocketChannel to, Runnable ended) {
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        try {
            while (from.read(buffer) >= 0) {
                buffer.flip();
                while (buffer.hasRemaining()) {
                    to.write(buffer);
                }
                buffer.clear();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            closeQuietly(from);
            closeQuietly(to);
        } finally {
            ended.run();
        }
    }

    private static void daemon(String name, Runnable work) {
        Thread thread = new Thread(work, name);
        thread.setDaemon(true);
        thread.start();
    }

    private void closeQuietly(SocketChannel channel) {
        connections.remove(channel);
        try {
            channel.close();
        } catch (IOException e) {
            // already closed by the other direction
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // nothing listens any more either way
        }
        connections.forEach(this::closeQuietly);
    }
}
