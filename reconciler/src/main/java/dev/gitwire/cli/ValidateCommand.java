package dev.gitwire.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.gitwire.intent.IntentReader;
import dev.gitwire.intent.Problem;
import dev.gitwire.source.DirectoryTree;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gitwire validate [DIR]}: checks an intent repo as a pull request's CI would. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
                "0:the intent is valid (warnings may be printed)",
                "1:the intent is invalid: one FILE:LINE:COL: message per problem",
                "2:usage error"},
        description = "Validate an intent repo: exit 0 when valid, 1 with one FILE:LINE:COL: message per problem.")
final class ValidateCommand implements Callable<Integer> {

    enum Output { text, json }

    @Parameters(index = "0", arity = "0..1", defaultValue = ".", description = "The intent repo (default: .)")
    Path directory;

    @Option(names = "--output", defaultValue = "text", description = "text or json")
    Output output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (!Files.isDirectory(directory)) {
            throw new GitwireCommand.UsageException(directory + " is not a directory");
        }
        IntentReader.Result result = new IntentReader().read(new DirectoryTree(directory));
        PrintWriter out = spec.commandLine().getOut();
        if (output == Output.json) {
            out.println(toJson(result));
        } else {
            result.problems().forEach(p -> out.println(p.format()));
            result.intent().ifPresent(intent -> out.println(
                    "valid: mesh " + intent.mesh().name() + ", " + intent.nodes().size() + " nodes"));
        }
        out.flush();
        return result.valid() ? GitwireCommand.EXIT_OK : GitwireCommand.EXIT_FAILURE;
    }

    private static String toJson(IntentReader.Result result) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        ArrayNode array = mapper.createArrayNode();
        for (Problem p : result.problems()) {
            array.addObject()
                    .put("file", p.file())
                    .put("line", p.position().line())
                    .put("column", p.position().column())
                    .put("severity", p.severity().name().toLowerCase(Locale.ROOT))
                    .put("message", p.message());
        }
        return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(array);
    }
}
