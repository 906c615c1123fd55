#!/usr/bin/env python3
"""Renders every chat template of the test fixtures (and the bundle's built-in templates) with
Python jinja2, configured the way Hugging Face transformers configures it for chat templates, and
writes the results to src/test/resources/goldens/chat-templates.json.

Run from the module directory (plugins-models/chat-templates):

    python3 src/test/python/make_goldens.py

Needs only jinja2 >= 3.1 (the goldens were made with 3.1.6). transformers is not imported: the
environment of transformers/utils/chat_template_utils.py (_compile_jinja_template and
render_jinja_template) is rebuilt below, with one change: strftime_now reads a fixed clock so that
the goldens do not change with the date. The Java test gives its engine the same fixed clock.
"""

import datetime
import json
import pathlib
import sys

import jinja2
import jinja2.ext
import jinja2.nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

MODULE = pathlib.Path(__file__).resolve().parents[3]
FIXTURES = MODULE / "src/test/resources/fixtures"
BUILTINS = MODULE / "src/main/resources/dev/kiln/models/chat/templates"
GOLDEN = MODULE / "src/test/resources/goldens/chat-templates.json"

FIXED_NOW = datetime.datetime(2025, 1, 2, 3, 4, 5)
GLOBALS = {"bos_token": "<s>", "eos_token": "</s>"}

