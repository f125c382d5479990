package dev.gitwire.agent;

/**
 * What starts a reconcile of `gitwire run`: a closed set, so that the loop decides by kind (a handshake check alone
 * looks at the device only; a kernel change counts as drift) and the log says each as it reads.
 */
public sealed interface Trigger {

    /** How the log names it. */
    String reason();

    /** The intent was read from Git, for {@code cause}: the start, the poll, a webhook, an announcement, a retry. */
    record IntentRead(String cause) implements Trigger {
        @Override
        public String reason() {
            return cause;
        }
    }

    /** The kernel changed something gitwire owns. */
    record KernelChange(String what) implements Trigger {
        @Override
        public String reason() {
            return "kernel: " + what;
        }
    }

    /** A trigger that carries nothing but its kind. */
    enum Signal implements Trigger {
        /** The Kubernetes API changed a node or a pod. */
        CLUSTER_CHANGE("kubernetes"),
        /** A post-quantum exchange agreed on a pre-shared key: onto the device. */
        PRESHARED_KEY_AGREED("post-quantum key"),
        /** The last reconcile failed or did not converge: again, after a backoff. */
        RETRY("retry"),
        /** Peers await a first handshake: look at the device, reconcile only when one arrived. */
        HANDSHAKE_CHECK("handshake check"),
        /** A grace period of the last reconcile (a teardown) is over. */
        GRACE_PERIOD_OVER("grace period over"),
        /** The agent stops: the loop ends without a reconcile. */
        STOP("stop");

        private final String reason;

        Signal(String reason) {
            this.reason = reason;
        }

        @Override
        public String reason() {
            return reason;
        }
    }
}
