package dev.gitwire.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gitwire.agent.Agent;
import dev.gitwire.agent.NodeAgent;
import dev.gitwire.agent.Reconciler;
import dev.gitwire.agent.Settling;
import dev.gitwire.plan.Plan;
import java.io.PrintWriter;
import java.io.Writer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gitwire apply}: one reconcile; exit 0 only when the kernel was verified to match. A grace period on
 * the way off is waited out; peers awaiting their first handshake are waited for a bounded time, then left
 * unrouted for the next apply (or the agent) to route.
 */
@Command(name = "apply", mixinStandardHelpOptions = true,
        exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
                "0:the kernel was verified to match the intent",
                "1:not converged (the residual difference is printed), no intent to apply (the kernel untouched), or the"
                        + " newest revision refused (without --allow-last-good)",
                "2:usage error"},
        description = "Reconcile this node once: change what differs, then verify; exit 0 only when converged.")
final class ApplyCommand extends NodeCommand {


    @Option(names = "--handshake-timeout", defaultValue = "5s",
            description = "How long to wait for new peers' first handshake before exiting without routing them"
                    + " (default 5s)")
    String handshakeTimeout;

    @Option(names = "--output", defaultValue = "text",
            description = "text, or json: one document at the end (converged, the changes made, what still differs)")
    ValidateCommand.Output output;

    @Override
    int run(NodeAgent agent, Agent.Prepared prepared, PrintWriter out, PrintWriter err) {
        if (output == ValidateCommand.Output.json) {
            PrintWriter text = new PrintWriter(Writer.nullWriter());
            Result result = apply(agent, prepared, text, text);
            ObjectNode document = PlanText.json(result.executed(), result.outcome().target());
            document.put("revision", prepared.sourced().revision().toString());
            document.put("converged", result.outcome().converged());
            result.outcome().failure().ifPresent(f -> document.put("failure", f));
            document.set("stillDifferent", PlanText.operations(result.outcome().residual(), result.outcome().target()));
            out.println(PlanText.text(document));
            return result.status();
        }
        return apply(agent, prepared, out, err).status();
    }

    /** What an apply did: its exit status, its last outcome, and every change it made on the way. */
    private record Result(int status, Reconciler.Outcome outcome, Plan executed) {}

    private Result apply(NodeAgent agent, Agent.Prepared prepared, PrintWriter out, PrintWriter err) {
        Instant handshakeDeadline = Instant.now().plus(RunCommand.parseDuration(handshakeTimeout));
        out.println(NodeAgent.summary(prepared));
        out.println("wireguard: " + agent.wireguardBackend(prepared.desired().owned()));
        Reconciler.Outcome outcome = agent.reconcile(prepared);
        Plan executed = outcome.executed();
        PlanText.print(out, outcome.executed(), outcome.target());
        Settling settling = new Settling(Clock.systemUTC());
        Settling.Pending pending = settling.after(outcome);
        while (outcome.converged() && !pending.settled()) {
            if (pending.graceLeft().isPresent()) { // a teardown finishes when its grace period ends
                sleep(pending.graceLeft().get());
            } else if (Instant.now().isBefore(handshakeDeadline)) {
                sleep(pending.handshakeCheck().orElseThrow());
                if (!agent.reconciler().handshakeArrived(outcome.target())) {
                    pending = pending.checkAgainIn(settling.noHandshakeYet());
                    continue;
                }
            } else {
                break;
            }
            outcome = reconcile(agent, prepared, out);
            executed = executed.followedBy(outcome.executed());
            pending = settling.after(outcome);
        }
        PlanText.gating(outcome.target()).forEach(out::println);
        outcome.failure().ifPresent(f -> err.println("gitwire: apply stopped: " + f));
        agent.report(prepared, outcome).ifPresent(out::println);
        if (outcome.converged()) {
            out.println("converged: the kernel matches the intent" + (outcome.target().awaitingHandshake().isEmpty()
                    ? "" : " (peers awaiting a first handshake are routed by the next apply or the agent)"));
            // the last good intent runs, but the newest one was refused: a failure to report, unless allowed
            return new Result(unlessRefused(prepared), outcome, executed);
        }
        err.println("gitwire: not converged; still different:");
        PlanText.print(err, outcome.residual(), outcome.target());
        return new Result(GitwireCommand.EXIT_FAILURE, outcome, executed);
    }

    private static Reconciler.Outcome reconcile(NodeAgent agent, Agent.Prepared prepared, PrintWriter out) {
        Reconciler.Outcome outcome = agent.reconcile(prepared);
        if (!outcome.executed().isEmpty()) {
            PlanText.print(out, outcome.executed(), outcome.target());
        }
        return outcome;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(Math.max(1, duration.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting", e);
        }
    }
}
