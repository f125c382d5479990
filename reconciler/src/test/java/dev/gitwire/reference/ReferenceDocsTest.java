package dev.gitwire.reference;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The reference in docs/ is the code's (issue 30 point 7): the generated pages equal what the command line and the
 * schemas say now, every flag and every field has a description, and no page or source cites the design document
 * that the repository does not hold.
 */
class ReferenceDocsTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void theGeneratedReferenceIsWhatTheCodeSays() throws Exception {
        for (Map.Entry<String, String> page : ReferenceDocs.pages().entrySet()) {
            Path file = ROOT.resolve("docs").resolve(page.getKey());
            assertThat(file).as("docs/%s: run `make reference`", page.getKey()).exists();
            assertThat(Files.readString(file)).as("docs/%s differs from the code: run `make reference`", page.getKey())
                    .isEqualTo(page.getValue());
        }
    }

    @Test
    void everyFlagAndEveryFieldSaysWhatItDoes() throws Exception {
        for (Map.Entry<String, String> page : ReferenceDocs.pages().entrySet()) {
            assertThat(page.getValue().lines().filter(l -> l.startsWith("| `"))
                    .filter(l -> lastCell(l).isBlank()))
                    .as("docs/%s: rows without a description", page.getKey()).isEmpty();
        }
    }

    @Test
    void nothingCitesTheDesignDocumentTheRepositoryDoesNotHold() throws Exception {
        try (var files = Files.walk(ROOT)) {
            assertThat(files.filter(Files::isRegularFile)
                    .filter(f -> !f.toString().contains("/target/") && !f.toString().contains("/.git/"))
                    .filter(f -> f.toString().endsWith(".java") || f.toString().endsWith(".md"))
                    .filter(f -> read(f).contains("DESIGN \u00a7") || read(f).contains("DESIGN" + ".md")))
                    .as("cite docs/reference/ instead").isEmpty();
        }
    }

    /** A table row's last cell; an escaped \\| is text, not a border. */
    private static String lastCell(String row) {
        String[] cells = row.split("(?<!\\\\)\\|");
        return cells[cells.length - 1];
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
