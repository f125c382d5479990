package dev.gitwire.intent.yaml;

/** A place in a text file, 1-based as editors and compilers print it. */
public record SourcePosition(int line, int column) implements Comparable<SourcePosition> {

    public static final SourcePosition START = new SourcePosition(1, 1);

    @Override
    public int compareTo(SourcePosition other) {
        return line != other.line ? Integer.compare(line, other.line) : Integer.compare(column, other.column);
    }

    @Override
    public String toString() {
        return line + ":" + column;
    }
}
