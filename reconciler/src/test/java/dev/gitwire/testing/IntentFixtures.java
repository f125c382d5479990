package dev.gitwire.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/** Intent repos for tests: the examples a user copies, and the small base repo of the invalid corpus. */
public final class IntentFixtures {

    private IntentFixtures() {}

    /** The repository's examples-repo/ folder. */
    public static Path examplesRepo() {
        Path here = Path.of("").toAbsolutePath();
        for (Path dir = here; dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("examples-repo"))) {
                return dir.resolve("examples-repo");
            }
        }
        throw new IllegalStateException("examples-repo/ not found above " + here);
    }

    public static Path resource(String name) {
        try {
            return Path.of(IntentFixtures.class.getClassLoader().getResource(name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A copy of {@code source} in {@code target}, to be changed by a test. */
    public static Path copy(Path source, Path target) {
        try (Stream<Path> walk = Files.walk(source)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path to = target.resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
