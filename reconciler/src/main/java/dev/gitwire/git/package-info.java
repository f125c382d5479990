/**
 * Git for whoever needs a remote: fetch into a bare cache within a budget and a deadline over git://, ssh:// and
 * https://, with the operator's credentials and CA; errors as {@link dev.gitwire.git.GitUnavailableException}.
 */
package dev.gitwire.git;
