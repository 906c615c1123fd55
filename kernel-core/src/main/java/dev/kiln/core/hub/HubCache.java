package dev.kiln.core.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * A cache of model repositories in huggingface_hub's layout, so that Kiln and the Python tools
 * read each other's downloads:
 *
 * <pre>
 * models--{org}--{name}/
 *   blobs/{sha256 or git blob id}            the content, once per distinct file
 *   blobs/{...}.incomplete                   a download in progress, resumed from its length
 *   refs/{revision}                          the commit a branch or tag last resolved to
 *   snapshots/{commit}/{path}                a relative symlink to ../../blobs/..., or a copy
 *                                            where the file system has no symlinks
 * </pre>
 */
final class HubCache {

    private final Path root;

    /** @param root the directory holding {@code models--*} folders */
    HubCache(Path root) {
        this.root = root;
    }

    Path root() {
        return root;
    }

    Path repoDir(ModelId id) {
        return root.resolve("models--" + id.org() + "--" + id.name());
    }

    Path snapshotDir(ModelId id, String commit) {
        return repoDir(id).resolve("snapshots").resolve(commit);
    }

    Path blob(ModelId id, String name) {
        return repoDir(id).resolve("blobs").resolve(name);
    }

    /** The commit {@code revision} is, by its ref, or itself when it names a snapshot (a commit hash). */
    Optional<String> commit(ModelId id, String revision) {
        Path ref = repoDir(id).resolve("refs").resolve(revision);
        try {
            if (Files.isRegularFile(ref)) {
                String commit = Files.readString(ref, StandardCharsets.UTF_8).strip();
                if (!commit.isEmpty() && !commit.contains("/") && !commit.contains("..")) {
                    return Optional.of(commit);
                }
            }
        } catch (IOException unreadable) {
            return Optional.empty();
        }
        return Files.isDirectory(snapshotDir(id, revision)) ? Optional.of(revision) : Optional.empty();
    }

    /** The snapshot of {@code id} at its revision, if it is here with every file {@code patterns} requires. */
    Optional<Path> completeSnapshot(ModelId id, String revision, FilePatterns patterns) {
        return commit(id, revision)
                .map(commit -> snapshotDir(id, commit))
                .filter(dir -> SnapshotCheck.isComplete(dir, patterns));
    }

    /** Records that {@code revision} is {@code commit}. */
    void writeRef(ModelId id, String revision, String commit) {
        if (revision.equals(commit)) {
            return;
        }
        Path ref = repoDir(id).resolve("refs").resolve(revision);
        try {
            Files.createDirectories(ref.getParent());
            Path temp = ref.resolveSibling(ref.getFileName() + ".tmp");
            Files.writeString(temp, commit, StandardCharsets.UTF_8);
            Files.move(temp, ref, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + ref, e);
        }
    }

    /** Puts {@code blob} into the snapshot as {@code path}: a relative symlink, or a copy. */
    Path link(ModelId id, String commit, String path, Path blob) {
        Path target = snapshotDir(id, commit).resolve(path);
        try {
            Files.createDirectories(target.getParent());
            Files.deleteIfExists(target);
            try {
                Files.createSymbolicLink(target, target.getParent().relativize(blob));
            } catch (UnsupportedOperationException | FileSystemException noSymlinks) {
                Files.copy(blob, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot place " + path + " in " + target.getParent(), e);
        }
    }
}
