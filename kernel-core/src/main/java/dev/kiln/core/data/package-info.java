/**
 * Training data, from dataset specs to batches, for the trainer (kernel-core internal).
 *
 * <pre>
 * --dataset specs ──DatasetLoader──> Samples ──SampleEncoder──> EncodedSamples ──Batcher──> Batches
 *   DatasetSource services            RowFormat services          chat template + tokenizer
 *   (the caller passes the lists)     #N, split, placeholders     labels, truncation        padding/packing, order
 * </pre>
 *
 * {@link dev.kiln.core.data.DataPipeline} does all of it in one call; with {@code --streaming}
 * {@link dev.kiln.core.data.DatasetLoader#stream} and {@link dev.kiln.core.data.StreamingBatcher}
 * read as training goes. Batches follow the segment-id attention contract of
 * {@link dev.kiln.api.model.CausalLM#forward(dev.kiln.api.tensor.Tensor, dev.kiln.api.tensor.Tensor,
 * dev.kiln.api.tensor.Tensor, dev.kiln.api.model.KvCache)}; their order is a function of the seed
 * and the epoch, and a {@link dev.kiln.core.data.DataPosition} resumes it.
 */
package dev.kiln.core.data;
