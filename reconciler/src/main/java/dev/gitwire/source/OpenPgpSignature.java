package dev.gitwire.source;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.bouncycastle.bcpg.SignatureSubpacketTags;
import org.bouncycastle.bcpg.sig.KeyFlags;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPPublicKeyRingCollection;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureList;
import org.bouncycastle.openpgp.PGPSignatureSubpacketVector;
import org.bouncycastle.openpgp.PGPUtil;
import org.bouncycastle.openpgp.jcajce.JcaPGPObjectFactory;
import org.bouncycastle.openpgp.operator.jcajce.JcaKeyFingerprintCalculator;
import org.bouncycastle.openpgp.operator.jcajce.JcaPGPContentVerifierBuilderProvider;

/**
 * An OpenPGP signature checked the way a signer's key says it may be used: by a key of the trusted file
 * (the primary or one of its subkeys), good over the payload, made while both the primary and the key
 * were valid (after their creation, before their expiry), by a key that may sign (its key flags), and
 * with neither revoked nor expired now. Every revocation and binding is verified, not taken on its word.
 */
final class OpenPgpSignature {

    /** How far in the future a signature's time may be: the signer's clock may run ahead a little. */
    private static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

    /**
     * The keys with which Git hosts sign what their web UI commits (a pull request merged there): named in a refusal,
     * so that the operator sees why the merge was refused and can choose (docs/git-source-and-status.md, "Merges").
     */
    private static final Map<String, String> HOST_KEYS = Map.of(
            "4AEE18F83AFDEB23", "GitHub's web-flow key (it signs what is merged or edited in GitHub's web UI)",
            "B5690EEEBB952194", "GitHub's web-flow key (it signs what is merged or edited in GitHub's web UI)");

    private OpenPgpSignature() {}

    static String keyId(long id) {
        return String.format("%016X", id);
    }

    /** Why {@code armoredSignature} does not make {@code payload} trusted by {@code trustedKeys}; empty when it does. */
    static Optional<String> refusal(Path trustedKeys, byte[] armoredSignature, byte[] payload, Instant now)
            throws IOException {
        try (InputStream keys = PGPUtil.getDecoderStream(Files.newInputStream(trustedKeys));
                InputStream sig = PGPUtil.getDecoderStream(new ByteArrayInputStream(armoredSignature))) {
            PGPPublicKeyRingCollection trusted = new PGPPublicKeyRingCollection(keys, new JcaKeyFingerprintCalculator());
            Object object = new JcaPGPObjectFactory(sig).nextObject();
            if (!(object instanceof PGPSignatureList list) || list.isEmpty()) {
                return Optional.of("no good signature by a trusted key (not an OpenPGP signature)");
            }
            Optional<String> last = Optional.of("no good signature by a trusted key");
            for (PGPSignature signature : list) {
                PGPPublicKeyRing ring = trusted.getPublicKeyRing(signature.getKeyID());
                if (ring == null) {
                    last = Optional.of("no good signature by a trusted key: it is signed by key " + keyId(signature.getKeyID())
                            + Optional.ofNullable(HOST_KEYS.get(keyId(signature.getKeyID()))).map(h -> ", " + h).orElse("")
                            + ", which is not among the trusted keys");
                    continue;
                }
                PGPPublicKey key = ring.getPublicKey(signature.getKeyID());
                signature.init(new JcaPGPContentVerifierBuilderProvider(), key);
                signature.update(payload);
                if (!signature.verify()) {
                    continue;
                }
                last = unusable(ring.getPublicKey(), key, signature.getCreationTime().toInstant(), now);
                if (last.isEmpty()) {
                    return last;
                }
            }
            return last;
        } catch (PGPException | RuntimeException e) {
            return Optional.of("no good signature by a trusted key (" + e.getMessage() + ")");
        }
    }

