package dev.gitwire.intent.yaml;

import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.representer.StandardRepresenter;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * Writes YAML that {@link StrictYaml} reads back to the same values: block style, the YAML 1.2 core
 * schema, and text quoted wherever the strict reader, or a YAML 1.1 reader, would take it for something
 * else (such as {@code 00_}, octal in YAML 1.1). One {@link Dump} per document: its representer is not
 * thread-safe.
 */
public final class YamlEmitter {

    /** Plain text a YAML 1.1 reader would read as a number, a boolean or a null. */
    private static final Pattern YAML11_SURPRISE = Pattern.compile(
            "[-+]?(0[0-9_]+|0b[01_]+|[0-9][0-9_]*(:[0-5]?[0-9])+(\\.[0-9_]*)?)|(?i)y|n|yes|no|on|off");

    private static final DumpSettings SETTINGS = DumpSettings.builder().setDefaultFlowStyle(FlowStyle.BLOCK)
            .setSchema(new CoreSchema()).build();

    private YamlEmitter() {}

    public static String write(Object document) {
        return new Dump(SETTINGS, new QuotingRepresenter()).dumpToString(document);
    }

    private static final class QuotingRepresenter extends StandardRepresenter {
        QuotingRepresenter() {
            super(SETTINGS);
            var plain = representers.get(String.class);
            representers.put(String.class, data -> YAML11_SURPRISE.matcher((String) data).matches()
                    ? representScalar(Tag.STR, (String) data, ScalarStyle.DOUBLE_QUOTED)
                    : plain.representData(data));
        }
    }
}
