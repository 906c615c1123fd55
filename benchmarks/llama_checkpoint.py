#!/usr/bin/python3
"""Writes the random Llama checkpoint of inference-vs-torch.sh, in Hugging Face's layout.

  llama_checkpoint.py DIR

DIR/f32 and DIR/bf16 each get config.json (LlamaForCausalLM), model.safetensors (written by
hand: an 8-byte little-endian header length, the JSON header, the raw tensors), tokenizer.json
and tokenizer_config.json (the Llama-2 tokenizer of tokenizer-hf's test fixtures: jlama refuses a
model directory without one; the benchmark feeds token ids, so no text is ever tokenized).
DIR/prompt.json holds the random token ids every side of the benchmark feeds.

The model: hidden 768, 12 layers, 12 heads (no GQA), intermediate 2560, vocabulary 32000,
untied lm_head (as Llama 2): 148.3M parameters, 123.7M of them read per decoded token (all but
the embedding table, of which a token reads one row). Weights are drawn as Hugging Face
initializes LlamaForCausalLM (normal, std initializer_range = 0.02; RMSNorm weights 1), seeded;
the bf16 checkpoint is the f32 one rounded to nearest even, so both are the same model.

Regenerating gives the same bytes (a fixed seed): the file is not committed, only this script.
"""
import json
import os
import shutil
import struct
import sys

import torch

HIDDEN = 768
LAYERS = 12
HEADS = 12
KV_HEADS = 12
INTERMEDIATE = 2560
VOCAB = 32000
MAX_POSITIONS = 2048
INIT_STD = 0.02
SEED = 20261124
PROMPT_TOKENS = 512
TOKENIZER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "plugins-models",
                         "tokenizer-hf", "src", "test", "resources", "fixtures", "llama-2")

SAFETENSORS_DTYPES = {torch.float32: "F32", torch.bfloat16: "BF16"}
CONFIG_DTYPES = {torch.float32: "float32", torch.bfloat16: "bfloat16"}


def config(dtype):
    return {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": HIDDEN,
        "intermediate_size": INTERMEDIATE,
        "num_attention_heads": HEADS,
        "num_key_value_heads": KV_HEADS,
        "num_hidden_layers": LAYERS,
        "vocab_size": VOCAB,
        "max_position_embeddings": MAX_POSITIONS,
        "rms_norm_eps": 1e-5,
        "rope_theta": 10000.0,
        "rope_scaling": None,
        "hidden_act": "silu",
        "attention_bias": False,
        "mlp_bias": False,
        "tie_word_embeddings": False,
        "initializer_range": INIT_STD,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "torch_dtype": CONFIG_DTYPES[dtype],
        "use_cache": True,
    }


def parameters():
    """The checkpoint's tensors by Hugging Face name, in float32, in a fixed order."""
    generator = torch.Generator().manual_seed(SEED)

    def normal(*shape):
        return torch.empty(*shape).normal_(0.0, INIT_STD, generator=generator)

    head_dim = HIDDEN // HEADS
    tensors = {"model.embed_tokens.weight": normal(VOCAB, HIDDEN)}
    for layer in range(LAYERS):
        prefix = "model.layers.%d." % layer
        tensors[prefix + "input_layernorm.weight"] = torch.ones(HIDDEN)
        tensors[prefix + "self_attn.q_proj.weight"] = normal(HEADS * head_dim, HIDDEN)
        tensors[prefix + "self_attn.k_proj.weight"] = normal(KV_HEADS * head_dim, HIDDEN)
        tensors[prefix + "self_attn.v_proj.weight"] = normal(KV_HEADS * head_dim, HIDDEN)
        tensors[prefix + "self_attn.o_proj.weight"] = normal(HIDDEN, HEADS * head_dim)
        tensors[prefix + "post_attention_layernorm.weight"] = torch.ones(HIDDEN)
        tensors[prefix + "mlp.gate_proj.weight"] = normal(INTERMEDIATE, HIDDEN)
        tensors[prefix + "mlp.up_proj.weight"] = normal(INTERMEDIATE, HIDDEN)
        tensors[prefix + "mlp.down_proj.weight"] = normal(HIDDEN, INTERMEDIATE)
    tensors["model.norm.weight"] = torch.ones(HIDDEN)
    tensors["lm_head.weight"] = normal(VOCAB, HIDDEN)
    return tensors


def raw_bytes(tensor):
    """The tensor's little-endian bytes (bf16 through an int16 view: numpy has no bf16)."""
    tensor = tensor.contiguous()
    if tensor.dtype == torch.bfloat16:
        tensor = tensor.view(torch.int16)
    return tensor.numpy().tobytes()


def write_safetensors(path, tensors):
    header, offset = {}, 0
    for name, tensor in tensors.items():
        size = tensor.numel() * tensor.element_size()
        header[name] = {"dtype": SAFETENSORS_DTYPES[tensor.dtype], "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + size]}
        offset += size
    header["__metadata__"] = {"format": "pt"}
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)  # the data starts 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for tensor in tensors.values():
            f.write(raw_bytes(tensor))


def write_model(directory, tensors, dtype):
    os.makedirs(directory, exist_ok=True)
    write_safetensors(os.path.join(directory, "model.safetensors"),
                      {name: t.to(dtype) for name, t in tensors.items()})
    with open(os.path.join(directory, "config.json"), "w") as f:
        json.dump(config(dtype), f, indent=2)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(os.path.join(TOKENIZER, name), os.path.join(directory, name))


def main(root):
    tensors = parameters()
    total = sum(t.numel() for t in tensors.values())
    for dtype, name in ((torch.float32, "f32"), (torch.bfloat16, "bf16")):
        write_model(os.path.join(root, name), tensors, dtype)
    generator = torch.Generator().manual_seed(SEED + 1)
    # Ids above the Llama-2 tokenizer's specials (0 unk, 1 bos, 2 eos).
    prompt = torch.randint(3, VOCAB, (PROMPT_TOKENS,), generator=generator).tolist()
    with open(os.path.join(root, "prompt.json"), "w") as f:
        json.dump({"token_ids": prompt}, f)
    print("wrote %s: %.1fM parameters, f32 and bf16" % (root, total / 1e6))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
