package dev.gitwire.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.time.Clock;

/** The agent's log: plain lines, or one JSON object per line. Callers never pass a private key. */
public final class AgentLog {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrintStream out;
    private final boolean json;
    private final Clock clock;

    public AgentLog(PrintStream out, boolean json, Clock clock) {
        this.out = out;
        this.json = json;
        this.clock = clock;
    }

    public synchronized void info(String event, String message) {
        write("info", event, message);
    }

    public synchronized void warn(String event, String message) {
        write("warn", event, message);
    }

    private void write(String level, String event, String message) {
        if (json) {
            ObjectNode line = JSON.createObjectNode().put("time", clock.instant().toString()).put("level", level)
                    .put("event", event).put("message", message);
            out.println(line);
        } else {
            out.println(clock.instant() + " " + level + " " + event + ": " + message);
        }
        out.flush();
    }
}
