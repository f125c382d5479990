/**
 * The Kubernetes API as the agent sees it: nodes, pods and keys, the status objects, the writer's Lease and
 * announcement, the admission probe, and whether the agent's own DaemonSet is being removed.
 */
package dev.gitwire.cluster;
