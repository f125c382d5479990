package dev.gitwire.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** `gitwire ARGS` run in this JVM, as the real command line does: its exit code, standard output and error. */
record CliRun(int exitCode, String out, String err) {

    static CliRun gitwire(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine line = GitwireCommand.commandLine();
        line.setOut(new PrintWriter(out));
        line.setErr(new PrintWriter(err));
        int code = line.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }
}
