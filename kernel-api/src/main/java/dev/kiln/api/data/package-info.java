/**
 * Datasets: {@link dev.kiln.api.data.DatasetSource} services open what a {@link
 * dev.kiln.api.data.DatasetSpec} names and yield raw {@link dev.kiln.api.data.Row}s; {@link
 * dev.kiln.api.data.RowFormat} services recognise a row's fields (alpaca, sharegpt, messages,
 * ...) and convert it to the standard {@link dev.kiln.api.data.Sample}.
 */
@Export
@Version("1.1.0")
package dev.kiln.api.data;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
