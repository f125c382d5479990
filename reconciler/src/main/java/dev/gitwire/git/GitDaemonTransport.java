package dev.gitwire.git;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.eclipse.jgit.errors.TransportException;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.BasePackFetchConnection;
import org.eclipse.jgit.transport.BasePackPushConnection;
import org.eclipse.jgit.transport.FetchConnection;
import org.eclipse.jgit.transport.PackTransport;
import org.eclipse.jgit.transport.PacketLineOut;
import org.eclipse.jgit.transport.PushConnection;
import org.eclipse.jgit.transport.TcpTransport;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.transport.TransportProtocol;
import org.eclipse.jgit.transport.URIish;

/**
 * The git:// transport (a `git daemon`), with the socket's own read timeout. JGit's git:// transport bounds
 * reads by interrupting the reading thread, which does not unblock a socket read on this JDK: against a
 * server that accepts and never answers, a fetch waited for good (measured: over 5 minutes with a 30 s
 * timeout). Here every connect and read has the transport's timeout, and a silent server ends in an error
 * naming it. Registered ahead of JGit's own, for the whole process, by {@link #install()}.
 */
final class GitDaemonTransport extends TcpTransport implements PackTransport {

    private static final int GIT_PORT = 9418;

    /** Held strongly: JGit keeps registered protocols by weak reference. */
    private static final TransportProtocol PROTOCOL = new TransportProtocol() {
        @Override
        public String getName() {
            return "Git daemon, with read deadlines";
        }

        @Override
        public Set<String> getSchemes() {
            return Set.of("git");
        }

        @Override
        public Set<URIishField> getRequiredFields() {
            return EnumSet.of(URIishField.HOST, URIishField.PATH);
        }

        @Override
        public Set<URIishField> getOptionalFields() {
            return EnumSet.of(URIishField.PORT);
        }

        @Override
        public int getDefaultPort() {
            return GIT_PORT;
        }

        @Override
        public Transport open(URIish uri, Repository local, String remoteName) {
            return new GitDaemonTransport(local, uri);
        }
    };

    private static boolean installed;

    static synchronized void install() {
        if (!installed) {
            Transport.register(PROTOCOL);
            installed = true;
        }
    }

    /** What this transport's fetch may read; none until {@link #spend} (a push reads little). */
    private FetchBudget.Spending budget;

    private GitDaemonTransport(Repository local, URIish uri) {
        super(local, uri);
    }

    /** Bounds what the connections of this transport read by {@code spending}. */
    void spend(FetchBudget.Spending spending) {
        this.budget = spending;
    }

    @Override
    public FetchConnection openFetch() throws TransportException {
        return new Fetch();
    }

    @Override
    public PushConnection openPush() throws TransportException {
        return new Push();
    }

    @Override
    public void close() {
        // each connection closes its own socket
    }

    private String peer() {
        return uri.getHost() + ":" + (uri.getPort() > 0 ? uri.getPort() : GIT_PORT);
    }

    private Socket connect() throws TransportException {
        int millis = getTimeout() > 0 ? getTimeout() * 1000 : 0;
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort() > 0 ? uri.getPort() : GIT_PORT), millis);
            socket.setSoTimeout(millis);
            return socket;
        } catch (IOException e) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // the connect failed: nothing to close
            }
            throw new TransportException(uri, "cannot connect to " + peer() + ": " + e.getMessage(), e);
        }
    }

    /** The daemon's request line: the service, the repository path, and the virtual host. */
    private void request(PacketLineOut out, String service) throws IOException {
        String host = uri.getHost() + (uri.getPort() > 0 && uri.getPort() != GIT_PORT ? ":" + uri.getPort() : "");
        out.writeString(service + " " + uri.getPath() + "\0host=" + host + "\0");
        out.flush();
    }

    private TransportException silent(IOException e) {
        return new TransportException(uri, peer() + " did not answer in time or hung up: " + e.getMessage(), e);
    }

    /** A step of opening a connection that may fail with an I/O error. */
    private interface Step {
        void run() throws IOException;
    }

    /**
     * Connects, asks the daemon for a service and reads its advertisement, through the connection's own
     * (protected) parts; on failure, closes and says why.
     */
    private Socket open(String service, BiConsumer<InputStream, OutputStream> init, Supplier<PacketLineOut> out,
            Step readAdvertisement, Runnable close) throws TransportException {
        Socket socket = connect();
        try {
            InputStream in = budget == null ? socket.getInputStream() : budget.bound(socket.getInputStream());
            init.accept(new BufferedInputStream(in), new BufferedOutputStream(socket.getOutputStream()));
            request(out.get(), service);
            readAdvertisement.run();
            return socket;
        } catch (IOException e) {
            close.run();
            closeQuietly(socket);
            throw silent(e);
        }
    }

    private final class Fetch extends BasePackFetchConnection {
        private final Socket socket;

        Fetch() throws TransportException {
            super(GitDaemonTransport.this);
            socket = open("git-upload-pack", this::init, () -> pckOut, this::readAdvertisedRefs, super::close);
        }

        @Override
        public void close() {
            super.close();
            closeQuietly(socket);
        }
    }

    private final class Push extends BasePackPushConnection {
        private final Socket socket;

        Push() throws TransportException {
            super(GitDaemonTransport.this);
            socket = open("git-receive-pack", this::init, () -> pckOut, this::readAdvertisedRefs, super::close);
        }

        @Override
        public void close() {
            super.close();
            closeQuietly(socket);
        }
    }

    private static void closeQuietly(Socket socket) {
        if (socket == null) {
            return;
        }
        try {
            socket.close();
        } catch (IOException e) {
            // closing a broken connection
        }
    }

    @Override
    public String toString() {
        return "git://" + peer() + uri.getPath();
    }
}
