package dev.gitwire.pq;

import java.security.SecureRandom;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.generators.MLKEMKeyPairGenerator;
import org.bouncycastle.crypto.params.MLKEMKeyGenerationParameters;
import org.bouncycastle.crypto.params.MLKEMParameters;
import org.bouncycastle.crypto.params.MLKEMPrivateKeyParameters;

/**
 * A node's static ML-KEM-768 key pair (FIPS 203, BouncyCastle): its public half published and pinnable like the
 * WireGuard key, its private half in a 0600 file (issue 31). Like a private key, printed nowhere: the only ways out
 * are {@link #seed()} for its file and the decapsulation inside this package.
 */
public final class PqKeyPair {

    static final MLKEMParameters PARAMETERS = MLKEMParameters.ml_kem_768;
    /** FIPS 203's 64-byte seed (d || z), from which the whole pair is derived again. */
    public static final int SEED_LENGTH = 64;

    private final MLKEMPrivateKeyParameters privateKey;
    private final PqPublicKey publicKey;

    private PqKeyPair(MLKEMPrivateKeyParameters privateKey) {
        this.privateKey = privateKey;
        this.publicKey = PqPublicKey.of(privateKey.getPublicKeyParameters());
    }

    public static PqKeyPair generate(SecureRandom random) {
        MLKEMKeyPairGenerator generator = new MLKEMKeyPairGenerator();
        generator.init(new MLKEMKeyGenerationParameters(random, PARAMETERS));
        AsymmetricCipherKeyPair pair = generator.generateKeyPair();
        return new PqKeyPair((MLKEMPrivateKeyParameters) pair.getPrivate());
    }

    /** The pair derived from its seed, as {@link #seed()} wrote it. */
    public static PqKeyPair fromSeed(byte[] seed) {
        if (seed.length != SEED_LENGTH) {
            throw new IllegalArgumentException("an ML-KEM-768 seed has 64 bytes, not " + seed.length);
        }
        return new PqKeyPair(new MLKEMPrivateKeyParameters(PARAMETERS, seed));
    }

    public PqPublicKey publicKey() {
        return publicKey;
    }

    /** The 64 bytes the pair is derived from: for its 0600 file only. */
    public byte[] seed() {
        return privateKey.getSeed();
    }

    MLKEMPrivateKeyParameters privateKey() {
        return privateKey;
    }

    @Override
    public String toString() {
        return "PqKeyPair(public " + publicKey.fingerprint() + "…)";
    }
}
