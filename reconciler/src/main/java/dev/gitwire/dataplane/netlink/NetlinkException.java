package dev.gitwire.dataplane.netlink;

import java.util.Optional;

/**
 * A request the kernel refused, or a socket call that failed: the errno, what was asked, and the
 * kernel's own explanation from the extended ACK when it gave one. {@link #of} picks the subtype a
 * caller can act on.
 */
public class NetlinkException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int errno;
    private final String kernelMessage;

    public NetlinkException(int errno, String context) {
        this(errno, context, null);
    }

    protected NetlinkException(int errno, String context, String kernelMessage) {
        super(context + ": " + describe(errno) + (kernelMessage == null ? "" : " (kernel: " + kernelMessage + ")"));
        this.errno = errno;
        this.kernelMessage = kernelMessage;
    }

    public static NetlinkException of(int errno, String context, String kernelMessage) {
        return switch (errno) {
            case 17 -> new ObjectExists(errno, context, kernelMessage);
            case 2, 3, 19 -> new ObjectNotFound(errno, context, kernelMessage);
            case 1, 13 -> new PermissionDenied(errno, context, kernelMessage);
            case 22, 34, 95 -> new InvalidRequest(errno, context, kernelMessage);
            case LibC.ENOBUFS -> new ResyncRequired(errno, context, kernelMessage);
            default -> new NetlinkException(errno, context, kernelMessage);
        };
    }

    public int errno() {
        return errno;
    }

    public Optional<String> kernelMessage() {
        return Optional.ofNullable(kernelMessage);
    }

    private static String describe(int errno) {
        String text = LibC.INSTANCE.strerror(errno);
        return (text == null ? "error" : text) + " (errno " + errno + ")";
    }

    /** EEXIST: the object is already there. */
    public static final class ObjectExists extends NetlinkException {
        private static final long serialVersionUID = 1L;

        ObjectExists(int errno, String context, String kernelMessage) {
            super(errno, context, kernelMessage);
        }
    }

    /** ENOENT, ESRCH, ENODEV: the object, or the link it refers to, is not there. */
    public static final class ObjectNotFound extends NetlinkException {
        private static final long serialVersionUID = 1L;

        ObjectNotFound(int errno, String context, String kernelMessage) {
            super(errno, context, kernelMessage);
        }
    }

    /** EPERM, EACCES: the agent lacks CAP_NET_ADMIN. */
    public static final class PermissionDenied extends NetlinkException {
        private static final long serialVersionUID = 1L;

        PermissionDenied(int errno, String context, String kernelMessage) {
            super(errno, context, kernelMessage);
        }
    }

    /** EINVAL, ERANGE, EOPNOTSUPP: the kernel does not accept the request as formed. */
    public static final class InvalidRequest extends NetlinkException {
        private static final long serialVersionUID = 1L;

        InvalidRequest(int errno, String context, String kernelMessage) {
            super(errno, context, kernelMessage);
        }
    }

    /** ENOBUFS: replies or notifications were dropped; what is known is stale, dump again. */
    public static final class ResyncRequired extends NetlinkException {
        private static final long serialVersionUID = 1L;

        ResyncRequired(int errno, String context, String kernelMessage) {
            super(errno, context, kernelMessage);
        }
    }
}
