package dev.gitwire.intent.yaml;

import java.util.List;

/** A file that is not acceptable YAML; carries every problem found before parsing had to stop. */
public final class YamlRejectedException extends Exception {

    private static final long serialVersionUID = 1L;

    private final transient List<YamlProblem> problems;

    public YamlRejectedException(List<YamlProblem> problems) {
        super(problems.isEmpty() ? "rejected" : problems.get(0).message());
        this.problems = List.copyOf(problems);
    }

    public List<YamlProblem> problems() {
        return problems;
    }
}
