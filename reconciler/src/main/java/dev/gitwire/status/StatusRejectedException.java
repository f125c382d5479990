package dev.gitwire.status;

import dev.gitwire.intent.Problem;

/** A status file that is not one: why, at its file, line and column, as one line safe to print. */
public final class StatusRejectedException extends Exception {

    private static final long serialVersionUID = 1L;

    StatusRejectedException(Problem problem) {
        super(problem.format());
    }
}
