import ArgumentParser
import CCPUProbe
import Foundation
import Tensor

/// `windtunnel`: the one CLI. Each verb is a thin subcommand in its own file; the work lives in
/// the library modules (see README "Where things live").
@main
struct WindTunnel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "windtunnel",
        abstract: "Language-model scaling experiments on a CPU workstation.",
        subcommands: [TrainCommand.self, DataCommand.self, SweepCommand.self, FitCommand.self, PredictCommand.self, PlotCommand.self, BenchCommand.self, CheckCommand.self, SampleCommand.self, EvalCommand.self, ExportCommand.self]
    )

    /// Exit statuses (DESIGN.md): 0 success, 1 user error (one line on stderr first), 2 usage
    /// error. argument-parser reports usage errors as 64 (EX_USAGE); map them to 2.
    static func main() {
        #if KERNELS_NEED_AVX2_FMA
        // The kernel modules were compiled for AVX2+FMA (WINDTUNNEL_TARGET_CPU, Package.swift);
        // on an older CPU they would die of SIGILL somewhere mid-run. This check runs first and
        // is itself portable code.
        if wt_cpu_supports_avx2_fma() == 0 {
            FileHandle.standardError.write(Data(("error: this windtunnel was built for AVX2+FMA CPUs (WINDTUNNEL_TARGET_CPU) "
                + "and this CPU lacks them; rebuild with WINDTUNNEL_TARGET_CPU=generic make build\n").utf8))
            Foundation.exit(1)
        }
        #endif
        // OpenBLAS picks its kernels when it loads; on CPUs it does not recognise it falls back
        // to SSE3 ones, 4–6× slower here (BLASKernels.swift). Re-exec once with better ones.
        BLASKernels.reexecWithBetterKernelsIfNeeded()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// Options every compute-heavy subcommand shares.
struct RuntimeOptions: ParsableArguments {
    @Option(help: "Threads for BLAS and our kernels (default: WINDTUNNEL_THREADS or all cores).")
    var threads: Int?

    func apply() throws {
        let resolved: (count: Int, note: String?)
        do { resolved = try Threads.resolve(threads) } catch { throw CLIError("\(error)") }
        if let note = resolved.note { FileHandle.standardError.write(Data((note + "\n").utf8)) }
        Threads.configure(resolved.count)
    }
}

/// A user error: printed as one line on stderr (details may follow), exit status 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
