package dev.kiln.core.hub;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Downloads one file of a repository into its blob: into {@code blob.incomplete} first,
 * resuming a partial one with {@code Range: bytes=N-}, then checked against the size and hash
 * the hub listed (SHA-256 for LFS files, the git blob id for the others) before it takes the
 * blob's name. A file that fails the check is deleted, so the next attempt starts clean.
 */
final class BlobDownloader {

    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-\\d+/(\\d+|\\*)");

    private final HubHttp http;
    private final DownloadListener listener;

    BlobDownloader(HubHttp http, DownloadListener listener) {
        this.http = http;
        this.listener = listener;
    }

    /** Makes {@code blob} hold {@code file}, downloading what is not there yet. */
    void fetch(HubApi api, ModelId id, String commit, RepoFile file, Path blob) {
        if (Files.isRegularFile(blob) && (file.size() < 0 || sizeOf(blob) == file.size())) {
            return;
        }
        Path partial = blob.resolveSibling(blob.getFileName() + ".incomplete");
        URI uri = api.fileUri(id, commit, file.path());
        try {
            Files.createDirectories(blob.getParent());
            long have = Files.isRegularFile(partial) ? sizeOf(partial) : 0;
            if (file.size() >= 0 && have > file.size()) {
                Files.delete(partial);
                have = 0;
            }
            Transfer transfer = new Transfer(file, partial, have);
            listener.started(file.path(), have, file.size());
            try {
                HubHttp.Response response = http.download(uri, api.credentials(), have, transfer);
                // 416: the range starts at the end, so everything is already here
                boolean nothingLeft = response.status() == 416 && have > 0 && have == file.size();
                if (!response.ok() && !nothingLeft) {
                    throw api.fileError(id, file, response);
                }
            } finally {
                transfer.close();
            }
            verify(file, partial, transfer, uri);
            Files.move(partial, blob, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            listener.finished(file.path());
        } catch (IOException e) {
            throw new HubException("cannot write " + partial + " (downloading '" + file.path()
                    + "' of " + id.repoId() + "): " + e.getMessage(), e);
        }
    }

    private static void verify(RepoFile file, Path partial, Transfer transfer, URI uri) throws IOException {
        long size = sizeOf(partial);
        String problem = null;
        if (file.size() >= 0 && size != file.size()) {
            problem = "got " + size + " bytes, the hub lists " + file.size();
        } else if (file.sha256() != null && !file.sha256().equals(transfer.sha256())) {
            problem = "SHA-256 " + transfer.sha256() + " differs from the listed " + file.sha256();
        } else if (file.gitBlobId() != null && !file.gitBlobId().equals(transfer.gitBlobId())) {
            problem = "git blob id " + transfer.gitBlobId() + " differs from the listed " + file.gitBlobId();
        }
        if (problem != null) {
            Files.deleteIfExists(partial);
            throw new HubException("downloaded file '" + file.path() + "' is corrupt (" + problem
                    + ", from " + uri + "); it was deleted, run again to download it anew");
        }
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes a body into the partial file, hashing as it goes. */
    private final class Transfer implements HubHttp.BodyTarget {

        private final RepoFile file;
        private final Path partial;
        private final long resumeFrom;
        private MessageDigest sha256;
        private MessageDigest gitSha1;
        private FileChannel out;
        private long done;

        Transfer(RepoFile file, Path partial, long resumeFrom) {
            this.file = file;
            this.partial = partial;
            this.resumeFrom = resumeFrom;
        }

        @Override
        public void open(boolean partialContent, HttpHeaders headers) throws IOException {
            closeChannel();
            startDigests();
            if (partialContent && resumeFrom > 0) {
                long start = rangeStart(headers);
                if (start != resumeFrom) {
                    throw new IOException("the server resumed '" + file.path() + "' at byte " + start
                            + ", not at " + resumeFrom);
                }
                hashExisting();
                out = FileChannel.open(partial, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
                done = resumeFrom;
            } else {
                // the server sent the whole file: start over
                out = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING);
                done = 0;
            }
        }

        @Override
        public void write(ByteBuffer data) throws IOException {
            if (sha256 != null) {
                sha256.update(data.duplicate());
            }
            if (gitSha1 != null) {
                gitSha1.update(data.duplicate());
            }
            while (data.hasRemaining()) {
                done += out.write(data);
            }
            listener.progress(file.path(), done, file.size());
        }

        /** The SHA-256 of the partial file; hashed from disk when no body was streamed (HTTP 416). */
        String sha256() {
            return hex(sha256 != null ? sha256 : hashOfFile("SHA-256", ""));
        }

        String gitBlobId() {
            return hex(gitSha1 != null ? gitSha1 : hashOfFile("SHA-1", "blob " + sizeOf(partial) + "\0"));
        }

        void close() throws IOException {
            closeChannel();
        }

        private void closeChannel() throws IOException {
            if (out != null) {
                out.close();
                out = null;
            }
        }

        private void startDigests() {
            sha256 = file.sha256() != null ? digest("SHA-256") : null;
            gitSha1 = file.gitBlobId() != null && file.size() >= 0 ? digest("SHA-1") : null;
            if (gitSha1 != null) {
                gitSha1.update(("blob " + file.size() + "\0").getBytes(StandardCharsets.UTF_8));
            }
        }

        /** A resumed download's hash starts with the bytes already on disk. */
        private void hashExisting() throws IOException {
            if (sha256 == null && gitSha1 == null) {
                return;
            }
            byte[] buffer = new byte[1 << 16];
            try (InputStream in = Files.newInputStream(partial)) {
                long left = resumeFrom;
                while (left > 0) {
                    int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                    if (n < 0) {
                        break;
                    }
                    if (sha256 != null) {
                        sha256.update(buffer, 0, n);
                    }
                    if (gitSha1 != null) {
                        gitSha1.update(buffer, 0, n);
                    }
                    left -= n;
                }
            }
        }

        private MessageDigest hashOfFile(String algorithm, String header) {
            MessageDigest md = digest(algorithm);
            md.update(header.getBytes(StandardCharsets.UTF_8));
            try (InputStream in = Files.newInputStream(partial)) {
                byte[] buffer = new byte[1 << 16];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    md.update(buffer, 0, n);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return md;
        }

        private long rangeStart(HttpHeaders headers) throws IOException {
            String range = headers.firstValue("Content-Range").orElse("");
            Matcher m = CONTENT_RANGE.matcher(range.strip());
            if (!m.matches()) {
                throw new IOException("a partial response for '" + file.path()
                        + "' without a valid Content-Range: '" + range + "'");
            }
            return Long.parseLong(m.group(1));
        }
    }

    private static String hex(MessageDigest md) {
        return md == null ? null : HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is part of every Java platform", e);
        }
    }
}
