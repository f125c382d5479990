package dev.gitwire.source;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.lib.Config;
import org.eclipse.jgit.lib.GpgConfig;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.SignatureVerifier;
import org.eclipse.jgit.lib.SignatureVerifiers;
import org.eclipse.jgit.merge.MergeStrategy;
import org.eclipse.jgit.merge.ThreeWayMerger;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;

/**
 * Whether a fetched head may be applied: with verification on, it must carry a good signature by a
 * trusted key (OpenPGP keys from an armored file, or SSH keys from an allowed-signers file as git
 * uses it); and unless rewinds are allowed, it must descend from the last applied commit.
 */
public final class CommitTrust {

    private final boolean verifySignatures;
    private final Optional<Path> trustedKeys;
    private final Optional<Path> allowedSigners;
    private final boolean allowRewind;
    /** SSH keys revoked (git's gpg.ssh.revocationFile: public keys, or an OpenSSH KRL): never trusted. */
    private final Optional<Path> sshRevokedKeys;
    /** Whether an unsigned (or host-signed) merge of a signed branch into trusted history is applied. */
    private final boolean cleanMerges;
    private final Clock clock = Clock.systemUTC();
    /** How many merges deep the first parents of a head are followed to a signed commit. */
    private static final int MERGE_DEPTH = 64;

    public CommitTrust(boolean verifySignatures, Optional<Path> trustedKeys, Optional<Path> allowedSigners,
            boolean allowRewind) {
        this(verifySignatures, trustedKeys, allowedSigners, allowRewind, Optional.empty(), false);
    }

    private CommitTrust(boolean verifySignatures, Optional<Path> trustedKeys, Optional<Path> allowedSigners,
            boolean allowRewind, Optional<Path> sshRevokedKeys, boolean cleanMerges) {
        if (verifySignatures && trustedKeys.isEmpty() && allowedSigners.isEmpty()) {
            throw new IllegalArgumentException("--verify-signatures needs --trusted-keys or --allowed-signers");
        }
        if (sshRevokedKeys.isPresent() && !Files.isReadable(sshRevokedKeys.get())) {
            throw new IllegalArgumentException("--ssh-revoked-keys " + sshRevokedKeys.get() + " cannot be read");
        }
        this.verifySignatures = verifySignatures;
        this.trustedKeys = trustedKeys;
        this.allowedSigners = allowedSigners;
        this.allowRewind = allowRewind;
        this.sshRevokedKeys = sshRevokedKeys;
        this.cleanMerges = cleanMerges;
    }

    /** The same trust, with the SSH keys {@code file} lists (or its KRL holds) revoked. */
    public CommitTrust revokingSshKeys(Optional<Path> file) {
        return new CommitTrust(verifySignatures, trustedKeys, allowedSigners, allowRewind, file, cleanMerges);
    }

    /**
     * The same trust, also applying a head that is a clean merge (no change of its own) of a branch whose head is
     * signed by a trusted key into history that is: how pull requests merged in GitHub's, GitLab's or Azure Repos'
     * web UI arrive (signed by the host's key, or unsigned). Who decided to merge is then the host's to say.
     */
    public CommitTrust acceptingCleanMerges(boolean accept) {
        return new CommitTrust(verifySignatures, trustedKeys, allowedSigners, allowRewind, sshRevokedKeys, accept);
    }

    public static CommitTrust none() {
        return new CommitTrust(false, Optional.empty(), Optional.empty(), true);
    }

    /** Whether heads must carry a good signature by a trusted key. */
    public boolean verifiesSignatures() {
        return verifySignatures;
    }

    /** Whether a head need not descend from the last applied commit (--allow-rewind). */
    public boolean allowsRewind() {
        return allowRewind;
    }

    /** Throws the reason when {@code head} must not be applied. */
    public void check(Repository repository, RevCommit head, Optional<ObjectId> lastApplied)
            throws RevisionRefusedException, IOException {
        if (verifySignatures) {
            try {
                checkSignature(repository, head);
            } catch (RevisionRefusedException refused) {
                if (!cleanMerges) {
                    throw new RevisionRefusedException(refused.getMessage() + (head.getParentCount() == 2
                            ? "; a pull request merged in the Git host's web UI? see --accept-clean-merges" : ""));
                }
                checkCleanMerge(repository, head, lastApplied, refused.getMessage(), MERGE_DEPTH);
            }
        }
        if (!allowRewind && lastApplied.isPresent() && !lastApplied.get().equals(head)) {
            try (RevWalk walk = new RevWalk(repository)) {
                boolean descends;
                try {
                    descends = walk.isMergedInto(walk.parseCommit(lastApplied.get()), walk.parseCommit(head));
                } catch (MissingObjectException e) {
                    descends = false; // the last applied commit is gone from the branch's history
                }
                if (!descends) {
                    throw new RevisionRefusedException("commit " + head.abbreviate(7).name()
                            + " does not descend from the last applied " + lastApplied.get().abbreviate(7).name()
                            + ": the branch was rewound (allow with --allow-rewind)");
                }
            }
        }
    }

