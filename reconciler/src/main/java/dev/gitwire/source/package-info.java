/**
 * The intent from Git (or a directory): fetched within its budget, its head's signatures and ancestry
 * checked, the last good intent kept.
 */
package dev.gitwire.source;
