package dev.gitwire.cli;

import dev.gitwire.agent.AgentLog;
import dev.gitwire.agent.GitwireBuild;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The top-level {@code gitwire} command; each verb is a subcommand. */
@Command(
        name = "gitwire",
        mixinStandardHelpOptions = true,
        versionProvider = GitwireCommand.Version.class,
        description = "WireGuard encryption between Kubernetes nodes, driven from Git.",
        subcommands = {ValidateCommand.class, PlanCommand.class, ApplyCommand.class, RunCommand.class,
                StatusCommand.class, ReconcileCommand.class, WriterCommand.class, NodeSetupCommand.class,
                KeysCommand.class})
public final class GitwireCommand implements Runnable {

    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    /** The command line with gitwire's exit codes: 2 for usage, 1 for a failure, never a stack trace. */
    public static CommandLine commandLine() {
        return commandLine(System.getenv());
    }

    /** The same, its flags' defaults from {@code environment} (EnvironmentDefaults). */
    public static CommandLine commandLine(Map<String, String> environment) {
        CommandLine line = new CommandLine(new GitwireCommand());
        line.setDefaultValueProvider(new EnvironmentDefaults(environment));
        // the libraries (JGit, SSHD, fabric8) log through java.util.logging, whose console lines every command
        // printed raw (SSHD's INFO on BouncyCastle, say): through the agent's logger, warnings up (run: its level)
        boolean json = "json".equals(environment.get("GITWIRE_LOG_FORMAT"));
        line.setExecutionStrategy(parsed -> {
            new AgentLog(System.err, json, Clock.systemUTC(), AgentLog.Level.warn)
                    .captureLibraries();
            return new CommandLine.RunLast().execute(parsed);
        });
        line.setExitCodeExceptionMapper(e -> e instanceof CommandLine.ParameterException ? EXIT_USAGE : EXIT_FAILURE);
        // one line that says what is wrong and where help is, not the whole usage text
        line.setParameterExceptionHandler((e, args) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println("gitwire: " + e.getMessage());
            err.println("see: " + e.getCommandLine().getCommandSpec().qualifiedName() + " --help");
            err.flush();
            return EXIT_USAGE;
        });
        line.setExecutionExceptionHandler((e, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            err.println("gitwire: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
            err.flush();
            return e instanceof UsageException ? EXIT_USAGE : EXIT_FAILURE;
        });
        return line;
    }

    /** A usage error found after parsing, such as a directory that does not exist. */
    public static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public UsageException(String message) {
            super(message);
        }
    }

    /** The version the build wrote into dev/gitwire/version.properties: the image's tag too. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"gitwire " + GitwireBuild.version()};
        }
    }
}
