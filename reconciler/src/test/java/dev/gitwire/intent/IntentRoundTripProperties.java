package dev.gitwire.intent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gitwire.source.DirectoryTree;
import dev.gitwire.testing.IntentArbitraries;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class IntentRoundTripProperties {

    private final IntentReader reader = new IntentReader();
    private final IntentWriter writer = new IntentWriter();

    @Property(tries = 200)
    void aValidIntentWrittenAndReadBackIsEqual(@ForAll("intents") Intent intent) throws IOException {
        Path dir = Files.createTempDirectory("gitwire-roundtrip");
        try {
            writer.writeTo(intent, dir);
            IntentReader.Result result = reader.read(new DirectoryTree(dir));
            assertThat(result.errors()).isEmpty();
            assertThat(result.intent()).contains(intent);
        } finally {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Provide
    Arbitrary<Intent> intents() {
        return IntentArbitraries.intents();
    }
}
