package dev.gitwire.dataplane.netlink;

import java.nio.ByteBuffer;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;

/** The few libc calls a netlink socket needs, bound with jnr-ffi; errno is saved on every call. */
public interface LibC {

    LibC INSTANCE = LibraryLoader.create(LibC.class).load("c");

    int AF_NETLINK = 16;
    int SOCK_RAW = 3;
    int SOCK_CLOEXEC = 0x80000;
    int SOL_SOCKET = 1;
    int SO_SNDBUF = 7;
    int SO_RCVBUF = 8;
    int SO_SNDBUFFORCE = 32;
    int SO_RCVBUFFORCE = 33;
    int SOL_NETLINK = 270;
    int NETLINK_ADD_MEMBERSHIP = 1;
    int NETLINK_CAP_ACK = 10;
    int NETLINK_EXT_ACK = 11;
    int NETLINK_GET_STRICT_CHK = 12;
    int MSG_DONTWAIT = 0x40;
    int O_RDONLY = 0;
    int O_CLOEXEC = 0x80000;
    int CLONE_NEWNET = 0x40000000;
    int EINTR = 4;
    int EAGAIN = 11;
    int ENOBUFS = 105;

    static int errno() {
        return Runtime.getRuntime(INSTANCE).getLastError();
    }

    @SaveError
    int socket(int domain, int type, int protocol);

    @SaveError
    int bind(int fd, @In ByteBuffer address, int length);

    @SaveError
    int setsockopt(int fd, int level, int option, @In int[] value, int length);

    @SaveError
    long send(int fd, @In ByteBuffer buffer, long length, int flags);

    @SaveError
    long recv(int fd, @Out ByteBuffer buffer, long length, int flags);

    @SaveError
    int close(int fd);

    @SaveError
    int open(String path, int flags);

    @SaveError
    int setns(int fd, int nstype);

    String strerror(int errno);
}
