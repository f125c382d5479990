/**
 * The intent from Git (fetched by the {@code git} package) or a directory: its head's signatures and ancestry
 * checked, the last good intent kept.
 */
package dev.gitwire.source;
