package dev.gitwire.model;

import java.util.Arrays;

/** The route types gitwire writes, and the rest only so that it can remove what it did not write. */
public enum RouteType {
    UNICAST(1),
    BLACKHOLE(6),
    UNREACHABLE(7),
    PROHIBIT(8),
    THROW(9),
    OTHER(-1);

    private final int kernelValue;

    RouteType(int kernelValue) {
        this.kernelValue = kernelValue;
    }

    /** The RTN_* value of linux/rtnetlink.h. */
    public int kernelValue() {
        return kernelValue;
    }

    public static RouteType of(int rtn) {
        return Arrays.stream(values()).filter(t -> t.kernelValue == rtn).findFirst().orElse(OTHER);
    }
}
