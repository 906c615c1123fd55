package dev.kiln.core.train.job;

import static dev.kiln.core.train.job.Option.Kind.BOOL;
import static dev.kiln.core.train.job.Option.Kind.DOUBLE;
import static dev.kiln.core.train.job.Option.Kind.INT;
import static dev.kiln.core.train.job.Option.Kind.LIST;
import static dev.kiln.core.train.job.Option.Kind.LONG;
import static dev.kiln.core.train.job.Option.Kind.PATH;
import static dev.kiln.core.train.job.Option.Kind.STRING;

import dev.kiln.api.command.CommandSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The options of {@code kiln sft} and {@code kiln pt}, with ms-swift 3.x's names and defaults
 * (and ms-swift 4's {@code --tuner_type} as another name of {@code --train_type}). Each is also
 * a key of a {@code --config} YAML file. The tuner's own options are handed to the tuner as a map
 * when given; defaults that depend on other options ({@code --learning_rate} by train type,
 * {@code --gradient_accumulation_steps} by batch size, {@code --eval_steps},
 * {@code --max_length}, {@code --data_seed}) are resolved by the job.
 */
public final class TrainOptions {

    /** Options that belong to the tuner (ms-swift's tuner arguments), passed through by name. */
    public static final List<String> TUNER_OPTIONS = List.of("lora_rank", "lora_alpha",
            "lora_dropout", "target_modules", "target_regex", "init_weights", "use_rslora",
            "use_dora", "lora_bias", "modules_to_save", "lorap_lr_ratio", "freeze_parameters",
            "freeze_parameters_ratio", "trainable_parameters");

    private TrainOptions() {}

    /** Every option of the command; {@code pretraining} for {@code kiln pt}. */
    public static List<Option> table(boolean pretraining) {
        List<Option> t = new ArrayList<>();
        t.add(Option.of("config", PATH, null, "FILE.yaml",
                "Read the options from this YAML file (flat 'key: value' lines and lists); the"
                        + " command line wins over it."));
        // the model
        t.add(Option.of("model", STRING, null, "DIR|ORG/NAME",
                "The model: a Hugging Face directory (for pt, config.json and a tokenizer are"
                        + " enough: the weights are initialized from --seed), or a hub id."));
        t.add(Option.of("train_type", STRING, "lora", "NAME",
                "The tuner: full, lora, ... (installed tuners; 'kiln plugins' lists them).")
                .withAlias("tuner_type"));
        t.add(Option.of("torch_dtype", STRING, "auto", "DTYPE",
                "The base weights' dtype in memory for adapter training (float32, bfloat16,"
                        + " float16, auto: the checkpoint's); full training keeps float32."));
        t.add(Option.of("device", STRING, null, "NAME[:INDEX]",
                "The backend to train on (see 'kiln backends')."));
        t.add(Option.of("use_hf", BOOL, "true", null,
                "Download a hub id from Hugging Face (HF_ENDPOINT); false: ModelScope."));
        t.add(Option.of("template", STRING, null, "NAME",
                "A built-in chat template instead of the model's own (sft)."));
        t.add(Option.of("system", STRING, null, "TEXT",
                "The system message of conversations that have none (sft)."));
        t.add(Option.of("model_name", LIST, null, "NAME",
                "The model's name for self-cognition data: one name, or Chinese then English."));
        t.add(Option.of("model_author", LIST, null, "NAME",
                "The model's author for self-cognition data: one name, or Chinese then English."));
        // the data
        t.add(Option.of("dataset", LIST, null, "SPEC",
                "Training datasets: files (.jsonl .json .csv .txt .parquet), builtin:NAME, with"
                        + " ':subset' and '#N' rows as ms-swift writes them; several are mixed."));
        t.add(Option.of("val_dataset", LIST, null, "SPEC", "Validation datasets."));
        t.add(Option.of("split_dataset_ratio", DOUBLE, "0.0", null,
                "The share of each training dataset held out for validation."));
        t.add(Option.of("max_length", INT, null, "N",
                "The longest sample in tokens (default: the model's max_position_embeddings, or"
                        + " 2048)."));
        t.add(Option.of("truncation_strategy", STRING, "delete", "delete|left|right",
                "What happens to longer samples: left out, or cut."));
        t.add(Option.of("loss_scale", STRING, pretraining ? "all" : "default",
                "default|last_round|all", "Which tokens take loss."));
        t.add(Option.of("packing", BOOL, "false", null,
                "Pack several samples into each --max_length row (attention stays inside each)."));
        t.add(Option.of("group_by_length", BOOL, "false", null,
                "Batch samples of similar length together."));
        t.add(Option.of("streaming", BOOL, "false", null,
                "Read the training data as training goes, for data larger than memory (needs"
                        + " --max_steps)."));
        t.add(Option.of("strict", BOOL, "true", null,
                "Stop at a malformed row (true), or skip and count such rows (false)."));
        t.add(Option.of("data_seed", LONG, null, null, "Seeds sampling and shuffling the data (default: --seed)."));
        // the tuner
        t.add(Option.of("lora_rank", INT, null, null, "LoRA: the adapters' rank (tuner default 8)."));
        t.add(Option.of("lora_alpha", DOUBLE, null, null, "LoRA: alpha, scaling the update by alpha/rank (tuner default 32)."));
        t.add(Option.of("lora_dropout", DOUBLE, null, null, "LoRA: dropout on the adapters' input (tuner default 0.05)."));
        t.add(Option.of("target_modules", LIST, null, "NAME",
                "LoRA: the linear layers to adapt, by name suffix, or all-linear (tuner default)."));
        t.add(Option.of("target_regex", STRING, null, "REGEX", "LoRA: the layers to adapt, as a regular expression."));
        t.add(Option.of("init_weights", STRING, null, "true|false|gaussian|...", "LoRA: how the adapters start."));
        t.add(Option.of("use_rslora", BOOL, null, null, "LoRA: scale by alpha/sqrt(rank) (rank-stabilized)."));
        t.add(Option.of("use_dora", BOOL, null, null, "DoRA adapters (a tuner that supports them)."));
        t.add(Option.of("lora_bias", STRING, null, "none|all|lora_only", "LoRA: which biases train."));
        t.add(Option.of("modules_to_save", LIST, null, "NAME", "Whole modules trained and saved beside the adapters."));
        t.add(Option.of("lorap_lr_ratio", DOUBLE, null, null, "LoRA+: the learning-rate ratio of B to A."));
        t.add(Option.of("freeze_parameters", LIST, null, "PREFIX", "full: parameters (by name prefix) left frozen."));
        t.add(Option.of("freeze_parameters_ratio", DOUBLE, null, null, "full: the share of parameters, from the bottom, left frozen."));
        t.add(Option.of("trainable_parameters", LIST, null, "PREFIX", "full: parameters trained even when frozen above."));
        // the training
        t.add(Option.of("output_dir", PATH, "output", "DIR",
                "Where runs go: each in its own vN-YYYYMMDD-HHMMSS directory."));
        t.add(Option.of("add_version", BOOL, "true", null,
                "Put the run in a new vN-timestamp directory under --output_dir (false: in it)."));
        t.add(Option.of("num_train_epochs", DOUBLE, "3", null, "Epochs to train."));
        t.add(Option.of("max_steps", LONG, "-1", null, "Optimizer steps to train, instead of the epochs."));
        t.add(Option.of("per_device_train_batch_size", INT, "1", null, "Rows per micro-batch."));
        t.add(Option.of("per_device_eval_batch_size", INT, "1", null, "Rows per evaluation batch."));
        t.add(Option.of("gradient_accumulation_steps", INT, null, null,
                "Micro-batches per optimizer step (default: ceil(16 / batch size), as ms-swift)."));
        t.add(Option.of("learning_rate", DOUBLE, null, null,
                "The peak learning rate (default: 1e-5 for full, 1e-4 for adapters)."));
        t.add(Option.of("lr_scheduler_type", STRING, "cosine", "linear|cosine|constant|constant_with_warmup",
                "The learning-rate schedule, as transformers' get_scheduler."));
        t.add(Option.of("warmup_ratio", DOUBLE, "0.05", null, "The share of steps that warm the rate up."));
        t.add(Option.of("warmup_steps", INT, "0", null, "Warmup steps; above 0 it wins over --warmup_ratio."));
        t.add(Option.of("weight_decay", DOUBLE, "0.1", null, "AdamW's decoupled weight decay."));
        t.add(Option.of("adam_beta1", DOUBLE, "0.9", null, "AdamW's beta1."));
        t.add(Option.of("adam_beta2", DOUBLE, "0.95", null, "AdamW's beta2."));
        t.add(Option.of("adam_epsilon", DOUBLE, "1e-8", null, "AdamW's epsilon."));
        t.add(Option.of("max_grad_norm", DOUBLE, "1.0", null, "Clip the global gradient norm to this (0: off)."));
        t.add(Option.of("gradient_checkpointing", BOOL, "true", null,
                "Recompute each decoder layer in backward: less memory, about a third more compute."));
        t.add(Option.of("seed", LONG, "42", null, "Seeds initialization, adapters, dropout and data."));
        t.add(Option.of("logging_steps", INT, "5", null, "Log every N steps (and the first and last)."));
        t.add(Option.of("eval_steps", INT, null, null, "Evaluate every N steps (default: --save_steps)."));
        t.add(Option.of("save_steps", INT, "500", null, "Save a checkpoint every N steps (and at the end)."));
        t.add(Option.of("save_total_limit", INT, null, null, "Keep only the newest N checkpoints."));
        t.add(Option.of("resume_from_checkpoint", PATH, null, "DIR",
                "Continue the run of this checkpoint-N directory exactly where it stopped."));
        return List.copyOf(t);
    }

    /** The command's spec from the table. */
    public static CommandSpec spec(boolean pretraining) {
        CommandSpec.Builder b = CommandSpec.summary(pretraining
                ? "Pretrain a model on plain text (loss on every token)."
                : "Fine-tune a model on conversations (supervised fine-tuning).");
        b.description("Options follow ms-swift 3.x's names (ms-swift 4's --tuner_type is accepted for"
                + " --train_type); --config FILE.yaml reads them from a YAML file, where the command"
                + " line wins. Progress, logging.jsonl, checkpoints and the loss curve go to a new"
                + " vN-YYYYMMDD-HHMMSS directory under --output_dir; Ctrl-C saves a checkpoint first.");
        table(pretraining).forEach(o -> b.option(o.spec()));
        return b.build();
    }
}
