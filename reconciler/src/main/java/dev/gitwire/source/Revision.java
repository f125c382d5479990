package dev.gitwire.source;

/**
 * Which intent was read: a branch at a commit ({@code main@sha1:3f2c...}) or a directory at the digest
 * of its intent files ({@code dir@sha256:...}).
 */
public record Revision(String name, String algorithm, String hex) {

    public static Revision parse(String text) {
        int at = text.lastIndexOf('@');
        int colon = text.indexOf(':', at);
        if (at <= 0 || colon < 0) {
            throw new IllegalArgumentException("not a revision: " + text);
        }
        return new Revision(text.substring(0, at), text.substring(at + 1, colon), text.substring(colon + 1));
    }

    /** The short form for messages: {@code main@sha1:3f2c1ab}. */
    public String abbreviated() {
        return name + "@" + algorithm + ":" + hex.substring(0, Math.min(7, hex.length()));
    }

    @Override
    public String toString() {
        return name + "@" + algorithm + ":" + hex;
    }
}
