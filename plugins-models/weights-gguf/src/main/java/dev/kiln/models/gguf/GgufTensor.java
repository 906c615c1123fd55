package dev.kiln.models.gguf;

import dev.kiln.api.weights.TensorInfo;

/** A tensor of a GGUF file: what it is and where its bytes lie ({@code offset} from file start). */
record GgufTensor(TensorInfo info, GgmlType type, long offset, long byteSize) {
}
