/**
 * YAML as gitwire reads it: 1.2, strict (no aliases, unique keys, bounded), with positions.
 */
package dev.gitwire.intent.yaml;
