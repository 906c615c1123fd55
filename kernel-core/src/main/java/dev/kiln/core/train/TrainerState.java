package dev.kiln.core.train;

import dev.kiln.core.data.DataPosition;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where a run stands, saved as {@code trainer_state.json} in every checkpoint with the keys
 * transformers writes ({@code global_step}, {@code epoch}, {@code log_history}, ...) and Kiln's
 * own under {@code kiln_}: the position in the data and the tokens trained on, which resuming
 * needs.
 */
public final class TrainerState {

    private long globalStep;
    private double epoch;
    private long maxSteps;
    private double numTrainEpochs;
    private int loggingSteps;
    private int evalSteps;
    private int saveSteps;
    private int trainBatchSize;
    private long tokensSeen;
    private DataPosition dataPosition = DataPosition.start();
    private Double bestMetric;
    private String bestModelCheckpoint;
    private final List<Map<String, Object>> logHistory = new ArrayList<>();

    TrainerState() {}

    /** The optimizer steps done. */
    public long globalStep() {
        return globalStep;
    }

    /** Epochs done, fractional: {@code epoch + steps done in it / steps per epoch}. */
    public double epoch() {
        return epoch;
    }

    /** The steps of the whole run. */
    public long maxSteps() {
        return maxSteps;
    }

    /** Non-padding tokens the model was trained on so far. */
    public long tokensSeen() {
        return tokensSeen;
    }

    /** Where the next batch comes from. */
    public DataPosition dataPosition() {
        return dataPosition;
    }

    /** Every logged entry, oldest first: training logs, evaluations, the final summary. */
    public List<Map<String, Object>> logHistory() {
        return Collections.unmodifiableList(logHistory);
    }

    /** The lowest eval_loss so far, if any evaluation ran. */
    public Double bestMetric() {
        return bestMetric;
    }

    void configure(long maxSteps, double numTrainEpochs, TrainingArguments args, int batchSize) {
        this.maxSteps = maxSteps;
        this.numTrainEpochs = numTrainEpochs;
        this.loggingSteps = args.loggingSteps();
        this.evalSteps = args.evalSteps();
        this.saveSteps = args.saveSteps();
        this.trainBatchSize = batchSize;
    }

    void stepDone(double epoch, DataPosition position, long tokens) {
        globalStep++;
        this.epoch = epoch;
        this.dataPosition = position;
        this.tokensSeen += tokens;
    }

    void log(Map<String, Object> entry) {
        logHistory.add(Collections.unmodifiableMap(new LinkedHashMap<>(entry)));
    }

    /** Records an evaluation's loss; true when it is the best so far. */
    boolean evaluated(double evalLoss, String checkpoint) {
        if (bestMetric == null || evalLoss < bestMetric) {
            bestMetric = evalLoss;
            bestModelCheckpoint = checkpoint;
            return true;
        }
        return false;
    }

    /** As transformers' {@code TrainerState.save_to_json} writes it: keys sorted. */
    public Map<String, Object> toJson() {
        Map<String, Object> json = new TreeMap<>();
        json.put("best_metric", bestMetric);
        json.put("best_model_checkpoint", bestModelCheckpoint);
        json.put("epoch", epoch);
        json.put("eval_steps", evalSteps);
        json.put("global_step", globalStep);
        json.put("is_hyper_param_search", false);
        json.put("is_local_process_zero", true);
        json.put("is_world_process_zero", true);
        List<Map<String, Object>> history = new ArrayList<>();
        logHistory.forEach(entry -> history.add(new TreeMap<>(entry)));
        json.put("log_history", history);
        json.put("logging_steps", loggingSteps);
        json.put("max_steps", maxSteps);
        json.put("num_input_tokens_seen", tokensSeen);
        json.put("num_train_epochs", numTrainEpochs);
        json.put("save_steps", saveSteps);
        json.put("total_flos", 0);
        json.put("train_batch_size", trainBatchSize);
        json.put("trial_name", null);
        json.put("trial_params", null);
        Map<String, Object> position = new LinkedHashMap<>();
        position.put("epoch", dataPosition.epoch());
        position.put("batches_done", dataPosition.batchesDone());
        json.put("kiln_data_position", position);
        return json;
    }

    /**
     * Reads what {@link #toJson()} wrote.
     *
     * @throws IllegalArgumentException naming {@code origin} and the key that is missing or wrong
     */
    static TrainerState fromJson(Map<String, Object> json, String origin) {
        TrainerState state = new TrainerState();
        state.globalStep = number(json, "global_step", origin).longValue();
        state.epoch = number(json, "epoch", origin).doubleValue();
        state.maxSteps = number(json, "max_steps", origin).longValue();
        state.numTrainEpochs = number(json, "num_train_epochs", origin).doubleValue();
        state.loggingSteps = number(json, "logging_steps", origin).intValue();
        state.evalSteps = number(json, "eval_steps", origin).intValue();
        state.saveSteps = number(json, "save_steps", origin).intValue();
        state.trainBatchSize = number(json, "train_batch_size", origin).intValue();
        state.tokensSeen = number(json, "num_input_tokens_seen", origin).longValue();
        if (json.get("best_metric") instanceof Number best) {
            state.bestMetric = best.doubleValue();
        }
        if (json.get("best_model_checkpoint") instanceof String best) {
            state.bestModelCheckpoint = best;
        }
        if (!(json.get("kiln_data_position") instanceof Map<?, ?> position)) {
            throw new IllegalArgumentException(origin + ": no 'kiln_data_position'; only checkpoints"
                    + " Kiln wrote can be resumed");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> p = (Map<String, Object>) position;
        state.dataPosition = new DataPosition(number(p, "epoch", origin).intValue(),
                number(p, "batches_done", origin).longValue());
        if (!(json.get("log_history") instanceof List<?> history)) {
            throw new IllegalArgumentException(origin + ": 'log_history' is missing or not a list");
        }
        for (Object entry : history) {
            if (!(entry instanceof Map<?, ?> map)) {
                throw new IllegalArgumentException(origin + ": an entry of 'log_history' is not an"
                        + " object: " + entry);
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> typed = (Map<String, Object>) map;
            state.log(typed);
        }
        return state;
    }

    private static Number number(Map<String, Object> json, String key, String origin) {
        if (!(json.get(key) instanceof Number value)) {
            throw new IllegalArgumentException(origin + ": '" + key + "' is missing or not a number: "
                    + json.get(key));
        }
        return value;
    }
}
