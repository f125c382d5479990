/**
 * Files of the agent's state directory, written so that a crash leaves the old content or the new.
 */
package dev.gitwire.statedir;
