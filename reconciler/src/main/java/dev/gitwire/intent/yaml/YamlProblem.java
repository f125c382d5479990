package dev.gitwire.intent.yaml;

/** Why a file is not acceptable YAML, and where. */
public record YamlProblem(SourcePosition position, String message) {}