# The tokens of the built-in templates, as in kiln's BuiltinTemplate classes.
BUILTIN_TOKENS = {
    "chatml": {"eos_token": "<|im_end|>"},
    "llama3": {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"},
    "llama2": {"bos_token": "<s>", "eos_token": "</s>"},
    "qwen": {"eos_token": "<|im_end|>"},
    "alpaca": {"bos_token": "<s>", "eos_token": "</s>"},
    "default": {"bos_token": "<s>", "eos_token": "</s>"},
}


# --- the transformers environment ---------------------------------------------------------------

class GenerationTag(jinja2.ext.Extension):
    """transformers' AssistantTracker: {% generation %}...{% endgeneration %} renders its body
    unchanged (the tracking of assistant spans is not part of the rendered text)."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_render_body"), [], [], body).set_lineno(lineno)

    def _render_body(self, caller):
        return caller()


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    # As transformers: json.dumps without jinja's HTML escaping, with its options exposed.
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(fmt):
    return FIXED_NOW.strftime(fmt)


def make_environment():
    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[GenerationTag, jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def render(template, case, tokens):
    """As transformers' render_jinja_template: messages, tools (None when there are none),
    documents=None, add_generation_prompt, then the special tokens and the extra variables."""
    kwargs = dict(tokens)
    kwargs.update(case["variables"])
    return template.render(
        messages=case["messages"],
        tools=case["tools"] or None,
        documents=None,
        add_generation_prompt=case["add_generation_prompt"],
        **kwargs)


# --- the conversations -------------------------------------------------------------------------

def message(role, content, **extra):
    # role, content, then the extra fields by name: the order the Java side gives a message's keys.
    m = {"role": role, "content": content}
    for key in sorted(extra):
        m[key] = extra[key]
    return m


TOOLS = [
    {"type": "function", "function": {
        "name": "get_weather",
        "description": "Get the current weather — in a city",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string", "description": "City name, e.g. Paris"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["location"],
        },
    }},
    {"type": "function", "function": {
        "name": "add",
        "description": "Add two numbers",
        "parameters": {
            "type": "object",
            "properties": {
                "a": {"type": "number", "description": "first"},
                "b": {"type": "number", "default": 0.5, "nullable": True},
            },
            "required": ["a", "b"],
        },
    }},
]

WEATHER_CALL = {"id": "call_1", "type": "function",
                "function": {"name": "get_weather", "arguments": {"location": "Paris", "unit": "celsius"}}}
ADD_CALL = {"id": "call_2", "type": "function",
            "function": {"name": "add", "arguments": {"a": 2, "b": 0.5}}}


def case(messages, add_generation_prompt, tools=(), **variables):
    return {"messages": messages, "add_generation_prompt": add_generation_prompt,
            "tools": list(tools), "variables": variables}


CASES = {
    "user": case([message("user", "Hello!")], True),
    "user-no-generation-prompt": case([message("user", "Hello!")], False),
    "system-user": case([message("system", "You are a helpful assistant."),
                         message("user", "What is 2+2?")], True),
    "system-user-assistant-user": case([message("system", "You are terse."),
                                        message("user", "Hi"),
                                        message("assistant", "Hello. How can I help?"),
                                        message("user", "Tell me a joke.")], True),
    "multi-turn-training": case([message("user", "What is the capital of France?"),
                                 message("assistant", "Paris."),
                                 message("user", "And of Italy?"),
                                 message("assistant", "Rome.")], False),
    "unicode-and-whitespace": case([message("system", "  Tu es un assistant. 你好  "),
                                    message("user", "  Ça va? 🚀 \"quoted\" \\ <b>tag</b>\n  "),
                                    message("assistant", "Très bien — merci! ✓\n"),
                                    message("user", "Ünïcödé\ttab")], True),
    "tools": case([message("system", "You can call tools."),
                   message("user", "What's the weather in Paris?")], True, TOOLS),
    "tool-calls": case([message("user", "What's the weather in Paris?"),
                        message("assistant", "", tool_calls=[WEATHER_CALL]),
                        message("tool", "{\"temperature\": 22, \"unit\": \"celsius\"}",
                                tool_call_id="call_1", name="get_weather"),
                        message("assistant", "It is 22°C in Paris.")], False, TOOLS),
    "tool-results-generation": case([message("user", "Weather in Paris, and 2+0.5?"),
                                      message("assistant", "Let me check.", tool_calls=[WEATHER_CALL, ADD_CALL]),
                                      message("tool", "{\"temperature\": 22}", tool_call_id="call_1",
                                              name="get_weather"),
                                      message("tool", "2.5", tool_call_id="call_2", name="add")], True, TOOLS),
    "reasoning": case([message("user", "What is 2+2?"),
                       message("assistant", "2+2 is 4.", reasoning_content="Two plus two makes four."),
                       message("user", "And 3+3?")], True, enable_thinking=True),
    "thinking-off": case([message("user", "Quick: 1+1?")], True, enable_thinking=False),
    "assistant-first": case([message("assistant", "I speak first."),
                             message("user", "Hello")], True),
    "user-user": case([message("user", "One"), message("user", "Two")], True),
    "no-messages": case([], True),
}


# --- small templates for the language's corners -------------------------------------------------

# Rendered with SNIPPET_VARIABLES; each checks one rule of jinja2 that chat templates rely on.
SNIPPET_VARIABLES = {"items": [3, 1, 2], "user": {"name": "Ada", "tags": ["x", "y"]}, "text": "  Hello, World  ",
                     "n": 7, "f": 2.5, "flag": True, "nothing": None}

SNIPPETS = [
    # scoping
    "{% set c = 'a' %}{% for m in [1,2] %}{{ c }}{% set c = 'b' %}{{ c }}{% endfor %}{{ c }}",
    "{% for m in [1,2] %}{% if m == 2 %}{{ c }}{% endif %}{% set c = m %}{% endfor %}[{{ c }}]",
    "{% macro m() %}{{ x }}{% endmacro %}{% set x = 1 %}{{ m() }}",
    "{% set x = 1 %}{% macro m() %}{{ x }}{% endmacro %}{% set x = 2 %}{{ m() }}",
    "{% for i in [1] %}{% set y = 5 %}{% macro m() %}{{ y }}{% endmacro %}{{ m() }}{% endfor %}",
    "{% if true %}{% set z = 3 %}{% endif %}{{ z }}",
    "{% set ns = namespace(a=1) %}{% for i in range(3) %}{% set ns.a = ns.a + i %}{% endfor %}{{ ns.a }}",
    "{% set a, b = 1, 2 %}{{ b }}{{ a }}{% with q = 4 %}{{ q }}{% endwith %}{{ q }}",
    "{% set x %}a{{ 1 }}b{% endset %}{{ x }}|{{ x is string }}{% set y | upper %}up{% endset %}{{ y }}",
    "{% filter upper %}shout {{ user.name }}{% endfilter %}",
    # loops
    "{% for x in items if x > 1 %}{{ loop.index }}:{{ x }}{{ loop.previtem }}{{ loop.nextitem }}{{ loop.length }},{% endfor %}",
    "{% for x in [] %}a{% else %}empty{% endfor %}{% for x in items %}{% if x == 1 %}{% break %}{% endif %}{{ x }}{% endfor %}",
    "{% for x in items %}{% if x == 1 %}{% continue %}{% endif %}{{ x }}{{ loop.cycle('a', 'b') }}{{ loop.revindex0 }}{% endfor %}",
    "{% for k, v in user.items() %}{{ k }}={{ v }};{% endfor %}{% for k in user %}{{ k }}{% endfor %}",
    "{% for k, v in user | dictsort(reverse=true) %}{{ k }}{% endfor %}{% for c in 'héllo' %}[{{ c }}]{% endfor %}",
    # values and operators
    "{{ [1, 'a', 1.5, none, true, {'k': (1,2)}] }} {{ (1,) }} {{ () }} {{ {'a': 'x'} }}",
    "{{ 1e16 }} {{ 1.5e-5 }} {{ 0.1 + 0.2 }} {{ 10 / 4 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 2 ** -1 }} {{ 1e100 }} {{ 123456789.0 }}",
    "{{ 'x' * 3 }}{{ 'It\\'s' }}{{ \"a\\tb\" }}{{ 'x' ~ 1.0 ~ none ~ true }}{{ -n|abs }}{{ n is odd }}",
    "{{ undefinedvar == undefinedvar2 }}{{ none == none }}{{ 1 == 1.0 }}{{ true == 1 }}{{ (1, 2) == [1, 2] }}{{ 'b' > 'a' }}",
    "{{ 'ell' in 'hello' }}{{ 2 in items }}{{ 'name' in user }}{{ 'x' not in user.tags }}{{ 1 < n < 10 }}",
    "{{ 'yes' if flag else 'no' }}{{ 'shown' if false }}|{{ nothing is none }}{{ nothing }}{{ flag and 'a' or 'b' }}",
    "{{ \"it's\" }}{{ [\"it's\", 'a\"b', '\\n', 'é🚀'] }}",
    # strings: python methods and filters
    "{{ text.strip() }}|{{ text.lstrip() }}|{{ text.rstrip() }}|{{ text|trim }}|{{ 'xxhixx'.strip('x') }}",
    "{{ 'a b  c'.split() }}{{ 'a,b,,c'.split(',') }}{{ 'a,b,c'.split(',', 1) }}{{ 'a,b,c'.rsplit(',', 1) }}",
    "{{ 'hello world'.title() }}|{{ 'hello-world foo'|title }}|{{ 'hELLO'|capitalize }}|{{ 'x'.upper() }}{{ 'Y'|lower }}",
    "{{ text.startswith('  He') }}{{ text.endswith(('x', '  ')) }}{{ 'abc'.replace('b', 'B') }}{{ 'aaa'|replace('a', 'b', 2) }}",
    "{{ 'abc'[::-1] }}{{ items[1:] }}{{ 'héllo🚀x'[-2:] }}{{ 'héllo🚀x'|length }}{{ items[-1] }}{{ 'abc'|reverse }}",
    "{{ ', '.join(user.tags) }}{{ user.tags|join('-') }}{{ items|sort|list }}{{ items|sort(reverse=true)|first }}{{ items|max }}{{ items|sum }}",
    "{{ user.tags|map('upper')|list }}{{ [user, user]|map(attribute='name')|join }}{{ items|select('odd')|list }}{{ items|reject('odd')|list }}",
    "{{ [user]|selectattr('name', 'equalto', 'Ada')|list|length }}{{ [1, 1, 2]|unique|list }}{{ 'a\\nb'|indent(2, true) }}",
    "{{ f|round }}{{ 3.14159|round(2) }}{{ '42'|int + 1 }}{{ 'x'|int }}{{ '1.5'|float }}{{ n|string }}{{ [true, none]|string }}",
    "{{ user|tojson }}|{{ user|tojson(indent=2) }}|{{ {'b': 1, 'a': 'é\"<'}|tojson(sort_keys=true) }}|{{ [1.0, 2]|tojson(separators=(',', ':')) }}",
    "{{ user.get('name') }}{{ user.get('missing', 'dflt') }}{{ user.keys()|list }}{{ missing|default('d') }}{{ ''|default('e', true) }}",
    "{{ '%s is %d' % ('n', n) }}|{{ '{} and {}'.format(1, 'b') }}|{{ text|wordcount }}|{{ 'ab'|center(6) }}|",
    # Markup escapes the other operand of +
    "{{ ('<b>'|safe) + '<i>' }}{{ '<i>' + ('<b>'|safe) }}{{ ('<'|safe) ~ '<' }}{{ '<&>'|e }}",
    # undefined
    "[{{ missing }}][{{ missing.attr is defined }}]",
    "{{ missing.attr }}",
    "{{ missing() }}",
    "{{ missing + 'a' }}",
    "{{ missing ~ 'a' }}{{ 'a' in missing }}{{ missing is sequence }}{{ missing is iterable }}{{ missing|length }}",
    "{{ user.nosuch.deeper }}",
    "[{{ items[5] }}]{{ items[5].x }}",
    "{{ user.name.nosuch() }}",
    "{% macro m(a, b=2) %}{{ a }}{{ b }}{{ kwargs }}{{ varargs }}{% endmacro %}{{ m(1) }}{{ m(1, 3, 4, c=5) }}",
    "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1, z=2) }}",
    "{% macro m(a) %}[{{ a }}]{% endmacro %}{{ m() }}",
    # runtime errors
    "{{ [1,2].append(3) }}",
    "{{ user.update({}) }}",
    "{{ 'a' + 1 }}",
    "{{ nothing + 'a' }}",
    "{{ 1 / 0 }}",
    "{{ raise_exception('custom message: ' ~ n) }}",
    "{% for x in nothing %}{% endfor %}",
    "{% if flag %}{{ x | nosuch }}{% endif %}ok",
    "{% if false %}{{ x | nosuch }}{% endif %}ok",
    "{% set a, b = [1, 2, 3] %}",
    # whitespace control
    "  {% if true %}\n  x\n  {% endif %}\n  {{ 'y' }}\n{# c #}\n  z\n",
    "a\n{%+ if true %}b{% endif %}\n{%- if true -%}\n c \n{%- endif %}\nd\n",
    "{% raw %}{{ not rendered }}{% endraw %}\n  {%- raw -%}  x  {%- endraw %}|",
    "line1\r\nline2\r{{- ' joined' }}\n\n",
    "{#- a -#}  text  {#+ b +#}\n  {# c #}  more",
    "{% for m in [1, 2] -%}\n  {{ m }}\n{%- endfor %}\n{%+ for m in [1] %}  {{ m }}\n{% endfor +%}\nend",
    "{{ strftime_now('%Y-%m-%d %H:%M:%S %B %b %A %a %j %p') }}",
    # does not parse
    "{% if x %}unclosed",
    "{{ 1 + }}",
    "line\n{% endfor %}",
    "{{ x | nosuch }}",
    "{{ x is nosuch }}",
    "a\n  {% do x %}",
    "{{ 'unterminated }}",
    "{{ (1, 2] }}",
]


def render_snippets(env):
    results = []
    for source in SNIPPETS:
        try:
            results.append({"source": source, "output": env.from_string(source).render(**SNIPPET_VARIABLES)})
        except jinja2.exceptions.TemplateSyntaxError as e:  # also TemplateAssertionError: both are compile time
            results.append({"source": source, "error": "TemplateSyntaxError", "message": e.message,
                            "line": e.lineno})
        except jinja2.exceptions.TemplateError as e:
            results.append({"source": source, "error": type(e).__name__, "message": e.message})
        except Exception as e:
            results.append({"source": source, "error": type(e).__name__, "message": str(e)})
    return results


# --- the templates -----------------------------------------------------------------------------

def fixture_templates():
    """(id, path relative to the module, source) for every fixture template."""
    jsonl = FIXTURES / "ollama/templates.jsonl"
    for index, line in enumerate(jsonl.read_text(encoding="utf-8").splitlines()):
        for name, source in json.loads(line).items():
            yield f"ollama-{index:02d}-{name}", f"{rel(jsonl)}#{index}", source
    for path in sorted((FIXTURES / "ollama/renderers").iterdir()):
        yield f"ollama-{path.name.split('_chat_template')[0]}", rel(path), path.read_text(encoding="utf-8")
    for path in sorted((FIXTURES / "hf").glob("*.jinja")):
        yield f"hf-{path.stem}", rel(path), path.read_text(encoding="utf-8")


def rel(path):
    return str(path.relative_to(MODULE))


def render_all(env, source, tokens):
    template = env.from_string(source)
    results = {}
    for name, c in CASES.items():
        try:
            results[name] = {"output": render(template, c, tokens)}
        except jinja2.exceptions.TemplateError as e:  # raise_exception, UndefinedError, SecurityError
            results[name] = {"error": type(e).__name__, "message": e.message}
        except Exception as e:  # TypeError, ValueError, ... from the template's own expressions
            results[name] = {"error": type(e).__name__, "message": str(e)}
    return results


def main():
    env = make_environment()
    templates = {}
    for template_id, path, source in fixture_templates():
        templates[template_id] = {"source": path, "globals": GLOBALS, "results": render_all(env, source, GLOBALS)}
    builtins = {}
    for name, tokens in BUILTIN_TOKENS.items():
        path = BUILTINS / f"{name}.jinja"
        builtins[name] = {"source": rel(path), "globals": tokens,
                          "results": render_all(env, path.read_text(encoding="utf-8"), tokens)}
    golden = {
        "generator": "src/test/python/make_goldens.py",
        "jinja2": jinja2.__version__,
        "now": FIXED_NOW.isoformat(),
        "conversations": CASES,
        "templates": templates,
        "builtins": builtins,
        "snippet_variables": SNIPPET_VARIABLES,
        "snippets": render_snippets(env),
    }
    GOLDEN.write_text(json.dumps(golden, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    renders = sum(len(t["results"]) for t in list(templates.values()) + list(builtins.values()))
    errors = sum(1 for t in list(templates.values()) + list(builtins.values())
                 for r in t["results"].values() if "error" in r)
    print(f"{len(templates)} fixture templates, {len(builtins)} built-ins, {renders} renderings "
          f"({errors} errors) -> {rel(GOLDEN)}", file=sys.stderr)


if __name__ == "__main__":
    main()
