package dev.gitwire.agent;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The agent's HTTP endpoints on one non-blocking thread: a client that sends half a request, or a hundred
 * of them, holds a buffer and nothing else, so `/healthz` is always answered at once. Every request has
 * a deadline, a bounded head and a bounded body; connections are bounded; one request per connection.
 * Handlers run on this thread and must return at once (health, metrics, queueing a reconcile).
 */
final class AgentHttpServer implements AutoCloseable {

    static final int MAX_HEAD = 16 * 1024;
    static final int MAX_BODY = 1024 * 1024;
    static final int MAX_CONNECTIONS = 64;
    /** Connections one client address may hold: one address cannot take the slots of the kubelet's probe. */
    static final int MAX_CONNECTIONS_PER_CLIENT = 8;
    /** Response bytes held for clients that do not read them: a page each, past this the oldest goes. */
    static final int MAX_BYTES_IN_FLIGHT = 16 * 1024 * 1024;
    static final Duration DEADLINE = Duration.ofSeconds(10);

    /** A request: method, path without query, headers by lower-case name, body, and where it came from. */
    record Request(String method, String path, Map<String, String> headers, byte[] body, InetSocketAddress peer) {}

    record Response(int status, String contentType, byte[] body) {
        static Response text(int status, String body) {
            return new Response(status, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
        }
    }

    interface Handler {
        Response handle(Request request);
    }

    private static final Map<Integer, String> REASONS = Map.of(200, "OK", 202, "Accepted", 400, "Bad Request",
            401, "Unauthorized", 404, "Not Found", 405, "Method Not Allowed", 411, "Length Required",
            413, "Content Too Large", 431, "Request Header Fields Too Large", 500, "Internal Server Error");

    private final Selector selector;
    private final ServerSocketChannel server;
    private final Map<String, Handler> routes;
    private final Thread thread;
    private final InetSocketAddress bound;
    private volatile boolean closed;

    /** One connection's progress: the bytes read so far, then the response being written. */
    private static final class Exchange {
        final long deadline = System.nanoTime() + DEADLINE.toNanos();
        final InetAddress client;
        ByteBuffer in = ByteBuffer.allocate(1024);
        int headEnd = -1;
        Head head;
        int bodyLength;
        ByteBuffer out;

        Exchange(InetAddress client) {
            this.client = client;
        }
    }

    /** Bytes of responses not yet written, and connections open: written by the serving thread only. */
    private volatile long bytesInFlight;
    private volatile int connections;

    AgentHttpServer(InetSocketAddress address, Map<String, Handler> routes) throws IOException {
        this.routes = Map.copyOf(routes);
        this.selector = Selector.open();
        this.server = ServerSocketChannel.open();
        server.bind(address, MAX_CONNECTIONS);
        this.bound = (InetSocketAddress) server.getLocalAddress();
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
        this.thread = new Thread(this::serve, "gitwire-http");
        thread.setDaemon(true);
    }

    InetSocketAddress address() {
        return bound;
    }

    void start() {
        thread.start();
    }

    private void serve() {
        while (!closed) {
            try {
                selector.select(250);
                for (Iterator<SelectionKey> keys = selector.selectedKeys().iterator(); keys.hasNext(); ) {
                    SelectionKey key = keys.next();
                    keys.remove();
                    step(key);
                }
                expire();
            } catch (ClosedSelectorException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    pause(); // a failing accept (no file descriptors left): do not spin
                }
            }
        }
    }

    private void step(SelectionKey key) throws IOException {
        if (!key.isValid()) {
            return;
        }
        if (key.isAcceptable()) {
            SocketChannel client = server.accept();
            if (client == null) {
                return;
            }
            InetAddress from = ((InetSocketAddress) client.getRemoteAddress()).getAddress();
            // a flood of connections, reading or not reading what they asked for, must not lock out the probe
            evictOldest(e -> e.client.equals(from), MAX_CONNECTIONS_PER_CLIENT - 1);
            evictOldest(e -> true, MAX_CONNECTIONS - 1);
            client.configureBlocking(false);
            client.register(selector, SelectionKey.OP_READ, new Exchange(from));
            connections++;
            return;
        }
        SocketChannel client = (SocketChannel) key.channel();
        Exchange exchange = (Exchange) key.attachment();
        try {
            if (key.isReadable()) {
                read(key, client, exchange);
            } else if (key.isWritable()) {
                write(key, client, exchange);
            }
        } catch (IOException e) {
            close(key); // the client went away
        }
    }

    private void read(SelectionKey key, SocketChannel client, Exchange exchange) throws IOException {
        if (!exchange.in.hasRemaining()) {
            int limit = exchange.headEnd < 0 ? MAX_HEAD : exchange.headEnd + exchange.bodyLength;
            exchange.in = grow(exchange.in, Math.min(limit, exchange.in.capacity() * 2));
        }
        if (client.read(exchange.in) < 0) {
            close(key);
            return;
        }
        if (exchange.headEnd < 0) {
            int end = headEnd(exchange.in);
            if (end < 0) {
                if (exchange.in.position() >= MAX_HEAD) {
                    respond(key, exchange, Response.text(431, "request head larger than " + MAX_HEAD + " bytes\n"));
                }
                return;
            }
            exchange.headEnd = end;
            exchange.head = Head.parse(new String(exchange.in.array(), 0, end, StandardCharsets.ISO_8859_1));
            if (exchange.head == null) {
                respond(key, exchange, Response.text(400, "not an HTTP/1 request line\n"));
                return;
            }
            String length = exchange.head.headers().get("content-length");
            if (length != null) {
                try {
                    exchange.bodyLength = Integer.parseInt(length.strip());
                } catch (NumberFormatException e) {
                    respond(key, exchange, Response.text(400, "Content-Length is not a number\n"));
                    return;
                }
                if (exchange.bodyLength < 0 || exchange.bodyLength > MAX_BODY) {
                    respond(key, exchange, Response.text(413, "body larger than " + MAX_BODY + " bytes\n"));
                    return;
                }
            } else if (exchange.head.headers().containsKey("transfer-encoding")) {
                respond(key, exchange, Response.text(411, "a body needs Content-Length\n"));
                return;
            }
        }
        if (exchange.in.position() >= exchange.headEnd + exchange.bodyLength) {
            respond(key, exchange, dispatch(exchange, (InetSocketAddress) client.getRemoteAddress()));
        }
    }

