package dev.gitwire.intent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.source.DirectoryTree;
import dev.gitwire.testing.IntentFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each file of intent/invalid/ replaces one file of the valid base repo; its header names the file it
 * replaces and the problem expected, as FILE:LINE:COL: and the start of the message.
 */
class InvalidCorpusTest {

    private static final Pattern HEADER =
            Pattern.compile("# target: (\\S+)\\n# expect: (\\S+?):(\\d+):(?:(\\d+):)? ?(.*)\\n");

    private final IntentReader reader = new IntentReader();

    static Stream<Path> corpus() throws IOException {
        return Files.list(IntentFixtures.resource("intent/invalid")).sorted();
    }

    @Test
    void theCorpusIsLargeAndTheBaseIsValid(@TempDir Path dir) throws IOException {
        assertThat(corpus().count()).isGreaterThanOrEqualTo(40);
        Path base = IntentFixtures.copy(IntentFixtures.resource("intent/base"), dir);
        assertThat(reader.read(new DirectoryTree(base)).problems()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void isRejectedAtTheExpectedPlace(Path invalid, @TempDir Path dir) throws IOException {
        String text = Files.readString(invalid);
        Matcher header = HEADER.matcher(text);
        assertThat(header.lookingAt()).as("header of %s", invalid.getFileName()).isTrue();
        Path repo = IntentFixtures.copy(IntentFixtures.resource("intent/base"), dir);
        Files.createDirectories(repo.resolve(header.group(1)).getParent());
        Files.writeString(repo.resolve(header.group(1)), text);

        IntentReader.Result result = reader.read(new DirectoryTree(repo));

        assertThat(result.valid()).isFalse();
        assertThat(result.intent()).isEmpty();
        List<Problem> errors = result.errors();
        assertThat(errors).anySatisfy(p -> {
            assertThat(p.file()).isEqualTo(header.group(2));
            assertThat(p.position().line()).isEqualTo(Integer.parseInt(header.group(3)));
            if (header.group(4) != null) {
                assertThat(p.position().column()).isEqualTo(Integer.parseInt(header.group(4)));
            }
            assertThat(p.message()).startsWith(header.group(5));
        });
    }
}
