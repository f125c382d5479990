package dev.gitwire.intent;

import dev.gitwire.intent.yaml.SourcePosition;
import dev.gitwire.text.Printable;
import java.util.Comparator;

/** One finding about an intent repo, at a file, line and column; errors block, warnings only inform. */
public record Problem(String file, SourcePosition position, Severity severity, String message)
        implements Comparable<Problem> {

    public enum Severity { ERROR, WARNING }

    private static final Comparator<Problem> ORDER = Comparator.comparing(Problem::file)
            .thenComparing(Problem::position)
            .thenComparing(Problem::severity)
            .thenComparing(Problem::message);

    public static Problem error(String file, SourcePosition position, String message) {
        return new Problem(file, position, Severity.ERROR, message);
    }

    public static Problem warning(String file, SourcePosition position, String message) {
        return new Problem(file, position, Severity.WARNING, message);
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /**
     * The compiler-style line: {@code FILE:LINE:COL: message}, with "warning: " before a warning's text; as one
     * printable line, since a message may quote the file (a key, a value) and a file's name is anyone's choice.
     */
    public String format() {
        return Printable.line(file + ":" + position.line() + ":" + position.column() + ": "
                + (isError() ? "" : "warning: ") + message);
    }

    @Override
    public int compareTo(Problem other) {
        return ORDER.compare(this, other);
    }
}
