package dev.kiln.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Model directories for the training tests, made from the llama bundle's tiny random Llama 3
 * checkpoint (vocab_size 260, made by its make_goldens.py) and a tokenizer written here to fit
 * it: byte-level BPE without merges (every byte is a token, ids 0-255 in GPT-2's byte-to-unicode
 * order) plus four special tokens (256-259), with a ChatML chat template. No file is downloaded.
 */
final class TinyCheckpoints {

    static final Path LLAMA3 = Path.of("../plugins-models/llama/src/test/resources/checkpoints/llama3")
            .toAbsolutePath().normalize();

    static final String CHATML = "{% for message in messages %}{{'<|im_start|>' + message['role']"
            + " + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    private TinyCheckpoints() {}

    /** The llama3 checkpoint with the tokenizer: a model to fine-tune. */
    static Path model(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.copy(LLAMA3.resolve("config.json"), dir.resolve("config.json"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(LLAMA3.resolve("model.safetensors"), dir.resolve("model.safetensors"),
                StandardCopyOption.REPLACE_EXISTING);
        writeTokenizer(dir);
        return dir;
    }

    /** The llama3 configuration and the tokenizer, no weights: a model to pretrain from scratch. */
    static Path configOnly(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.copy(LLAMA3.resolve("config.json"), dir.resolve("config.json"), StandardCopyOption.REPLACE_EXISTING);
        writeTokenizer(dir);
        return dir;
    }

    static void writeTokenizer(Path dir) throws IOException {
        StringBuilder vocab = new StringBuilder();
        List<Integer> bytes = byteOrder();
        for (int id = 0; id < 256; id++) {
            int b = bytes.get(id);
            vocab.append(id == 0 ? "" : ",").append('"').append(escape(byteChar(b))).append("\":").append(id);
        }
        String[] special = {"<|endoftext|>", "<|im_start|>", "<|im_end|>", "<pad>"};
        StringBuilder added = new StringBuilder();
        for (int i = 0; i < special.length; i++) {
            added.append(i == 0 ? "" : ",").append("{\"id\":").append(256 + i).append(",\"content\":\"")
                    .append(special[i]).append("\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,"
                            + "\"normalized\":false,\"special\":true}");
        }
        String tokenizer = "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":["
                + added + "],\"normalizer\":null,\"pre_tokenizer\":{\"type\":\"ByteLevel\","
                + "\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":true},"
                + "\"post_processor\":null,\"decoder\":{\"type\":\"ByteLevel\",\"add_prefix_space\":true,"
                + "\"trim_offsets\":true,\"use_regex\":true},\"model\":{\"type\":\"BPE\",\"dropout\":null,"
                + "\"unk_token\":null,\"continuing_subword_prefix\":null,\"end_of_word_suffix\":null,"
                + "\"fuse_unk\":false,\"byte_fallback\":false,\"vocab\":{" + vocab + "},\"merges\":[]}}";
        Files.writeString(dir.resolve("tokenizer.json"), tokenizer, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\":\"<|im_end|>\","
                + "\"pad_token\":\"<pad>\",\"bos_token\":null,\"chat_template\":\"" + escape(CHATML) + "\"}",
                StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\":258}",
                StandardCharsets.UTF_8);
    }

    /** GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to 256 + n. */
    private static List<Integer> byteOrder() {
        List<Integer> order = new ArrayList<>();
        for (int b = '!'; b <= '~'; b++) {
            order.add(b);
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            order.add(b);
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            order.add(b);
        }
        for (int b = 0; b < 256; b++) {
            if (!order.contains(b)) {
                order.add(b);
            }
        }
        return order;
    }

    private static String byteChar(int b) {
        boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        if (printable) {
            return String.valueOf((char) b);
        }
        int n = 0;
        for (int x = 0; x < b; x++) {
            boolean p = (x >= '!' && x <= '~') || (x >= 0xA1 && x <= 0xAC) || (x >= 0xAE && x <= 0xFF);
            if (!p) {
                n++;
            }
        }
        return String.valueOf((char) (256 + n));
    }

    private static String escape(String s) {
        StringBuilder out = new StringBuilder();
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                default -> {
                    if (c < 0x20 || c > 0x7E) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }
}
