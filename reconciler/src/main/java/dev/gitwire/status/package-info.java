/**
 * Each node's observed state: the status file's format, the status branch (published, folded, pruned) and
 * its README.
 */
package dev.gitwire.status;
