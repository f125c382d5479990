package dev.gitwire.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The secret a Git host signs its webhooks with: GitHub's (and Gitea's) {@code X-Hub-Signature-256}, an
 * HMAC-SHA256 of the body, or GitLab's {@code X-Gitlab-Token}, the secret itself. Compared in constant time.
 */
public final class WebhookSecret {

    private final byte[] secret;

    private WebhookSecret(byte[] secret) {
        this.secret = secret;
    }

    /** The secret in {@code file}, without a trailing newline; an empty file is an error. */
    public static WebhookSecret read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (text.isEmpty()) {
            throw new IOException(file + " is empty: a webhook secret must not be");
        }
        return new WebhookSecret(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Whether a request with these headers (lower-case names) and body was sent by the holder of the secret. */
    boolean authentic(Map<String, String> headers, byte[] body) {
        String signature = headers.get("x-hub-signature-256");
        if (signature != null && signature.startsWith("sha256=")) {
            return MessageDigest.isEqual(signature.substring("sha256=".length()).getBytes(StandardCharsets.US_ASCII),
                    HexFormat.of().formatHex(hmac(body)).getBytes(StandardCharsets.US_ASCII));
        }
        String token = headers.get("x-gitlab-token");
        return token != null && MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8), secret);
    }

    /** The HMAC-SHA256 of {@code body} under this secret: what GitHub sends, hex-encoded after "sha256=". */
    byte[] hmac(byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JVM has HmacSHA256", e);
        }
    }
}
