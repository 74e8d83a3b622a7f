import ArgumentParser
import Data
import Foundation
import Trainer

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a trained model as a Hugging Face transformers model directory.",
        discussion: """
            --format hf: config.json + model.safetensors, loadable with \
            AutoModelForCausalLM.from_pretrained(DIR). Learned positions + layernorm + gelu/relu \
            become GPT2LMHeadModel; rope + rmsnorm + swiglu become LlamaForCausalLM. μP/CompleteP \
            forward multipliers are folded into the weights. Other combinations and MoE models are \
            refused, naming the field. The dataset's meta.json is copied as windtunnel_meta.json; \
            a char or byte vocabulary is also written as tokenizer.json (BPE is not). DIR must not \
            exist; it appears only when complete. README "Sample, eval, export" has the mapping.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case hf }

    @Argument(help: ArgumentHelp("Run directory or checkpoint file.", valueName: "run-dir|checkpoint")) var model: String
    @Option(help: "Output format: hf.") var format: Format
    @Option(help: "Output directory (must not exist).") var out: String
    @Option(help: "Token directory whose meta.json is copied (default: the run's data.dir).") var data: String?

    func run() throws {
        let trained = try modelErrors { try TrainedModel(path: model) }
        let meta = trained.dataDirectory(override: data)?.appendingPathComponent(DatasetMeta.fileName)
        let outcome = try modelErrors { try HFExport.export(trained, to: URL(fileURLWithPath: out), meta: meta) }
        print("wrote \(out): \(outcome.architecture) (\(outcome.files.joined(separator: ", ")))")
        for note in outcome.notes { print("  \(note)") }
    }
}
