package dev.gitwire.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 30 point 6: a type is named by its import, not spelt out inline, unless its simple name is taken in the file
 * (imported from another package, or declared there); Spotless keeps the imports themselves in order.
 */
class SourceNamesTest {

    private static final Pattern INLINE = Pattern.compile(
            "(?<![\\w.\"])((?:java|javax|dev\\.gitwire|org|com|io|picocli|jnr)(?:\\.[a-z][a-z0-9_]*)+)\\.([A-Z]\\w*)");
    private static final Pattern IMPORT = Pattern.compile("(?m)^import ([\\w.]+)\\.(\\w+);$");
    private static final Pattern DECLARED = Pattern.compile("\\b(?:class|interface|record|enum)\\s+(\\w+)");

    @Test
    void typesAreNamedByTheirImports() throws IOException {
        List<String> inline = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of("src"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                inline.addAll(inlineNames(file));
            }
        }
        assertThat(inline).isEmpty();
    }

    private static List<String> inlineNames(Path file) throws IOException {
        String source = Files.readString(file);
        Set<String> taken = new HashSet<>();
        Matcher declared = DECLARED.matcher(source);
        while (declared.find()) {
            taken.add(declared.group(1));
        }
        Set<String> imported = new HashSet<>();
        Matcher imports = IMPORT.matcher(source);
        while (imports.find()) {
            imported.add(imports.group(1) + "." + imports.group(2));
            taken.add(imports.group(2));
        }
        List<String> found = new ArrayList<>();
        String[] lines = source.split("\n");
        for (int i = 0; i < lines.length; i++) {
            String code = codeOf(lines[i]);
            Matcher m = INLINE.matcher(code);
            while (m.find()) {
                String name = m.group(2);
                boolean clash = taken.contains(name) && !imported.contains(m.group(1) + "." + name);
                if (!code.startsWith("import ") && !code.startsWith("package ") && !clash) {
                    found.add(file + ":" + (i + 1) + ": " + m.group());
                }
            }
        }
        return found;
    }

    /** A line without its string literals and comments, which may name anything. */
    private static String codeOf(String line) {
        String code = line.replaceAll("\"(?:\\\\.|[^\"\\\\])*\"", "\"\"");
        int comment = code.indexOf("//");
        code = comment >= 0 ? code.substring(0, comment) : code;
        String trimmed = code.strip();
        return trimmed.startsWith("*") || trimmed.startsWith("/*") ? "" : trimmed;
    }
}