    /** Why a good signature by {@code key} (of {@code primary}) made at {@code signed} is still not trusted. */
    private static Optional<String> unusable(PGPPublicKey primary, PGPPublicKey key, Instant signed, Instant now)
            throws PGPException {
        String name = "key " + Long.toHexString(key.getKeyID()).toUpperCase(Locale.ROOT);
        if (revoked(primary, primary)) {
            return Optional.of("a good signature by " + name + ", whose primary key is revoked");
        }
        if (key != primary && revoked(primary, key)) {
            return Optional.of("a good signature by " + name + ", which is revoked");
        }
        Optional<PGPSignature> binding = key == primary ? selfCertification(primary) : binding(primary, key);
        if (binding.isEmpty()) {
            return Optional.of("a good signature by " + name + ", which the primary key does not certify");
        }
        PGPSignatureSubpacketVector hashed = binding.get().getHashedSubPackets();
        boolean flagged = hashed != null && hashed.hasSubpacket(SignatureSubpacketTags.KEY_FLAGS);
        if ((flagged || key != primary) && (hashed == null || (hashed.getKeyFlags() & KeyFlags.SIGN_DATA) == 0)) {
            return Optional.of("a good signature by " + name + ", which may not sign (its key flags)");
        }
        for (PGPPublicKey k : key == primary ? new PGPPublicKey[] {primary} : new PGPPublicKey[] {primary, key}) {
            Instant created = k.getCreationTime().toInstant();
            Optional<Instant> expires = k.getValidSeconds() > 0 ? Optional.of(created.plusSeconds(k.getValidSeconds()))
                    : Optional.empty();
            String which = k == primary && key != primary ? "whose primary key" : "which";
            if (signed.isBefore(created)) {
                return Optional.of("a good signature by " + name + " made before " + which + " was created");
            }
            if (expires.isPresent() && !signed.isBefore(expires.get())) {
                return Optional.of("a good signature by " + name + " made after " + which + " expired (" + expires.get() + ")");
            }
            if (expires.isPresent() && !now.isBefore(expires.get())) {
                return Optional.of("a good signature by " + name + ", " + which + " expired on " + expires.get());
            }
        }
        if (signed.isAfter(now.plus(CLOCK_SKEW))) {
            return Optional.of("a good signature by " + name + " dated " + signed + ", in the future");
        }
        return Optional.empty();
    }

    /** Whether {@code key} carries a revocation that {@code primary} verifiably made. */
    private static boolean revoked(PGPPublicKey primary, PGPPublicKey key) throws PGPException {
        int type = key == primary ? PGPSignature.KEY_REVOCATION : PGPSignature.SUBKEY_REVOCATION;
        for (Iterator<PGPSignature> it = key.getSignaturesOfType(type); it.hasNext(); ) {
            PGPSignature revocation = it.next();
            revocation.init(new JcaPGPContentVerifierBuilderProvider(), primary);
            if (key == primary ? revocation.verifyCertification(primary) : revocation.verifyCertification(primary, key)) {
                return true;
            }
        }
        return false;
    }

    /** The newest valid binding of a subkey to its primary. */
    private static Optional<PGPSignature> binding(PGPPublicKey primary, PGPPublicKey subkey) throws PGPException {
        PGPSignature newest = null;
        for (Iterator<PGPSignature> it = subkey.getSignaturesOfType(PGPSignature.SUBKEY_BINDING); it.hasNext(); ) {
            PGPSignature binding = it.next();
            binding.init(new JcaPGPContentVerifierBuilderProvider(), primary);
            if (binding.verifyCertification(primary, subkey)
                    && (newest == null || binding.getCreationTime().after(newest.getCreationTime()))) {
                newest = binding;
            }
        }
        return Optional.ofNullable(newest);
    }

    /** The newest valid self-certification of one of the primary's user IDs: where its key flags live. */
    private static Optional<PGPSignature> selfCertification(PGPPublicKey primary) throws PGPException {
        PGPSignature newest = null;
        for (Iterator<byte[]> ids = primary.getRawUserIDs(); ids.hasNext(); ) {
            byte[] id = ids.next();
            for (Iterator<PGPSignature> it = primary.getSignaturesForID(id); it.hasNext(); ) {
                PGPSignature certification = it.next();
                if (certification.getKeyID() != primary.getKeyID() || !certification.isCertification()) {
                    continue;
                }
                certification.init(new JcaPGPContentVerifierBuilderProvider(), primary);
                if (certification.verifyCertification(id, primary)
                        && (newest == null || certification.getCreationTime().after(newest.getCreationTime()))) {
                    newest = certification;
                }
            }
        }
        return Optional.ofNullable(newest);
    }
}
