package dev.gitwire.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A kubeconfig for the mock API server: one cluster, a dummy token, TLS not verified (the mock's certificate is its own). */
public final class Kubeconfig {

    private Kubeconfig() {
    }

    public static Path write(Path file, String server) throws IOException {
        return Files.writeString(file, "apiVersion: v1\nkind: Config\nclusters:\n- name: mock\n  cluster:\n    server: "
                + server + "\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user:\n"
                + "    token: t\ncontexts:\n- name: c\n  context:\n    cluster: mock\n    user: u\ncurrent-context: c\n");
    }
}
