package dev.gitwire.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gitwire reconcile}: asks the agent running on this node to read Git and reconcile now. */
@Command(name = "reconcile", mixinStandardHelpOptions = true,
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
                "0:the running agent took the request",
                "1:no agent answered on --http-address, or it refused the request",
                "2:usage error"},
        description = "Ask the running agent on this node to read the intent and reconcile now.")
final class ReconcileCommand implements Callable<Integer> {

    @Option(names = "--http-address", defaultValue = "127.0.0.1:9824",
            description = "Where the agent listens (default 127.0.0.1:9824)")
    String httpAddress;

    @Option(names = "--webhook-secret-file", description = "The agent's webhook secret, when it has one")
    Path webhookSecretFile;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        var address = RunCommand.parseAddress(httpAddress);
        String host = address.getAddress() == null || address.getAddress().isAnyLocalAddress() ? "127.0.0.1"
                : address.getAddress().getHostAddress();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + (host.contains(":") ? "[" + host + "]"
                : host) + ":" + address.getPort() + "/reconcile")).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.noBody());
        if (webhookSecretFile != null) {
            request.header("X-Gitlab-Token", Files.readString(webhookSecretFile).strip());
        }
        try {
            HttpResponse<String> response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
                    .send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 202) {
                spec.commandLine().getOut().println("reconcile requested from the agent at " + httpAddress);
                return GitwireCommand.EXIT_OK;
            }
            spec.commandLine().getErr().println("gitwire: the agent at " + httpAddress + " answered "
                    + response.statusCode() + ": " + response.body().strip());
        } catch (IOException e) {
            spec.commandLine().getErr().println("gitwire: no agent answers at " + httpAddress + " (" + e + ")");
        }
        return GitwireCommand.EXIT_FAILURE;
    }
}
