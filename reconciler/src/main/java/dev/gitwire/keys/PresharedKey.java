package dev.gitwire.keys;

import java.security.MessageDigest;
import java.util.Arrays;

/**
 * A WireGuard pre-shared key: 32 bytes mixed into every handshake of one pair of peers (issue 31: agreed by a
 * post-quantum key exchange). A secret like a private key: {@link #toString()} hides it, {@link #raw()} is for the
 * device only. A device reports a peer without one as 32 zero bytes; {@link #isNone()} tells it.
 */
public final class PresharedKey {

    public static final int LENGTH = 32;

    /** What clears a peer's pre-shared key on a device, and what a device reports for none. */
    public static final PresharedKey NONE = new PresharedKey(new byte[LENGTH]);

    private final byte[] raw;

    private PresharedKey(byte[] raw) {
        this.raw = raw.clone();
    }

    public static PresharedKey of(byte[] raw) {
        if (raw.length != LENGTH) {
            throw new IllegalArgumentException("a pre-shared key has 32 bytes, not " + raw.length);
        }
        return new PresharedKey(raw);
    }

    public boolean isNone() {
        return MessageDigest.isEqual(raw, NONE.raw);
    }

    public byte[] raw() {
        return raw.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PresharedKey key && MessageDigest.isEqual(raw, key.raw);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(raw);
    }

    @Override
    public String toString() {
        return isNone() ? "PresharedKey(none)" : "PresharedKey(hidden)";
    }
}
