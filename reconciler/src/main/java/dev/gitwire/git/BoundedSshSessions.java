package dev.gitwire.git;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.eclipse.jgit.errors.TransportException;
import org.eclipse.jgit.transport.CredentialsProvider;
import org.eclipse.jgit.transport.RemoteSession;
import org.eclipse.jgit.transport.SshSessionFactory;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.util.FS;

/**
 * SSH sessions whose remote commands' output (the pack a fetch reads) draws on one fetch's {@link FetchBudget}.
 * Git's protocol v2 over SSH needs a session that passes environment variables, which this one does not: a
 * bounded fetch speaks v0, as every git server understands.
 */
final class BoundedSshSessions extends SshSessionFactory {

    private final FetchBudget.Spending budget;
    private final SshSessionFactory sessions;

    BoundedSshSessions(FetchBudget.Spending budget, SshSessionFactory sessions) {
        this.budget = budget;
        this.sessions = sessions;
    }

    @Override
    public RemoteSession getSession(URIish uri, CredentialsProvider credentials, FS fs, int timeout)
            throws TransportException {
        RemoteSession session = sessions.getSession(uri, credentials, fs, timeout);
        return new RemoteSession() {
            @Override
            public Process exec(String command, int commandTimeout) throws IOException {
                Process process = session.exec(command, commandTimeout);
                return new Process() {
                    @Override
                    public OutputStream getOutputStream() {
                        return process.getOutputStream();
                    }

                    @Override
                    public InputStream getInputStream() {
                        return budget.bound(process.getInputStream());
                    }

                    @Override
                    public InputStream getErrorStream() {
                        return process.getErrorStream();
                    }

                    @Override
                    public int waitFor() throws InterruptedException {
                        return process.waitFor();
                    }

                    @Override
                    public int exitValue() {
                        return process.exitValue();
                    }

                    @Override
                    public void destroy() {
                        process.destroy();
                    }
                };
            }

            @Override
            public void disconnect() {
                session.disconnect();
            }
        };
    }

    @Override
    public String getType() {
        return sessions.getType();
    }
}
