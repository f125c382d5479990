package dev.gitwire.intent.yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gitwire.intent.yaml.YamlNode.YamlMapping;
import dev.gitwire.intent.yaml.YamlNode.YamlScalar;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class StrictYamlTest {

    private final StrictYaml yaml = new StrictYaml();

    private Object value(String document, String... path) throws YamlRejectedException {
        return ((YamlScalar) yaml.parse("t.yaml", document).at(List.of(path)).orElseThrow()).value();
    }

    @Test
    void yaml11BooleansStayText() throws YamlRejectedException {
        for (String word : new String[] {"on", "off", "yes", "no", "y", "n", "On", "YES"}) {
            assertThat(value("k: " + word + "\n", "k")).as(word).isEqualTo(word);
        }
        assertThat(value("k: true\n", "k")).isEqualTo(true);
        assertThat(value("k: False\n", "k")).isEqualTo(false);
    }

    @Test
    void numbersFollowTheYaml12CoreSchema() throws YamlRejectedException {
        assertThat(value("k: 0x100000\n", "k")).isEqualTo(0x100000L);
        assertThat(value("k: 0o17\n", "k")).isEqualTo(15L);
        assertThat(value("k: 51820\n", "k")).isEqualTo(51820L);
        assertThat(value("k: 1.10\n", "k")).isEqualTo(1.1);
        assertThat(value("k: '0755'\n", "k")).isEqualTo("0755");
        assertThat(value("k: !!str 0755\n", "k")).isEqualTo("0755");
        assertThat(value("k: 1_000\n", "k")).isEqualTo("1_000");
        assertThat(value("k: 12:30\n", "k")).isEqualTo("12:30");
        assertThat(value("k: ~\n", "k")).isNull();
    }

    @Test
    void addressesAndCidrsAreTextWhileOneDotStillMakesANumber() throws YamlRejectedException {
        assertThat(value("k: 10.64.0.1\n", "k")).isEqualTo("10.64.0.1");
        assertThat(value("k: 10.64.0.0/16\n", "k")).isEqualTo("10.64.0.0/16");
        assertThat(value("k: fd00::1\n", "k")).isEqualTo("fd00::1");
        assertThat(value("k: 1.5\n", "k")).isEqualTo(1.5);
        assertThat(value("k: .5\n", "k")).isEqualTo(0.5);
        assertThat(value("k: 1.\n", "k")).isEqualTo(1.0);
        assertThat(value("k: 1.5e3\n", "k")).isEqualTo(1500.0);
    }

    @Test
    void octalLookingNumbersAreRefusedWithTheirPosition() {
        assertThatThrownBy(() -> yaml.parse("t.yaml", "a: 1\nmode: 0644\n"))
                .isInstanceOfSatisfying(YamlRejectedException.class, e -> {
                    assertThat(e.problems()).hasSize(1);
                    assertThat(e.problems().get(0).position()).isEqualTo(new SourcePosition(2, 7));
                    assertThat(e.problems().get(0).message()).contains("0644 is ambiguous").contains("0o644");
                });
    }

    @Test
    void keysAreAlwaysText() throws YamlRejectedException {
        YamlMapping root = (YamlMapping) yaml.parse("t.yaml", "on: 1\n1: 2\nnull: 3\n");
        assertThat(root.entries()).extracting(YamlMapping.Entry::key).containsExactly("on", "1", "null");
    }

    @Test
    void duplicateKeysAreRefusedAtEveryLevel() {
        assertThatThrownBy(() -> yaml.parse("t.yaml", "a:\n  b: 1\n  b: 2\n"))
                .isInstanceOfSatisfying(YamlRejectedException.class, e -> assertThat(e.problems())
                        .containsExactly(new YamlProblem(new SourcePosition(3, 3), "duplicate key 'b' (first at line 2)")));
    }

    @Test
    void aliasesWithinTheBudgetAreExpandedAsWritten() throws YamlRejectedException {
        YamlNode root = yaml.parse("t.yaml", "base: &labels {zone: a}\nnode: *labels\n");
        assertThat(root.at(List.of("node", "zone")).map(n -> ((YamlScalar) n).value())).contains("a");
    }

    @Test
    void exponentialAliasExpansionIsRefusedEarly() {
        StringBuilder doc = new StringBuilder("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (int i = 1; i < 10; i++) {
            doc.append("l").append(i).append(": &l").append(i).append(" [");
            doc.append(String.join(", ", Collections.nCopies(10, "*l" + (i - 1)))).append("]\n");
        }
        StrictYaml small = new StrictYaml(new StrictYaml.Limits(1 << 20, 64, 1000, 100_000));
        assertThatThrownBy(() -> small.parse("t.yaml", doc.toString()))
                .isInstanceOfSatisfying(YamlRejectedException.class, e -> assertThat(e.problems().get(0).message())
                        .isEqualTo("the document expands to more than 100000 nodes"));
    }

    @Test
    void aliasCountIsBounded() {
        StringBuilder doc = new StringBuilder("a: &a x\nb: [");
        doc.append(String.join(", ", Collections.nCopies(101, "*a"))).append("]\n");
        assertThatThrownBy(() -> yaml.parse("t.yaml", doc.toString()))
                .isInstanceOfSatisfying(YamlRejectedException.class,
                        e -> assertThat(e.problems().get(0).message()).isEqualTo("more than 100 aliases"));
    }

    @Test
    void deepNestingIsRefusedWithoutExhaustingTheStack() {
        String deep = "k: " + "[".repeat(100_000) + "]".repeat(100_000) + "\n";
        assertThatThrownBy(() -> yaml.parse("t.yaml", deep))
                .isInstanceOfSatisfying(YamlRejectedException.class,
                        e -> assertThat(e.problems().get(0).message()).isEqualTo("nesting deeper than 64 levels"));
    }

    @Test
    void oneDocumentPerFile() {
        assertThatThrownBy(() -> yaml.parse("t.yaml", "a: 1\n---\nb: 2\n"))
                .isInstanceOfSatisfying(YamlRejectedException.class, e -> assertThat(e.problems().get(0))
                        .isEqualTo(new YamlProblem(new SourcePosition(2, 1),
                                "a file holds one YAML document; found a second one")));
    }

    @Test
    void textBeyondTheCodePointLimitIsRefused() {
        StrictYaml tiny = new StrictYaml(new StrictYaml.Limits(1024, 64, 100, 1000));
        assertThatThrownBy(() -> tiny.parse("t.yaml", "k: " + "x".repeat(2000) + "\n"))
                .isInstanceOf(YamlRejectedException.class);
    }
}
