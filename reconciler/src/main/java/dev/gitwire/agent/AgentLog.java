package dev.gitwire.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gitwire.text.Printable;
import java.io.PrintStream;
import java.text.MessageFormat;
import java.time.Clock;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The agent's log: plain lines, or one JSON object per line, from a level up. The libraries' logs (JGit,
 * Apache SSHD, fabric8, all through SLF4J to java.util.logging) come here too once {@link #captureLibraries}
 * ran, so that `--log-format json` yields nothing but JSON lines. Callers never pass a private key.
 */
public final class AgentLog {

    /** The levels, lowest first. */
    public enum Level { debug, info, warn, error }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrintStream out;
    private final boolean json;
    private final Clock clock;
    private final Level threshold;

    public AgentLog(PrintStream out, boolean json, Clock clock) {
        this(out, json, clock, Level.info);
    }

    public AgentLog(PrintStream out, boolean json, Clock clock, Level threshold) {
        this.out = out;
        this.json = json;
        this.clock = clock;
        this.threshold = threshold;
    }

    public void info(String event, String message) {
        write(Level.info, event, message);
    }

    public void warn(String event, String message) {
        write(Level.warn, event, message);
    }

    /**
     * Replaces java.util.logging's handlers (multi-line text on stderr) with one that writes each record
     * here: event {@code library}, the logger's name before the message.
     */
    public void captureLibraries() {
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        root.setLevel(switch (threshold) {
            case debug -> java.util.logging.Level.FINE;
            case info -> java.util.logging.Level.INFO;
            case warn -> java.util.logging.Level.WARNING;
            case error -> java.util.logging.Level.SEVERE;
        });
        root.addHandler(new Handler() {
            @Override
            public void publish(LogRecord record) {
                int value = record.getLevel().intValue();
                Level level = value >= java.util.logging.Level.SEVERE.intValue() ? Level.error
                        : value >= java.util.logging.Level.WARNING.intValue() ? Level.warn
                        : value >= java.util.logging.Level.INFO.intValue() ? Level.info : Level.debug;
                String text = record.getParameters() == null || record.getParameters().length == 0 ? record.getMessage()
                        : MessageFormat.format(record.getMessage(), record.getParameters());
                write(level, "library", record.getLoggerName() + ": " + text
                        + (record.getThrown() == null ? "" : ": " + record.getThrown()));
            }

            @Override
            public void flush() {
                out.flush();
            }

            @Override
            public void close() {
                out.flush();
            }
        });
    }

    private synchronized void write(Level level, String event, String message) {
        if (level.compareTo(threshold) < 0) {
            return;
        }
        if (json) {
            ObjectNode line = JSON.createObjectNode().put("time", clock.instant().toString()).put("level", level.name())
                    .put("event", event).put("message", message);
            out.println(line);
        } else {
            // one line per record, as text: a message may quote a Git server, a file or an API object
            out.println(clock.instant() + " " + level + " " + event + ": " + Printable.line(message));
        }
        out.flush();
    }
}
