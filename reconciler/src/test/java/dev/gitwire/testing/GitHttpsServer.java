package dev.gitwire.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * Git's own smart HTTP server, `git http-backend`, run as a CGI program behind an HTTPS server on loopback
 * that asks for a token (basic authentication, as Git hosts take personal access tokens). Its certificate
 * is self-signed, made by keytool for 127.0.0.1 only; {@link #caFile()} is that certificate in PEM.
 */
public final class GitHttpsServer implements AutoCloseable {

    private final Path base;
    private final String token;
    private final Path caFile;
    private final HttpsServer server;

    public GitHttpsServer(Path base, String token) throws Exception {
        this.base = Files.createDirectories(base);
        this.token = token;
        Path keystore = base.resolve("server.p12");
        Shell.run("keytool", "-genkeypair", "-keyalg", "EC", "-alias", "git", "-dname", "CN=gitwire test Git server",
                "-ext", "san=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(),
                "-storepass", "changeit");
        this.caFile = base.resolve("ca.pem");
        Files.writeString(caFile, Shell.run("keytool", "-exportcert", "-rfc", "-alias", "git", "-keystore",
                keystore.toString(), "-storepass", "changeit"));
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, "changeit".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keys.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/", this::serve);
        server.start();
    }

    /** Creates an empty bare repository {@code name}.git; returns its https:// URL. */
    public String create(String name) {
        Shell.run("git", "init", "-q", "--bare", "-b", "main", path(name).toString());
        return url("127.0.0.1", name);
    }

    public String url(String host, String name) {
        return "https://" + host + ":" + server.getAddress().getPort() + "/" + name + ".git";
    }

    public Path path(String name) {
        return base.resolve(name + ".git");
    }

    public Path caFile() {
        return caFile;
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            String expected = "Basic " + Base64.getEncoder().encodeToString(("gitwire:" + token)
                    .getBytes(StandardCharsets.UTF_8));
            if (!expected.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"git\"");
                exchange.sendResponseHeaders(401, -1);
                return;
            }
            byte[] body = exchange.getRequestBody().readAllBytes();
            ProcessBuilder cgi = new ProcessBuilder("git", "http-backend");
            Map<String, String> env = cgi.environment();
            env.put("GIT_PROJECT_ROOT", base.toString());
            env.put("GIT_HTTP_EXPORT_ALL", "1");
            env.put("REMOTE_USER", "gitwire"); // authenticated: http-backend then accepts pushes
            env.put("REMOTE_ADDR", exchange.getRemoteAddress().getAddress().getHostAddress());
            env.put("REQUEST_METHOD", exchange.getRequestMethod());
            env.put("PATH_INFO", exchange.getRequestURI().getPath());
            env.put("QUERY_STRING", exchange.getRequestURI().getRawQuery() == null ? ""
                    : exchange.getRequestURI().getRawQuery());
            env.put("CONTENT_LENGTH", Integer.toString(body.length));
            headerToEnv(exchange, "Content-Type", "CONTENT_TYPE", env);
            headerToEnv(exchange, "Content-Encoding", "HTTP_CONTENT_ENCODING", env);
            headerToEnv(exchange, "Git-Protocol", "GIT_PROTOCOL", env);
            Process process = cgi.redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try (OutputStream in = process.getOutputStream()) {
                in.write(body);
            }
            respond(exchange, process.getInputStream().readAllBytes());
        }
    }

    private static void headerToEnv(HttpExchange exchange, String header, String variable, Map<String, String> env) {
        String value = exchange.getRequestHeaders().getFirst(header);
        if (value != null) {
            env.put(variable, value);
        }
    }

    /** A CGI response: header lines (a Status: line among them, or 200), an empty line, the body. */
    private static void respond(HttpExchange exchange, byte[] output) throws IOException {
        int end = indexOf(output, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        int separator = 4;
        if (end < 0) {
            end = indexOf(output, "\n\n".getBytes(StandardCharsets.US_ASCII));
            separator = 2;
        }
        int status = 200;
        for (String line : new String(output, 0, Math.max(end, 0), StandardCharsets.ISO_8859_1).split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("Status")) {
                status = Integer.parseInt(value.split(" ")[0]);
            } else {
                exchange.getResponseHeaders().add(name, value);
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(output, end + separator, output.length - end - separator);
        exchange.sendResponseHeaders(status, body.size() == 0 ? -1 : body.size());
        if (body.size() > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                body.writeTo(out);
            }
        }
    }

    private static int indexOf(byte[] data, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= data.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
