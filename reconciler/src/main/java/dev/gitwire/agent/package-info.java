/**
 * The node agent: the loop that reads the intent, prepares the desired state, reconciles the kernel, reports
 * the status and serves health and metrics ({@code gitwire run}), and the cluster's one status writer.
 */
package dev.gitwire.agent;
