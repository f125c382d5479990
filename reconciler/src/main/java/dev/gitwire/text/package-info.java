/**
 * Text from outside made safe to print: control characters and bidi overrides escaped, for logs, messages and
 * status files alike.
 */
package dev.gitwire.text;
