package dev.gitwire.dataplane.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A raw AF_NETLINK socket, bound in the namespace it was opened in. Extended ACKs and capped ACKs are
 * switched on, so a refusal carries the kernel's text and an ACK never echoes the whole request;
 * strict checking lets the kernel filter dumps. Blocking, with a receive timeout.
 */
public final class NetlinkSocket implements AutoCloseable {

    public static final int NETLINK_ROUTE = 0;
    public static final int NETLINK_NETFILTER = 12;
    public static final int NETLINK_GENERIC = 16;
    private static final int SO_RCVTIMEO = 20;
    private static final int RECEIVE_TIMEOUT_SECONDS = 10;
    private static final int BUFFER_BYTES = 4 * 1024 * 1024;

    private final int fd;
    private final NetworkNamespace namespace;
    private volatile boolean closed;

    private NetlinkSocket(int fd, NetworkNamespace namespace) {
        this.fd = fd;
        this.namespace = namespace;
    }

    public static NetlinkSocket open(int protocol, NetworkNamespace namespace) {
        return namespace.enter(() -> {
            LibC c = LibC.INSTANCE;
            int fd = c.socket(LibC.AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, protocol);
            if (fd < 0) {
                throw NetlinkException.of(LibC.errno(), "socket(AF_NETLINK, " + protocol + ")", null);
            }
            NetlinkSocket socket = new NetlinkSocket(fd, namespace);
            try {
                socket.option(LibC.SOL_NETLINK, LibC.NETLINK_EXT_ACK, 1);
                socket.option(LibC.SOL_NETLINK, LibC.NETLINK_CAP_ACK, 1);
                socket.optionIfSupported(LibC.SOL_NETLINK, LibC.NETLINK_GET_STRICT_CHK, 1);
                // the FORCE variants pass the rmem_max cap as root; a large window needs room for its ACKs
                if (!socket.optionIfSupported(LibC.SOL_SOCKET, LibC.SO_RCVBUFFORCE, BUFFER_BYTES)) {
                    socket.option(LibC.SOL_SOCKET, LibC.SO_RCVBUF, BUFFER_BYTES);
                }
                if (!socket.optionIfSupported(LibC.SOL_SOCKET, LibC.SO_SNDBUFFORCE, BUFFER_BYTES)) {
                    socket.option(LibC.SOL_SOCKET, LibC.SO_SNDBUF, BUFFER_BYTES);
                }
                int[] timeval = {RECEIVE_TIMEOUT_SECONDS, 0, 0, 0};
                if (c.setsockopt(fd, LibC.SOL_SOCKET, SO_RCVTIMEO, timeval, 16) != 0) {
                    throw NetlinkException.of(LibC.errno(), "setsockopt(SO_RCVTIMEO)", null);
                }
                ByteBuffer address = ByteBuffer.allocateDirect(12).order(ByteOrder.nativeOrder());
                address.putShort(0, (short) LibC.AF_NETLINK);
                if (c.bind(fd, address, 12) != 0) {
                    throw NetlinkException.of(LibC.errno(), "bind(AF_NETLINK)", null);
                }
                return socket;
            } catch (RuntimeException e) {
                socket.close();
                throw e;
            }
        });
    }

    public NetworkNamespace namespace() {
        return namespace;
    }

    /** Subscribes to a multicast group, for change notifications. */
    public void joinGroup(int group) {
        option(LibC.SOL_NETLINK, LibC.NETLINK_ADD_MEMBERSHIP, group);
    }

    /** Sends {@code length} bytes from the start of a direct buffer as one datagram. */
    public void send(ByteBuffer buffer, int length) {
        ByteBuffer fromStart = buffer.duplicate().position(0); // jnr passes a direct buffer from its position
        while (true) {
            long sent = LibC.INSTANCE.send(fd, fromStart, length, 0);
            if (sent == length) {
                return;
            }
            int errno = LibC.errno();
            if (sent < 0 && errno == LibC.EINTR) {
                continue;
            }
            throw NetlinkException.of(errno, "send on netlink socket", null);
        }
    }

    /** Receives one datagram into a direct buffer; returns its length. */
    public int receive(ByteBuffer buffer) {
        ByteBuffer fromStart = buffer.duplicate().position(0);
        while (true) {
            long received = LibC.INSTANCE.recv(fd, fromStart, buffer.capacity(), 0);
            if (received >= 0) {
                return (int) received;
            }
            int errno = LibC.errno();
            if (errno == LibC.EINTR) {
                continue;
            }
            if (errno == LibC.EAGAIN) {
                throw new NetlinkException(errno, "no reply from the kernel within " + RECEIVE_TIMEOUT_SECONDS + " s");
            }
            throw NetlinkException.of(errno, "receive on netlink socket", null);
        }
    }

    private void option(int level, int option, int value) {
        if (LibC.INSTANCE.setsockopt(fd, level, option, new int[] {value}, 4) != 0) {
            throw NetlinkException.of(LibC.errno(), "setsockopt(" + level + ", " + option + ")", null);
        }
    }

    private boolean optionIfSupported(int level, int option, int value) {
        return LibC.INSTANCE.setsockopt(fd, level, option, new int[] {value}, 4) == 0;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            LibC.INSTANCE.close(fd);
        }
    }
}
