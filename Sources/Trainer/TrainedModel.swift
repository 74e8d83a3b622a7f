import Data
import Foundation
import NN
import RunSchema
import Tensor

/// A trained model loaded for use (`sample`, `eval`, `export`): the weights of a checkpoint, the
/// model config it recorded, and what its run directory says about the data it was trained on.
///
/// The path is a run directory (its `checkpoint.safetensors`) or a checkpoint file (a kept
/// `checkpoint_step<N>.safetensors`, or one copied elsewhere); the run directory is then the
/// file's directory. The model shape comes from the checkpoint's own metadata, so a checkpoint
/// loads even where no config.json sits beside it; the data directory (and with it the
/// tokenizer, meta.json) comes from config.json's `data.dir` when there is one.
public final class TrainedModel {
    public let model: GPT
    public let checkpoint: URL
    /// The training step the checkpoint was saved at.
    public let step: Int?
    public let runDirectory: URL
    /// The run's config.json, when the directory has a readable one.
    public let runConfig: TrainConfig?

    public init(path: String) throws {
        let url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw CheckpointError("\(path): no such run directory or checkpoint file")
        }
        if isDirectory.boolValue {
            let files = RunFiles(url)
            guard files.hasCheckpoint else {
                throw CheckpointError("\(path): no \(files.checkpoint.lastPathComponent) in this directory (not a run directory, or a run that has not saved a checkpoint yet)")
            }
            checkpoint = files.checkpoint
            runDirectory = url
        } else {
            checkpoint = url
            runDirectory = url.deletingLastPathComponent()
        }
        let file = try SafeTensors.open(checkpoint)
        guard let saved = file.metadata["model"] else {
            throw CheckpointError("\(checkpoint.path): not a WindTunnel checkpoint (its metadata has no 'model' config)")
        }
        let config: GPTConfig
        do { config = try ConfigLoading.decode(GPTConfig.self, from: Data(saved.utf8), source: checkpoint.path + " (metadata 'model')") } catch {
            throw CheckpointError("\(error)")
        }
        model = GPT(config)
        for p in model.namedParameters() {
            p.tensor.makeUnique()
            try file.read(p.name, shape: p.tensor.shape, into: p.tensor.data)
        }
        for (name, t) in model.namedBuffers() {
            t.makeUnique()
            try file.read(name, shape: t.shape, into: t.data)
        }
        step = file.metadata["step"].flatMap { Int($0) }
        let configURL = RunFiles(runDirectory).config
        if FileManager.default.fileExists(atPath: configURL.path) {
            let bytes: Data
            do { bytes = try Data(contentsOf: configURL) } catch {
                throw TrainingError("\(configURL.path): cannot read (\(FileErrors.reason(error)))")
            }
            runConfig = try ConfigLoading.decode(TrainConfig.self, from: bytes, source: configURL.path)
        } else {
            runConfig = nil
        }
    }

    public var config: GPTConfig { model.config }

    /// The data directory: `override` (a command's `--data`) or the run's `data.dir`.
    public func dataDirectory(override: String? = nil) -> URL? {
        (override ?? runConfig?.data.dir).map { URL(fileURLWithPath: $0) }
    }

    /// The tokenizer of the data the model reads (meta.json of `dataDirectory(override:)`), or a
    /// `TrainingError` saying why there is none.
    public func tokenizer(dataOverride: String? = nil) throws -> any Tokenizer {
        guard let dir = dataDirectory(override: dataOverride) else {
            throw TrainingError("\(checkpoint.path): no tokenizer: there is no config.json beside the checkpoint naming its data directory; pass --data DIR (a token directory with meta.json)")
        }
        let meta = dir.appendingPathComponent(DatasetMeta.fileName)
        let source = dataOverride == nil ? " (data.dir of \(RunFiles(runDirectory).config.path))" : ""
        guard FileManager.default.fileExists(atPath: meta.path) else {
            throw TrainingError("\(checkpoint.path): no tokenizer: \(meta.path)\(source) does not exist (token files without meta.json carry no vocabulary); pass --data DIR with a meta.json")
        }
        let tokenizer = try DatasetMeta.load(from: meta).makeTokenizer()
        guard tokenizer.vocabSize <= config.vocabSize else {
            throw TrainingError("\(meta.path): its \(tokenizer.kind.rawValue) tokenizer has \(tokenizer.vocabSize) tokens but the model's vocab_size is \(config.vocabSize) (a different dataset?)")
        }
        return tokenizer
    }
}
