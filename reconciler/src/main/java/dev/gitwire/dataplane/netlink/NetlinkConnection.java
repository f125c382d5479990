package dev.gitwire.dataplane.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Requests and replies over one netlink socket: numbered requests, ACKs checked, multipart dumps
 * collected (and repeated when the kernel marks one interrupted), and pipelined batches that keep many
 * requests in flight at once. Not thread-safe: one connection per thread of work.
 */
public final class NetlinkConnection implements AutoCloseable {

    private static final int MAX_DUMP_ATTEMPTS = 10;
    /** Requests in flight, and bytes per datagram: ACKs of a full window fit the receive buffer. */
    private static final int WINDOW_REQUESTS = 2048;
    private static final int DATAGRAM_BYTES = 60 * 1024;

    private final NetlinkSocket socket;
    private final ByteBuffer sendBuffer = ByteBuffer.allocateDirect(DATAGRAM_BYTES + 65536).order(ByteOrder.nativeOrder());
    private final ByteBuffer receiveBuffer = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.nativeOrder());
    private int sequence = (int) (System.nanoTime() & 0x3fffffff);

    public NetlinkConnection(NetlinkSocket socket) {
        this.socket = socket;
    }

    public static NetlinkConnection open(int protocol, NetworkNamespace namespace) {
        return new NetlinkConnection(NetlinkSocket.open(protocol, namespace));
    }

    public NetworkNamespace namespace() {
        return socket.namespace();
    }

    /** Sends one request and waits for its ACK; a refusal is thrown as a typed exception. */
    public void execute(NetlinkRequest request) {
        Optional<NetlinkException> failure = executeAll(List.of(request)).get(0);
        if (failure.isPresent()) {
            throw failure.get();
        }
    }

    /**
     * Sends many requests, many per datagram and a window of them in flight, and returns each one's
     * outcome in order: empty for success, the exception for a refusal. Only the last request of a
     * window asks for an ACK: the kernel answers requests in order and reports every refusal anyway,
     * so that ACK proves the whole window done, at one reply instead of one per request. Later
     * requests are sent even when an earlier one failed; the caller decides what that means.
     */
    public List<Optional<NetlinkException>> executeAll(List<NetlinkRequest> requests) {
        List<Optional<NetlinkException>> outcomes = new ArrayList<>(requests.size());
        for (int from = 0; from < requests.size(); from += WINDOW_REQUESTS) {
            int to = Math.min(requests.size(), from + WINDOW_REQUESTS);
            int firstSeq = sequence + 1;
            int next = from;
            while (next < to) {
                sendBuffer.clear();
                while (next < to && (sendBuffer.position() == 0
                        || sendBuffer.position() + Netlink.HEADER_LENGTH + requests.get(next).payload().length
                                <= DATAGRAM_BYTES)) {
                    int ack = next == to - 1 ? Netlink.NLM_F_ACK : 0;
                    put(requests.get(next), Netlink.NLM_F_REQUEST | ack | requests.get(next).flags());
                    next++;
                }
                socket.send(sendBuffer, sendBuffer.position());
            }
            List<Optional<NetlinkException>> window = new ArrayList<>(to - from);
            for (int i = from; i < to; i++) {
                window.add(Optional.empty());
            }
            int lastSeq = firstSeq + (to - from) - 1;
            boolean finished = false;
            while (!finished) {
                for (NetlinkMessage reply : receive()) {
                    int index = reply.sequence() - firstSeq;
                    if (!reply.isError() || index < 0 || index >= window.size()) {
                        continue; // not one of this window's: a stray reply of an earlier exchange
                    }
                    if (reply.errorCode() != 0) {
                        window.set(index, Optional.of(NetlinkException.of(-reply.errorCode(),
                                requests.get(from + index).description(), reply.extendedAckMessage())));
                    }
                    finished |= reply.sequence() == lastSeq;
                }
            }
            outcomes.addAll(window);
        }
        return outcomes;
    }

    /** Runs a dump to its end, and again from the start when the kernel says it was interrupted. */
    public List<NetlinkMessage> dump(NetlinkRequest request) {
        for (int attempt = 1; ; attempt++) {
            Exchange exchange = exchange(request, Netlink.NLM_F_DUMP);
            if (!exchange.interrupted()) {
                return exchange.replies();
            }
            if (attempt == MAX_DUMP_ATTEMPTS) {
                throw new NetlinkException(4, request.description() + ": dump interrupted " + attempt + " times");
            }
        }
    }

    /** Sends a request that is answered by messages, such as a GET of one object, and returns them. */
    public List<NetlinkMessage> query(NetlinkRequest request) {
        return exchange(request, Netlink.NLM_F_ACK).replies();
    }

    private record Exchange(List<NetlinkMessage> replies, boolean interrupted) {}

    /** One request and its replies, up to the DONE or the ACK that ends them. */
    private Exchange exchange(NetlinkRequest request, int flags) {
        List<NetlinkMessage> replies = new ArrayList<>();
        boolean interrupted = false;
        sendBuffer.clear();
        int seq = put(request, Netlink.NLM_F_REQUEST | flags | request.flags());
        socket.send(sendBuffer, sendBuffer.position());
        while (true) {
            for (NetlinkMessage reply : receive()) {
                if (reply.sequence() != seq) {
                    continue;
                }
                interrupted |= (reply.flags() & Netlink.NLM_F_DUMP_INTR) != 0;
                if (reply.isError() || reply.isDone()) {
                    if (reply.errorCode() != 0) {
                        throw NetlinkException.of(-reply.errorCode(), request.description(),
                                reply.extendedAckMessage());
                    }
                    return new Exchange(replies, interrupted);
                }
                if (reply.type() != Netlink.NLMSG_NOOP) {
                    replies.add(reply);
                }
            }
        }
    }

    /** Receives the next datagram; ENOBUFS surfaces as {@link NetlinkException.ResyncRequired}. */
    public List<NetlinkMessage> receive() {
        receiveBuffer.clear();
        int length = socket.receive(receiveBuffer);
        // copy out: the direct buffer is reused by the next receive
        ByteBuffer copy = ByteBuffer.allocate(length).order(ByteOrder.nativeOrder());
        copy.put(receiveBuffer.duplicate().limit(length)).flip();
        return NetlinkMessage.parseAll(copy);
    }

    private int put(NetlinkRequest request, int flags) {
        int seq = ++sequence;
        int length = Netlink.HEADER_LENGTH + request.payload().length;
        sendBuffer.putInt(length).putShort((short) request.type()).putShort((short) flags).putInt(seq).putInt(0)
                .put(request.payload());
        while ((sendBuffer.position() & 3) != 0) {
            sendBuffer.put((byte) 0);
        }
        return seq;
    }

    @Override
    public void close() {
        socket.close();
    }
}
