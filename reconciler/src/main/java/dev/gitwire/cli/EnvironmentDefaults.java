package dev.gitwire.cli;

import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every flag of every command takes its default from an environment variable named by one rule, GITWIRE_ and
 * the long name (--git-timeout: GITWIRE_GIT_TIMEOUT), else from its annotation: the DaemonSet sets any flag the
 * same way, and no option can be added without one (spelled per option, several were: --output, --stale-after).
 */
final class EnvironmentDefaults implements IDefaultValueProvider {

    private final Map<String, String> environment;

    EnvironmentDefaults(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    /** The variable that sets {@code option}. */
    static String variable(OptionSpec option) {
        return "GITWIRE_" + option.longestName().replaceFirst("^-+", "").toUpperCase(Locale.ROOT).replace('-', '_');
    }

    @Override
    public String defaultValue(ArgSpec argument) {
        if (argument instanceof OptionSpec option && !option.usageHelp() && !option.versionHelp()) {
            return environment.get(variable(option));
        }
        return null;
    }
}
