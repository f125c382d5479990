package dev.gitwire.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** What the build wrote into dev/gitwire/version.properties: `--version`, `gitwire_build_info`, the image's tag. */
public final class GitwireBuild {

    private GitwireBuild() {
    }

    public static String version() {
        Properties properties = new Properties();
        try (InputStream in = GitwireBuild.class.getResourceAsStream("/dev/gitwire/version.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties.getProperty("version", "(unknown: built without its version file)");
    }
}
