package dev.kiln.core.hub;

import java.util.List;

/**
 * The files of a model repository at one commit.
 *
 * @param commit the commit hash a revision resolved to (on ModelScope, which lists no commit for
 *     a branch, the revision itself)
 */
public record RepoSnapshot(String commit, List<RepoFile> files) {

    public RepoSnapshot {
        files = List.copyOf(files);
    }
}
