package dev.gitwire.pq;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import org.bouncycastle.crypto.params.MLKEMPublicKeyParameters;

/** A node's static ML-KEM-768 public key: 1,184 bytes, base64 in a Node annotation, a status file or a pin. */
public final class PqPublicKey {

    public static final int LENGTH = 1184;

    private final byte[] encoded;

    private PqPublicKey(byte[] encoded) {
        this.encoded = encoded.clone();
    }

    static PqPublicKey of(MLKEMPublicKeyParameters key) {
        return new PqPublicKey(key.getEncoded());
    }

    /** A key as published; a text that is not one is refused, its content not echoed. */
    public static PqPublicKey parse(String base64) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("an ML-KEM-768 public key is base64 of 1184 bytes");
        }
        return of(raw);
    }

    public static PqPublicKey of(byte[] raw) {
        if (raw.length != LENGTH) {
            throw new IllegalArgumentException("an ML-KEM-768 public key has 1184 bytes, not " + raw.length);
        }
        try {
            new MLKEMPublicKeyParameters(PqKeyPair.PARAMETERS, raw); // checks the encoding (FIPS 203's modulus check)
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not an ML-KEM-768 public key: " + e.getMessage());
        }
        return new PqPublicKey(raw);
    }

    MLKEMPublicKeyParameters parameters() {
        return new MLKEMPublicKeyParameters(PqKeyPair.PARAMETERS, encoded);
    }

    public byte[] raw() {
        return encoded.clone();
    }

    public String base64() {
        return Base64.getEncoder().encodeToString(encoded);
    }

    /** The first 8 base64 characters of its SHA-256: 1,184 bytes are too long to show. */
    public String fingerprint() {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(encoded))
                    .substring(0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PqPublicKey key && Arrays.equals(encoded, key.encoded);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(encoded);
    }

    @Override
    public String toString() {
        return "PqPublicKey(" + fingerprint() + "…)";
    }
}
