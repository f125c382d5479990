/**
 * When to try again: retry as a value ({@link dev.gitwire.schedule.Backoff}), apart from what is retried.
 */
package dev.gitwire.schedule;
