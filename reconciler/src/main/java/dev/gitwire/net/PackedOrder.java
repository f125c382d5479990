package dev.gitwire.net;

/**
 * A value whose natural order is, for most values, the order of one small non-negative long: sorting
 * hundreds of thousands of routes or allowed IPs then compares primitives instead of calling
 * {@code compareTo} millions of times.
 */
public interface PackedOrder {

    /** What {@link #packedOrder()} returns for a value that does not pack; such a set sorts by {@code compareTo}. */
    long UNPACKED = -1;

    /** The largest key: 39 bits, so that a sort can keep an element's index in the low 24 bits of a long. */
    long MAX = (1L << 39) - 1;

    /**
     * A key in 0..{@link #MAX} such that for two values that both pack, comparing keys is comparing the values
     * ({@code compareTo} zero exactly when the keys are equal); or {@link #UNPACKED}.
     */
    long packedOrder();
}
