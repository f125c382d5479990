package dev.gitwire.git;

import java.io.IOException;
import java.io.InputStream;
import java.net.Proxy;
import java.net.URL;
import org.eclipse.jgit.transport.http.HttpConnection;
import org.eclipse.jgit.transport.http.JDKHttpConnection;
import org.eclipse.jgit.transport.http.JDKHttpConnectionFactory;

/**
 * JGit's https connections whose responses draw on one fetch's {@link FetchBudget}; TLS as {@code sessions}
 * configures it (the JDK's trust, or the operator's CA as well).
 */
final class BoundedConnections extends JDKHttpConnectionFactory {

    private final FetchBudget.Spending budget;
    private final JDKHttpConnectionFactory sessions;

    BoundedConnections(FetchBudget.Spending budget, JDKHttpConnectionFactory sessions) {
        this.budget = budget;
        this.sessions = sessions;
    }

    @Override
    public HttpConnection create(URL url) throws IOException {
        return new JDKHttpConnection(url) {
            @Override
            public InputStream getInputStream() throws IOException {
                return budget.bound(super.getInputStream());
            }
        };
    }

    @Override
    public HttpConnection create(URL url, Proxy proxy) throws IOException {
        return new JDKHttpConnection(url, proxy) {
            @Override
            public InputStream getInputStream() throws IOException {
                return budget.bound(super.getInputStream());
            }
        };
    }

    @Override
    public GitSession newSession() {
        return sessions.newSession();
    }
}
