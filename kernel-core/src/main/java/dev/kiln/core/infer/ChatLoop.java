package dev.kiln.core.infer;

import dev.kiln.api.chat.Message;
import dev.kiln.core.generate.GenerationListener;
import dev.kiln.core.generate.GenerationResult;
import dev.kiln.core.generate.SamplingParams;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The interactive chat of {@code kiln infer}: a line in, the answer out (streamed as generated,
 * or whole), the conversation kept between turns. {@code clear} forgets it, {@code exit} or the
 * end of input stops.
 */
public final class ChatLoop {

    private final ChatModel chat;
    private final SamplingParams params;
    private final String system;
    private final boolean stream;

    /** @param system the system message opening each conversation, or null */
    public ChatLoop(ChatModel chat, SamplingParams params, String system, boolean stream) {
        this.chat = chat;
        this.params = params;
        this.system = system;
        this.stream = stream;
    }

    public void run(InputStream input, PrintStream out) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(input, StandardCharsets.UTF_8));
        List<Message> conversation = fresh();
        out.println("Chat with the model: 'clear' forgets the conversation, 'exit' quits.");
        while (true) {
            out.print("<<< ");
            out.flush();
            String line = reader.readLine();
            if (line == null || line.strip().equals("exit") || line.strip().equals("quit")) {
                out.println();
                return;
            }
            if (line.strip().equals("clear")) {
                conversation = fresh();
                out.println("(conversation cleared)");
                continue;
            }
            if (line.isBlank()) {
                continue;
            }
            conversation.add(Message.user(line));
            out.print(">>> ");
            GenerationResult result = chat.reply(conversation, params, stream ? printing(out) : GenerationListener.NONE);
            if (!stream) {
                out.print(result.text());
            }
            out.println();
            conversation.add(Message.assistant(result.text()));
        }
    }

    private List<Message> fresh() {
        List<Message> conversation = new ArrayList<>();
        if (system != null) {
            conversation.add(Message.system(system));
        }
        return conversation;
    }

    private static GenerationListener printing(PrintStream out) {
        return new GenerationListener() {
            @Override
            public void onToken(int row, int tokenId, String text) {
                out.print(text);
                out.flush();
            }

            @Override
            public void onFinish(int row, String text, GenerationResult result) {
                out.print(text);
                out.flush();
            }
        };
    }
}
