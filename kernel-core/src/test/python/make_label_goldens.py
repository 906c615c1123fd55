#!/usr/bin/env python3
"""Writes src/test/resources/data/label-goldens.json: for a few conversations, the token ids and
the labels (-100 outside the trained turns) that Hugging Face's stack gives, the reference for
dev.kiln.core.data.SampleEncoder.

Run from kernel-core:

    D=$(mktemp -d) && cp src/test/node/package*.json "$D" && (cd "$D" && npm ci)
    python3 src/test/python/make_label_goldens.py --deps "$D"

How the reference is made, independently of the Java code:

- Rendering: Python jinja2 configured as transformers configures it for chat templates (the
  environment of plugins-models/chat-templates/src/test/python/make_goldens.py).
- Assistant spans (characters): as transformers' return_assistant_tokens_mask defines them, the
  characters a template's {% generation %} block renders. The real templates have no such
  blocks, so each turn's span is taken as the text between the conversation before it rendered
  with add_generation_prompt and the conversation through it; the script checks on a ChatML
  template that does carry {% generation %} blocks that both give the same spans.
- Tokens: the Rust tokenizers crate (Node binding @anush008/tokenizers), encoding the whole text
  without special tokens (the template writes them), as apply_chat_template does; a token is
  labelled when it overlaps a span, by transformers' rule: from char_to_token(start) through
  char_to_token(end - 1). That step runs in src/test/node/token_masks.mjs.
- Plain text (pretraining): ids with the tokenizer's special tokens, all labelled.

Tokenizers: smollm (in the repository, plugins-models/tokenizer-hf test fixtures; its padding
and truncation settings are dropped), and qwen2 and llama-3 from the project's shared fixtures
(skipped when absent), built as plugins-models/tokenizer-hf's goldens build them.
"""

import argparse
import json
import pathlib
import subprocess
import sys
import tempfile

import jinja2
import jinja2.ext
import jinja2.nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

MODULE = pathlib.Path(__file__).resolve().parents[3]
REPO = MODULE.parent
TOKENIZER_FIXTURES = REPO / "plugins-models/tokenizer-hf/src/test/resources"
TEMPLATES_JSONL = REPO / "plugins-models/chat-templates/src/test/resources/fixtures/ollama/templates.jsonl"
OUT = MODULE / "src/test/resources/data/label-goldens.json"

START, END = "\u0000GEN_START\u0000", "\u0000GEN_END\u0000"


