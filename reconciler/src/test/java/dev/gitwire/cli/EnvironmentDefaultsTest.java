package dev.gitwire.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Issue 27 point 6: every flag of every command has its GITWIRE_* variable, as the README says (before, each was
 * spelled per option, and --output, --exit-code, --stale-after, --silent-after and --allow-last-good had none).
 */
class EnvironmentDefaultsTest {

    @Test
    void everyOptionOfEveryCommandIsSetByItsVariable() {
        CommandLine bare = GitwireCommand.commandLine(Map.of());
        int options = 0;
        for (CommandLine command : bare.getSubcommands().values()) {
            Map<String, String> environment = new HashMap<>();
            List<OptionSpec> settable = command.getCommandSpec().options().stream()
                    .filter(o -> !o.usageHelp() && !o.versionHelp()).toList();
            for (OptionSpec option : settable) {
                environment.put(EnvironmentDefaults.variable(option), sample(option));
            }
            CommandLine top = GitwireCommand.commandLine(environment);
            top.parseArgs(command.getCommandName()); // no flag at all: every required option comes from the environment
            CommandLine configured = top.getSubcommands().get(command.getCommandName());
            for (OptionSpec option : configured.getCommandSpec().options()) {
                if (option.usageHelp() || option.versionHelp()) {
                    continue;
                }
                assertThat(String.valueOf(option.<Object>getValue())).as("%s %s from %s", command.getCommandName(),
                        option.longestName(), EnvironmentDefaults.variable(option)).isEqualTo(sample(option));
                options++;
            }
        }
        assertThat(options).as("options walked").isGreaterThan(60);
        CommandLine top = GitwireCommand.commandLine(Map.of("GITWIRE_OUTPUT", "json", "GITWIRE_EXIT_CODE", "true",
                "GITWIRE_REPO", "/r", "GITWIRE_NODE", "n"));
        top.parseArgs("plan", "--output", "text");
        CommandLine plan = top.getSubcommands().get("plan");
        assertThat(String.valueOf(plan.getCommandSpec().findOption("--output").<Object>getValue())).as("a flag wins over its variable")
                .isEqualTo("text");
        assertThat(plan.getCommandSpec().findOption("--exit-code").<Object>getValue()).isEqualTo(true);
    }

    /** A value of the option's type, as text, that is not its default. */
    private static String sample(OptionSpec option) {
        Class<?> type = option.type();
        if (type == boolean.class || type == Boolean.class) {
            return String.valueOf(!Boolean.parseBoolean(option.defaultValue()));
        }
        if (type == int.class || type == long.class || type == Integer.class || type == Long.class) {
            return "12345678";
        }
        if (type.isEnum()) {
            Object[] values = type.getEnumConstants();
            return values[values.length - 1].toString();
        }
        return type == Path.class ? "/tmp/from-the-environment" : "from-the-environment";
    }
}