    /** A request's line and headers (names in lower case), parsed once when the blank line arrives. */
    private record Head(String method, String path, Map<String, String> headers) {

        /** The head, or null when its first line is not an HTTP/1 request line. */
        static Head parse(String text) {
            String[] lines = text.split("\r\n");
            String[] requestLine = lines[0].split(" ");
            if (requestLine.length != 3 || !requestLine[2].startsWith("HTTP/1.")) {
                return null;
            }
            Map<String, String> headers = new HashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
                            lines[i].substring(colon + 1).strip());
                }
            }
            int query = requestLine[1].indexOf('?');
            return new Head(requestLine[0], query < 0 ? requestLine[1] : requestLine[1].substring(0, query), headers);
        }
    }

    private Response dispatch(Exchange exchange, InetSocketAddress peer) {
        Head head = exchange.head;
        Handler handler = routes.get(head.path());
        if (handler == null) {
            return Response.text(404, "not found\n");
        }
        byte[] body = new byte[exchange.bodyLength];
        System.arraycopy(exchange.in.array(), exchange.headEnd, body, 0, exchange.bodyLength);
        try {
            return handler.handle(new Request(head.method(), head.path(), head.headers(), body, peer));
        } catch (RuntimeException e) {
            return Response.text(500, "internal error: " + e + "\n");
        }
    }

    private void respond(SelectionKey key, Exchange exchange, Response response) throws IOException {
        String head = "HTTP/1.1 " + response.status() + " " + REASONS.getOrDefault(response.status(), "Status") + "\r\n"
                + "Content-Type: " + response.contentType() + "\r\nContent-Length: " + response.body().length
                + "\r\nConnection: close\r\n\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.ISO_8859_1);
        exchange.in = null;
        exchange.out = ByteBuffer.allocate(headBytes.length + response.body().length).put(headBytes).put(response.body()).flip();
        bytesInFlight += exchange.out.remaining();
        key.interestOps(SelectionKey.OP_WRITE);
        write(key, (SocketChannel) key.channel(), exchange);
        while (bytesInFlight > MAX_BYTES_IN_FLIGHT && evictOldest(e -> e.out != null && e != exchange, 0)) {
            // clients that do not read their pages give them up, oldest first
        }
    }

    private void write(SelectionKey key, SocketChannel client, Exchange exchange) throws IOException {
        bytesInFlight -= client.write(exchange.out);
        if (!exchange.out.hasRemaining()) {
            close(key);
        }
    }

    /** Connections past their deadline are closed: a client that never finishes its request, or its read. */
    private void expire() {
        long now = System.nanoTime();
        for (SelectionKey key : selector.keys()) {
            if (key.attachment() instanceof Exchange exchange && now - exchange.deadline > 0) {
                close(key);
            }
        }
    }

    /**
     * Closes the connections {@code which} selects, oldest first, until at most {@code keep} are left; whether it
     * closed one.
     */
    private boolean evictOldest(Predicate<Exchange> which, int keep) {
        List<SelectionKey> selected = new ArrayList<>();
        for (SelectionKey key : selector.keys()) {
            if (key.isValid() && key.attachment() instanceof Exchange exchange && which.test(exchange)) {
                selected.add(key);
            }
        }
        if (selected.size() <= keep) {
            return false;
        }
        selected.sort((x, y) -> Long.signum(((Exchange) x.attachment()).deadline - ((Exchange) y.attachment()).deadline));
        selected.subList(0, selected.size() - keep).forEach(this::close);
        return true;
    }

    /** How many connections are open, and how many response bytes they hold: for the tests of the bounds. */
    int connections() {
        return connections;
    }

    long bytesInFlight() {
        return bytesInFlight;
    }

    private void close(SelectionKey key) {
        if (key.isValid() && key.attachment() instanceof Exchange exchange) { // a key closed twice counts once
            connections--;
            if (exchange.out != null) {
                bytesInFlight -= exchange.out.remaining();
            }
        }
        key.cancel();
        try {
            key.channel().close();
        } catch (IOException ignored) {
            // closing a socket the client already closed
        }
    }

    private static ByteBuffer grow(ByteBuffer buffer, int capacity) {
        return ByteBuffer.allocate(Math.max(capacity, buffer.capacity())).put(buffer.flip());
    }

    /** Where the body starts (after the blank line), or -1 while the head is incomplete. */
    private static int headEnd(ByteBuffer in) {
        byte[] bytes = in.array();
        for (int i = 3; i < in.position(); i++) {
            if (bytes[i - 3] == '\r' && bytes[i - 2] == '\n' && bytes[i - 1] == '\r' && bytes[i] == '\n') {
                return i + 1;
            }
        }
        return -1;
    }

    private static void pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        // the serving thread leaves its loop first: a selector closed under its iteration of the keys threw
        selector.wakeup();
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            selector.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
        try {
            server.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }
}