class GenerationTag(jinja2.ext.Extension):
    """transformers' AssistantTracker: marks where each {% generation %} block's output lies."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_render_body"), [], [], body).set_lineno(lineno)

    def _render_body(self, caller):
        return START + caller() + END


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


ENV = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                    extensions=[GenerationTag, jinja2.ext.loopcontrols])
ENV.filters["tojson"] = tojson
ENV.globals["raise_exception"] = raise_exception


def render(source, globals_, messages, tools, add_generation_prompt):
    kwargs = dict(globals_)
    if tools:
        kwargs["tools"] = tools
    text = ENV.from_string(source).render(messages=messages, add_generation_prompt=add_generation_prompt, **kwargs)
    return text


def strip_generation(text):
    """The text without markers, and the spans the {% generation %} blocks rendered."""
    spans, out, i = [], [], 0
    while True:
        s = text.find(START, i)
        if s < 0:
            out.append(text[i:])
            break
        out.append(text[i:s])
        e = text.find(END, s)
        start = sum(len(p) for p in out)
        body = text[s + len(START):e]
        out.append(body)
        spans.append([start, start + len(body)])
        i = e + len(END)
    return "".join(out), spans


def prefix_spans(source, globals_, messages, tools):
    """Each assistant turn: from the end of the prompt before it to the end of the text through it."""
    full = strip_generation(render(source, globals_, messages, tools, False))[0]
    spans = []
    for i, m in enumerate(messages):
        if m["role"] != "assistant":
            continue
        prompt = strip_generation(render(source, globals_, messages[:i], tools, True))[0]
        through = strip_generation(render(source, globals_, messages[: i + 1], tools, False))[0]
        assert full.startswith(through) and through.startswith(prompt), (messages, i)
        spans.append([len(prompt), len(through)])
    return full, spans


# ChatML with {% generation %} blocks, to check the prefix method against transformers' own.
CHATML_GENERATION = (
    "{% for message in messages %}"
    "{% if message['role'] == 'assistant' %}{{ '<|im_start|>assistant\\n' }}"
    "{% generation %}{{ message['content'] + '<|im_end|>\\n' }}{% endgeneration %}"
    "{% else %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}{% endif %}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")

TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "The weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]

CONVERSATIONS = {
    "single": [
        {"role": "user", "content": "Who are you?"},
        {"role": "assistant", "content": "I am Kiln, a model trained on the JVM."}],
    "system-two-rounds": [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "What is 2 + 2?"},
        {"role": "assistant", "content": "4"},
        {"role": "user", "content": "And 3 + 5?"},
        {"role": "assistant", "content": "8, which is 2 more than 6."}],
    "leading-whitespace": [
        {"role": "user", "content": "Indent this:"},
        {"role": "assistant", "content": "\n  indented\n\tand tabbed "}],
    "unicode": [
        {"role": "user", "content": "你好，世界 👋🏽"},
        {"role": "assistant", "content": "你好！Ça va? 🚀 naïve café"}],
    "three-rounds": [
        {"role": "user", "content": "a"}, {"role": "assistant", "content": "b"},
        {"role": "user", "content": "c"}, {"role": "assistant", "content": "d"},
        {"role": "user", "content": "e"}, {"role": "assistant", "content": "f g h"}],
}

TOOL_CONVERSATION = [
    {"role": "user", "content": "Weather in Paris?"},
    {"role": "assistant", "content": "", "tool_calls": [
        {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
    {"role": "tool", "content": "{\"temp\": 21}"},
    {"role": "assistant", "content": "It is 21 degrees in Paris."}]

PLAIN_TEXTS = ["The quick brown fox jumps over the lazy dog.",
               "  Leading spaces, a tab\tand a newline\nin a document. 中文 🚀"]


def shared_fixtures():
    for d in [MODULE, *MODULE.parents]:
        p = d / "shared/fixtures"
        if (p / "tokenizers").is_dir():
            return p
    return None


def tokenizer_json_from_skeleton(name, vocab, merges_lines, tmp):
    skeleton = json.loads((TOKENIZER_FIXTURES / f"goldens/{name}.tokenizer-skeleton.json").read_text())
    skeleton["model"]["vocab"] = vocab
    skeleton["model"]["merges"] = [m for m in merges_lines if m and not m.startswith("#version")]
    path = pathlib.Path(tmp) / f"{name}.json"
    path.write_text(json.dumps(skeleton))
    return path


def llama3_template():
    for line in TEMPLATES_JSONL.read_text().splitlines():
        entry = json.loads(line)
        if "llama3-instruct" in entry:
            return entry["llama3-instruct"]
    raise SystemExit("no llama3-instruct template in " + str(TEMPLATES_JSONL))


def setups(tmp):
    smollm = json.loads((TOKENIZER_FIXTURES / "fixtures/smollm/tokenizer.json").read_text())
    smollm["padding"] = None
    smollm["truncation"] = None
    smollm_path = pathlib.Path(tmp) / "smollm.json"
    smollm_path.write_text(json.dumps(smollm))
    out = [{"tokenizer": "smollm", "path": str(smollm_path), "template": "chatml-generation",
            "source": CHATML_GENERATION, "globals": {"eos_token": "<|im_end|>"}, "tools": False}]
    shared = shared_fixtures()
    if shared is None:
        print("shared fixtures not found: qwen2 and llama-3 cases left out", file=sys.stderr)
        return out
    tok = shared / "tokenizers"
    qwen_config = json.loads((tok / "qwen2/tokenizer_config.json").read_text())
    qwen = tokenizer_json_from_skeleton("qwen2", json.loads((tok / "qwen2/vocab.json").read_text()),
                                        (tok / "qwen2/merges.txt").read_text().splitlines(), tmp)
    out.append({"tokenizer": "qwen2", "path": str(qwen), "template": "qwen2.5",
                "source": qwen_config["chat_template"], "globals": {"eos_token": "<|im_end|>"}, "tools": True})
    llama = tokenizer_json_from_skeleton("llama-3", json.loads((tok / "llama-3/encoder.json").read_text()),
                                         (tok / "llama-3/vocab.bpe").read_text().splitlines(), tmp)
    out.append({"tokenizer": "llama-3", "path": str(llama), "template": "llama3-instruct",
                "source": llama3_template(),
                "globals": {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"}, "tools": False})
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--deps", required=True, help="a folder where src/test/node/package.json was npm-installed")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        jobs, templates = [], {}
        for setup in setups(tmp):
            templates[setup["template"]] = {"source": setup["source"], "globals": setup["globals"]}
            conversations = dict(CONVERSATIONS)
            if setup["tools"]:
                conversations["tools"] = TOOL_CONVERSATION
            for name, messages in conversations.items():
                tools = TOOLS if name == "tools" else []
                marked = render(setup["source"], setup["globals"], messages, tools, False)
                text, generation = strip_generation(marked)
                full, spans = prefix_spans(setup["source"], setup["globals"], messages, tools)
                assert full == text
                if generation:
                    assert generation == spans, (name, generation, spans)
                for loss_scale in ["default", "last_round"]:
                    chosen = spans if loss_scale == "default" else spans[-1:]
                    jobs.append({"name": f"{setup['tokenizer']}/{name}/{loss_scale}", "tokenizer": setup["tokenizer"],
                                 "tokenizer_path": setup["path"], "template": setup["template"], "mode": "chat",
                                 "loss_scale": loss_scale, "messages": messages, "tools": tools,
                                 "text": text, "spans": chosen})
            for i, text in enumerate(PLAIN_TEXTS):
                jobs.append({"name": f"{setup['tokenizer']}/plain-{i}", "tokenizer": setup["tokenizer"],
                             "tokenizer_path": setup["path"], "mode": "plain", "loss_scale": "all",
                             "messages": [{"role": "assistant", "content": text}], "tools": [], "text": text,
                             "spans": []})
        jobs_file = pathlib.Path(tmp) / "jobs.json"
        jobs_file.write_text(json.dumps(jobs, ensure_ascii=False))
        node = MODULE / "src/test/node/token_masks.mjs"
        result = subprocess.run(["node", str(node), "--deps", args.deps, str(jobs_file)],
                                check=True, capture_output=True, text=True)
        cases = json.loads(result.stdout)
    for c in cases:
        del c["tokenizer_path"]
        del c["spans"]
    OUT.write_text(json.dumps({
        "generator": "src/test/python/make_label_goldens.py (jinja2 " + jinja2.__version__
                     + ") + src/test/node/token_masks.mjs (@anush008/tokenizers 0.6.0)",
        "templates": templates, "cases": cases}, ensure_ascii=False, indent=1) + "\n")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