    /**
     * Accepts {@code merge}, whose own signature is not trusted ({@code why}), only as the clean merge of a branch
     * whose head a trusted key signed into history that is trusted (signed, the last applied commit, or such a merge
     * itself): its tree must be exactly what merging its parents gives, so it carries no change of its own.
     */
    private void checkCleanMerge(Repository repository, RevCommit merge, Optional<ObjectId> lastApplied, String why,
            int depth) throws RevisionRefusedException, IOException {
        String name = merge.abbreviate(7).name();
        if (merge.getParentCount() != 2) {
            throw new RevisionRefusedException(why + "; and it is not a merge of two commits (a squash or a rebase"
                    + " rewrites the signed commits: merge with a merge commit, or trust the host's key)");
        }
        try (RevWalk walk = new RevWalk(repository)) {
            RevCommit base = walk.parseCommit(merge.getParent(0));
            RevCommit branch = walk.parseCommit(merge.getParent(1));
            try {
                checkSignature(repository, branch);
            } catch (RevisionRefusedException unsigned) {
                throw new RevisionRefusedException(why + "; and the branch it merges is not signed either: "
                        + unsigned.getMessage());
            }
            ThreeWayMerger merger = MergeStrategy.RECURSIVE
                    .newMerger(repository, true);
            if (!merger.merge(base, branch) || !merger.getResultTreeId().equals(merge.getTree())) {
                throw new RevisionRefusedException(why + "; and merge " + name + " is not the clean merge of its"
                        + " parents: it changes something of its own, which no trusted key signed");
            }
            if (lastApplied.isPresent() && lastApplied.get().equals(base)) {
                return;
            }
            try {
                checkSignature(repository, base);
            } catch (RevisionRefusedException unsignedBase) {
                if (depth <= 1) {
                    throw new RevisionRefusedException(why + "; and no signed commit is found within " + MERGE_DEPTH
                            + " merges along its first parents");
                }
                checkCleanMerge(repository, base, lastApplied, unsignedBase.getMessage(), depth - 1);
            }
        }
    }

    private void checkSignature(Repository repository, RevCommit head) throws RevisionRefusedException, IOException {
        byte[] signature = head.getRawGpgSignature();
        String name = head.abbreviate(7).name();
        if (signature == null) {
            throw new RevisionRefusedException("commit " + name + " is not signed");
        }
        byte[] payload = payload(head.getRawBuffer());
        String armor = new String(signature, StandardCharsets.US_ASCII);
        if (armor.startsWith("-----BEGIN SSH SIGNATURE-----")) {
            if (allowedSigners.isEmpty()) {
                throw new RevisionRefusedException("commit " + name + " has an SSH signature and no --allowed-signers");
            }
            Config config = new Config();
            config.setString("gpg", null, "format", "ssh");
            config.setString("gpg", "ssh", "allowedSignersFile", allowedSigners.get().toString());
            if (sshRevokedKeys.isPresent()) {
                // a revocation list that went missing revokes nothing to JGit: refuse instead of trusting every key
                if (!Files.isReadable(sshRevokedKeys.get())) {
                    throw new RevisionRefusedException("commit " + name + ": the SSH revocation list "
                            + sshRevokedKeys.get() + " cannot be read");
                }
                config.setString("gpg", "ssh", "revocationFile", sshRevokedKeys.get().toString());
            }
            SignatureVerifier.SignatureVerification result;
            try {
                result = SignatureVerifiers.verify(repository, new GpgConfig(config), head);
            } catch (IOException | RuntimeException e) { // a damaged revocation list, say: never a reason to trust
                throw new RevisionRefusedException("commit " + name + ": its SSH signature cannot be checked: "
                        + e.getMessage());
            }
            if (result == null || !result.verified() || result.trustLevel() != SignatureVerifier.TrustLevel.FULL) {
                throw new RevisionRefusedException("commit " + name + " has no good signature by an allowed signer"
                        + (result == null || result.message() == null ? "" : " (" + result.message() + ")"));
            }
            return;
        }
        if (trustedKeys.isEmpty()) {
            throw new RevisionRefusedException("commit " + name + " has an OpenPGP signature and no --trusted-keys");
        }
        Optional<String> refusal = OpenPgpSignature.refusal(trustedKeys.get(), signature, payload, clock.instant());
        if (refusal.isPresent()) {
            throw new RevisionRefusedException("commit " + name + " has " + refusal.get());
        }
    }

    /** The signed bytes of a commit: its raw object without the gpgsig header and its continuation lines. */
    static byte[] payload(byte[] raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length);
        int i = 0;
        boolean inHeaders = true;
        boolean skipping = false;
        while (i < raw.length) {
            int end = i;
            while (end < raw.length && raw[end] != '\n') {
                end++;
            }
            int next = Math.min(raw.length, end + 1);
            if (inHeaders && end == i) {
                inHeaders = false; // the blank line before the message
            }
            if (inHeaders && startsWith(raw, i, "gpgsig ")) {
                skipping = true;
            } else if (!(skipping && inHeaders && raw[i] == ' ')) {
                skipping = false;
                out.write(raw, i, next - i);
            }
            i = next;
        }
        return out.toByteArray();
    }

    private static boolean startsWith(byte[] raw, int offset, String prefix) {
        if (offset + prefix.length() > raw.length) {
            return false;
        }
        for (int k = 0; k < prefix.length(); k++) {
            if (raw[offset + k] != prefix.charAt(k)) {
                return false;
            }
        }
        return true;
    }
}
