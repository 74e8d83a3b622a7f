import ArgumentParser
import Data
import Foundation
import NN
import RunSchema
import Tensor
import Trainer

struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Generate text from a trained model, streaming tokens as they are drawn.",
        discussion: """
            RUN_DIR uses its checkpoint.safetensors; a checkpoint file works too. Text is encoded and \
            decoded with the tokenizer of the run's data (meta.json of config.json's data.dir, or of \
            --data). The model sees at most context_length tokens: a longer prompt keeps its last \
            context_length tokens (a sliding window), and when generation fills the window the model \
            continues from the last half of it. Generation uses a KV cache (cost linear in length). \
            The same --seed gives the same text.
            """
    )

    @Argument(help: ArgumentHelp("Run directory or checkpoint file.", valueName: "run-dir|checkpoint")) var model: String
    @Option(help: "Text to continue (default: a newline).") var prompt = "\n"
    @Option(help: "Tokens to generate per sample.") var tokens = 200
    @Option(help: "Softmax temperature; 0 = greedy.") var temperature: Float = 0.8
    @Option(help: "Sample only from the k most likely tokens.") var topK: Int?
    @Option(help: "Random seed.") var seed: UInt64 = 1337
    @Option(help: "Number of samples (separated by a line of dashes).") var count = 1
    @Option(help: "Token directory whose meta.json holds the tokenizer (default: the run's data.dir).") var data: String?
    @OptionGroup var runtime: RuntimeOptions

    func validate() throws {
        if tokens <= 0 { throw ValidationError("--tokens must be ≥ 1, got \(tokens)") }
        if !(temperature >= 0) || !temperature.isFinite { throw ValidationError("--temperature must be ≥ 0, got \(temperature)") }
        if let topK, topK < 1 { throw ValidationError("--top-k must be ≥ 1, got \(topK)") }
        if count < 1 { throw ValidationError("--count must be ≥ 1, got \(count)") }
    }

    func run() throws {
        try runtime.apply()
        let trained = try modelErrors { try TrainedModel(path: model) }
        let tokenizer = try modelErrors { try trained.tokenizer(dataOverride: data) }
        let ids: [UInt16]
        do { ids = try tokenizer.encode(prompt) } catch {
            throw CLIError("--prompt: \(error)")
        }
        guard !ids.isEmpty else { throw CLIError("--prompt \(prompt.debugDescription) encodes to no tokens; give some text") }
        let prompt = ids.map { Int32($0) }
        if prompt.count > trained.config.contextLength {
            FileHandle.standardError.write(Data("prompt has \(prompt.count) tokens; the model sees the last \(trained.config.contextLength) (context_length)\n".utf8))
        }
        let generator = Generator(model: trained.model)
        let options = SamplingOptions(temperature: temperature, topK: topK)
        var rng = RandomState(seed: seed)
        let out = FileHandle.standardOutput
        for i in 0..<count {
            if i > 0 { out.write(Data("\n---------------\n".utf8)) }
            out.write(Data(tokenizer.decodeBytes(ids)))
            generator.generate(prompt: prompt, count: tokens, options: options, rng: &rng) { token in
                // Raw bytes: a multi-byte character split across BPE/byte tokens is completed by
                // the next write, as the terminal assembles it.
                out.write(Data(tokenizer.decodeBytes([token])))
            }
        }
        out.write(Data("\n".utf8))
    }
}

/// Runs `body`, turning the library's user errors (checkpoint, config, data, training) into one
/// CLI error line.
func modelErrors<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as CLIError { throw e } catch let e as DataError { throw CLIError(e.message) } catch {
        throw CLIError(FileErrors.message(error))
    }
}
