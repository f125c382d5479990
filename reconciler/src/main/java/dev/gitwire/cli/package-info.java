/**
 * The command line ({@code gitwire validate|plan|apply|run|status|reconcile|writer|node-setup}): flags, their
 * {@code GITWIRE_*} variables, exit codes and output; it wires the real adapters and decides nothing itself.
 */
package dev.gitwire.cli;
