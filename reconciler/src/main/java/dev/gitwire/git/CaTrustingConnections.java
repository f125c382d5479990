package dev.gitwire.git;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.stream.Stream;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.eclipse.jgit.transport.http.HttpConnection;
import org.eclipse.jgit.transport.http.JDKHttpConnectionFactory;

/**
 * JGit's https connections, trusting the operator's CA certificates (a PEM file: a Git server behind a
 * company CA) besides the JDK's own. The host name is still checked against the certificate.
 */
final class CaTrustingConnections extends JDKHttpConnectionFactory {

    private final TrustManager[] trust;

    private CaTrustingConnections(X509TrustManager trust) {
        this.trust = new TrustManager[] {trust};
    }

    static CaTrustingConnections load(Path pemFile) throws IOException {
        try (InputStream in = Files.newInputStream(pemFile)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int n = 0;
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-" + n++, certificate);
            }
            if (n == 0) {
                throw new IOException(pemFile + " holds no PEM certificate");
            }
            return new CaTrustingConnections(either(x509(store), x509(null)));
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read CA certificates from " + pemFile + ": " + e.getMessage(), e);
        }
    }

    @Override
    public GitSession newSession() {
        GitSession jdk = super.newSession();
        return new GitSession() {
            @Override
            public HttpConnection configure(HttpConnection connection, boolean sslVerify) throws IOException,
                    GeneralSecurityException {
                if (!sslVerify) {
                    return jdk.configure(connection, false);
                }
                connection.configure(null, trust, null);
                return connection;
            }

            @Override
            public void close() {
                jdk.close();
            }
        };
    }

    private static X509TrustManager x509(KeyStore store) throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store); // null: the JDK's own trust store
        return Arrays.stream(factory.getTrustManagers()).filter(X509TrustManager.class::isInstance)
                .map(X509TrustManager.class::cast).findFirst()
                .orElseThrow(() -> new GeneralSecurityException("no X.509 trust manager"));
    }

    private static X509TrustManager either(X509TrustManager own, X509TrustManager system) {
        return new X509TrustManager() {
            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                try {
                    own.checkServerTrusted(chain, authType);
                } catch (CertificateException notOurs) {
                    system.checkServerTrusted(chain, authType);
                }
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                throw new CertificateException("gitwire is never an https server");
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return Stream.concat(Arrays.stream(own.getAcceptedIssuers()), Arrays.stream(system.getAcceptedIssuers()))
                        .toArray(X509Certificate[]::new);
            }
        };
    }
}
